"""Study's reads: what a member is asked and has done, who in a branch is behind and why, roll-ups of a subtree."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q, QuerySet, Sum

from vanguard.accounts.scoping import Action, restrict
from vanguard.campaigns.models import Campaign, CampaignStatus, Phase
from vanguard.core import tree
from vanguard.meetings.models import Attendance, MeetingKind
from vanguard.members.models import Category as MemberCategory
from vanguard.members.models import Member, MemberTally
from vanguard.orgs.models import Organisation
from vanguard.study.credits import EMPTY_TALLY, Rules
from vanguard.study.models import CreditTally, Material, Session, SessionTally, Standing, StudyRecord

CREDITED = Q(present=True) | Q(made_up_on__isnull=False)


def campaigns_over(path: str) -> QuerySet[Campaign]:
    """The running campaigns an organisation (or member at `path`) takes part in: run from it or above it."""
    return Campaign.objects.filter(
        status=CampaignStatus.RUNNING, org_path__in=[*tree.ancestor_paths(path), path]
    ).order_by("-starts_on", "pk")


def visible_records(user) -> QuerySet[StudyRecord]:
    return restrict(StudyRecord.objects.select_related("member", "phase"), user, Action.VIEW)


def materials_for(path: str, campaign: Campaign) -> QuerySet[Material]:
    """The catalogue as seen from `path`: what its organisation and those above it listed."""
    return Material.objects.filter(campaign=campaign, org_path__in=[*tree.ancestor_paths(path), path])


def member_organisations(member: Member) -> list[str]:
    """Paths whose sessions a member is expected at: their branch and those above it, and their host."""
    paths = [*tree.ancestor_paths(member.org_path), member.org_path]
    if member.host_organisation_id:
        paths.append(member.host_organisation.path)
    return paths


def sessions_due(member: Member, *, today: datetime.date | None = None) -> QuerySet[Session]:
    """Sessions not yet held (or held today and not recorded) of the member's branch, the units above and host."""
    today = today or datetime.date.today()
    return (
        Session.objects.filter(
            org_path__in=member_organisations(member),
            meeting__held_on__gte=today,
            recorded_at__isnull=True,
            campaign__status=CampaignStatus.RUNNING,
        )
        .select_related("meeting", "meeting__organisation", "given_by", "phase")
        .order_by("meeting__held_on", "pk")
    )


def standings_of(member: Member, campaign: Campaign) -> list[Standing]:
    """The member's standing in each phase of the campaign, valued by its rules; a phase where nothing of theirs
    is recorded yet shows nothing earned against what is required."""
    rules = Rules.of(campaign)
    found = {s.phase_id: s for s in Standing.objects.filter(member=member, campaign=campaign)}
    rows = []
    for phase in campaign.phases.order_by("order"):
        standing = found.get(phase.pk) or _nothing_yet(member, phase)
        standing.phase = phase
        rows.append(rules.value(standing))
    return rows


def _nothing_yet(member: Member, phase: Phase) -> Standing:
    return Standing(
        member=member,
        campaign_id=phase.campaign_id,
        phase=phase,
        org_path=member.org_path,
        category=member.category,
        **EMPTY_TALLY,
    )


def attendance_of(member: Member, campaign: Campaign) -> QuerySet[Attendance]:
    return (
        Attendance.objects.filter(member=member, meeting__study__campaign=campaign)
        .select_related("meeting", "meeting__organisation")
        .order_by("-meeting__held_on")
    )


def records_of(member: Member, campaign: Campaign) -> QuerySet[StudyRecord]:
    return StudyRecord.objects.filter(member=member, campaign=campaign).select_related(
        "recorded_at_organisation", "phase"
    )


@dataclass
class Behind:
    member: Member
    earned: Decimal
    required: Decimal
    absences: list[Attendance] = field(default_factory=list)

    @property
    def short(self) -> Decimal:
        return self.required - self.earned


def behind(organisation: Organisation, campaign: Campaign, phase: Phase) -> list[Behind]:
    """The organisation's own members short of the phase's requirement, most behind first, with their absences
    and the reasons given — the branch's list of whom to help and how (DOMAIN §1's flexible ways by category).
    A member with nothing recorded has no standing yet and is behind by the whole requirement."""
    rules = Rules.of(campaign)
    members = list(Member.objects.filter(organisation=organisation).order_by("name", "pk"))
    standings = {s.member_id: s for s in Standing.objects.filter(phase=phase, member__in=[m.pk for m in members])}
    rows: dict[int, Behind] = {}
    for member in members:
        standing = rules.value(standings.get(member.pk) or _nothing_yet(member, phase))
        if not standing.complete:
            rows[member.pk] = Behind(member, standing.earned, standing.required)
    if rows:
        for row in (
            Attendance.objects.filter(member_id__in=rows, meeting__study__phase=phase, present=False, made_up_on=None)
            .select_related("meeting")
            .order_by("meeting__held_on")
        ):
            rows[row.member_id].absences.append(row)
    return sorted(rows.values(), key=lambda r: (-r.short, r.member.name))


def completion_of(
    campaign: Campaign, organisation_ids: list[int], phases: list[Phase]
) -> dict[tuple[int, int, str], dict[str, int]]:
    """Per (organisation, phase, member category), for each organisation's whole subtree: its members (the kept
    member tallies), how many have something recorded in the phase and how many have its credits (the kept credit
    tallies). A member with nothing recorded in a phase has earned nothing: complete only where nothing is required
    of their category."""
    rules = Rules.of(campaign)
    counted = {
        (t.organisation_id, t.phase_id, t.category): (t.recorded, t.complete)
        for t in CreditTally.objects.filter(campaign=campaign, organisation_id__in=organisation_ids, phase__in=phases)
    }
    cells = {}
    for row in (
        MemberTally.objects.filter(organisation_id__in=organisation_ids)
        .values("organisation_id", "category")
        .annotate(n=Sum("count"))
        .order_by()
    ):
        for phase in phases:
            key = (row["organisation_id"], phase.pk, row["category"])
            recorded, complete = counted.get(key, (0, 0))
            if rules.requirement(phase.pk, row["category"]) <= 0:
                complete += row["n"] - recorded
            cells[key] = {"members": row["n"], "complete": complete, "recorded": recorded}
    return cells


def sessions_of(campaign: Campaign, organisation_ids: list[int]) -> dict[tuple[int, int, str], SessionTally]:
    """Per (organisation, phase, kind): the sessions held in each organisation's subtree and their attendance."""
    return {
        (t.organisation_id, t.phase_id, t.kind): t
        for t in SessionTally.objects.filter(campaign=campaign, organisation_id__in=organisation_ids)
    }


@dataclass
class Rollup:
    sessions: int
    attendance_rows: int
    credited_rows: int
    by_phase: list[dict]
    by_category: list[dict]
    lecturers: int
    leaders: int

    @property
    def attendance_rate(self) -> float | None:
        return self.credited_rows / self.attendance_rows if self.attendance_rows else None


def rollup(organisation: Organisation, campaign: Campaign) -> Rollup:
    """A subtree's study figures in a campaign: sessions by phase and kind, attendance rate, credits completion
    by member category and phase, how many leading cadres gave a 党课 of all the leading cadres. Read from the
    kept tallies, so the city's figures cost what a branch's do."""
    held = sessions_of(campaign, [organisation.pk])
    by_phase_kind: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for (_org, phase_id, kind), tally in held.items():
        by_phase_kind[phase_id][kind] += tally.sessions
    phases = list(campaign.phases.order_by("order"))
    completion = {
        (phase_id, category): cell
        for (_org, phase_id, category), cell in completion_of(campaign, [organisation.pk], phases).items()
    }
    by_phase = []
    for phase in phases:
        cells = [v for (p, _c), v in completion.items() if p == phase.pk]
        by_phase.append(
            {
                "phase": phase,
                "sessions": sum(by_phase_kind[phase.pk].values()),
                "kinds": dict(by_phase_kind[phase.pk]),
                "members": sum(cell["members"] for cell in cells),
                "complete": sum(cell["complete"] for cell in cells),
                "recorded": sum(cell["recorded"] for cell in cells),
            }
        )
    by_category = []
    for value, label in MemberCategory.choices:
        cells = [
            {"phase": phase, **completion.get((phase.pk, value), {"members": 0, "complete": 0, "recorded": 0})}
            for phase in phases
        ]
        if any(cell["members"] for cell in cells):
            by_category.append({"category": value, "label": label, "cells": cells})
    lecturers = (
        Session.objects.filter(
            tree.subtree_q("org_path", organisation.path),
            campaign=campaign,
            meeting__kind=MeetingKind.PARTY_LECTURE,
            given_by__category=MemberCategory.LEADER,
        )
        .exclude(recorded_at=None)
        .values("given_by_id")
        .distinct()
        .count()
    )
    leaders = (
        MemberTally.objects.filter(organisation=organisation, category=MemberCategory.LEADER).aggregate(n=Sum("count"))[
            "n"
        ]
        or 0
    )
    return Rollup(
        sessions=sum(tally.sessions for tally in held.values()),
        attendance_rows=sum(tally.attendance_rows for tally in held.values()),
        credited_rows=sum(tally.credited_rows for tally in held.values()),
        by_phase=by_phase,
        by_category=by_category,
        lecturers=lecturers,
        leaders=leaders,
    )
