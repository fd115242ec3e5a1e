"""Reads of pairings, households and funds for one organisation's subtree."""

from __future__ import annotations

from django.db.models import QuerySet

from vanguard.assistance.models import Fund, Grant, GrantStatus, Household, Pairing, SpecialService
from vanguard.core import tree
from vanguard.orgs.models import Organisation


def pairings_in(organisation: Organisation) -> QuerySet[Pairing]:
    return (
        Pairing.objects.filter(tree.subtree_q("org_path", organisation.path))
        .select_related("helper_member", "helper_organisation", "organisation")
        .prefetch_related("helped")
    )


def households_in(organisation: Organisation) -> QuerySet[Household]:
    return Household.objects.filter(tree.subtree_q("org_path", organisation.path)).select_related("organisation")


def services_due(organisation: Organisation, until) -> QuerySet[SpecialService]:
    """Services of the subtree due by `until` and not done: the work list."""
    return (
        SpecialService.objects.filter(
            tree.subtree_q("org_path", organisation.path), due_on__lte=until, done_on__isnull=True
        )
        .select_related("household")
        .order_by("due_on", "pk")
    )


def funds_in(organisation: Organisation) -> QuerySet[Fund]:
    return Fund.objects.filter(tree.subtree_q("org_path", organisation.path)).select_related("organisation")


def funds_over(organisation: Organisation) -> QuerySet[Fund]:
    """Funds a grant may be requested from at this organisation: its own and those above it."""
    return Fund.objects.filter(org_path__in=[*tree.ancestor_paths(organisation.path), organisation.path]).order_by(
        "org_path", "name"
    )


def pending_grants(fund: Fund) -> QuerySet[Grant]:
    return fund.grants.filter(status=GrantStatus.REQUESTED).select_related("requested_by").order_by("pk")
