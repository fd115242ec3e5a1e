"""Where cases show on other apps' pages: beside a 不合格 peer-appraisal result, and as the member page's section.

Both follow VIEW_CASES over the branch (the branch, the organisations above it, the office); the member sees their
own section and nobody else's; supervisors and other members see neither.
"""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import make_user
from vanguard.accounts.models import Role
from vanguard.appraisals import peer
from vanguard.ballots import services as ballot_services
from vanguard.ballots.models import Constituency, Grade, Medium
from vanguard.members.factories import MemberFactory
from vanguard.rectification.models import Case, Stage
from vanguard.rectification.tests.casework import reach


@pytest.fixture
def appraised(city):
    """A closed peer appraisal of branch_a in which 张甲 was found 不合格: the case opened by the hook."""
    MemberFactory(organisation=city.branch_a, name="王丙")
    today = timezone.localdate()
    ballot = peer.start_peer_appraisal(
        branch=city.branch_a,
        actor=city.branch_secretary_a,
        opens_on=today,
        closes_on=today + datetime.timedelta(days=3),
    )
    keys = {question["label"]: question["key"] for question in ballot.questions}
    ballot = ballot_services.open_ballot(ballot=ballot, actor=city.branch_secretary_a)
    papers = [{keys["张甲"]: Grade.UNQUALIFIED, keys["王丙"]: Grade.EXCELLENT}] * 3
    codes = ballot_services.issue_tokens(
        ballot=ballot, actor=city.branch_secretary_a, count=3, medium=Medium.SHEET, constituency=Constituency.MEMBERS
    )
    for code, answers in zip(codes, papers, strict=True):
        ballot_services.cast(ballot=ballot, code=code, answers=answers)
    ballot = ballot_services.close_ballot(ballot=ballot, actor=city.branch_secretary_a)
    return ballot, Case.objects.get(member=city.member_a)


def case_links(client, user, ballot) -> list[str]:
    client.force_login(user)
    page = client.get(reverse("appraisals:peer", kwargs={"pk": ballot.pk}))
    assert page.status_code == 200, user
    body = page.content.decode()
    return [part.split('"', 1)[0] for part in body.split('data-testid="case-link" data-stage="')[1:]]


def test_an_unqualified_result_links_to_its_case_for_those_who_see_cases(client, city, appraised):
    ballot, case = appraised
    assert case.stage == Stage.OPENED and case.appraisal_result.ballot_id == ballot.pk
    href = reverse("rectification:case", args=[case.pk])
    for user in (city.branch_secretary_a, city.secretary_a, city.office):
        assert case_links(client, user, ballot) == [Stage.OPENED], user
        body = client.get(reverse("appraisals:peer", kwargs={"pk": ballot.pk})).content.decode()
        assert body.count(href) == 1
        assert client.get(href).status_code == 200


def test_the_link_follows_the_case(client, city, appraised):
    ballot, case = appraised
    from vanguard.rectification.tests.casework import step

    step(city, case, "start_education")
    assert case_links(client, city.branch_secretary_a, ballot) == [Stage.EDUCATION]


def test_supervisors_see_the_results_but_no_case(client, city, appraised):
    ballot, case = appraised
    assert case_links(client, city.supervisor_a, ballot) == []
    body = client.get(reverse("appraisals:peer", kwargs={"pk": ballot.pk})).content.decode()
    assert "张甲" in body and reverse("rectification:case", args=[case.pk]) not in body


@pytest.fixture
def heard(city):
    return reach(city, Stage.HEARING)


MEMBER_SECTION = 'data-testid="member-cases"'


def member_page(client, user, member) -> tuple[int, str]:
    client.force_login(user)
    page = client.get(reverse("members:detail", args=[member.pk]))
    return page.status_code, page.content.decode()


def test_member_page_section_by_role(client, city, heard):
    other_member = MemberFactory(organisation=city.branch_a, name="王同支")
    other = make_user("mem_other", Role.MEMBER, city.branch_a, member=other_member)
    supervisor_above = make_user("sup_root", Role.SUPERVISOR, city.root)
    staff_link = reverse("rectification:case", args=[heard.pk])
    own_link = reverse("rectification:my_case", args=[heard.pk])
    shown = {}
    for name, user in {
        "branch secretary": city.branch_secretary_a,
        "secretary above": city.secretary_a,
        "office": city.office,
        "the member": city.member_user_a,
        "supervisor of the district": city.supervisor_a,
        "supervisor of the city": supervisor_above,
        "another member of the branch": other,
        "secretary of another district": city.secretary_b,
    }.items():
        status, body = member_page(client, user, city.member_a)
        shown[name] = (status, MEMBER_SECTION in body and (staff_link in body or own_link in body))
    assert own_link in member_page(client, city.member_user_a, city.member_a)[1]
    assert shown == {
        "branch secretary": (200, True),
        "secretary above": (200, True),
        "office": (200, True),
        "the member": (200, True),
        "supervisor of the district": (200, False),
        "supervisor of the city": (200, False),
        # A member reaches only their own page; another district's secretary no page of this subtree.
        "another member of the branch": (404, False),
        "secretary of another district": (404, False),
    }


def test_member_sees_the_section_only_on_their_own_page(client, city, heard):
    # A fellow member of the branch has a case too: 张甲 reaches neither their page nor their case.
    fellow = MemberFactory(organisation=city.branch_a, name="王同支")
    theirs = reach(city, Stage.OPENED, member=fellow)
    status, body = member_page(client, city.member_user_a, fellow)
    assert status == 404 and MEMBER_SECTION not in body
    assert client.get(reverse("rectification:my_case", args=[theirs.pk])).status_code == 404
    status, body = member_page(client, city.member_user_a, city.member_a)
    assert body.count(MEMBER_SECTION) == 1 and reverse("rectification:my_case", args=[heard.pk]) in body


def test_the_register_line_names_the_grade(client, city, appraised):
    from django.utils.translation import gettext

    status, body = member_page(client, city.branch_secretary_a, city.member_a)
    assert status == 200 and f"· {gettext('Unqualified')} ·" in body and "· unqualified ·" not in body
    register = client.get(reverse("rectification:register")).content.decode()
    assert f">{gettext('Unqualified')}</td>" in register
