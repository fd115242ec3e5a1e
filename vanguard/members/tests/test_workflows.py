"""The transfer's declared workflow: any sequence of decisions by any user keeps state, steps and audit in step."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vanguard.core import audit
from vanguard.core.transitions import StateMachine, Transition
from vanguard.members import services
from vanguard.members.models import Member, Transfer, TransferStatus
from vanguard.members.workflows import TRANSFER

ACTIONS = ["accept", "refuse", "return", "resubmit", "cancel"]
USERS = ["secretary_a", "secretary_b", "office", "supervisor_a", "branch_secretary_a", None]


def _call(transfer: Transfer, action: str, actor, reason: str) -> Transfer:
    calls = {
        "accept": lambda: services.accept_transfer(transfer=transfer, actor=actor, comment=reason),
        "refuse": lambda: services.refuse_transfer(transfer=transfer, reason=reason, actor=actor),
        "return": lambda: services.return_transfer(transfer=transfer, reason=reason, actor=actor),
        "resubmit": lambda: services.resubmit_transfer(transfer=transfer, note=reason, actor=actor),
        "cancel": lambda: services.cancel_transfer(transfer=transfer, actor=actor, comment=reason),
    }
    return calls[action]()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    steps=st.lists(
        st.tuples(st.sampled_from(ACTIONS), st.sampled_from(USERS), st.sampled_from(["", "材料不全"])),
        max_size=6,
    ),
    expired=st.booleans(),
)
def test_any_sequence_of_decisions_follows_the_declared_graph(city, steps, expired):
    member = Member.objects.get(pk=city.member_a.pk)
    Transfer.objects.filter(member=member).delete()
    transfer = services.start_transfer(member=member, to_organisation=city.branch_b, actor=city.secretary_a)
    if expired:
        Transfer.objects.filter(pk=transfer.pk).update(letter_valid_until=datetime.date.today() - datetime.timedelta(1))
    graph = TRANSFER.graph()
    state = TransferStatus.PENDING
    for action, who, reason in steps:
        actor = getattr(city, who) if who else None
        before_entries = audit.history(transfer).count()
        transfer.refresh_from_db()
        expected_refusal = TRANSFER.refusal(transfer, action, actor, {"reason": reason})
        try:
            transfer = _call(transfer, action, actor, reason)
        except ValidationError:
            assert expected_refusal is not None
            assert Transfer.objects.get(pk=transfer.pk).status == state
            assert audit.history(transfer).count() == before_entries
            continue
        assert expected_refusal is None
        assert (action, transfer.status) in graph[state]
        state = transfer.status
        assert audit.history(transfer).count() == before_entries + 1
        if action == "resubmit":
            expired = False  # a resubmission issues a new letter
    transfer.refresh_from_db()
    assert transfer.status == state
    assert (transfer.closed_at is not None) == (state not in (TransferStatus.PENDING, TransferStatus.RETURNED))
    in_branch_b = Member.objects.get(pk=member.pk).organisation_id == city.branch_b.pk
    assert in_branch_b == (state == TransferStatus.ACCEPTED)
    assert audit.verify()[0] is None
    if in_branch_b:  # put the member back for the next example
        Member.objects.filter(pk=member.pk).update(organisation=city.branch_a, org_path=city.branch_a.path)


def test_refusals_say_why(city):
    transfer = services.start_transfer(member=city.member_a, to_organisation=city.branch_b, actor=city.secretary_a)
    assert "一方" in TRANSFER.refusal(transfer, "accept", city.secretary_a)
    assert TRANSFER.refusal(transfer, "refuse", city.secretary_b, {"reason": " "}) == "请填写不予接收的理由。"
    assert TRANSFER.refusal(transfer, "resubmit", city.secretary_a).startswith("当前为")
    assert [t.name for t in TRANSFER.available(transfer, city.secretary_b)] == ["accept", "refuse", "return"]
    assert [t.name for t in TRANSFER.available(transfer, city.secretary_a)] == ["cancel"]
    assert TRANSFER.available(transfer, city.supervisor_a) == []


def test_a_machine_with_an_unknown_state_is_refused_at_declaration():
    with pytest.raises(ValueError, match="unknown states"):
        StateMachine("test.bad", Transfer, transitions=[Transition("fly", "Fly", source=["pending"], target="moon")])
