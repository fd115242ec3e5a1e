"""The opinions share of seed_demo: a few thousand opinions moving through every stage of the five forms.

The texts come from the labelled set in `data/labelled.csv` (synthetic, both scripts, with near-duplicates;
see data/README.md), spread over the demo city's units.  Each district groups its opinions by topic into
problems — as staff would after reviewing the grouping proposals — and forwards most of them; the
responsible units reply, note progress and rectify; whoever raised them rates the effect, and samples rate
some more.  Some deadlines have passed (escalated to the organisation above), a few problems are listed
publicly and one per district is circulated.  Everything goes through the services (actor None: the
system), so the audit trail and the figures are what real use would make.  The city scale adds nothing: its
benchmark measures the campaign, and bench/opinions_tables.py seeds its own year of opinions.
"""

from __future__ import annotations

import csv
import datetime
import random
import zlib
from collections import defaultdict
from pathlib import Path

from django.utils import timezone

from vanguard.campaigns.models import Campaign
from vanguard.core.demo import DemoContext, Scale
from vanguard.opinions import services
from vanguard.opinions.models import (
    Aspect,
    Category,
    Channel,
    Direction,
    MonitoringLevel,
    Opinion,
    Problem,
    ProblemStatus,
    SourceGroup,
    Verdict,
)
from vanguard.orgs.models import Kind, Organisation

LABELLED = Path(__file__).resolve().parent / "data" / "labelled.csv"
OPINIONS = 3000
DIRECTIONS = [Direction.PUBLIC_OFFICIAL] * 6 + [Direction.DOWN_UP] * 2 + [Direction.BUSINESS_OFFICE] * 2
SURNAMES = ["王", "李", "张", "刘", "陈"]
CATEGORIES = [Category.AT_ONCE, Category.DEADLINE, Category.DEADLINE, Category.COORDINATED, Category.EXPLAIN]


def loaded() -> str:
    return "opinions" if Opinion.objects.exists() else ""


def seed(context: DemoContext, scale: Scale) -> None:
    if scale != "demo":
        return
    rng = random.Random(context.seed)
    today = timezone.localdate()
    campaign = Campaign.objects.order_by("pk").first()
    start = campaign.starts_on if campaign else today - datetime.timedelta(days=60)
    districts = list(context.organisations["tops"])
    for district in districts:
        services.open_page(organisation=district, actor=None, campaign=campaign, title=f"{district.name}征求意见")
    services.open_page(organisation=context.organisations["branch"], actor=None, campaign=campaign)
    made = _opinions(rng, districts, campaign, start, today)
    problems = _problems(rng, districts, made, campaign)
    _monitoring(rng, context, today)
    context.progress(
        f"opinions: {sum(len(v) for v in made.values())} opinions, {problems} problems, "
        f"{Problem.objects.filter(status=ProblemStatus.RECTIFIED).count()} rectified"
    )


def _rows() -> list[dict]:
    with LABELLED.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _opinions(rng, districts, campaign, start, today) -> dict:
    """{(district, topic): [opinion ids]} — opinions entered at units across each district, by channel."""
    rows = _rows()
    units = {
        d.pk: list(
            Organisation.objects.filter(path__startswith=d.path)
            .exclude(kind=Kind.PARTY_GROUP)
            .order_by("path")
            .values_list("pk", flat=True)[:40]
        )
        for d in districts
    }
    organisations = Organisation.objects.in_bulk([pk for pks in units.values() for pk in pks])
    span = max((today - start).days, 1)
    batches: dict[tuple[int, str], list[tuple[services.OpinionInput, str]]] = defaultdict(list)
    for _n in range(OPINIONS):
        row = rng.choice(rows)
        district = rng.choice(districts)
        unit = organisations[rng.choice(units[district.pk])]
        channel = rng.choice(Channel.values)
        contact = rng.random()
        opinion = services.OpinionInput(
            text=row["text"],
            direction=rng.choice(DIRECTIONS),
            source_group=rng.choice(SourceGroup.values),
            channel=channel,
            received_on=start + datetime.timedelta(days=rng.randrange(span)),
            name=rng.choice(["王", "李", "张", "刘", "陈"]) + rng.choice(["先生", "女士", "师傅"])
            if contact < 0.3
            else "",
            phone=f"139{rng.randrange(10**8):08d}" if contact < 0.2 else "",
        )
        batches[(unit.pk, channel)].append((opinion, f"{district.pk}|{row['group']}"))
    made: dict[tuple[int, str], list[int]] = defaultdict(list)
    for (unit_pk, _channel), items in batches.items():
        saved = services.enter_opinions(
            organisation=organisations[unit_pk], actor=None, rows=[i for i, _k in items], campaign=campaign
        )
        for opinion, (_input, key) in zip(saved, items, strict=True):
            district_pk, topic = key.split("|", 1)
            made[(int(district_pk), topic)].append(opinion.pk)
    return made


def _problems(rng, districts, made, campaign) -> int:
    """Each district's topics become problems and move on: some stay grouped, most are forwarded and beyond."""
    by_pk = {d.pk: d for d in districts}
    receivers = {d.pk: list(Organisation.objects.filter(parent=d).order_by("path")[:8]) or [d] for d in districts}
    today = timezone.localdate()
    count = 0
    for (district_pk, topic), ids in sorted(made.items()):
        # Some opinions wait ungrouped for the grouping workbench and its proposals.
        keep = [pk for pk in ids if rng.random() < 0.85]
        if not keep:
            continue
        district = by_pk[district_pk]
        problem = services.group_opinions(
            organisation=district, actor=None, opinion_ids=keep, title=topic, campaign=campaign
        )
        count += 1
        fate = rng.random()
        if fate < 0.1:
            continue
        responsible = receivers[district_pk][zlib.crc32(topic.encode()) % len(receivers[district_pk])]
        problem = services.forward(
            problem=problem,
            actor=None,
            responsible=responsible,
            deadline=today + datetime.timedelta(days=rng.randrange(5, 40)),
            category=rng.choice(CATEGORIES),
        )
        if fate < 0.25:
            # Forwarded long ago and past its deadline: the daily escalation will tell the organisation above.
            Problem.objects.filter(pk=problem.pk).update(deadline=today - datetime.timedelta(days=rng.randrange(1, 10)))
            continue
        if fate < 0.35:
            continue
        problem = services.reply(problem=problem, actor=None, text=f"关于“{topic}”，我们已研究并制定整改措施。")
        services.add_progress(problem=problem, actor=None, text="已召开专题会议，明确责任人和时间表。")
        if fate < 0.55:
            continue
        problem = services.rectify(problem=problem, actor=None, text=f"“{topic}”问题已按期整改到位。")
        raisers = list(problem.opinions.values_list("receipt", flat=True))
        for receipt in raisers[: max(1, len(raisers) // 2)]:
            verdict = rng.choices(Verdict.values, weights=[6, 3, 1])[0]
            services.rate_by_receipt(receipt=receipt, verdict=verdict)
        if fate > 0.9:
            services.rate_by_sample(
                problem=problem,
                actor=None,
                satisfied=rng.randrange(10, 30),
                basically=rng.randrange(3, 10),
                unsatisfied=rng.randrange(0, 5),
            )
    services.escalate_overdue(today=today)
    for district in districts:
        open_ones = Problem.objects.filter(
            org_path=district.path, status__in=[ProblemStatus.FORWARDED, ProblemStatus.REPLIED]
        ).order_by("deadline", "pk")
        for problem in open_ones[:3]:
            services.list_publicly(problem=problem, actor=None, listed=True)
        late = open_ones.filter(escalated_at__isnull=False).first()
        if late is not None:
            services.circulate(problem=late, actor=None, text=f"“{late.title}”逾期未整改，予以通报，限期整改到位。")
    return count


def _monitoring(rng, context: DemoContext, today: datetime.date) -> None:
    """三级两评 in the first district: its office, two stations (streets and towns), two points under each (their
    committees and branches), and three months of appraisals of the district's other units' conduct and efficiency."""
    district = context.organisations["district"]
    children = list(Organisation.objects.filter(parent=district).order_by("path"))
    station_orgs = children[:2]
    point_orgs = [
        (index, org)
        for index, station in enumerate(station_orgs)
        for org in Organisation.objects.filter(parent=station).order_by("path")[:2]
    ]
    subjects = children[2:] or children
    if len(station_orgs) < 2 or len(point_orgs) < 2:
        return
    office = services.designate_body(organisation=district, actor=None, level=MonitoringLevel.OFFICE)
    stations = [
        services.designate_body(organisation=org, actor=None, level=MonitoringLevel.STATION, parent=office)
        for org in station_orgs
    ]
    points = [
        services.designate_body(organisation=org, actor=None, level=MonitoringLevel.POINT, parent=stations[index])
        for index, org in point_orgs
    ]
    for months_ago in range(3):
        day = today - datetime.timedelta(days=30 * months_ago + 5)
        for point in points:
            for subject in subjects:
                for aspect in Aspect.values:
                    services.record_appraisal(
                        point=point,
                        actor=None,
                        subject=subject,
                        aspect=aspect,
                        appraised_on=day,
                        satisfied=rng.randrange(20, 60),
                        basically=rng.randrange(5, 20),
                        unsatisfied=rng.randrange(0, 10),
                    )
