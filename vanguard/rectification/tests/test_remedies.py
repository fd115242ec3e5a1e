"""软弱涣散整顿: remedies from flagged screening entries or directly, notes, replacing the head, close and reopen,
escalation of overdue remedies."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError

from vanguard.accounts.models import Role, RoleAssignment
from vanguard.appraisals.models import Screening, ScreeningEntry
from vanguard.campaigns.tests.factories import make_campaign
from vanguard.core import audit
from vanguard.core.transitions import NotAllowed
from vanguard.rectification.models import Cause, HeadChange, Remedy, RemedyStatus
from vanguard.rectification.services import remedies as services
from vanguard.rectification.tests.factories import make_remedy

pytestmark = pytest.mark.django_db


@pytest.fixture
def screening(city):
    campaign = make_campaign(city.root)
    run = Screening.objects.create(
        campaign=campaign, organisation=city.root, org_path=city.root.path, level="branch", bottom_share="0.100"
    )
    flagged = ScreeningEntry.objects.create(screening=run, organisation=city.branch_a, rank=1, flagged=True)
    ScreeningEntry.objects.create(screening=run, organisation=city.branch_a2, rank=2, flagged=False)
    return run, flagged


def open_for(city, today, **fields) -> Remedy:
    values = {
        "actor": city.secretary_a,
        "organisation": city.branch_a,
        "cause": Cause.WEAK_LEADERSHIP,
        "deadline": today + datetime.timedelta(days=60),
        "today": today,
        **fields,
    }
    return services.open_remedy(**values)


def test_a_remedy_from_a_flagged_entry_takes_its_organisation_and_campaign(city, screening, today):
    run, flagged = screening
    remedy = open_for(city, today, organisation=None, entry=flagged, replace_head=True)
    assert remedy.organisation == city.branch_a and remedy.campaign == run.campaign
    assert flagged.remedy == remedy
    entry = audit.history(remedy).first()
    assert entry.event == "rectification.remedy.opened"
    assert entry.data["measures"] == ["replace_head"] and entry.data["entry"] == flagged.pk
    # The organisation above acts: the entry names the role held there.
    assert entry.actor_role == Role.SECRETARY and entry.actor_organisation_id == city.district_a.pk


def test_one_remedy_per_entry_and_only_for_a_flagged_one(city, screening, today):
    run, flagged = screening
    open_for(city, today, organisation=None, entry=flagged)
    with pytest.raises(ValidationError) as again:
        open_for(city, today, organisation=None, entry=flagged)
    assert again.value.code == "duplicate"
    unflagged = run.entries.get(flagged=False)
    with pytest.raises(ValidationError) as refused:
        open_for(city, today, organisation=None, entry=unflagged)
    assert refused.value.code == "state"
    assert Remedy.objects.count() == 1


def test_a_remedy_is_opened_from_above_only(city, today):
    for outsider in (city.branch_secretary_a, city.secretary_b, city.supervisor_a, city.member_user_a):
        with pytest.raises(ValidationError) as refused:
            open_for(city, today, actor=outsider)
        assert refused.value.code == "forbidden"
    assert not Remedy.objects.exists()
    assert open_for(city, today, actor=city.office).organisation == city.branch_a


def test_what_a_remedy_needs_when_opened(city, today):
    with pytest.raises(ValidationError) as refused:
        open_for(city, today, cause=Cause.OTHER, deadline=today - datetime.timedelta(days=1), station_team=True)
    assert set(refused.value.error_dict) == {"cause_text", "deadline", "team"}


def test_edit_records_changes_and_a_new_deadline_may_escalate_again(city, today):
    remedy = open_for(city, today, deadline=today + datetime.timedelta(days=1))
    assert services.escalate_overdue(today=today + datetime.timedelta(days=2)) == 1
    later = today + datetime.timedelta(days=30)
    services.edit_remedy(remedy=remedy, actor=city.secretary_a, deadline=later, station_team=True, team="区委工作组")
    remedy.refresh_from_db()
    assert remedy.escalated_at is None and remedy.team == "区委工作组"
    entry = audit.history(remedy).first()
    assert entry.event == "rectification.remedy.edited"
    assert entry.changes["deadline"][1] == later.isoformat()
    with pytest.raises(ValidationError):
        services.edit_remedy(remedy=remedy, actor=city.branch_secretary_a, team="自己")


def test_notes_by_the_organisation_itself_while_open(city, today):
    remedy = open_for(city, today)
    note = services.add_note(remedy=remedy, actor=city.branch_secretary_a, text="重新选举支部委员会")
    assert note.remedy == remedy
    assert audit.history(remedy).first().event == "rectification.remedy.noted"
    with pytest.raises(ValidationError):
        services.add_note(remedy=remedy, actor=city.secretary_b, text="越界")
    with pytest.raises(ValidationError):
        services.add_note(remedy=remedy, actor=city.branch_secretary_a, text=" ")


def _head(city) -> RoleAssignment:
    return RoleAssignment.objects.get(user=city.branch_secretary_a, organisation=city.branch_a, role=Role.SECRETARY)


def test_replacing_the_head_hands_the_role_over_and_records_both_assignments(city, today):
    remedy = open_for(city, today, replace_head=True)
    head = _head(city)
    change, _password = services.replace_head(
        remedy=remedy, assignment=head, successor=city.member_a, actor=city.secretary_a, reason="书记长期不在岗"
    )
    assert isinstance(change, HeadChange)
    head.refresh_from_db()
    assert change.ended_assignment == head and head.valid_until is not None
    assert change.new_assignment.user == city.member_user_a
    assert change.new_assignment.role == Role.SECRETARY and change.new_assignment.organisation == city.branch_a
    entry = audit.history(remedy).first()
    assert entry.event == "rectification.remedy.head_replaced"
    assert entry.data["predecessor"] == city.branch_secretary_a.pk
    assert entry.data["successor"] == city.member_user_a.pk


def test_replace_head_refusals(city, today):
    remedy = open_for(city, today, replace_head=True)
    head = _head(city)
    with pytest.raises(ValidationError) as refused:
        services.replace_head(
            remedy=remedy, assignment=head, successor=city.member_a, actor=city.branch_secretary_a, reason="自荐"
        )
    assert refused.value.code == "forbidden"
    with pytest.raises(ValidationError) as refused:
        services.replace_head(
            remedy=remedy, assignment=head, successor=city.member_a, actor=city.secretary_a, reason=""
        )
    assert "reason" in refused.value.error_dict
    # Only a secretary of the remedied organisation itself is its head.
    district_head = RoleAssignment.objects.get(user=city.secretary_a)
    with pytest.raises(ValidationError) as refused:
        services.replace_head(
            remedy=remedy, assignment=district_head, successor=city.member_a, actor=city.office, reason="调整"
        )
    assert "assignment" in refused.value.error_dict
    assert not HeadChange.objects.exists()
    assert RoleAssignment.objects.current().filter(pk=head.pk).exists()


def test_close_needs_every_ticked_measure_done(city, today):
    remedy = open_for(city, today, replace_head=True, station_team=True, team="区委工作组", sort_out=True)
    with pytest.raises(NotAllowed):
        services.close(remedy=remedy, actor=city.secretary_a, assessment="已整顿到位")
    services.replace_head(
        remedy=remedy, assignment=_head(city), successor=city.member_a, actor=city.secretary_a, reason="书记不在岗"
    )
    with pytest.raises(NotAllowed):  # sorting out is still unrecorded
        services.close(remedy=remedy, actor=city.secretary_a, assessment="已整顿到位")
    services.add_note(remedy=remedy, actor=city.secretary_a, text="隶属关系理顺，转至甲街道党工委")
    with pytest.raises(NotAllowed):  # the assessment is what it closes on
        services.close(remedy=remedy, actor=city.secretary_a, assessment="")
    closed = services.close(remedy=remedy, actor=city.secretary_a, assessment="已整顿到位")
    assert closed.status == RemedyStatus.CLOSED and closed.closing_assessment == "已整顿到位"
    assert audit.history(remedy).first().event == "rectification.remedy.close"


def test_only_those_above_close_and_reopen(city, today):
    remedy = make_remedy(city.branch_a)
    with pytest.raises(NotAllowed):
        services.close(remedy=remedy, actor=city.branch_secretary_a, assessment="自评已好转")
    services.close(remedy=remedy, actor=city.secretary_a, assessment="已好转")
    with pytest.raises(NotAllowed):
        services.reopen(remedy=remedy, actor=city.branch_secretary_a, reason="反弹")
    with pytest.raises(NotAllowed):
        services.reopen(remedy=remedy, actor=city.secretary_a, reason="")
    later = today + datetime.timedelta(days=20)
    reopened = services.reopen(
        remedy=remedy, actor=city.secretary_a, reason="群众反映又涣散", deadline=later, today=today
    )
    assert reopened.status == RemedyStatus.OPEN and reopened.closed_at is None and reopened.deadline == later


def test_overdue_remedies_escalate_once_above_the_organisation_running_them(city, today):
    late = make_remedy(city.branch_a, deadline=today - datetime.timedelta(days=1))
    make_remedy(city.branch_a2, deadline=today + datetime.timedelta(days=1))
    make_remedy(city.branch_b, deadline=today - datetime.timedelta(days=5), status=RemedyStatus.CLOSED)
    assert services.escalate_overdue(today=today) == 1
    late.refresh_from_db()
    assert late.escalated_at is not None
    entry = audit.history(late).first()
    assert entry.event == "rectification.remedy.escalated"
    # 甲一支部 is run by 甲街道党工委; escalation reaches 甲区委.
    assert entry.organisation_id == city.district_a.pk
    assert services.escalate_overdue(today=today) == 0
    assert services.escalate_overdue(today=today + datetime.timedelta(days=3)) == 1  # 甲二 now
