"""Reads of meetings: who sees which, a subtree's meetings, the members a meeting may invite."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from vanguard.accounts.scoping import Action, restrict
from vanguard.core import tree
from vanguard.meetings.models import Meeting, MeetingFile
from vanguard.members.models import Member
from vanguard.orgs.models import Organisation

# More than this many members on one form is unusable on a phone and heavy on the server: narrow by name.
CANDIDATE_CAP = 200


def visible_meetings(user, action: Action = Action.VIEW) -> QuerySet[Meeting]:
    return restrict(Meeting.objects.select_related("organisation"), user, action)


def visible_files(user) -> QuerySet[MeetingFile]:
    """Files of the meetings the user may see: a file is never more visible than its meeting."""
    return MeetingFile.objects.select_related("meeting").filter(meeting__in=visible_meetings(user).values("pk"))


def meetings_of(organisation: Organisation, user) -> QuerySet[Meeting]:
    """Meetings held in `organisation`'s subtree that `user` may see, newest first, with attendance counts."""
    return (
        visible_meetings(user)
        .filter(tree.subtree_q("org_path", organisation.path))
        .annotate(
            present_count=Count("attendance", filter=Q(attendance__present=True)),
            absent_count=Count("attendance", filter=Q(attendance__present=False)),
        )
        .order_by("-held_on", "-pk")
    )


def attendance_counts(meeting: Meeting) -> dict[str, int]:
    counts = meeting.attendance.aggregate(
        came=Count("pk", filter=Q(present=True)), away=Count("pk", filter=Q(present=False))
    )
    return {"present": counts["came"], "absent": counts["away"], "invited": counts["came"] + counts["away"]}


@dataclass
class Candidates:
    """The members a meeting form lists: its organisation's own (and hosted) ones, plus those a search found."""

    members: list[Member]
    own_count: int
    found_count: int  # members of the subtree matching the search, before the cap
    capped: bool


def candidate_members(organisation: Organisation, search: str = "", cap: int = CANDIDATE_CAP) -> Candidates:
    """Who may be ticked as attending: a branch's own members; for a committee, members of its subtree by name.

    A committee's subtree may hold thousands of members, so beyond its own
    members (usually none or a few office holders) it lists only those whose
    name matches `search`, at most `cap` of them.
    """
    own = Member.objects.filter(Q(organisation=organisation) | Q(host_organisation=organisation)).order_by("name", "pk")
    own_list = list(own[: cap + 1])
    capped = len(own_list) > cap
    members = own_list[:cap]
    found_count = 0
    search = search.strip()
    if search:
        seen = {m.pk for m in members}
        found = (
            Member.objects.filter(tree.subtree_q("org_path", organisation.path), name__contains=search)
            .exclude(pk__in=seen)
            .order_by("name", "pk")
        )
        room = max(cap - len(members), 0)
        matches = list(found[: room + 1])
        found_count = len(matches) if len(matches) <= room else found.count()
        capped = capped or len(matches) > room
        members += matches[:room]
    return Candidates(members=members, own_count=min(len(own_list), cap), found_count=found_count, capped=capped)
