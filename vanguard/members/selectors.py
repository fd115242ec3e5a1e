"""Reads of members and transfers, always through the scoping function."""

from __future__ import annotations

from django.db.models import QuerySet

from vanguard.accounts.scoping import Action, can_at_path, restrict
from vanguard.members.models import Member, Transfer


def visible_members(user, action: Action = Action.VIEW) -> QuerySet[Member]:
    return restrict(Member.objects.select_related("organisation", "host_organisation"), user, action)


def visible_transfers(user) -> QuerySet[Transfer]:
    return restrict(
        Transfer.objects.select_related("member", "from_organisation", "to_organisation"), user, Action.VIEW
    )


def may_see_identity(user, member: Member) -> bool:
    """The full ID number: the campaign office over the member's organisation, or the member themself."""
    return member.pk == getattr(user, "member_id", None) or can_at_path(user, Action.VIEW_IDENTITY, member.org_path)


def transfer_sides(user, transfer: Transfer) -> dict[str, bool]:
    """Which side of a transfer the user may act for."""
    return {
        "sending": can_at_path(user, Action.CHANGE, transfer.from_organisation.path),
        "receiving": can_at_path(user, Action.CHANGE, transfer.to_organisation.path),
    }
