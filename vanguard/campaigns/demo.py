"""Campaigns' share of seed_demo: a campaign in progress, supervision groups, notices partly read, briefings.

The campaign comes from the shipped template (`definitions/`), created for the
whole city by the campaign office with its start in the past, so that units
stand in every phase: finished, ahead, on time, behind (their steps overdue),
waiting for acceptance, returned with reasons.  Where each unit stands is one
plan for both scales (`unit_targets`: the batch's place in its calendar today
decides the mix, a hash of the unit's key picks its share), carried out two ways:

- `demo` (~200 units): the corner of the city the demo logins act in (the
  branch secretary's committee) goes through the services, unit by unit: step
  records with evidence (meeting records, numbers, checklists, small
  documents), the phase workflow with acceptance by the groups or the office,
  so the audit trail, the meetings and the tallies are what real use would
  leave.  The rest of the demo city takes the city path below: the shipped
  template has some 28 steps, and the services for every unit would make
  seed_demo take minutes.
- `city` (~58,000 units, a million and more step records) cannot: a step
  through `services.record_step` costs milliseconds (locks, tally upkeep, an
  audit entry), hours for the whole city.  `advance_set_based` writes the same
  states with a few hundred grouped statements (an UPDATE of the units and an
  INSERT…SELECT of the records and acceptances per batch, share and class),
  records without evidence, then recounts the roll-ups with `tallies.rebuild`.

Both leave the tallies equal to a rebuild (campaigns/tests/test_demo.py).
"""

from __future__ import annotations

import datetime
import math
import random
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.core.files.base import ContentFile
from django.db import connection
from django.utils import timezone

from vanguard.accounts.scoping import Action, can_at_path
from vanguard.campaigns import blueprints, notices, services, supervision, tallies
from vanguard.campaigns.models import (
    Acceptance,
    AcceptanceRequest,
    Batch,
    Briefing,
    Campaign,
    CampaignTemplate,
    Decision,
    GroupKind,
    Notice,
    NoticeReceipt,
    Phase,
    Step,
    StepRecord,
    SupervisionGroup,
    Unit,
    UnitClass,
    UnitState,
    Visibility,
    Window,
)
from vanguard.campaigns.workflows import responsible_for
from vanguard.core import tree
from vanguard.core.demo import DemoContext, Scale
from vanguard.orgs.models import Kind, Organisation

DEFINITIONS = Path(__file__).resolve().parent / "definitions"
TEMPLATE_FILE = "xianjinxing.yaml"
CAMPAIGN_NAME = "保持共产党员先进性教育活动"
THEME = "做风正心齐表率、树美好山城形象"
BUCKETS = 100
RETURN_REASONS = [
    "动员大会记录缺少缺席人员及原因，请补充后重新申请验收。",
    "学习心得篇数不足，部分党员未按要求完成学习笔记。",
    "党性分析材料未按规定范围公示，请公示后再申请。",
    "整改方案措施不具体，缺少责任人和完成时限。",
]


def seed(context: DemoContext, scale: Scale) -> None:
    template = shipped_template()
    city = context.organisations.get("city") or Organisation.objects.filter(parent__isnull=True).order_by("path")[0]
    today = timezone.localdate()
    if scale == "city":
        campaign = start_campaign(template, city, today=today, actor=None)
        made = advance_set_based(campaign, today=today)
        context.progress(f"campaign: {Unit.objects.filter(campaign=campaign).count()} units, {made} step records")
        _city_notice(campaign)
        return
    office = context.users["office"]
    campaign = start_campaign(template, city, today=today, actor=office, tops=context.organisations.get("tops"))
    _groups(context, campaign)
    # The demo logins' own corner goes through the services; the rest of the city by the statements (see above).
    corner = context.organisations["branch"].parent.parent
    made = advance_through_services(campaign, context.users, today=today, within=corner.path)
    made += advance_set_based(campaign, today=today, outside=corner.path)
    context.progress(f"campaign: {campaign.units.count()} units, {made} step records")
    _notices(context, campaign)
    _briefings(context, campaign)


def loaded() -> str:
    return "campaigns" if Campaign.objects.exists() else ""


def shipped_template() -> CampaignTemplate:
    """The full campaign of DOMAIN §2 from `definitions/`, installed through the blueprints loader."""
    path = DEFINITIONS / TEMPLATE_FILE
    template, _written = blueprints.install(path.read_text(encoding="utf-8"), source_name=path.name)
    return template


# ---------------------------------------------------------------- the campaign and its calendar


def start_date(definition: dict, today: datetime.date) -> datetime.date:
    """A start that puts today half-way through the last batch's second phase (its first when it has one).

    Every batch has then begun; the earlier ones are further along, mostly
    finished, as in the real campaign where the third batch ran a year after the first.
    """
    last = max(definition["batches"], key=lambda b: b.get("starts_after_days", 0))
    schedule = sorted(last["schedule"], key=lambda entry: entry["start_day"])
    window = schedule[1] if len(schedule) > 1 else schedule[0]
    return today - datetime.timedelta(days=last.get("starts_after_days", 0) + window["start_day"] + window["days"] // 2)


def start_campaign(
    template: CampaignTemplate, city: Organisation, *, today: datetime.date, actor, tops: list | None = None
) -> Campaign:
    """The office's draft for the city, a third of the districts moved to the last batch, three pilots, launched.

    The override keeps the last batch populated whatever the template's rules
    give the tree, so the running batch always has units to spread over its phases.
    """
    campaign = services.create_campaign(
        template=template,
        organisation=city,
        name=CAMPAIGN_NAME,
        theme=THEME,
        starts_on=start_date(template.definition, today),
        actor=actor,
    )
    tops = tops or list(
        Organisation.objects.filter(parent=city, kind__in=[Kind.DISTRICT, Kind.CITY_DEPARTMENT]).order_by("path")
    )
    last = campaign.batches.order_by("-starts_on", "-order").first()
    overrides = {top.pk: last.pk for top in tops[1::3]}
    services.assign_batches(campaign=campaign, overrides=overrides, actor=actor)
    pilots = Organisation.objects.filter(tree.subtree_q("path", tops[0].path), kind=Kind.BRANCH).order_by("path")[:3]
    services.set_pilots(campaign=campaign, organisations=list(pilots), actor=actor)
    return services.launch(campaign=campaign, actor=actor)


# ---------------------------------------------------------------- where each unit stands


@dataclass(frozen=True)
class Target:
    """A share of a batch's units: `low`–`high` of the hash buckets, standing at `phase` (an index into the
    batch's phases; their number when finished) in `state`, with `done` of that phase's required steps recorded."""

    low: int
    high: int
    phase: int
    state: str
    done: str  # "none" | "some" | "all"


def batch_phases(batch: Batch) -> list[Phase]:
    """The batch's phases in the order its units go through them (its windows' dates)."""
    windows = Window.objects.filter(batch=batch).select_related("phase").order_by("starts_on", "phase__order")
    return [w.phase for w in windows]


def _current(batch: Batch, today: datetime.date) -> int:
    """Index of the batch's phase whose window holds today (-1: not begun; the number of phases: all over)."""
    windows = list(Window.objects.filter(batch=batch).order_by("starts_on", "phase__order"))
    if not windows or windows[0].starts_on > today:
        return -1
    for i, window in enumerate(windows):
        if today <= window.ends_on:
            return i
    return len(windows)


def unit_targets(phases: list[Phase], current: int) -> list[Target]:
    """The mix of a batch whose calendar is at phase `current`: most on time, some behind or ahead, some waiting."""
    n = len(phases)
    weighted: list[tuple[int, int, str, str]] = []  # (weight, phase, state, done)
    if current < 0:
        weighted = [(1, 0, UnitState.OPEN, "none")]
    elif current >= n:
        weighted = [(78, n, UnitState.FINISHED, "all"), (10, n - 1, UnitState.OPEN, "some")]
        weighted += [(7, n - 1, UnitState.AWAITING, "all"), (5, n - 1, UnitState.RETURNED, "all")]
    else:
        for j in range(current):
            weighted += [(7, j, UnitState.OPEN, "some"), (4, j, UnitState.AWAITING, "all")]
            weighted += [(3, j, UnitState.RETURNED, "all")]
        weighted += [(30, current, UnitState.OPEN, "some"), (8, current, UnitState.OPEN, "none")]
        weighted += [(8, current, UnitState.AWAITING, "all"), (5, current, UnitState.RETURNED, "all")]
        weighted += [(4, j, UnitState.OPEN, "some") for j in range(current + 1, n)]
        weighted.append((4, n, UnitState.FINISHED, "all"))
    targets, total, start, running = [], sum(w for w, *_ in weighted), 0, 0
    for weight, phase, state, done in weighted:
        if state in (UnitState.AWAITING, UnitState.RETURNED) and phases[phase].acceptance == Acceptance.NONE:
            state = UnitState.OPEN  # a phase without acceptance is never waiting: its steps are simply all done
        running += weight
        end = round(BUCKETS * running / total)
        if end > start:
            targets.append(Target(start, end, phase, state, done))
        start = end
    return targets


def bucket(pk: int) -> int:
    """A unit's share, from its organisation's key: spread over the tree (neighbouring keys land far apart),
    the same in Python and SQL, and the same organisation lands alike in every campaign."""
    return (pk * 37) % BUCKETS


def _bucket_sql(column: str) -> str:
    """`bucket` in SQL, for statements run with parameters (the modulo doubled as the drivers want it)."""
    return f"(({column} * 37) %% {BUCKETS})"


def target_of(targets: list[Target], organisation_id: int) -> Target:
    b = bucket(organisation_id)
    return next(t for t in targets if t.low <= b < t.high)


def _class_steps(phase_steps: list[Step], unit_class: str) -> list[Step]:
    responsible = responsible_for(Unit(unit_class=unit_class))
    return [s for s in phase_steps if s.responsible in responsible]


def steps_to_record(target: Target, steps_by_phase: list[list[Step]], unit_class: str) -> list[list[Step]]:
    """Per phase of the batch, the steps a unit at `target` has recorded: every step of the phases behind it,
    and of its current phase the first half of the required ones ("some") or all of them."""
    out = []
    for j, phase_steps in enumerate(steps_by_phase):
        mine = _class_steps(phase_steps, unit_class)
        if j < target.phase:
            out.append(mine)
        elif j == target.phase:
            required = [s for s in mine if s.required]
            count = {"none": 0, "some": math.ceil(len(required) / 2), "all": len(required)}[target.done]
            out.append(required[:count])
        else:
            out.append([])
    return out


def _steps_by_phase(phases: list[Phase]) -> list[list[Step]]:
    return [list(phase.steps.order_by("order")) for phase in phases]


# ---------------------------------------------------------------- demo scale: through the services


def advance_through_services(
    campaign: Campaign, users: dict, *, today: datetime.date, within: str | None = None
) -> int:
    """Every unit (of the subtree at `within`) to its target by the services, as secretaries and acceptors would
    have; returns the step records made."""
    made = 0
    rng = random.Random(2005)
    for batch in campaign.batches.order_by("order"):
        phases = batch_phases(batch)
        steps_by_phase = _steps_by_phase(phases)
        targets = unit_targets(phases, _current(batch, today))
        units = Unit.objects.filter(campaign=campaign, batch=batch).select_related("organisation").order_by("org_path")
        if within is not None:
            units = units.filter(tree.subtree_q("org_path", within))
        for unit in units:
            target = target_of(targets, unit.organisation_id)
            recorder = _recorder(users, unit)
            plan = steps_to_record(target, steps_by_phase, unit.unit_class)
            for j, steps in enumerate(plan):
                if j > target.phase or j >= len(phases):
                    break
                for step in steps:
                    fresh = Unit.objects.select_related("campaign", "phase", "batch").get(pk=unit.pk)
                    inputs = _evidence_inputs(step, fresh, recorder, rng, today)
                    services.record_step(unit=fresh, step=step, actor=recorder, evidence_inputs=inputs)
                    made += 1
                if j < target.phase:
                    _close_phase(unit, phases[j], recorder, users)
            if target.phase < len(phases) and target.state in (UnitState.AWAITING, UnitState.RETURNED):
                fresh = Unit.objects.select_related("campaign", "phase", "batch").get(pk=unit.pk)
                services.ask_acceptance(unit=fresh, actor=recorder)
                if target.state == UnitState.RETURNED:
                    services.decide_acceptance(
                        unit=_fresh(unit),
                        actor=_decider(users, _fresh(unit), recorder),
                        accept=False,
                        reasons=RETURN_REASONS[unit.pk % len(RETURN_REASONS)],
                    )
    return made


def _fresh(unit: Unit) -> Unit:
    return Unit.objects.select_related("campaign", "phase", "batch", "organisation").get(pk=unit.pk)


def _close_phase(unit: Unit, phase: Phase, recorder, users: dict) -> None:
    if phase.acceptance == Acceptance.NONE:
        services.complete_phase(unit=_fresh(unit), actor=recorder)
        return
    services.ask_acceptance(unit=_fresh(unit), actor=recorder)
    current = _fresh(unit)
    services.decide_acceptance(unit=current, actor=_decider(users, current, recorder), accept=True)


def _recorder(users: dict, unit: Unit):
    """The demo user who acts for the unit: its own secretary where the demo has one, else the office."""
    for name in ("branch", "yuzhong", "jiangbei"):
        user = users.get(name)
        if user is not None and can_at_path(user, Action.CHANGE, unit.org_path):
            return user
    return users["office"]


def _decider(users: dict, unit: Unit, asker):
    """Who accepts: a covering group's person for the groups' phases, else the office above, else the superuser."""
    from vanguard.campaigns.workflows import acceptor_side

    candidates = []
    if unit.phase.acceptance == Acceptance.SUPERVISION:
        candidates += [p.user for g in supervision.covering_groups(unit) for p in g.people.select_related("user")]
    candidates += [users.get("office"), users.get("yuzhong"), users.get("jiangbei"), users.get("root")]
    for user in candidates:
        if user is not None and user != asker and acceptor_side(user, unit):
            return user
    return users["root"]


def _evidence_inputs(step: Step, unit: Unit, actor, rng: random.Random, today: datetime.date) -> list:
    """Filled evidence for every piece the step asks for, as the forms would have cleaned it."""
    inputs = []
    for index, spec in enumerate(step.evidence or []):
        kind = spec["kind"]
        if kind == "number":
            low = spec.get("min", 1) or 1
            high = spec.get("max", max(low, 1) * 40)
            value = Decimal(rng.randint(math.ceil(low), max(math.ceil(low), math.floor(high))))
            data = {"value": value, "unit": spec.get("unit", "")}
        elif kind == "checklist":
            items = [str(item) for item in spec.get("items") or []]
            data = {"ticked": items, "of": len(items)}
        elif kind == "document":
            types = spec.get("types") or ["pdf"]
            extension = "pdf" if "pdf" in types else str(types[0]).lstrip(".")
            body = _PDF if extension == "pdf" else f"{step.name}\n{unit.organisation.name}\n".encode()
            data = {"file": ContentFile(body, name=f"{step.key}.{extension}")}
        elif kind == "meeting":
            data = _meeting_data(step, unit, spec, rng, today)
        else:
            continue  # a kind another app registers: the demo leaves it to that app
        inputs.append(services.EvidenceInput(index, data))
    return inputs


def _meeting_data(step: Step, unit: Unit, spec: dict, rng: random.Random, today: datetime.date) -> dict:
    from vanguard.members.models import Member

    members = list(Member.objects.filter(organisation_id=unit.organisation_id).order_by("pk")[:40])
    attendees = [(m, True, "") for m in members]
    for i in range(min(2, len(attendees) // 10)):
        attendees[i] = (members[i], False, rng.choice(["外出务工", "因病请假", "出差"]))
    window = Window.objects.filter(batch_id=unit.batch_id, phase_id=step.phase_id).first()
    held_on = min(window.starts_on + datetime.timedelta(days=rng.randint(2, 10)), today) if window else today
    return {
        "meeting": None,
        "kind": spec.get("meeting_kind") or "study",
        "title": step.name,
        "held_on": held_on,
        "place": "党员活动室",
        "speakers": "支部书记",
        "minutes": f"{unit.organisation.name}召开{step.name}，传达学习有关精神，党员交流发言。",
        "attendees": attendees,
        "files": [],
    }


# A one-page PDF: the demo's documents open in a viewer.
_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj "
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


# ---------------------------------------------------------------- city scale: set-based


def advance_set_based(campaign: Campaign, *, today: datetime.date, outside: str | None = None) -> int:
    """The same targets as the services path, written by grouped statements (leaving the subtree at `outside`
    alone), then the roll-ups recounted; returns the step records made."""
    q = connection.ops.quote_name
    units, records, acceptances = (q(m._meta.db_table) for m in (Unit, StepRecord, AcceptanceRequest))
    made = 0
    with connection.cursor() as cursor:
        for batch in campaign.batches.order_by("order"):
            phases = batch_phases(batch)
            if not phases:
                continue
            windows = {w.phase_id: w for w in Window.objects.filter(batch=batch)}
            steps_by_phase = _steps_by_phase(phases)
            for target in unit_targets(phases, _current(batch, today)):
                for unit_class in UnitClass.values:
                    # The units of one share: no list of keys crosses the wire, the database picks them by hash.
                    share = _bucket_sql(f"{units}.organisation_id")
                    where = (
                        f"{units}.campaign_id = %s AND {units}.batch_id = %s AND {units}.unit_class = %s"
                        f" AND {share} >= %s AND {share} < %s"
                    )
                    params = [campaign.pk, batch.pk, unit_class, target.low, target.high]
                    if outside is not None:
                        where += f" AND NOT ({units}.org_path >= %s AND {units}.org_path < %s)"
                        params += [outside, tree.subtree_upper_bound(outside)]
                    plan = steps_to_record(target, steps_by_phase, unit_class)
                    at = min(target.phase, len(phases) - 1)
                    done_here = sum(1 for s in plan[at] if s.required)
                    cursor.execute(
                        f"UPDATE {units} SET phase_id = %s, state = %s, required_done = %s WHERE {where}",
                        [phases[at].pk, target.state, done_here, *params],
                    )
                    if not cursor.rowcount:
                        continue
                    for j, steps in enumerate(plan):
                        if steps:
                            window = windows[phases[j].pk]
                            made += _insert_records(cursor, records, units, where, params, steps, window, today)
                    _insert_acceptances(cursor, acceptances, units, where, params, target, phases, windows, today)
        if connection.vendor == "postgresql":
            # Statistics of the tables just filled: without them the rebuild's joins are planned for empty
            # tables (nested loops over a million records), minutes instead of seconds at city scale.
            cursor.execute(f"ANALYZE {units}, {records}, {acceptances}")
    tallies.rebuild(campaign)
    return made


def _stamp(day: datetime.date, hour: int = 10) -> object:
    moment = timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))
    return connection.ops.adapt_datetimefield_value(moment)


def _insert_records(cursor, records, units, where, params, steps: list[Step], window: Window, today) -> int:
    """Every unit of the share records these steps (of one phase), a week into the phase's window."""
    steps_table = connection.ops.quote_name(Step._meta.db_table)
    placeholders = ", ".join(["%s"] * len(steps))
    recorded_at = _stamp(min(window.starts_on + datetime.timedelta(days=7), today))
    cursor.execute(
        f"INSERT INTO {records} (unit_id, step_id, note, recorded_by_id, actor_role, actor_organisation_id,"
        f" recorded_at) SELECT {units}.id, s.id, '', NULL, '', NULL, %s FROM {units}, {steps_table} s"
        f" WHERE s.id IN ({placeholders}) AND {where}",
        [recorded_at, *[s.pk for s in steps], *params],
    )
    return cursor.rowcount


def _insert_acceptances(cursor, table, units, where, params, target: Target, phases, windows, today) -> None:
    """Accepted requests for the phases behind the units that needed acceptance; the pending or returned one now."""
    rows = []  # (phase, decision, reasons, decided)
    for j, phase in enumerate(phases):
        if phase.acceptance == Acceptance.NONE or j > target.phase:
            continue
        if j < target.phase or target.state == UnitState.FINISHED:
            rows.append((phase, Decision.ACCEPTED, "", True))
        elif target.state == UnitState.AWAITING:
            rows.append((phase, "", "", False))
        elif target.state == UnitState.RETURNED:
            rows.append((phase, Decision.RETURNED, RETURN_REASONS[j % len(RETURN_REASONS)], True))
    for phase, decision, reasons, decided in rows:
        window = windows[phase.pk]
        asked = min(window.ends_on - datetime.timedelta(days=3), today)
        cursor.execute(
            f"INSERT INTO {table} (unit_id, phase_id, requested_by_id, requested_at, decision, reasons,"
            f" decided_by_id, decided_role, decided_organisation_id, decided_at)"
            f" SELECT {units}.id, %s, NULL, %s, %s, %s, NULL, '', NULL, %s FROM {units} WHERE {where}",
            [phase.pk, _stamp(asked), decision, reasons, _stamp(min(window.ends_on, today)) if decided else None,
             *params],
        )  # fmt: skip


# ---------------------------------------------------------------- supervision, notices, briefings


def _groups(context: DemoContext, campaign: Campaign) -> None:
    """Two supervision groups over two districts each, and a stationed group with the pilots."""
    office, users = context.users["office"], context.users
    tops = context.organisations["tops"]
    units = {u.organisation_id: u for u in Unit.objects.filter(campaign=campaign).select_related("organisation")}
    plan = [
        ("市委第一督导组", GroupKind.SUPERVISION, users["supervisor"], [units[t.pk] for t in tops[2:4]]),
        ("市委第二督导组", GroupKind.SUPERVISION, users["jiangbei"], [units[t.pk] for t in tops[4:6]]),
        ("市委驻试点单位蹲点组", GroupKind.STATIONED, users["supervisor"], list(campaign.units.filter(is_pilot=True))),
    ]
    for name, kind, leader, assigned in plan:
        group = supervision.create_group(campaign=campaign, name=name, kind=kind, actor=office)
        supervision.add_person(group=group, user=leader, is_leader=True, actor=office)
        supervision.assign_units(group=group, units=assigned, actor=office)


def _notices(context: DemoContext, campaign: Campaign) -> None:
    """Two notices from the office; the demo's secretaries have opened them, and most of the city has too."""
    office, city = context.users["office"], context.organisations["city"]
    sent = [
        notices.send_notice(
            organisation=city,
            campaign=campaign,
            title="关于做好第二阶段分析评议工作的通知",
            body="各级党组织要认真开展谈心活动，党员撰写党性分析材料并在适当范围公示，按时召开专题组织生活会。",
            actor=office,
        ),
        notices.send_notice(
            organisation=city,
            campaign=campaign,
            title="关于报送整改方案的通知",
            body="请各党支部于本阶段结束前报送整改方案，列明整改事项、责任人和完成时限。",
            kinds=[Kind.BRANCH],
            actor=office,
        ),
    ]
    for notice in sent:
        for name in ("yuzhong", "branch"):
            notices.mark_read(notice=notice, user=context.users[name])
    _read_most(sent[0], share=70)
    _read_most(sent[1], share=40)


def _read_most(notice: Notice, *, share: int) -> None:
    """Receipts opened by secretaries the demo has no login for: a share of them, read a day after sending."""
    unread = NoticeReceipt.objects.filter(notice=notice, read_at__isnull=True)
    pks = [pk for pk in unread.values_list("pk", flat=True) if bucket(pk) < share]
    NoticeReceipt.objects.filter(pk__in=pks).update(read_at=notice.sent_at + datetime.timedelta(days=1))


def _briefings(context: DemoContext, campaign: Campaign) -> None:
    office, city = context.users["office"], context.organisations["city"]
    notices.publish_briefing(
        organisation=city,
        campaign=campaign,
        title="先进性教育活动简报（第12期）：第二批单位转入分析评议阶段",
        body="全市第二批单位学习动员阶段全部通过验收，转入分析评议阶段。督导组反映个别单位谈心不深入，已督促整改。",
        visibility=Visibility.INTERNAL,
        actor=office,
    )
    notices.publish_briefing(
        organisation=city,
        campaign=campaign,
        title="我市先进性教育活动扎实推进",
        body="全市各级党组织紧扣“提高党员素质、加强基层组织、服务人民群众、促进各项工作”的目标要求，活动扎实推进。",
        visibility=Visibility.PUBLIC,
        actor=office,
    )


def _city_notice(campaign: Campaign) -> None:
    """At city scale, one notice to every organisation (receipts by INSERT…SELECT), 60 % of them read."""
    city = campaign.organisation
    notice = Notice.objects.create(
        campaign=campaign,
        organisation=city,
        org_path=city.path,
        title="关于做好第二阶段分析评议工作的通知",
        body="各级党组织要认真开展谈心活动。",
    )
    q = connection.ops.quote_name
    receipts, orgs = q(NoticeReceipt._meta.db_table), q(Organisation._meta.db_table)
    read_at = _stamp(timezone.localdate() - datetime.timedelta(days=1))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {receipts} (notice_id, organisation_id, org_path, read_at, read_by_id)"
            f" SELECT %s, id, path, CASE WHEN {_bucket_sql('id')} < 60 THEN %s ELSE NULL END, NULL"
            f" FROM {orgs} WHERE path > %s AND path < %s",
            [notice.pk, read_at, city.path, tree.subtree_upper_bound(city.path)],
        )
        notice.recipients = cursor.rowcount
    notice.save(update_fields=["recipients"])
    for top in Organisation.objects.filter(parent=city).order_by("path")[:4]:
        unit = Unit.objects.filter(campaign=campaign, organisation=top).first()
        if unit is not None:
            group = SupervisionGroup.objects.create(
                campaign=campaign, name=f"市委督导组（{top.name}）", sent_by=city, org_path=city.path
            )
            group.units.add(unit)
    Briefing.objects.create(
        campaign=campaign,
        organisation=city,
        org_path=city.path,
        title="先进性教育活动简报",
        body="活动扎实推进。",
        visibility=Visibility.INTERNAL,
    )


__all__ = [
    "advance_set_based",
    "advance_through_services",
    "seed",
    "shipped_template",
    "start_campaign",
    "unit_targets",
]
