"""The yearly register: a line per member with the year's result; the qualified registered, cases followed."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from vanguard.appraisals.models import AppraisalResult
from vanguard.ballots.models import Grade
from vanguard.ballots.tests.factories import ballot as make_ballot
from vanguard.core import audit
from vanguard.members.factories import MemberFactory
from vanguard.rectification.models import Registration, RegistrationStatus, Stage
from vanguard.rectification.services import register
from vanguard.rectification.tests.casework import reach


def result(city, member, grade):
    ballot = make_ballot(city.branch_a, open=False)
    return AppraisalResult.objects.create(
        ballot=ballot, member=member, organisation=city.branch_a, org_path=city.branch_a.path, grade=grade
    )


@pytest.fixture
def branch(city):
    good = MemberFactory(organisation=city.branch_a, name="王好")
    fair = MemberFactory(organisation=city.branch_a, name="赵中")
    result(city, good, Grade.EXCELLENT)
    result(city, fair, Grade.BASICALLY)
    return {"good": good, "fair": fair}


def test_opening_the_year_writes_a_sealed_line_per_member(city, branch):
    year = timezone.localdate().year
    rows = register.open_year(organisation=city.branch_a, year=year, actor=city.branch_secretary_a)
    assert {row.member.name: row.grade for row in rows} == {
        "张甲": "",
        "王好": Grade.EXCELLENT,
        "赵中": Grade.BASICALLY,
    }
    for row in rows:
        entry = audit.history(row).get()
        assert entry.event == "rectification.register.opened" and entry.actor == city.branch_secretary_a
    # Again: nobody twice; a member who joined since is added.
    MemberFactory(organisation=city.branch_a, name="新来")
    again = register.open_year(organisation=city.branch_a, year=year, actor=city.branch_secretary_a)
    assert [row.member.name for row in again] == ["新来"]
    assert Registration.objects.filter(organisation=city.branch_a, year=year).count() == 4


def test_confirming_registers_the_qualified_without_an_open_case(city, branch):
    year = timezone.localdate().year
    case = reach(city, Stage.EDUCATION, member=branch["fair"])
    register.open_year(organisation=city.branch_a, year=year, actor=city.branch_secretary_a)
    confirmed = register.confirm(organisation=city.branch_a, year=year, actor=city.branch_secretary_a)
    assert [row.member.name for row in confirmed] == ["王好"]
    statuses = dict(Registration.objects.filter(year=year).values_list("member__name", "status"))
    assert statuses == {
        "王好": RegistrationStatus.REGISTERED,
        "赵中": RegistrationStatus.PENDING,
        "张甲": RegistrationStatus.PENDING,
        "王帮": RegistrationStatus.PENDING,  # the helper of 赵中's case: no result this year
    }
    assert Registration.objects.get(member=branch["fair"]).case == case


def test_only_the_branch_or_above_keeps_the_register(city):
    year = timezone.localdate().year
    for user in (city.secretary_b, city.supervisor_a, city.member_user_a):
        with pytest.raises(ValidationError):
            register.open_year(organisation=city.branch_a, year=year, actor=user)
    assert not Registration.objects.exists()


def test_register_page(client, city, branch):
    year = timezone.localdate().year
    client.force_login(city.branch_secretary_a)
    url = reverse("rectification:register_open", args=[city.branch_a.pk])
    assert client.post(url, {"year": year}).status_code == 302
    page = client.get(reverse("rectification:register"), {"organisation": city.branch_a.pk, "year": year})
    assert page.status_code == 200 and "王好" in page.content.decode()
    client.force_login(city.supervisor_a)
    assert "王好" not in client.get(reverse("rectification:register")).content.decode()
    assert client.post(url, {"year": year}).status_code == 404
