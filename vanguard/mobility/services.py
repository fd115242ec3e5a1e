"""Writes of the mobile-member network, records, cards and lost-contact cases: one transaction each, audited.

Who acts (DOMAIN §1: outflow and inflow organisations share responsibility):
- the home side (CHANGE at the member's organisation) registers a member away, issues, renews and takes back
  cards, and opens lost-contact cases;
- the inflow side (CHANGE at the inflow organisation) receives or declines a member registered to it, registers
  someone from outside the city, and from then on organises their campaign participation: receiving makes it
  the member's host (members.services.set_host), so the study and meetings apps let it record their study;
- either side records a return home.
Refusals are ValidationErrors with a code, naming the field.
"""

from __future__ import annotations

import calendar
import datetime
import re
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vanguard.accounts.scoping import Action, can_at_path
from vanguard.accounts.selectors import acting_as
from vanguard.core import audit, dates, refusals, tree
from vanguard.core.transitions import StateMachine, Transition
from vanguard.members import services as member_services
from vanguard.members.models import Category, Member
from vanguard.mobility import events
from vanguard.mobility.models import (
    OPEN_STATUSES,
    Card,
    LostContact,
    LostStatus,
    MobileRecord,
    PointRole,
    RecordStatus,
    Search,
    SearchMethod,
    Service,
    ServicePoint,
)
from vanguard.orgs.models import BRANCH_KINDS, Kind, Organisation

# DOMAIN §1: away six months or more → the relation transferred or a card issued.
MONTHS_BEFORE_CARD = 6
# A card's validity when none is given, and the longest one may be issued or renewed for.
CARD_YEARS = 1
MAX_CARD_YEARS = 3
CARD_NUMBER = re.compile(r"^[0-9A-Za-z][0-9A-Za-z-]{3,31}$")

# Which organisations may hold which role in the network (DOMAIN §8: centre → district, station → town or
# street, contact point → community or village, and mobile-member organisations in other provinces).
ROLE_KINDS = {
    PointRole.CENTRE: {Kind.DISTRICT},
    PointRole.STATION: {Kind.GRASSROOTS_COMMITTEE, Kind.WORKING_COMMITTEE, Kind.GENERAL_BRANCH},
    PointRole.CONTACT_POINT: {*BRANCH_KINDS, Kind.GENERAL_BRANCH},
    PointRole.OUTSIDE: {Kind.MOBILE_ORGANISATION},
}


def months_before(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` months earlier, the month's last day when it has no such day (31 Aug → 28/29 Feb)."""
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    month += 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def card_cutoff(today: datetime.date | None = None) -> datetime.date:
    """Away on or before this day means away six months or more."""
    return months_before(today or timezone.localdate(), MONTHS_BEFORE_CARD)


# --- the service network -------------------------------------------------------------------------------------------


@transaction.atomic
def set_up_point(
    *,
    actor,
    organisation: Organisation,
    role: str,
    name: str,
    service_area: str,
    set_up_on: datetime.date,
    province: str = "",
    services: Iterable[str] = (),
    contact: str = "",
) -> ServicePoint:
    """Give an organisation its role in the service network (DOMAIN §8); one body per organisation and role.

    The actor holds CHANGE at the organisation (a district's office sets up its centre and its towns' stations)."""
    refusals.require(actor, organisation.path, _("You may set up service bodies only in your own subtree."))
    if role not in PointRole.values:
        raise refusals.invalid("role", _("Choose a role in the service network."), "bad_role")
    if organisation.kind not in ROLE_KINDS[role]:
        kinds = "、".join(str(Kind(k).label) for k in sorted(ROLE_KINDS[role]))
        raise refusals.invalid(
            "role",
            _("A %(role)s is set up at an organisation of kind: %(kinds)s; %(organisation)s is a %(kind)s.")
            % {
                "role": PointRole(role).label,
                "kinds": kinds,
                "organisation": organisation.name,
                "kind": organisation.get_kind_display(),
            },
            "wrong_kind",
        )
    name = refusals.text(name, "name", _("Give the body's name."), "no_name")
    service_area = refusals.text(service_area, "service_area", _("Describe the area it serves."), "no_area")
    province = refusals.text(province, "province", "", "", required=False)
    if role == PointRole.OUTSIDE and not province:
        raise refusals.invalid("province", _("Say where the organisation works, e.g. 广东省东莞市."), "no_province")
    unknown = set(services) - set(Service.values)
    if unknown:
        raise refusals.invalid(
            "services", _("Unknown services: %(names)s.") % {"names": ", ".join(sorted(unknown))}, "bad"
        )
    refusals.not_future(set_up_on, "set_up_on", timezone.localdate())
    if ServicePoint.objects.filter(organisation=organisation, role=role).exists():
        raise refusals.invalid(
            "role",
            _("%(organisation)s already is a %(role)s.")
            % {"organisation": organisation.name, "role": PointRole(role).label},
            "duplicate",
        )
    point = ServicePoint.objects.create(
        organisation=organisation,
        org_path=organisation.path,
        role=role,
        name=name,
        service_area=service_area,
        province=province,
        services=sorted(set(services)),
        contact=refusals.text(contact, "contact", "", "", required=False),
        set_up_on=set_up_on,
        created_by=actor,
    )
    audit.record(
        event=events.POINT_SET_UP,
        **acting_as(actor, organisation.path),
        target=point,
        organisation=organisation,
        data={"role": role, "name": name},
    )
    return point


# --- records: the declared workflow --------------------------------------------------------------------------------


def home_side(user, record: MobileRecord) -> bool:
    return bool(record.home_path) and can_at_path(user, Action.CHANGE, record.home_path)


def inflow_side(user, record: MobileRecord) -> bool:
    return bool(record.inflow_path) and can_at_path(user, Action.CHANGE, record.inflow_path)


def either_side(user, record: MobileRecord) -> bool:
    return home_side(user, record) or inflow_side(user, record)


def _has_inflow(record: MobileRecord, context: dict):
    if record.inflow_organisation_id is None:
        return gettext_lazy("No inflow organisation in the city is named on this record.")
    return None


def _receive(record: MobileRecord, context: dict) -> None:
    record.received_on = context["on"]
    if record.member_id is not None:
        member = Member.objects.select_for_update().get(pk=record.member_id)
        if member.host_organisation_id != record.inflow_organisation_id:
            member_services.set_host(
                member=member,
                host_organisation=record.inflow_organisation,
                since=context["on"],
                actor=context.get("by"),
            )


def _decline(record: MobileRecord, context: dict) -> None:
    record.inflow_organisation = None
    record.inflow_path = ""


def _end(record: MobileRecord, context: dict) -> None:
    """Back home or transferred: hosting by the inflow side ends, the card comes back, the category is restored."""
    on = context["on"]
    record.ended_on = on
    # Saved before the member changes: that change is announced (members.hooks.member_changed), and
    # relation_moved must find this record closed rather than end it a second time.
    record.save(update_fields=["status", "ended_on"])
    if record.member_id is None:
        return
    actor = context.get("by")
    member = Member.objects.select_for_update().get(pk=record.member_id)
    if record.inflow_organisation_id and member.host_organisation_id == record.inflow_organisation_id:
        member_services.set_host(member=member, host_organisation=None, actor=actor)
    for card in Card.objects.select_for_update().filter(member=member, returned_on__isnull=True):
        _take_back(card, on=max(on, card.issued_on), actor=actor, path=card.org_path)
    if member.category == Category.MOBILE:
        member_services.update_member(
            member=member,
            fields={"category": record.category_before or Category.ORDINARY, "mobile_since": None, "mobile_place": ""},
            actor=actor,
        )


RECORD_FLOW = StateMachine(
    "mobility.record",
    MobileRecord,
    transitions=[
        Transition(
            "receive",
            gettext_lazy("Receive"),
            source=[RecordStatus.AWAY],
            target=RecordStatus.RECEIVED,
            may=inflow_side,
            guards=[_has_inflow],
            effect=_receive,
            saves=["received_on"],
        ),
        Transition(
            "decline",
            gettext_lazy("Not with us"),
            source=[RecordStatus.AWAY],
            target=RecordStatus.AWAY,
            may=inflow_side,
            guards=[_has_inflow],
            effect=_decline,
            saves=["inflow_organisation", "inflow_path"],
        ),
        Transition(
            "return_home",
            gettext_lazy("Back home"),
            source=OPEN_STATUSES,
            target=RecordStatus.RETURNED,
            may=either_side,
            effect=_end,
            saves=["ended_on"],
        ),
        # Taken by the system when the member's relation moves (members.hooks.member_changed).
        Transition(
            "transferred",
            gettext_lazy("Relation transferred"),
            source=OPEN_STATUSES,
            target=RecordStatus.TRANSFERRED,
            may=lambda user, record: False,
            effect=_end,
            saves=["ended_on"],
        ),
    ],
    organisation_of=lambda record: record.home_organisation_id or record.inflow_organisation_id,
)


def _inflow_target(inflow_organisation: Organisation | None) -> None:
    if inflow_organisation is not None and not ServicePoint.objects.filter(organisation=inflow_organisation).exists():
        if inflow_organisation.kind not in BRANCH_KINDS:
            raise refusals.invalid(
                "inflow_organisation",
                _("%(organisation)s is neither a branch nor a service body, so it cannot receive members.")
                % {"organisation": inflow_organisation.name},
                "not_a_receiver",
            )


@transaction.atomic
def register_away(
    *,
    actor,
    member: Member,
    destination: str,
    away_since: datetime.date,
    contact: str,
    work: str = "",
    inflow_organisation: Organisation | None = None,
    today: datetime.date | None = None,
) -> MobileRecord:
    """流出登记: the home side registers a member working or living away (DOMAIN §1, §8).

    The member becomes a mobile member (category 流动党员, away since, where) until they return or their relation
    is transferred.  `inflow_organisation` is the branch or mobile-member organisation in the city's network where
    they now take part; it sees the record and receives them.  One open record per member."""
    today = today or timezone.localdate()
    member = Member.objects.select_for_update(of=("self",)).select_related("organisation").get(pk=member.pk)
    refusals.require(actor, member.org_path, _("You may register only members of your own subtree as away."))
    destination = refusals.text(destination, "destination", _("Say where the member has gone."), "no_destination")
    contact = refusals.text(
        contact, "contact", _("Give a way to reach the member away (a phone number)."), "no_contact"
    )
    refusals.not_future(away_since, "away_since", today)
    if away_since < member.joined_on:
        raise refusals.invalid("away_since", _("The member cannot be away since before they joined."), "before_joining")
    if member.category == Category.LOST_CONTACT:
        raise refusals.invalid(
            "member",
            _("%(name)s is being looked for as lost contact: close that case first.") % {"name": member.name},
            "lost_contact",
        )
    if inflow_organisation is not None and tree.is_within(inflow_organisation.path, member.org_path):
        raise refusals.invalid(
            "inflow_organisation", _("The inflow organisation must be outside the member's own branch."), "same_side"
        )
    _inflow_target(inflow_organisation)
    if MobileRecord.objects.filter(member=member, status__in=OPEN_STATUSES).exists():
        raise refusals.invalid(
            "member", _("%(name)s is already registered as away.") % {"name": member.name}, "already_away"
        )
    category_before = member.category
    try:
        with transaction.atomic():
            record = MobileRecord.objects.create(
                member=member,
                name=member.name,
                home_organisation=member.organisation,
                home_path=member.org_path,
                inflow_organisation=inflow_organisation,
                inflow_path=inflow_organisation.path if inflow_organisation else "",
                destination=destination,
                away_since=away_since,
                contact=contact,
                work=refusals.text(work, "work", "", "", required=False),
                category_before=category_before if category_before != Category.MOBILE else "",
                created_by=actor,
            )
    except IntegrityError:
        # Two clerks registering the same member at once: the constraint decides, the loser hears why.
        message = _("%(name)s is already registered as away.") % {"name": member.name}
        raise refusals.invalid("member", message, "already_away") from None
    member_services.update_member(
        member=member,
        fields={"category": Category.MOBILE, "mobile_since": away_since, "mobile_place": destination[:200]},
        actor=actor,
    )
    audit.record(
        event=events.RECORD_REGISTERED,
        **acting_as(actor, member.org_path),
        target=record,
        organisation=member.organisation_id,
        data={"member": member.pk, "inflow": getattr(inflow_organisation, "pk", None), "since": away_since.isoformat()},
    )
    return record


@transaction.atomic
def register_inflow(
    *,
    actor,
    inflow_organisation: Organisation,
    name: str,
    home_name: str,
    destination: str,
    away_since: datetime.date,
    contact: str,
    work: str = "",
    outside_card: str = "",
    today: datetime.date | None = None,
) -> MobileRecord:
    """流入登记 of someone whose home organisation is outside the city: the inflow side alone registers them.

    A member of the city's own roll is registered by their home branch instead (register_away), so that one
    person is one record and is counted once."""
    today = today or timezone.localdate()
    refusals.require(actor, inflow_organisation.path, _("You may register members only where you act."))
    _inflow_target(inflow_organisation)
    name = refusals.text(name, "name", _("Give the member's name."), "no_name")
    home_name = refusals.text(home_name, "home_name", _("Name the member's home party organisation."), "no_home")
    destination = refusals.text(
        destination, "destination", _("Say where the member now lives or works."), "no_destination"
    )
    contact = refusals.text(contact, "contact", _("Give a way to reach the member (a phone number)."), "no_contact")
    refusals.not_future(away_since, "away_since", today)
    outside_card = refusals.text(outside_card, "outside_card", "", "", required=False)
    if outside_card and not CARD_NUMBER.match(outside_card):
        raise refusals.invalid("outside_card", _("A card number is 4 to 32 letters, digits or hyphens."), "bad_number")
    record = MobileRecord.objects.create(
        name=name,
        home_name=home_name,
        inflow_organisation=inflow_organisation,
        inflow_path=inflow_organisation.path,
        destination=destination,
        away_since=away_since,
        contact=contact,
        work=refusals.text(work, "work", "", "", required=False),
        outside_card=outside_card,
        status=RecordStatus.RECEIVED,
        received_on=today,
        created_by=actor,
    )
    audit.record(
        event=events.INFLOW_REGISTERED,
        **acting_as(actor, inflow_organisation.path),
        target=record,
        organisation=inflow_organisation,
        data={"home": home_name, "since": away_since.isoformat()},
    )
    return record


def _side_path(actor, record: MobileRecord) -> str:
    return record.inflow_path if inflow_side(actor, record) and not home_side(actor, record) else record.home_path


def receive(*, actor, record: MobileRecord, on: datetime.date | None = None) -> MobileRecord:
    """The inflow organisation confirms the member is with it and from now organises their participation."""
    on = on or timezone.localdate()
    refusals.not_future(on, "on", timezone.localdate())
    if on < record.away_since:
        raise refusals.invalid("on", _("The member cannot be received before they left."), "before_away")
    return RECORD_FLOW.take(record, "receive", **acting_as(actor, record.inflow_path), on=on, by=actor)


def decline(*, actor, record: MobileRecord, reason: str) -> MobileRecord:
    """The named inflow organisation says the member is not with it: the home side must find where they are."""
    reason = refusals.text(reason, "reason", _("Say why, for the home branch."), "no_reason")
    entry = acting_as(actor, record.inflow_path)
    return RECORD_FLOW.take(record, "decline", **entry, data={"reason": reason}, by=actor)


def return_home(*, actor, record: MobileRecord, on: datetime.date | None = None) -> MobileRecord:
    """The member is back: the record ends, hosting ends, the card is taken back, the old category returns."""
    on = on or timezone.localdate()
    refusals.not_future(on, "on", timezone.localdate())
    if on < record.away_since:
        raise refusals.invalid("on", _("The member cannot be back before they left."), "before_away")
    return RECORD_FLOW.take(record, "return_home", **acting_as(actor, _side_path(actor, record)), on=on, by=actor)


def relation_moved(member: Member) -> None:
    """members.hooks.member_changed: a member whose relation left the home organisation is no longer away from it."""
    for record in MobileRecord.objects.filter(member=member, status__in=OPEN_STATUSES).exclude(
        home_organisation_id=member.organisation_id
    ):
        RECORD_FLOW.take(record, "transferred", on=timezone.localdate(), data={"to": member.organisation_id})


# --- cards ---------------------------------------------------------------------------------------------------------


def _card_number(number: str) -> str:
    number = (number or "").strip().upper()
    if not CARD_NUMBER.match(number):
        raise refusals.invalid("number", _("A card number is 4 to 32 letters, digits or hyphens."), "bad_number")
    return number


def _validity(issued_on: datetime.date, valid_until: datetime.date | None, field: str) -> datetime.date:
    if valid_until is None:
        return dates.add_years(issued_on, CARD_YEARS) - datetime.timedelta(days=1)
    if valid_until <= issued_on:
        raise refusals.invalid(field, _("The card must be valid after the day it is issued."), "bad_validity")
    if valid_until > months_before(issued_on, -12 * MAX_CARD_YEARS):
        raise refusals.invalid(
            field, _("A card is valid for at most %(years)s years.") % {"years": MAX_CARD_YEARS}, "too_long"
        )
    return valid_until


@transaction.atomic
def issue_card(
    *,
    actor,
    record: MobileRecord,
    number: str,
    issued_on: datetime.date | None = None,
    valid_until: datetime.date | None = None,
) -> Card:
    """发放流动党员活动证: the home side issues a numbered card to a member registered away.

    The number is unique in the city (a database constraint, so two clerks cannot both issue it); a member holds
    one card at a time; validity one year unless given, at most three."""
    today = timezone.localdate()
    issued_on = issued_on or today
    record = MobileRecord.objects.select_for_update().get(pk=record.pk)
    refusals.require(actor, record.home_path, _("Only the member's home organisation issues their card."))
    if record.member_id is None or not record.is_open:
        raise ValidationError(_("Cards are issued to members of the roll while they are away."), code="not_away")
    number = _card_number(number)
    refusals.not_future(issued_on, "issued_on", today)
    if issued_on < record.away_since:
        raise refusals.invalid("issued_on", _("The card cannot be issued before the member left."), "before_away")
    valid_until = _validity(issued_on, valid_until, "valid_until")
    if Card.objects.filter(member_id=record.member_id, returned_on__isnull=True).exists():
        raise ValidationError(_("The member already holds a card: renew it instead."), code="card_held")
    if Card.objects.filter(number=number).exists():
        raise refusals.invalid(
            "number", _("Card number %(number)s is already issued.") % {"number": number}, "duplicate"
        )
    try:
        with transaction.atomic():
            card = Card.objects.create(
                member_id=record.member_id,
                record=record,
                number=number,
                issued_by=record.home_organisation,
                org_path=record.home_path,
                inflow_path=record.inflow_path,
                issued_on=issued_on,
                valid_until=valid_until,
            )
    except IntegrityError:
        raise refusals.invalid(
            "number", _("Card number %(number)s is already issued.") % {"number": number}, "duplicate"
        ) from None
    audit.record(
        event=events.CARD_ISSUED,
        **acting_as(actor, record.home_path),
        target=card,
        organisation=record.home_organisation_id,
        data={"number": number, "member": record.member_id, "valid_until": valid_until.isoformat()},
    )
    return card


@transaction.atomic
def renew_card(*, actor, card: Card, valid_until: datetime.date, on: datetime.date | None = None) -> Card:
    """Extend a card held by a member still away; the old and new validity go to the trail."""
    on = on or timezone.localdate()
    card = Card.objects.select_for_update(of=("self",)).select_related("record").get(pk=card.pk)
    refusals.require(actor, card.org_path, _("Only the member's home organisation renews their card."))
    if card.returned_on is not None:
        raise ValidationError(_("This card was returned: issue a new one."), code="returned")
    if card.record is not None and not card.record.is_open:
        raise ValidationError(_("The member is no longer away."), code="not_away")
    if valid_until <= card.valid_until:
        raise refusals.invalid(
            "valid_until", _("A renewal extends the card beyond %(date)s.") % {"date": card.valid_until}, "not_later"
        )
    valid_until = _validity(on, valid_until, "valid_until")
    before = card.valid_until
    card.valid_until = valid_until
    card.renewals += 1
    if card.record is not None:
        card.inflow_path = card.record.inflow_path
    card.save(update_fields=["valid_until", "renewals", "inflow_path"])
    audit.record(
        event=events.CARD_RENEWED,
        **acting_as(actor, card.org_path),
        target=card,
        organisation=card.issued_by_id,
        changes={"valid_until": [before.isoformat(), valid_until.isoformat()]},
    )
    return card


def _take_back(card: Card, *, on: datetime.date, actor, path: str) -> None:
    card.returned_on = on
    card.save(update_fields=["returned_on"])
    audit.record(
        event=events.CARD_RETURNED,
        **acting_as(actor, path),
        target=card,
        organisation=card.issued_by_id,
        data={"number": card.number, "on": on.isoformat()},
    )


@transaction.atomic
def return_card(*, actor, card: Card, on: datetime.date | None = None) -> Card:
    """The card comes back to the home side (the member returned, or it is replaced)."""
    on = on or timezone.localdate()
    card = Card.objects.select_for_update().get(pk=card.pk)
    refusals.require(actor, card.org_path, _("Only the member's home organisation takes back their card."))
    if card.returned_on is not None:
        raise ValidationError(_("This card was already returned."), code="returned")
    refusals.not_future(on, "on", timezone.localdate())
    if on < card.issued_on:
        raise refusals.invalid("on", _("A card cannot come back before it was issued."), "before_issue")
    _take_back(card, on=on, actor=actor, path=card.org_path)
    return card


# --- lost contact --------------------------------------------------------------------------------------------------


def _restore_category(case: LostContact, actor) -> None:
    member = Member.objects.select_for_update().get(pk=case.member_id)
    if member.category == Category.LOST_CONTACT:
        member_services.update_member(
            member=member, fields={"category": case.category_before or Category.ORDINARY}, actor=actor
        )


def _found(case: LostContact, context: dict) -> None:
    case.found_on = context["on"]
    case.found_where = context["where"]
    _restore_category(case, context.get("by"))


def _closed(case: LostContact, context: dict) -> None:
    case.closed_on = context["on"]
    case.closing_reason = context["reason"]
    _restore_category(case, context.get("by"))


def _searched(case: LostContact, context: dict):
    if not case.searches.exists():
        return gettext_lazy("Record at least one search before closing the case.")
    return None


def _case_side(user, case: LostContact) -> bool:
    return can_at_path(user, Action.CHANGE, case.org_path)


LOST_FLOW = StateMachine(
    "mobility.lost",
    LostContact,
    transitions=[
        Transition(
            "found",
            gettext_lazy("Found"),
            source=[LostStatus.SEARCHING],
            target=LostStatus.FOUND,
            may=_case_side,
            effect=_found,
            saves=["found_on", "found_where"],
        ),
        Transition(
            "close",
            gettext_lazy("Close the case"),
            source=[LostStatus.SEARCHING],
            target=LostStatus.CLOSED,
            may=_case_side,
            guards=[_searched],
            effect=_closed,
            saves=["closed_on", "closing_reason"],
        ),
    ],
    organisation_of=lambda case: case.organisation_id,
)


@transaction.atomic
def open_lost_contact(
    *, actor, member: Member, lost_since: datetime.date, last_known: str = "", today: datetime.date | None = None
) -> LostContact:
    """失联: the branch cannot reach a member; the member's category becomes 失联 while they are looked for."""
    today = today or timezone.localdate()
    member = Member.objects.select_for_update().get(pk=member.pk)
    refusals.require(actor, member.org_path, _("You may open cases only for members of your own subtree."))
    refusals.not_future(lost_since, "lost_since", today)
    if LostContact.objects.filter(member=member, status=LostStatus.SEARCHING).exists():
        raise refusals.invalid(
            "member", _("%(name)s is already being looked for.") % {"name": member.name}, "already_open"
        )
    if MobileRecord.objects.filter(member=member, status__in=OPEN_STATUSES).exists():
        raise refusals.invalid(
            "member",
            _("%(name)s is registered as away: end that record (or look for them through it) first.")
            % {"name": member.name},
            "away",
        )
    case = LostContact.objects.create(
        member=member,
        organisation=member.organisation,
        org_path=member.org_path,
        lost_since=lost_since,
        last_known=refusals.text(last_known, "last_known", "", "", required=False),
        category_before=member.category if member.category != Category.LOST_CONTACT else "",
        opened_by=actor,
    )
    if member.category != Category.LOST_CONTACT:
        fields = {"category": Category.LOST_CONTACT}
        if member.category == Category.MOBILE:
            fields |= {"mobile_since": None, "mobile_place": ""}
        member_services.update_member(member=member, fields=fields, actor=actor)
    audit.record(
        event=events.LOST_OPENED,
        **acting_as(actor, member.org_path),
        target=case,
        organisation=member.organisation_id,
        data={"member": member.pk, "since": lost_since.isoformat()},
    )
    return case


@transaction.atomic
def record_search(*, actor, case: LostContact, searched_on: datetime.date, method: str, result: str) -> Search:
    refusals.require(actor, case.org_path, _("You may record searches only for your own subtree."))
    if case.status != LostStatus.SEARCHING:
        raise ValidationError(_("The case is no longer open."), code="closed")
    if method not in SearchMethod.values:
        raise refusals.invalid("method", _("Choose how the member was looked for."), "bad_method")
    refusals.not_future(searched_on, "searched_on", timezone.localdate())
    if searched_on < case.lost_since:
        raise refusals.invalid("searched_on", _("A search comes after contact was lost."), "before_lost")
    result = refusals.text(result, "result", _("Say what came of the search."), "no_result")
    search = Search.objects.create(case=case, searched_on=searched_on, method=method, result=result, by=actor)
    audit.record(
        event=events.SEARCH_RECORDED,
        **acting_as(actor, case.org_path),
        target=case,
        organisation=case.organisation_id,
        data={"method": method, "on": searched_on.isoformat()},
    )
    return search


def mark_found(*, actor, case: LostContact, on: datetime.date, where: str) -> LostContact:
    """Found: where the member is now; their category goes back to what it was."""
    where = refusals.text(where, "where", _("Say where the member was found."), "no_where")
    refusals.not_future(on, "on", timezone.localdate())
    if on < case.lost_since:
        raise refusals.invalid("on", _("A member is found after contact was lost."), "before_lost")
    entry = acting_as(actor, case.org_path)
    return LOST_FLOW.take(case, "found", **entry, on=on, where=where, data={"where": where}, by=actor)


def close_case(*, actor, case: LostContact, on: datetime.date, reason: str) -> LostContact:
    """Closed without finding the member (e.g. confirmed dead, or struck off by due process): the reason is kept."""
    reason = refusals.text(reason, "reason", _("Say why the case is closed."), "no_reason")
    refusals.not_future(on, "on", timezone.localdate())
    entry = acting_as(actor, case.org_path)
    return LOST_FLOW.take(case, "close", **entry, on=on, reason=reason, data={"reason": reason}, by=actor)
