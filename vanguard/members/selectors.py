"""Reads of members and transfers, always through the scoping function."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet, Sum

from vanguard.accounts.scoping import Action, can_at_path, restrict, scope_beyond_roots
from vanguard.core import tree
from vanguard.core.models import AuditEntry
from vanguard.members import tallies
from vanguard.members.models import Member, MemberTally, Transfer
from vanguard.orgs.models import Organisation


def visible_members(user, action: Action = Action.VIEW) -> QuerySet[Member]:
    return restrict(Member.objects.select_related("organisation", "host_organisation"), user, action)


def visible_transfers(user) -> QuerySet[Transfer]:
    return restrict(
        Transfer.objects.select_related("member", "from_organisation", "to_organisation"), user, Action.VIEW
    )


# Filters the member tallies (organisation x category x status) cannot answer.
UNTALLIED_FILTERS = ("q", "gender", "sector", "age_band")
# More rows than this in scope beyond the roots (members hosted there) and the list uses restrict() as it is.
BEYOND_LISTED = 1000


@dataclass(frozen=True)
class ListScope:
    """The member list's scope, split as scoping.scope_beyond_roots splits it, the rows beyond read up front.

    Read once per request, so the list's statements carry constants: a path range the planner can estimate
    (the subqueries of restrict() estimate a handful of rows for a district of 23,000, and pick nested loops
    for them), and an index-only scan of member_list_order answers every sort and filter.
    """

    roots: list[str] | None  # None: everywhere
    beyond: tuple[tuple[int, str, str, str], ...]  # (pk, org_path, category, status) in scope, outside the roots
    exact: bool = True  # False: too many rows beyond; the list falls back to restrict()

    def q(self) -> Q | None:
        if self.roots is None:
            return None
        query = tree.subtrees_q("org_path", self.roots)
        if not self.beyond:
            return query
        paths = [row[1] for row in self.beyond]
        low = min([*self.roots, *paths])
        high = max([*(tree.subtree_upper_bound(root) for root in self.roots), *paths])
        # The redundant range keeps one index range scan (as scoping._bounds_q does, with constants here).
        return (query | Q(pk__in=[row[0] for row in self.beyond])) & Q(org_path__gte=low, org_path__lte=high)


def list_scope(user) -> ListScope:
    roots, beyond = scope_beyond_roots(Member, user, Action.VIEW)
    if beyond is None:
        return ListScope(roots=roots, beyond=())
    rows = list(Member.objects.filter(beyond).values_list("pk", "org_path", "category", "status")[: BEYOND_LISTED + 1])
    if len(rows) > BEYOND_LISTED:
        return ListScope(roots=roots, beyond=(), exact=False)
    return ListScope(roots=roots, beyond=tuple(rows))


def list_members(user, scope: ListScope | None = None) -> QuerySet[Member]:
    """The members `user` may see, as the member list and the API's list read them: the same rows as
    visible_members(user), written with the scope's constants (see ListScope)."""
    scope = scope or list_scope(user)
    if not scope.exact:
        return visible_members(user)
    members = Member.objects.select_related("organisation", "host_organisation")
    query = scope.q()
    return members if query is None else members.filter(query)


def list_count(user, filters: dict, scope: ListScope | None = None) -> int | None:
    """The member list's exact row count from the kept tallies, or None when they cannot give it.

    They can when the list is narrowed by organisation, category and status only: the tallies of the
    user's roots (or of the organisation picked under one of them), plus the few rows in scope beyond
    the roots (members hosted there, one's own record).  `filters` is the list filter's cleaned data.
    """
    if any(filters.get(name) for name in UNTALLIED_FILTERS):
        return None
    scope = scope or list_scope(user)
    if not scope.exact:
        return None
    narrow = {name: filters[name] for name in ("category", "status") if filters.get(name)}
    beyond = [
        row
        for row in scope.beyond
        if narrow.get("category", row[2]) == row[2] and narrow.get("status", row[3]) == row[3]
    ]
    within = filters.get("organisation")
    if within is not None:
        if not can_at_path(user, Action.VIEW, within.path):
            return None  # picked through one's own record only: the subtree is not all in scope
        organisations, beyond = [within.pk], []  # all in scope, and rows beyond the roots lie outside it
    elif scope.roots is None:
        organisations = list(Organisation.objects.filter(parent__isnull=True).values_list("pk", flat=True))
    else:
        organisations = [tree.path_pks(root)[-1] for root in scope.roots]
    if not organisations:
        return len(beyond)
    counted = MemberTally.objects.filter(organisation_id__in=organisations, **narrow).aggregate(n=Sum("count"))
    return (counted["n"] or 0) + len(beyond)


def may_see_identity(user, member: Member) -> bool:
    """The full ID number: the campaign office over the member's organisation, or the member themself."""
    return member.pk == getattr(user, "member_id", None) or can_at_path(user, Action.VIEW_IDENTITY, member.org_path)


def member_history(member: Member) -> QuerySet[AuditEntry]:
    """The audit trail of a member's record and of their transfers, newest first (the member is scoped already)."""
    transfers = [str(pk) for pk in member.transfers.values_list("pk", flat=True)]
    return (
        AuditEntry.objects.filter(
            Q(object_type="members.member", object_id=str(member.pk))
            | Q(object_type="members.transfer", object_id__in=transfers)
        )
        .select_related("actor")
        .order_by("-seq")
    )


def member_counts(organisation: Organisation, field: str) -> dict[str, int]:
    """Members of the whole subtree grouped by `field` (category or status), from the kept tallies."""
    return tallies.subtree_counts(organisation.pk, field)


def count_members_directly(organisation: Organisation, field: str) -> dict[str, int]:
    """The same figures counted from the member table: one index range scan (checks and benchmarks)."""
    rows = (
        Member.objects.filter(tree.subtree_q("org_path", organisation.path))
        .values(field)
        .annotate(n=Count("*"))
        .order_by()
    )
    return {row[field]: row["n"] for row in rows}


def own_organisation_q(user) -> Q | None:
    """The organisation holding the user's own member record (registered with orgs.hooks for scoping)."""
    if not getattr(user, "member_id", None):
        return None
    # A subquery, not a join through `members`, so organisations are never repeated.
    return Q(pk__in=Member.objects.filter(pk=user.member_id).values("organisation_id"))
