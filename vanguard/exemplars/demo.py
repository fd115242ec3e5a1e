"""The share of seed_demo for typical examples, lecture groups and training classes.

Demo scale, through the services (audited): the office selects two exemplary members and an exemplary branch
and publicises one at a report meeting; the district sets up a lecture group with a typical example among its
lecturers, who give talks in the demo branch and elsewhere; the district holds a key-staff class for branch
secretaries, a skills class for laid-off members (one re-employed, one not yet, a resident not on the roll) and
another class; the demo branch holds its own key-staff class.

City scale, in bulk (no audit per row, as study's volume): the seed-000 totals spread over the grassroots
committees of every district: 3,574 key-staff classes with 25,949 places; 21,937 skills classes with 8,506
laid-off members trained, 4,419 of them re-employed (DOMAIN §9), each skills class also training a resident not
on the roll; 17 typical examples (seed 001) and a city lecture group of them with talks in every district.
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.utils import timezone

from vanguard.campaigns.models import Campaign
from vanguard.core import tree
from vanguard.core.demo import DemoContext, Scale
from vanguard.exemplars import services
from vanguard.exemplars.models import (
    AudienceKind,
    Channel,
    ClassKind,
    ExampleKind,
    Exemplar,
    GroupMember,
    GroupRole,
    LectureGroup,
    Outcome,
    Talk,
    Trainee,
    TrainingClass,
)
from vanguard.members.models import Category, Member
from vanguard.orgs.models import Organisation

KEY_STAFF_CLASSES = 3_574
KEY_STAFF_TRAINED = 25_949
SKILLS_CLASSES = 21_937
LAID_OFF_TRAINED = 8_506
RE_EMPLOYED = 4_419
EXAMPLES = 17
CITY_TALKS = 400
BATCH = 5_000
SKILLS = ("家政服务", "电工", "烹饪", "计算机操作", "汽车驾驶", "缝纫", "美容美发", "保安")


def loaded() -> str:
    return "training classes" if TrainingClass.objects.exists() else ""


def seed(context: DemoContext, scale: Scale) -> None:
    campaign = Campaign.objects.order_by("pk").first()
    if scale == "city":
        context.progress(seed_volume(campaign, rng=random.Random(context.seed)))
        return
    office, district_secretary = context.users.get("office"), context.users.get("yuzhong")
    branch_secretary = context.users.get("branch")
    if office is None or district_secretary is None or branch_secretary is None:
        return
    _demo_story(context, campaign, office, district_secretary, branch_secretary)
    context.progress(
        f"exemplars: {Exemplar.objects.count()} typical examples, {Talk.objects.count()} talks,"
        f" {TrainingClass.objects.count()} training classes, {Trainee.objects.count()} trainees"
    )


def _members(organisation: Organisation, n: int, **filters) -> list[Member]:
    return list(Member.objects.filter(tree.subtree_q("org_path", organisation.path), **filters).order_by("pk")[:n])


def _demo_story(context: DemoContext, campaign, office, district_secretary, branch_secretary) -> None:
    city, district, branch = (context.organisations[k] for k in ("city", "district", "branch"))
    today = timezone.localdate()
    start = min(campaign.starts_on, today) if campaign is not None else today - datetime.timedelta(days=60)
    before = start - datetime.timedelta(days=20)  # the preparation, before the campaign starts
    in_campaign = campaign if campaign is not None and tree.is_within(district.path, campaign.org_path) else None

    own = context.users.get("member")
    own_member = getattr(own, "member", None)
    stars = [m for m in _members(district, 4, category=Category.ORDINARY) if m != own_member][:2]
    if own_member is not None:
        stars = [own_member, *stars][:2]
    examples = [
        services.select_example(
            actor=office,
            selected_by=city,
            member=member,
            title=title,
            deeds=deeds,
            selected_on=before,
            campaign=in_campaign,
        )
        for member, (title, deeds) in zip(
            stars,
            (
                ("优秀共产党员", "扎根社区二十年，组建志愿服务队，帮助困难群众解决就业和住房问题。"),
                ("岗位建功标兵", "带领技术攻关小组完成三项技术革新，带徒十余名。"),
            ),
            strict=False,
        )
    ]
    services.select_example(
        actor=district_secretary,
        selected_by=district,
        organisation=branch,
        title="先进基层党组织",
        deeds="“三会一课”坚持经常，党员承诺公开，服务群众成效明显。",
        selected_on=before,
        campaign=in_campaign,
    )
    if examples:
        services.record_publicity(
            actor=office,
            example=examples[0],
            publicised_on=before + datetime.timedelta(days=5),
            channel=Channel.REPORT_MEETING,
            note="全市先进典型事迹报告会",
        )

    group = services.set_up_group(
        actor=district_secretary,
        organisation=district,
        name=f"{district.name}先进性教育宣讲团",
        set_up_on=before,
        campaign=in_campaign,
    )
    lecturers = [
        services.add_lecturer(
            actor=district_secretary, group=group, member=member, role=GroupRole.HEAD if i == 0 else GroupRole.LECTURER
        )
        for i, member in enumerate([*stars, *_members(district, 6, category=Category.LEADER)][:4])
    ]
    places = [branch, district, *Organisation.objects.filter(parent=district).order_by("path")[:2]]
    audiences = [(AudienceKind.MEMBERS, 60), (AudienceKind.CADRES, 120), (AudienceKind.PUBLIC, 300)]
    for i, place in enumerate(places):
        kind, size = audiences[i % len(audiences)]
        services.record_talk(
            actor=district_secretary,
            group=group,
            speaker=lecturers[i % len(lecturers)],
            given_at=place,
            given_on=before + datetime.timedelta(days=3 + i),
            topic="学习先进典型事迹，保持共产党员先进性",
            place="党员活动室",
            audience_kind=kind,
            audience_size=size,
        )

    key = services.open_class(
        actor=district_secretary,
        organisation=district,
        kind=ClassKind.KEY_STAFF,
        title="党支部书记先进性教育骨干培训班",
        starts_on=before,
        ends_on=before + datetime.timedelta(days=2),
        hours=24,
        campaign=in_campaign,
        place="区委党校",
    )
    for i, member in enumerate(_members(district, 8, category=Category.LEADER) or _members(district, 8)):
        trainee = services.enrol(actor=district_secretary, training_class=key, member=member)
        services.record_progress(
            actor=district_secretary, trainee=trainee, hours_attended=24 if i % 4 else 16, completed=bool(i % 4)
        )
    skills = services.open_class(
        actor=district_secretary,
        organisation=district,
        kind=ClassKind.SKILLS,
        title="下岗失业党员家政服务技能培训班",
        starts_on=before,
        ends_on=before + datetime.timedelta(days=10),
        hours=60,
        place="区就业培训中心",
    )
    outcomes = [Outcome.RE_EMPLOYED, Outcome.NOT_YET, Outcome.RE_EMPLOYED, Outcome.UNKNOWN]
    for i, member in enumerate(_members(district, 4, category=Category.LAID_OFF)):
        trainee = services.enrol(actor=district_secretary, training_class=skills, member=member)
        outcome = outcomes[i % len(outcomes)]
        services.record_progress(
            actor=district_secretary,
            trainee=trainee,
            hours_attended=60,
            completed=True,
            outcome=outcome,
            outcome_on=None if outcome == Outcome.UNKNOWN else min(today, before + datetime.timedelta(days=40)),
        )
    services.enrol(actor=district_secretary, training_class=skills, name="社区居民 刘桂兰", laid_off=True)
    services.open_class(
        actor=district_secretary,
        organisation=district,
        kind=ClassKind.OTHER,
        title="入党积极分子培训班",
        starts_on=start,
        ends_on=start + datetime.timedelta(days=1),
        hours=8,
    )
    own_class = services.open_class(
        actor=branch_secretary,
        organisation=branch,
        kind=ClassKind.KEY_STAFF,
        title="党小组长培训",
        starts_on=start,
        ends_on=start,
        hours=4,
        campaign=campaign if campaign is not None and tree.is_within(branch.path, campaign.org_path) else None,
    )
    for member in _members(branch, 3):
        trainee = services.enrol(actor=branch_secretary, training_class=own_class, member=member)
        services.record_progress(actor=branch_secretary, trainee=trainee, hours_attended=4, completed=True)


# --- the city's volume ---------------------------------------------------------------------------------------------

COMMITTEE_WIDTH = 3 * tree.SEGMENT_WIDTH  # the city, a district, a grassroots committee
KEY_STAFF_PER_CLASS = 8


def seed_volume(campaign: Campaign | None, *, rng: random.Random) -> str:
    """The seed totals in bulk; every trainee on the roll is a member of the organiser's subtree."""
    pools: dict[str, list[tuple[int, str]]] = {}
    laid_off: list[tuple[int, str, str]] = []
    for pk, path, name, category in Member.objects.values_list("pk", "org_path", "name", "category").iterator(
        chunk_size=20_000
    ):
        pool = pools.setdefault(path[:COMMITTEE_WIDTH], [])
        if len(pool) < 2 * KEY_STAFF_PER_CLASS:
            pool.append((pk, name))
        if category == Category.LAID_OFF and len(laid_off) < LAID_OFF_TRAINED:
            laid_off.append((pk, path, name))
    if not pools:
        return "exemplars: no members, no training"
    organisers = dict(Organisation.objects.filter(path__in=list(pools)).values_list("path", "pk"))
    committees = sorted(path for path, pool in pools.items() if len(pool) >= KEY_STAFF_PER_CLASS and path in organisers)
    committees = committees or sorted(path for path in pools if path in organisers)
    base = (campaign.starts_on if campaign is not None else timezone.localdate()) - datetime.timedelta(days=120)
    today = timezone.localdate()

    def dates(i: int) -> tuple[datetime.date, datetime.date]:
        first = base + datetime.timedelta(days=(i * 7) % 110)
        return first, first + datetime.timedelta(days=2 + i % 4)

    # Key-staff classes: 3,574 classes over the committees, 25,949 places (7 each, 8 in the first 931).
    classes = []
    for i in range(KEY_STAFF_CLASSES):
        path = committees[i % len(committees)]
        starts, ends = dates(i)
        classes.append(
            TrainingClass(
                organisation_id=organisers[path], org_path=path, kind=ClassKind.KEY_STAFF, title="党员骨干培训班",
                starts_on=starts, ends_on=ends, hours=Decimal(24), campaign=campaign,
            )
        )  # fmt: skip
    classes = TrainingClass.objects.bulk_create(classes, batch_size=BATCH)
    extra = KEY_STAFF_TRAINED - KEY_STAFF_CLASSES * (KEY_STAFF_TRAINED // KEY_STAFF_CLASSES)
    trainees = []
    for i, training in enumerate(classes):
        pool = pools[training.org_path]
        wanted = KEY_STAFF_TRAINED // KEY_STAFF_CLASSES + (1 if i < extra else 0)
        people = rng.sample(pool, min(wanted, len(pool)))
        people += [None] * (wanted - len(people))  # a committee with fewer members: staff not on the roll
        for n, person in enumerate(people):
            trainees.append(
                Trainee(
                    training_class=training, org_path=training.org_path, member_id=person[0] if person else None,
                    name=person[1] if person else f"骨干学员{n + 1}", hours_attended=Decimal(24 if n % 9 else 16),
                    completed=bool(n % 9),
                )
            )  # fmt: skip
    Trainee.objects.bulk_create(trainees, batch_size=BATCH)

    # Skills classes: the first 8,506 held where a laid-off member belongs, each with that member; every class
    # trains a resident not on the roll.  4,419 of the members re-employed, the rest not yet or not known.
    if not laid_off:  # a city without laid-off members on the roll still holds its skills classes
        laid_off = [(pk, path, name) for path, pool in pools.items() for pk, name in pool][:LAID_OFF_TRAINED]
    classes, places = [], []
    for i in range(SKILLS_CLASSES):
        member = laid_off[i % len(laid_off)] if i < LAID_OFF_TRAINED else None
        path = member[1][:COMMITTEE_WIDTH] if member else committees[i % len(committees)]
        starts, ends = dates(i)
        classes.append(
            TrainingClass(
                organisation_id=organisers[path], org_path=path, kind=ClassKind.SKILLS,
                title=f"{SKILLS[i % len(SKILLS)]}技能培训班", starts_on=starts, ends_on=ends, hours=Decimal(60),
            )
        )  # fmt: skip
        places.append(member)
    classes = TrainingClass.objects.bulk_create(classes, batch_size=BATCH)
    trainees = []
    for i, (training, member) in enumerate(zip(classes, places, strict=True)):
        if member is not None:
            outcome = Outcome.RE_EMPLOYED if i < RE_EMPLOYED else (Outcome.NOT_YET if i % 2 else Outcome.UNKNOWN)
            known = None if outcome == Outcome.UNKNOWN else min(today, training.ends_on + datetime.timedelta(days=30))
            trainees.append(
                Trainee(
                    training_class=training, org_path=training.org_path, member_id=member[0], name=member[2],
                    laid_off=True, hours_attended=Decimal(60), completed=True, outcome=outcome,
                    outcome_on=known,
                )
            )  # fmt: skip
        trainees.append(
            Trainee(
                training_class=training, org_path=training.org_path, name=f"社区居民{i + 1}", laid_off=True,
                hours_attended=Decimal(60), completed=bool(i % 5),
            )
        )  # fmt: skip
    Trainee.objects.bulk_create(trainees, batch_size=BATCH)
    _city_examples(campaign, pools, organisers, committees, base, rng)
    return (
        f"exemplars: {KEY_STAFF_CLASSES} key-staff classes ({KEY_STAFF_TRAINED} trained), {SKILLS_CLASSES} skills"
        f" classes ({LAID_OFF_TRAINED} laid-off members trained, {RE_EMPLOYED} re-employed)"
    )


def _city_examples(campaign, pools, organisers, committees, base: datetime.date, rng: random.Random) -> None:
    """Seed 001's 17 typical examples (selected by the city), a city lecture group of them and its talks."""
    root = Organisation.objects.filter(parent__isnull=True).order_by("pk").first()
    chosen = [pools[path][0] for path in committees[:: max(1, len(committees) // EXAMPLES)]][:EXAMPLES]
    members = {
        m.pk: m
        for m in Member.objects.filter(pk__in=[pk for pk, _n in chosen]).only("pk", "organisation_id", "org_path")
    }
    Exemplar.objects.bulk_create(
        [
            Exemplar(
                kind=ExampleKind.MEMBER, member_id=pk, organisation_id=members[pk].organisation_id,
                org_path=members[pk].org_path, selected_by=root, selected_by_path=root.path, campaign=campaign,
                title="优秀共产党员", deeds="立足岗位作贡献，带领群众共同致富。", selected_on=base,
                publicised_on=base + datetime.timedelta(days=10), channel=Channel.REPORT_MEETING,
            )
            for pk, _name in chosen
        ]
    )  # fmt: skip
    group = LectureGroup.objects.create(
        organisation=root, org_path=root.path, name="市先进典型事迹报告团", campaign=campaign, set_up_on=base
    )
    lecturers = GroupMember.objects.bulk_create(
        [GroupMember(group=group, org_path=root.path, member_id=pk) for pk, _name in chosen]
    )
    kinds = list(AudienceKind.values)
    Talk.objects.bulk_create(
        [
            Talk(
                group=group, group_path=root.path, speaker=lecturers[i % len(lecturers)],
                given_at_id=organisers[committees[i % len(committees)]], org_path=committees[i % len(committees)],
                given_on=base + datetime.timedelta(days=1 + i % 100), topic="先进典型事迹报告",
                audience_kind=kinds[i % len(kinds)], audience_size=rng.randint(50, 800),
            )
            for i in range(CITY_TALKS)
        ],
        batch_size=BATCH,
    )  # fmt: skip
