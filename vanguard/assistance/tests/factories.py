"""Pairings, households and funds for tests and siblings, written straight to the tables (the services' own tests
go through the services)."""

from __future__ import annotations

import datetime

from vanguard.assistance.models import Fund, Grant, Household, Pairing, PairingKind, SpecialService


def pairing(helper, helped, *, organisation=None, on=None) -> Pairing:
    organisation = organisation or helper.organisation
    made = Pairing.objects.create(
        kind=PairingKind.ONE_PLUS_ONE,
        organisation=organisation,
        org_path=organisation.path,
        helper_member=helper,
        hardship="下岗",
        started_on=on or datetime.date.today() - datetime.timedelta(days=30),
    )
    made.helped.set([helped])
    return made


def household(organisation, *, name="王大爷", on=None) -> Household:
    return Household.objects.create(
        organisation=organisation,
        org_path=organisation.path,
        name=name,
        address="某街1号",
        group="lonely_elderly",
        listed_on=on or datetime.date.today() - datetime.timedelta(days=100),
    )


def service(household_, *, due=None, kind="safety_check") -> SpecialService:
    return SpecialService.objects.create(
        household=household_, org_path=household_.org_path, kind=kind, due_on=due or datetime.date.today()
    )


def fund(organisation, *, name="帮扶基金") -> Fund:
    """An empty fund (money goes in through the services, which write the ledger)."""
    return Fund.objects.create(
        organisation=organisation,
        org_path=organisation.path,
        name=name,
        set_up_on=datetime.date.today() - datetime.timedelta(days=365),
    )


def grant(fund_, *, amount=500, beneficiary="困难党员", requested_at=None) -> Grant:
    requested_at = requested_at or fund_.organisation
    return Grant.objects.create(
        fund=fund_,
        org_path=fund_.org_path,
        requested_at_path=requested_at.path,
        beneficiary=beneficiary,
        amount_fen=int(amount) * 100,
        purpose="生活补助",
        requested_on=datetime.date.today(),
    )
