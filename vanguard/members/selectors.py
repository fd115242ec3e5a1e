"""Reads of members and transfers, always through the scoping function."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from vanguard.accounts.scoping import Action, can_at_path, restrict
from vanguard.core import tree
from vanguard.core.models import AuditEntry
from vanguard.members import tallies
from vanguard.members.models import Member, Transfer
from vanguard.orgs.models import Organisation


def visible_members(user, action: Action = Action.VIEW) -> QuerySet[Member]:
    return restrict(Member.objects.select_related("organisation", "host_organisation"), user, action)


def visible_transfers(user) -> QuerySet[Transfer]:
    return restrict(
        Transfer.objects.select_related("member", "from_organisation", "to_organisation"), user, Action.VIEW
    )


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
