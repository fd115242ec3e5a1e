"""Reads of the mobile-member network, records, cards and lost-contact cases for one organisation's subtree."""

from __future__ import annotations

import datetime

from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from vanguard.core import tree
from vanguard.members.models import Category, Member
from vanguard.mobility.models import (
    OPEN_STATUSES,
    Card,
    LostContact,
    LostStatus,
    MobileRecord,
    RecordStatus,
    ServicePoint,
)
from vanguard.mobility.services import card_cutoff
from vanguard.orgs.models import Organisation


def points_in(organisation: Organisation) -> QuerySet[ServicePoint]:
    return ServicePoint.objects.filter(tree.subtree_q("org_path", organisation.path)).select_related("organisation")


def outside_organisations() -> QuerySet[ServicePoint]:
    """The directory of mobile-member organisations in other provinces, which any branch may register a member to
    (names and places only: the directory is how members away find them)."""
    return ServicePoint.objects.filter(role="outside").select_related("organisation").order_by("province", "name")


def records_in(organisation: Organisation, *, open_only: bool = False) -> QuerySet[MobileRecord]:
    """Records whose home or inflow side lies in the subtree: each person once."""
    records = MobileRecord.objects.filter(
        tree.subtree_q("home_path", organisation.path) | tree.subtree_q("inflow_path", organisation.path)
    )
    if open_only:
        records = records.filter(status__in=OPEN_STATUSES)
    return records.select_related("member", "home_organisation", "inflow_organisation")


def awaiting(organisation: Organisation) -> QuerySet[MobileRecord]:
    """Members registered to the subtree as their inflow side and not yet received."""
    return MobileRecord.objects.filter(
        tree.subtree_q("inflow_path", organisation.path), status=RecordStatus.AWAY
    ).select_related("member", "home_organisation", "inflow_organisation")


def valid_card_q(today: datetime.date, member_ref: str = "pk") -> Exists:
    return Exists(
        Card.objects.filter(
            member_id=OuterRef(member_ref), returned_on__isnull=True, issued_on__lte=today, valid_until__gte=today
        )
    )


def needing_card(organisation: Organisation, *, today: datetime.date | None = None) -> QuerySet[Member]:
    """DOMAIN §1: members of the subtree away six months or more whose relation is still here (it was not
    transferred) and who hold no valid mobile-member card: each needs one or a transfer."""
    today = today or timezone.localdate()
    return (
        Member.objects.filter(
            tree.subtree_q("org_path", organisation.path),
            category=Category.MOBILE,
            mobile_since__lte=card_cutoff(today),
        )
        .exclude(valid_card_q(today))
        .select_related("organisation")
        .order_by("mobile_since", "pk")
    )


def cards_in(organisation: Organisation) -> QuerySet[Card]:
    return Card.objects.filter(
        tree.subtree_q("org_path", organisation.path) | tree.subtree_q("inflow_path", organisation.path)
    ).select_related("member", "issued_by")


def lost_in(organisation: Organisation, *, open_only: bool = False) -> QuerySet[LostContact]:
    cases = LostContact.objects.filter(tree.subtree_q("org_path", organisation.path))
    if open_only:
        cases = cases.filter(status=LostStatus.SEARCHING)
    return cases.select_related("member", "organisation")


def open_record_of(member: Member) -> MobileRecord | None:
    return (
        MobileRecord.objects.filter(member=member, status__in=OPEN_STATUSES)
        .select_related("home_organisation", "inflow_organisation")
        .first()
    )


def current_card(member: Member) -> Card | None:
    return Card.objects.filter(member=member, returned_on__isnull=True).first()


def lost_in_case(member: Member) -> LostContact | None:
    """The member's open lost-contact case, if any."""
    return LostContact.objects.filter(member=member, status=LostStatus.SEARCHING).first()
