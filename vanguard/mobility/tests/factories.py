"""Service bodies, records, cards and cases for tests and siblings, written straight to the tables (the services'
own tests go through the services)."""

from __future__ import annotations

import datetime

from vanguard.mobility.models import Card, LostContact, MobileRecord, PointRole, RecordStatus, ServicePoint
from vanguard.orgs.factories import OrganisationFactory
from vanguard.orgs.models import Kind


def point(organisation, *, role=PointRole.STATION, province="", name="", on=None) -> ServicePoint:
    return ServicePoint.objects.create(
        organisation=organisation,
        org_path=organisation.path,
        role=role,
        name=name or f"{organisation.name}{PointRole(role).label}",
        service_area=organisation.name,
        province=province or ("广东省" if role == PointRole.OUTSIDE else ""),
        set_up_on=on or datetime.date.today(),
    )


def outside_organisation(parent, *, name="驻粤流动党员党委", province="广东省东莞市"):
    """A mobile-member organisation in another province, in the city's tree under `parent`."""
    organisation = OrganisationFactory(name=name, kind=Kind.MOBILE_ORGANISATION, parent=parent)
    point(organisation, role=PointRole.OUTSIDE, province=province)
    return organisation


def record(member, *, inflow=None, since=None, status=RecordStatus.AWAY, received_on=None) -> MobileRecord:
    since = since or datetime.date.today() - datetime.timedelta(days=30)
    return MobileRecord.objects.create(
        member=member,
        name=member.name,
        home_organisation=member.organisation,
        home_path=member.org_path,
        inflow_organisation=inflow,
        inflow_path=inflow.path if inflow else "",
        destination="广东省东莞市",
        away_since=since,
        contact="13800000000",
        status=status,
        received_on=received_on or (since if status == RecordStatus.RECEIVED else None),
    )


def card(member, *, number="YD0001", issued_on=None, valid_until=None, record_=None) -> Card:
    issued_on = issued_on or datetime.date.today() - datetime.timedelta(days=10)
    return Card.objects.create(
        member=member,
        record=record_,
        number=number,
        issued_by=member.organisation,
        org_path=member.org_path,
        inflow_path=record_.inflow_path if record_ else "",
        issued_on=issued_on,
        valid_until=valid_until or issued_on + datetime.timedelta(days=365),
    )


def lost(member, *, since=None) -> LostContact:
    return LostContact.objects.create(
        member=member,
        organisation=member.organisation,
        org_path=member.org_path,
        lost_since=since or datetime.date.today() - datetime.timedelta(days=400),
    )
