"""The study share of seed_demo: the catalogue, credit rules, and a campaign's worth of sessions, attendance and
self-study in every branch of the demo city.

The demo branch's story goes through the services (audited): the office lists the four required texts and sets
the credit rules; the branch holds study sessions and a 党课 given by its leading cadre, with an absentee who
made it up later, the demo member (李明) logs self-study, an elderly member is met at home, a laid-off member's
skills training counts, and a session is scheduled for the days ahead so the member's page shows one due.
The other branches' sessions and attendance go in bulk (the demo's volume, past the per-row audit), and every
standing is computed once at the end.
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.utils import timezone

from vanguard.campaigns.models import Campaign, Unit, UnitClass
from vanguard.core.demo import DemoContext, Scale
from vanguard.meetings.models import Attendance, Meeting, MeetingKind
from vanguard.members.models import Member
from vanguard.study import credits, services, tallies
from vanguard.study.models import Activity, Basis, CreditRule, Requirement, Session, StudyForm, StudyRecord

REQUIRED_TEXTS = (
    ("《中国共产党章程》", StudyForm.SELF),
    ("《保持共产党员先进性教育读本》", StudyForm.SELF),
    ("《“三个代表”重要思想学习纲要》", StudyForm.DISCUSSION),
    ("《中共中央关于加强党的执政能力建设的决定》", StudyForm.LEADERS),
)
ABSENCE_REASONS = ("出差", "病假", "外出务工", "值班", "家中有事")
CITY_SESSIONS = 14  # per branch: with ~29 members a branch, tens of millions of attendance rows for the city
TOPICS = ("学习党章", "学习《读本》", "理想信念教育", "形势教育", "警示教育", "典型事迹学习")


def loaded() -> str:
    return "study sessions" if Session.objects.exists() else ""


def seed(context: DemoContext, scale: Scale) -> None:
    if scale == "city":
        campaign = Campaign.objects.order_by("pk").first()
        if campaign is None:
            return
        bulk_rules(campaign)
        context.progress(seed_volume(campaign, sessions=CITY_SESSIONS, start=campaign.starts_on))
        context.progress(f"study: {credits.rebuild_all(campaign=campaign)} standings")
        context.progress(f"study: {tallies.recount(campaign)} tallies")
        return
    campaign = Campaign.objects.order_by("pk").first()
    office, secretary = context.users.get("office"), context.users.get("branch")
    if campaign is None or office is None or secretary is None:
        return
    today = timezone.localdate()
    _rules(campaign, office)
    _catalogue(campaign, context, office)
    branch = context.organisations["branch"]
    _branch_story(campaign, branch, secretary, context.users.get("member"), today)
    rng = random.Random(context.seed)
    _bulk_sessions(campaign, [b for b in context.branches if b.pk != branch.pk], rng, today)
    written = credits.rebuild_all(campaign=campaign)
    tallies.recount(campaign)  # the bulk rows went past the services that keep the figures
    context.progress(
        f"study: {Session.objects.count()} sessions, {Attendance.objects.filter(meeting__study__isnull=False).count()}"
        f" attendance rows, {StudyRecord.objects.count()} study records, {written} standings"
    )


def _rules(campaign: Campaign, office) -> None:
    services.set_rules(campaign=campaign, actor=office, rules=RULES, requirements=requirements_for(campaign))


def requirements_for(campaign: Campaign) -> list[dict]:
    needs = []
    for phase, general in zip(campaign.phases.order_by("order"), (12, 6, 6, 6), strict=False):
        needs.append({"phase": phase, "credits": general})
        needs.append({"phase": phase, "category": "elderly", "credits": general // 2})
        needs.append({"phase": phase, "category": "mobile", "credits": general * 2 // 3})
    return needs


def bulk_rules(campaign: Campaign) -> None:
    """The demo's rules written directly (the city scale and the benchmark: no office user to act)."""
    CreditRule.objects.bulk_create(
        CreditRule(
            campaign=campaign,
            activity=rule["activity"],
            category=rule.get("category", ""),
            credits=Decimal(str(rule["credits"])),
            basis=rule.get("basis", Basis.EACH),
        )
        for rule in RULES
    )
    Requirement.objects.bulk_create(
        Requirement(campaign=campaign, phase=need["phase"], category=need.get("category", ""), credits=need["credits"])
        for need in requirements_for(campaign)
    )


RULES = [
    {"activity": Activity.STUDY, "credits": 2},
    {"activity": Activity.PARTY_LECTURE, "credits": 3},
    {"activity": Activity.CENTRAL_GROUP, "credits": 3},
    {"activity": Activity.TOPICAL_LIFE, "credits": 2},
    {"activity": Activity.DEMOCRATIC_LIFE, "credits": 2},
    {"activity": Activity.GAVE_LECTURE, "credits": 5},
    {"activity": Activity.SELF_STUDY, "credits": 1, "basis": Basis.HOUR},
    {"activity": Activity.REMOTE, "credits": 1, "basis": Basis.HOUR},
    {"activity": Activity.HOME_VISIT, "category": "elderly", "credits": 2, "basis": Basis.HOUR},
    {"activity": Activity.SKILLS, "category": "laid_off", "credits": Decimal("0.5"), "basis": Basis.HOUR},
]


def _catalogue(campaign: Campaign, context: DemoContext, office) -> None:
    city = context.organisations["city"]
    for title, form in REQUIRED_TEXTS:
        services.add_material(
            campaign=campaign,
            organisation=city,
            actor=office,
            title=title,
            required=True,
            form=form,
            link="https://www.12371.cn/",
        )


def _branch_story(campaign, branch, secretary, member_user, today: datetime.date) -> None:
    members = list(Member.objects.filter(organisation=branch).order_by("pk"))
    if not members:
        return
    leader = next((m for m in members if m.category == "leader"), None)
    phase = services.current_phase(campaign, branch)
    days_in = max((today - campaign.starts_on).days, 8)
    held = []
    for n, (kind, title) in enumerate(
        (
            (MeetingKind.STUDY, "集中学习《保持共产党员先进性教育读本》"),
            (MeetingKind.PARTY_LECTURE, "党课：坚定理想信念，保持先进本色"),
            (MeetingKind.STUDY, "学习党章，对照检查"),
        )
    ):
        on = today - datetime.timedelta(days=days_in - 2 - n * 2)
        session = services.schedule_session(
            campaign=campaign,
            organisation=branch,
            actor=secretary,
            kind=kind,
            title=title,
            held_on=on,
            place="支部活动室",
            given_by=leader if kind == MeetingKind.PARTY_LECTURE else None,
            phase=phase,
        )
        rows = [
            (m, i % 9 != n + 1, "" if i % 9 != n + 1 else ABSENCE_REASONS[i % len(ABSENCE_REASONS)])
            for i, m in enumerate(members)
        ]
        services.record_attendance(session=session, actor=secretary, rows=rows, today=today)
        held.append((session, rows))
    session, rows = held[0]
    absentee = next((m for m, present, _r in rows if not present), None)
    if absentee is not None:
        services.make_up(
            session=session, member=absentee, actor=secretary, on=session.meeting.held_on + datetime.timedelta(days=3)
        )
    services.schedule_session(
        campaign=campaign,
        organisation=branch,
        actor=secretary,
        kind=MeetingKind.STUDY,
        title="专题学习：“三个代表”重要思想",
        held_on=today + datetime.timedelta(days=2),
        place="支部活动室",
        phase=phase,
    )
    own = getattr(member_user, "member", None)
    if own is not None:
        services.record_study(
            member=own,
            actor=member_user,
            campaign=campaign,
            studied_on=today - datetime.timedelta(days=1),
            hours=2,
            what="自学《中国共产党章程》总纲",
            today=today,
        )
    for category, activity, what, hours in (
        ("elderly", Activity.HOME_VISIT, "送学上门：学习《读本》第一章", 2),
        ("laid_off", Activity.SKILLS, "家政服务技能培训", 8),
        ("mobile", Activity.REMOTE, "在流入地党组织参加集中学习", 3),
    ):
        someone = next((m for m in members if m.category == category), None)
        if someone is not None:
            services.record_study(
                member=someone,
                actor=secretary,
                campaign=campaign,
                activity=activity,
                studied_on=today - datetime.timedelta(days=3),
                hours=hours,
                what=what,
                today=today,
            )


def _bulk_sessions(campaign, branches, rng: random.Random, today: datetime.date) -> None:
    """Two to four sessions a branch in its current phase and those before, with attendance, in bulk."""
    units = {
        u.organisation_id: u
        for u in Unit.objects.filter(campaign=campaign, unit_class=UnitClass.BRANCH).select_related("phase")
    }
    phases = list(campaign.phases.order_by("order"))
    members_of: dict[int, list[int]] = {}
    for pk, organisation_id in Member.objects.filter(organisation__in=branches).values_list("pk", "organisation_id"):
        members_of.setdefault(organisation_id, []).append(pk)
    span = max((today - campaign.starts_on).days, 1)
    meetings, sessions_for = [], []
    for branch in branches:
        unit = units.get(branch.pk)
        if unit is None or not members_of.get(branch.pk):
            continue
        reached = [p for p in phases if p.order <= unit.phase.order]
        for _ in range(rng.randint(2, 4)):
            kind = rng.choice((MeetingKind.STUDY, MeetingKind.STUDY, MeetingKind.PARTY_LECTURE))
            meetings.append(
                Meeting(
                    organisation=branch,
                    org_path=branch.path,
                    kind=kind,
                    title=rng.choice(TOPICS),
                    held_on=campaign.starts_on + datetime.timedelta(days=rng.randint(0, span)),
                    place="党员活动室",
                )
            )
            sessions_for.append((branch, rng.choice(reached)))
    made = Meeting.objects.bulk_create(meetings, batch_size=1000)
    now = timezone.now()
    Session.objects.bulk_create(
        (
            Session(meeting=m, campaign=campaign, phase=phase, org_path=branch.path, recorded_at=now)
            for m, (branch, phase) in zip(made, sessions_for, strict=True)
        ),
        batch_size=1000,
    )
    attendance = []
    for meeting, (branch, _phase) in zip(made, sessions_for, strict=True):
        for member_id in members_of[branch.pk]:
            present = rng.random() < 0.88
            attendance.append(
                Attendance(
                    meeting=meeting,
                    member_id=member_id,
                    present=present,
                    absence_reason="" if present else rng.choice(ABSENCE_REASONS),
                )
            )
    Attendance.objects.bulk_create(attendance, batch_size=2000)


# --- the city's volume, set-based (PostgreSQL) ---------------------------------------------------------------------

VOLUME_SQL = """
SELECT setseed(0.21);
CREATE TEMP TABLE study_volume_branches AS
    SELECT o.id, o.path FROM orgs_organisation o
    WHERE EXISTS (SELECT 1 FROM members_member m WHERE m.organisation_id = o.id);
INSERT INTO meetings_meeting (organisation_id, org_path, kind, title, held_on, place, speakers, minutes, recorded_at)
SELECT b.id, b.path, CASE WHEN k %% 4 = 0 THEN 'party_lecture' ELSE 'study' END, 'volume session ' || k,
       %(start)s::date + k * %(step)s, '', '', '', now()
FROM study_volume_branches b CROSS JOIN generate_series(1, %(sessions)s) AS k;
INSERT INTO study_session (meeting_id, campaign_id, phase_id, org_path, given_by_id, hours, recorded_at)
SELECT mt.id, %(campaign)s, (%(phases)s::bigint[])[1 + LEAST(%(last)s, (mt.held_on - %(start)s::date) / %(span)s)],
       mt.org_path, NULL, 2, now()
FROM meetings_meeting mt WHERE mt.title LIKE 'volume session %%';
INSERT INTO meetings_attendance (meeting_id, member_id, present, absence_reason, made_up_on)
SELECT s.meeting_id, m.id, r.x < 0.88, CASE WHEN r.x < 0.88 THEN '' ELSE '出差' END,
       CASE WHEN r.x >= 0.88 AND r.x < 0.92 THEN mt.held_on + 3 END
FROM study_session s
JOIN meetings_meeting mt ON mt.id = s.meeting_id
JOIN members_member m ON m.organisation_id = mt.organisation_id
CROSS JOIN LATERAL (SELECT random() + 0 * m.id AS x) r
WHERE s.campaign_id = %(campaign)s;
INSERT INTO study_studyrecord (member_id, org_path, recorded_at_organisation_id, recorded_at_path, campaign_id,
                               phase_id, activity, studied_on, hours, what, note, recorded_at)
SELECT m.id, m.org_path, m.organisation_id, m.org_path, %(campaign)s, (%(phases)s::bigint[])[1], 'self_study',
       %(start)s::date + 10, 1 + (m.id %% 4), '自学', '', now()
FROM members_member m WHERE m.id %% 10 < 7;
DROP TABLE study_volume_branches
"""


def seed_volume(campaign: Campaign, *, sessions: int, start: datetime.date, days: int = 90) -> str:
    """`sessions` study sessions in every branch with members over `days` from `start` (a quarter 党课), all its
    members invited (88 % present, 4 % made up later, the rest away with a reason), self-study for seven in ten.
    Set-based SQL: PostgreSQL only (on SQLite the city's volume is left out and the message says so)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return "study: the city's sessions and attendance are seeded on PostgreSQL only"
    phases = list(campaign.phases.order_by("order").values_list("pk", flat=True))
    step = max(days // sessions, 1)
    params = {
        "campaign": campaign.pk,
        "sessions": sessions,
        "start": start,
        "step": step,
        "phases": phases,
        "last": len(phases) - 1,
        "span": max(days // len(phases), 1),
    }
    started = datetime.datetime.now()
    with connection.cursor() as cursor:
        for statement in [part.strip() for part in VOLUME_SQL.split(";") if part.strip()]:
            cursor.execute(statement, params)
        for table in ("meetings_meeting", "study_session", "meetings_attendance", "study_studyrecord"):
            cursor.execute(f"ANALYZE {table}")
    seconds = (datetime.datetime.now() - started).total_seconds()
    return f"study: {sessions} sessions a branch, attendance and self-study seeded in {seconds:.0f} s"
