"""The fund's ledger under any sequence of income, grants and refusals (hypothesis), and grants racing for the
last money from separate database sessions (PostgreSQL)."""

from __future__ import annotations

import datetime
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Sum
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from conftest import make_user
from vanguard.accounts.models import Role
from vanguard.assistance import services
from vanguard.assistance.models import Entry, Fund, Grant, GrantStatus
from vanguard.assistance.tests import factories
from vanguard.core import audit

pytestmark = pytest.mark.django_db

AMOUNTS = st.one_of(
    st.decimals(min_value=Decimal("0.01"), max_value=Decimal("20000"), places=2),
    st.sampled_from(["-1", "0", "1e12", "0.001", "abc", "NaN", "5000000.01"]),
)
OPERATIONS = st.lists(st.tuples(st.sampled_from(["income", "grant", "refuse"]), AMOUNTS), min_size=1, max_size=12)


def invariants(fund: Fund) -> None:
    fund.refresh_from_db()
    income = Entry.objects.filter(fund=fund, debit="cash").aggregate(s=Sum("amount_fen"))["s"] or 0
    granted = Entry.objects.filter(fund=fund, debit="grants").aggregate(s=Sum("amount_fen"))["s"] or 0
    assert fund.balance_fen == income - granted == fund.income_fen - fund.granted_fen
    assert fund.balance_fen >= 0
    paid = Grant.objects.filter(fund=fund, status=GrantStatus.PAID)
    assert all(g.decided_role and g.decided_on for g in paid)
    assert set(paid.values_list("pk", flat=True)) == set(
        Entry.objects.filter(fund=fund, grant__isnull=False).values_list("grant_id", flat=True)
    )
    assert not list(services.ledger_problems())


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=OPERATIONS)
@example(operations=[("income", Decimal("100")), ("grant", Decimal("60")), ("grant", Decimal("60")),
                     ("refuse", Decimal("1")), ("income", "-1"), ("grant", Decimal("40"))])  # fmt: skip
def test_balance_is_income_less_grants_and_never_negative(city, operations):
    with transaction.atomic():
        fund = factories.fund(city.district_a)
        approver = city.secretary_a
        requester = city.branch_secretary_a
        for operation, amount in operations:
            before = (fund.balance_fen, Entry.objects.count())
            try:
                if operation == "income":
                    services.record_income(actor=approver, fund=fund, amount=amount, on=datetime.date.today(),
                                           description="捐款")  # fmt: skip
                else:
                    grant = services.request_grant(actor=requester, fund=fund, beneficiary="x", amount=amount,
                                                   purpose="y", requested_at=city.branch_a)  # fmt: skip
                    if operation == "grant":
                        services.approve_grant(actor=approver, grant=grant)
                    else:
                        services.refuse_grant(actor=approver, grant=grant, reason="不符合条件")
            except ValidationError:
                # Refused: nothing of it was written.
                fund.refresh_from_db()
                assert (fund.balance_fen, Entry.objects.count()) == before
            invariants(fund)
        assert audit.verify()[0] is None
        transaction.set_rollback(True)


def approve(grant: Grant, approver, outcomes: list, barrier: threading.Barrier) -> None:
    barrier.wait()
    try:
        services.approve_grant(actor=approver, grant=grant)
        outcomes.append("paid")
    except ValidationError as error:
        outcomes.append(error.error_dict["amount"][0].code if hasattr(error, "error_dict") else error.code)
    finally:
        connection.close()


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="needs concurrent database sessions")
@pytest.mark.django_db(transaction=True)
def test_grants_racing_for_the_last_money_pay_only_what_the_fund_holds(city):
    fund = factories.fund(city.district_a)
    services.record_income(actor=city.secretary_a, fund=fund, amount="1000", on=datetime.date.today(),
                           description="拨款")  # fmt: skip
    grants = [factories.grant(fund, amount=400, beneficiary=f"困难户{i}") for i in range(4)]
    approvers = [make_user(f"sec_race_{i}", Role.SECRETARY, city.district_a) for i in range(4)]
    barrier = threading.Barrier(4)
    outcomes: list = []
    threads = [
        threading.Thread(target=approve, args=(grant, approver, outcomes, barrier))
        for grant, approver in zip(grants, approvers, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["overdrawn", "overdrawn", "paid", "paid"]
    invariants(fund)
    assert fund.balance_fen == 20_000
    refused = Grant.objects.filter(fund=fund, status=GrantStatus.REQUESTED)
    assert refused.count() == 2 and not Entry.objects.filter(grant__in=refused).exists()


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="needs concurrent database sessions")
@pytest.mark.django_db(transaction=True)
def test_a_grant_that_waits_for_another_finds_the_money_gone(city):
    """One approval holds the fund's row (its transaction not yet committed); the other waits, then is refused."""
    fund = factories.fund(city.district_a)
    services.record_income(actor=city.secretary_a, fund=fund, amount="500", on=datetime.date.today(),
                           description="拨款")  # fmt: skip
    first, second = factories.grant(fund, amount=500), factories.grant(fund, amount=500)
    other = make_user("sec_wait", Role.SECRETARY, city.district_a)
    outcomes: list = []
    with transaction.atomic():
        services.approve_grant(actor=city.secretary_a, grant=first)
        thread = threading.Thread(target=approve, args=(second, other, outcomes, threading.Barrier(1)))
        thread.start()
        with connection.cursor() as cursor:
            for _ in range(500):
                cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
                if cursor.fetchone()[0]:
                    break
                threading.Event().wait(0.01)
            else:
                pytest.fail("the second approval never waited for the first")
    thread.join()
    assert outcomes == ["overdrawn"]
    invariants(fund)
    assert fund.balance_fen == 0
