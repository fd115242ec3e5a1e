"""Writes of pairings, special services and the assistance funds: one transaction each, audited.

Who acts: CHANGE at the organisation that arranges a pairing, lists a household or holds a fund; everyone
concerned (helpers, members helped, the helping organisations) lies in that organisation's subtree.  A grant
is requested by anyone who acts at or below the fund's organisation and decided by a role at the fund's
organisation or above, never by the person who requested it.  Refusals are ValidationErrors with a code.

The ledger (DOMAIN §9, issue 22): every entry moves a positive amount between two of the fund's accounts (income
→ cash, cash → grants), so the books balance by construction; the fund's balance is changed in the same
transaction by one conditional UPDATE (`balance >= amount`), so two grants racing for the last money cannot
both be paid, and a CHECK constraint backs it.  `ledger_problems` is registered with verify_audit.
"""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Count, F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vanguard.accounts.scoping import Action, can_at_path
from vanguard.accounts.selectors import acting_as
from vanguard.assistance import events
from vanguard.assistance.models import (
    MEMBER_PAIRINGS,
    Account,
    Entry,
    Fund,
    Grant,
    GrantStatus,
    HelpKind,
    Household,
    HouseholdGroup,
    Pairing,
    PairingKind,
    ServiceKind,
    SpecialService,
    Visit,
)
from vanguard.core import audit, refusals, tree
from vanguard.core.money import yuan
from vanguard.core.transitions import StateMachine, Transition
from vanguard.members.models import Member
from vanguard.orgs.models import BRANCH_KINDS, Organisation

# No single entry moves more than this: a typing slip of a few zeros is refused, not booked.
MAX_AMOUNT = Decimal("5000000")
CENT = Decimal("0.01")
FEN_A_YUAN = 100
MAX_SERVICES_A_YEAR = 12

ENTRY_SEAL = audit.Seal(
    Entry,
    lambda entry: {
        "fund": entry.fund_id,
        "on": entry.on,
        "debit": entry.debit,
        "credit": entry.credit,
        "amount_fen": entry.amount_fen,
        "grant": entry.grant_id,
    },
)


def _within(path: str, organisation: Organisation, name: str, field: str) -> None:
    if not tree.is_within(path, organisation.path):
        raise refusals.invalid(
            field,
            _("%(name)s is not in %(organisation)s or below it.") % {"name": name, "organisation": organisation.name},
            "outside_subtree",
        )


def amount_of(value: Any, field: str = "amount") -> int:
    """A sum of money typed in yuan, as whole fen: positive, at most two decimals, at most MAX_AMOUNT yuan;
    anything else is refused."""
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        raise refusals.invalid(field, _("Give the amount in yuan, e.g. 1500 or 1500.50."), "bad_amount") from None
    if not amount.is_finite() or amount <= 0:
        raise refusals.invalid(field, _("The amount must be more than zero."), "not_positive")
    if amount != amount.quantize(CENT):
        raise refusals.invalid(field, _("An amount has at most two decimals (fen)."), "bad_amount")
    if amount > MAX_AMOUNT:
        raise refusals.invalid(
            field,
            _("%(amount)s yuan is more than one entry may move (%(max)s yuan): check the figure.")
            % {"amount": amount, "max": MAX_AMOUNT},
            "too_large",
        )
    return int(amount * FEN_A_YUAN)


# --- pairings ------------------------------------------------------------------------------------------------------


@transaction.atomic
def make_pairing(
    *,
    actor,
    organisation: Organisation,
    kind: str,
    started_on: datetime.date,
    helper_member: Member | None = None,
    helped: Sequence[Member] = (),
    helper_organisation: Organisation | None = None,
    partner_name: str = "",
    partner_organisation: Organisation | None = None,
    hardship: str = "",
) -> Pairing:
    """结对 (DOMAIN §9, seeds 000 and 003): 1+1 and 1+2 pair a member with one or two members in hardship; 双结对
    pairs a branch with a needy person, or a unit's organisation with a community or “两新” organisation."""
    refusals.require(actor, organisation.path, _("You may arrange pairings only in your own subtree."))
    if kind not in PairingKind.values:
        raise refusals.invalid("kind", _("Choose the kind of pairing."), "bad_kind")
    refusals.not_future(started_on, "started_on")
    partner_name = refusals.text(partner_name, "partner_name", "", "", required=False)
    hardship = refusals.text(hardship, "hardship", "", "", required=False)
    helped = list(dict.fromkeys(helped))
    if kind in MEMBER_PAIRINGS:
        wanted = 1 if kind == PairingKind.ONE_PLUS_ONE else 2
        if helper_member is None:
            raise refusals.invalid("helper_member", _("Choose the member who helps."), "no_helper")
        _within(helper_member.org_path, organisation, helper_member.name, "helper_member")
        if len(helped) != wanted or helper_member in helped:
            raise refusals.invalid(
                "helped",
                _("A %(kind)s pairing helps exactly %(n)s member(s), other than the helper.")
                % {"kind": PairingKind(kind).label, "n": wanted},
                "wrong_count",
            )
        for member in helped:
            _within(member.org_path, organisation, member.name, "helped")
        if not hardship:
            raise refusals.invalid("hardship", _("Say what hardship the pairing helps with."), "no_hardship")
        helper_organisation = partner_organisation = None
    else:
        if helper_organisation is None:
            raise refusals.invalid("helper_organisation", _("Choose the organisation that helps."), "no_helper")
        _within(helper_organisation.path, organisation, helper_organisation.name, "helper_organisation")
        if kind == PairingKind.BRANCH_PERSON:
            if helper_organisation.kind not in BRANCH_KINDS:
                raise refusals.invalid(
                    "helper_organisation", _("A needy person is paired with a branch."), "not_a_branch"
                )
            if not partner_name:
                raise refusals.invalid("partner_name", _("Name the person in need."), "no_partner")
            partner_organisation = None
        elif partner_organisation is None and not partner_name:
            raise refusals.invalid(
                "partner_name", _("Name the community or “两新” organisation paired with."), "no_partner"
            )
        if partner_organisation is not None and partner_organisation.pk == helper_organisation.pk:
            raise refusals.invalid("partner_organisation", _("An organisation cannot pair with itself."), "same")
        helper_member, helped = None, []
    pairing = Pairing.objects.create(
        kind=kind,
        organisation=organisation,
        org_path=organisation.path,
        helper_member=helper_member,
        helper_organisation=helper_organisation,
        partner_name=partner_name or (partner_organisation.name if partner_organisation else ""),
        partner_organisation=partner_organisation,
        hardship=hardship,
        started_on=started_on,
        created_by=actor,
    )
    pairing.helped.set(helped)
    audit.record(
        event=events.PAIRING_MADE,
        **acting_as(actor, organisation.path),
        target=pairing,
        organisation=organisation,
        data={"kind": kind, "helper": getattr(helper_member, "pk", None), "helped": [m.pk for m in helped]},
    )
    return pairing


@transaction.atomic
def end_pairing(*, actor, pairing: Pairing, on: datetime.date, reason: str) -> Pairing:
    pairing = Pairing.objects.select_for_update().get(pk=pairing.pk)
    refusals.require(actor, pairing.org_path, _("You may end pairings only in your own subtree."))
    if pairing.ended_on is not None:
        raise ValidationError(_("The pairing has already ended."), code="ended")
    refusals.not_future(on, "on")
    if on < pairing.started_on:
        raise refusals.invalid("on", _("A pairing ends after it began."), "before_start")
    reason = refusals.text(reason, "reason", _("Say why the pairing ends (e.g. the hardship is over)."), "no_reason")
    pairing.ended_on = on
    pairing.save(update_fields=["ended_on"])
    audit.record(
        event=events.PAIRING_ENDED,
        **acting_as(actor, pairing.org_path),
        target=pairing,
        organisation=pairing.organisation_id,
        data={"on": on.isoformat(), "reason": reason},
    )
    return pairing


@transaction.atomic
def record_visit(
    *, actor, pairing: Pairing, visited_on: datetime.date, help_kind: str, note: str, value: Any = 0
) -> Visit:
    refusals.require(actor, pairing.org_path, _("You may record help only in your own subtree."))
    if help_kind not in HelpKind.values:
        raise refusals.invalid("help_kind", _("Choose the help given."), "bad_kind")
    refusals.not_future(visited_on, "visited_on")
    if visited_on < pairing.started_on or (pairing.ended_on and visited_on > pairing.ended_on):
        raise refusals.invalid("visited_on", _("The date is outside the pairing's time."), "outside_pairing")
    value_fen = 0 if value in (None, "", 0) else amount_of(value, "value")
    note = refusals.text(note, "note", _("Say what was done."), "no_note")
    visit = Visit.objects.create(
        pairing=pairing,
        org_path=pairing.org_path,
        visited_on=visited_on,
        help_kind=help_kind,
        value_fen=value_fen,
        note=note,
        recorded_by=actor,
    )
    audit.record(
        event=events.VISIT_RECORDED,
        **acting_as(actor, pairing.org_path),
        target=pairing,
        organisation=pairing.organisation_id,
        data={"on": visited_on.isoformat(), "help": help_kind, "value_fen": value_fen},
    )
    return visit


# --- special services to listed households ------------------------------------------------------------------------


@transaction.atomic
def list_household(
    *,
    actor,
    organisation: Organisation,
    name: str,
    address: str,
    group: str,
    listed_on: datetime.date,
    phone: str = "",
) -> Household:
    """特别服务对象 (seed 003): a household the organisation promises special services to."""
    refusals.require(actor, organisation.path, _("You may list households only in your own subtree."))
    name = refusals.text(name, "name", _("Give the household's name."), "no_name")
    address = refusals.text(address, "address", _("Give the household's address."), "no_address")
    if group not in HouseholdGroup.values:
        raise refusals.invalid("group", _("Choose why the household is served."), "bad_group")
    refusals.not_future(listed_on, "listed_on")
    household = Household.objects.create(
        organisation=organisation,
        org_path=organisation.path,
        name=name,
        address=address,
        group=group,
        phone=refusals.text(phone, "phone", "", "", required=False),
        listed_on=listed_on,
    )
    audit.record(
        event=events.HOUSEHOLD_LISTED,
        **acting_as(actor, organisation.path),
        target=household,
        organisation=organisation,
        data={"group": group},
    )
    return household


def due_dates(year: int, times: int) -> list[datetime.date]:
    """`times` dates spread over the year, each the last day of its share of the months (3 → Apr, Aug, Dec)."""
    dates = []
    for i in range(1, times + 1):
        month = max(1, round(12 * i / times))
        dates.append(datetime.date(year, month, calendar.monthrange(year, month)[1]))
    return dates


@transaction.atomic
def schedule_services(*, actor, organisation: Organisation, year: int, promises: dict[str, int]) -> int:
    """Schedule a year's promised services (e.g. {"safety_check": 3, "cleaning": 1}) for every household the
    organisation serves that year.  Running it again adds only what is missing, so a household listed later
    gets its share; returns how many were added."""
    refusals.require(actor, organisation.path, _("You may schedule services only in your own subtree."))
    today = timezone.localdate()
    if not (today.year - 1 <= year <= today.year + 1):
        raise refusals.invalid("year", _("Schedule this year, last year or next year."), "bad_year")
    promises = {kind: int(times or 0) for kind, times in promises.items() if int(times or 0)}
    if not promises:
        raise refusals.invalid("promises", _("Promise at least one service."), "nothing")
    for kind, times in promises.items():
        if kind not in ServiceKind.values:
            raise refusals.invalid("promises", _("Unknown service: %(kind)s.") % {"kind": kind}, "bad_kind")
        if not 0 < times <= MAX_SERVICES_A_YEAR:
            raise refusals.invalid(
                "promises", _("Between 1 and %(n)s times a year.") % {"n": MAX_SERVICES_A_YEAR}, "bad_times"
            )
    start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    households = Household.objects.filter(organisation=organisation, listed_on__lte=end).filter(
        Q(left_on__isnull=True) | Q(left_on__gte=start)
    )
    have = {
        (household_id, kind): n
        for household_id, kind, n in SpecialService.objects.filter(
            household__organisation=organisation, due_on__year=year
        )
        .values_list("household_id", "kind")
        .annotate(n=Count("pk"))
        .order_by()
    }
    rows = []
    for household in households:
        for kind, times in promises.items():
            already = have.get((household.pk, kind), 0)
            rows += [
                SpecialService(household=household, org_path=household.org_path, kind=kind, due_on=on)
                for on in due_dates(year, times)[already:]
            ]
    SpecialService.objects.bulk_create(rows)
    audit.record(
        event=events.SERVICES_SCHEDULED,
        **acting_as(actor, organisation.path),
        target=organisation,
        organisation=organisation,
        data={"year": year, "promises": promises, "added": len(rows)},
    )
    return len(rows)


@transaction.atomic
def record_service(
    *, actor, service: SpecialService, done_on: datetime.date, note: str, done_by: Member | None = None
) -> SpecialService:
    service = SpecialService.objects.select_for_update(of=("self",)).select_related("household").get(pk=service.pk)
    refusals.require(actor, service.org_path, _("You may record services only in your own subtree."))
    if service.done_on is not None:
        raise ValidationError(_("This service is already recorded as done."), code="done")
    refusals.not_future(done_on, "done_on")
    if done_on < service.household.listed_on:
        raise refusals.invalid("done_on", _("The household was not yet listed then."), "before_listed")
    if done_by is not None:
        _within(done_by.org_path, service.household.organisation, done_by.name, "done_by")
    service.done_on = done_on
    service.done_by = done_by
    service.note = refusals.text(note, "note", _("Say what was done or found."), "no_note")
    service.save(update_fields=["done_on", "done_by", "note"])
    audit.record(
        event=events.SERVICE_DONE,
        **acting_as(actor, service.org_path),
        target=service.household,
        organisation=service.household.organisation_id,
        data={"service": service.pk, "kind": service.kind, "on": done_on.isoformat()},
    )
    return service


# --- funds and the ledger ------------------------------------------------------------------------------------------


@transaction.atomic
def set_up_fund(*, actor, organisation: Organisation, name: str, set_up_on: datetime.date) -> Fund:
    refusals.require(actor, organisation.path, _("You may set up funds only in your own subtree."))
    name = refusals.text(name, "name", _("Give the fund's name."), "no_name")
    refusals.not_future(set_up_on, "set_up_on")
    if Fund.objects.filter(organisation=organisation, name=name).exists():
        raise refusals.invalid(
            "name",
            _("%(organisation)s already has a fund of that name.") % {"organisation": organisation.name},
            "duplicate",
        )
    fund = Fund.objects.create(organisation=organisation, org_path=organisation.path, name=name, set_up_on=set_up_on)
    audit.record(
        event=events.FUND_SET_UP, **acting_as(actor, organisation.path), target=fund, organisation=organisation
    )
    return fund


def _book(fund: Fund, *, debit: str, credit: str, amount: int, on: datetime.date, description: str, actor,
          grant: Grant | None = None, event: str, entry_actor: dict) -> Entry:  # fmt: skip
    """Write one entry and move the fund's totals with it, or refuse; the caller's transaction holds both."""
    if debit == Account.CASH:
        changed = Fund.objects.filter(pk=fund.pk).update(
            balance_fen=F("balance_fen") + amount, income_fen=F("income_fen") + amount
        )
    else:
        # Conditional: of two grants racing for the last money, the second finds the balance already spent.
        changed = Fund.objects.filter(pk=fund.pk, balance_fen__gte=amount).update(
            balance_fen=F("balance_fen") - amount, granted_fen=F("granted_fen") + amount
        )
    if not changed:
        held = Fund.objects.filter(pk=fund.pk).values_list("balance_fen", flat=True).first()
        raise refusals.invalid(
            "amount",
            _("The fund holds %(balance)s yuan: a grant of %(amount)s would overdraw it.")
            % {"balance": yuan(held or 0), "amount": yuan(amount)},
            "overdrawn",
        )
    entry = Entry.objects.create(
        fund=fund,
        org_path=fund.org_path,
        on=on,
        debit=debit,
        credit=credit,
        amount_fen=amount,
        description=description,
        grant=grant,
        recorded_by=actor,
    )
    ENTRY_SEAL.record(entry, event=event, organisation=fund.organisation_id, **entry_actor)
    return entry


@transaction.atomic
def record_income(*, actor, fund: Fund, amount: Any, on: datetime.date, description: str) -> Entry:
    """Money into the fund (a donation, an allocation): cash ← income."""
    refusals.require(actor, fund.org_path, _("Only the fund's organisation records its income."))
    amount = amount_of(amount)
    refusals.not_future(on, "on")
    if on < fund.set_up_on:
        raise refusals.invalid("on", _("The fund was set up on %(date)s.") % {"date": fund.set_up_on}, "before_fund")
    description = refusals.text(description, "description", _("Say where the money came from."), "no_description")
    return _book(
        fund,
        debit=Account.CASH,
        credit=Account.INCOME,
        amount=amount,
        on=on,
        description=description,
        actor=actor,
        event=events.INCOME_RECORDED,
        entry_actor=acting_as(actor, fund.org_path),
    )


@transaction.atomic
def request_grant(
    *,
    actor,
    fund: Fund,
    beneficiary: str,
    amount: Any,
    purpose: str,
    requested_at: Organisation,
    member: Member | None = None,
    pairing: Pairing | None = None,
) -> Grant:
    """A branch or the fund's organisation asks for a grant to someone in hardship; a role above decides."""
    refusals.require(actor, requested_at.path, _("You may request grants only where you act."))
    if not tree.is_within(requested_at.path, fund.org_path):
        raise refusals.invalid(
            "fund", _("Grants are requested from a fund of your organisation or one above it."), "not_above"
        )
    amount = amount_of(amount)
    beneficiary = refusals.text(beneficiary, "beneficiary", _("Name who receives the grant."), "no_beneficiary")
    purpose = refusals.text(purpose, "purpose", _("Say what the grant is for."), "no_purpose")
    if member is not None:
        _within(member.org_path, requested_at, member.name, "member")
    grant = Grant.objects.create(
        fund=fund,
        org_path=fund.org_path,
        requested_at_path=requested_at.path,
        beneficiary=beneficiary,
        member=member,
        pairing=pairing,
        amount_fen=amount,
        purpose=purpose,
        requested_by=actor,
        requested_on=timezone.localdate(),
    )
    audit.record(
        event=events.GRANT_REQUESTED,
        **acting_as(actor, requested_at.path),
        target=grant,
        organisation=fund.organisation_id,
        data={"amount_fen": amount, "beneficiary": beneficiary},
    )
    return grant


def _decider(user, grant: Grant) -> bool:
    """A role at the fund's organisation or above, and not the person who asked (four eyes)."""
    return can_at_path(user, Action.CHANGE, grant.org_path) and user.pk != grant.requested_by_id


def _decision(grant: Grant, context: dict) -> None:
    entry = context["acting"]
    grant.decided_by = entry["actor"]
    grant.decided_role = entry["actor_role"]
    grant.decided_at_organisation = entry["actor_organisation"]
    grant.decided_on = context["on"]
    grant.reason = context.get("reason", "")


def _pay(grant: Grant, context: dict) -> None:
    _decision(grant, context)
    fund = Fund.objects.get(pk=grant.fund_id)
    # The grant's row is saved after the effect: the entry points at it, so its state goes first.
    grant.save(update_fields=["status", "decided_by", "decided_role", "decided_at_organisation", "decided_on"])
    _book(
        fund,
        debit=Account.GRANTS,
        credit=Account.CASH,
        amount=grant.amount_fen,
        on=context["on"],
        description=_("Grant to %(name)s: %(purpose)s") % {"name": grant.beneficiary, "purpose": grant.purpose},
        actor=context["acting"]["actor"],
        grant=grant,
        event=events.GRANT_PAID,
        entry_actor=context["acting"],
    )


DECISION_FIELDS = ["decided_by", "decided_role", "decided_at_organisation", "decided_on", "reason"]

GRANT_FLOW = StateMachine(
    "assistance.grant",
    Grant,
    transitions=[
        Transition(
            "approve",
            gettext_lazy("Approve and pay"),
            source=[GrantStatus.REQUESTED],
            target=GrantStatus.PAID,
            may=_decider,
            effect=_pay,
            saves=DECISION_FIELDS,
        ),
        Transition(
            "refuse",
            gettext_lazy("Do not approve"),
            source=[GrantStatus.REQUESTED],
            target=GrantStatus.REFUSED,
            may=_decider,
            effect=_decision,
            saves=DECISION_FIELDS,
        ),
    ],
    organisation_of=lambda grant: grant.fund.organisation_id,
)


def _acting(actor, grant: Grant) -> dict:
    entry = acting_as(actor, grant.org_path)
    if not entry["actor_role"]:
        raise ValidationError(_("You hold no role over this fund."), code="forbidden")
    return entry


def approve_grant(*, actor, grant: Grant, on: datetime.date | None = None) -> Grant:
    """Approve and pay in one step: the ledger entry is written with the decision, or neither is."""
    on = on or timezone.localdate()
    refusals.not_future(on, "on")
    acting = _acting(actor, grant)
    return GRANT_FLOW.take(grant, "approve", **acting, on=on, acting=acting, data={"amount_fen": grant.amount_fen})


def refuse_grant(*, actor, grant: Grant, reason: str, on: datetime.date | None = None) -> Grant:
    reason = refusals.text(reason, "reason", _("Say why the grant is refused."), "no_reason")
    acting = _acting(actor, grant)
    on = on or timezone.localdate()
    return GRANT_FLOW.take(grant, "refuse", **acting, on=on, acting=acting, reason=reason, data={"reason": reason})


def ledger_problems() -> Iterable[str]:
    """verify_audit's check: each fund's kept totals equal its ledger (a balance changed by SQL is found)."""
    if Entry._meta.db_table not in connection.introspection.table_names():
        return  # a database migrated only part of the way (a migration's test): nothing here to check yet
    sums: dict[int, dict[str, int]] = {}
    entries = Entry.objects.values_list("fund_id", "debit").annotate(total=Sum("amount_fen")).order_by()
    for fund_id, debit, total in entries:
        sums.setdefault(fund_id, {})[debit] = total
    for fund in Fund.objects.only("pk", "name", "balance_fen", "income_fen", "granted_fen"):
        income = sums.get(fund.pk, {}).get(Account.CASH, 0)
        granted = sums.get(fund.pk, {}).get(Account.GRANTS, 0)
        if (fund.income_fen, fund.granted_fen, fund.balance_fen) != (income, granted, income - granted):
            yield (
                f"assistance fund {fund.pk} ({fund.name}): kept income {yuan(fund.income_fen)}, grants "
                f"{yuan(fund.granted_fen)}, balance {yuan(fund.balance_fen)}; its ledger gives {yuan(income)}, "
                f"{yuan(granted)}, {yuan(income - granted)}"
            )


audit.register_check("assistance:ledger", ledger_problems)
