"""Cases exist for the branch, above it and the office, and for the member concerned on their own pages only."""

from __future__ import annotations

import pytest
from django.urls import reverse

from conftest import PASSWORD, make_user
from vanguard.accounts.models import Role
from vanguard.members.factories import MemberFactory
from vanguard.rectification.models import Stage
from vanguard.rectification.tests.casework import reach, step

STAFF_PAGES = ("case", "case_history", "case_notice")


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)


@pytest.fixture
def case(city):
    return step(city, reach(city, Stage.REVIEW), "notify")


def test_branch_above_and_office_see_the_case(client, city, case):
    for user in (city.branch_secretary_a, city.secretary_a, city.office):
        client.force_login(user)
        for name in STAFF_PAGES:
            page = client.get(reverse(f"rectification:{name}", args=[case.pk]))
            assert page.status_code == 200, (user, name)
            assert "张甲" in page.content.decode()
        assert "张甲" in client.get(reverse("rectification:cases")).content.decode()
        assert client.get(reverse("unqualified-case-detail", args=[case.pk])).json()["id"] == case.pk


def test_other_members_of_the_branch_never_do(client, city, case):
    other_member = MemberFactory(organisation=city.branch_a, name="王同支")
    other = make_user("mem_other", Role.MEMBER, city.branch_a, member=other_member)
    _never(client, other, case)
    # The member concerned does not reach the staff pages either: their own pages are under cases/mine/.
    _never(client, city.member_user_a, case)
    client.force_login(other)
    assert client.get(reverse("rectification:my_case", args=[case.pk])).status_code == 404
    page = client.get(reverse("members:detail", args=[city.member_a.pk]))
    assert 'data-testid="member-cases"' not in page.content.decode()


def _never(client, user, case):
    client.force_login(user)
    for name in STAFF_PAGES + ("case_act",):
        assert client.get(reverse(f"rectification:{name}", args=[case.pk])).status_code == 404, (user, name)
    response = client.post(reverse("rectification:case_act", args=[case.pk]), {"transition": "waive_statement"})
    assert response.status_code == 404
    assert "张甲" not in client.get(reverse("rectification:cases")).content.decode()
    assert "张甲" not in client.get(reverse("rectification:cases_pending")).content.decode()
    assert "张甲" not in client.get(reverse("rectification:register")).content.decode()
    assert client.get(reverse("unqualified-case-detail", args=[case.pk])).status_code == 404
    assert client.get(reverse("unqualified-case-list")).json()["count"] == 0


def test_supervisors_and_supervision_groups_do_not(client, city, case):
    _never(client, city.supervisor_a, case)
    _never(client, city.secretary_b, case)


def test_member_sees_own_case_and_states_it(client, city, case):
    login(client, city.member_user_a)
    listing = client.get(reverse("rectification:my_cases"))
    assert reverse("rectification:my_case", args=[case.pk]) in listing.content.decode()
    page = client.get(reverse("rectification:my_case", args=[case.pk]))
    body = page.content.decode()
    assert page.status_code == 200 and case.intended_reasons in body and 'data-testid="step-state_case"' in body
    response = client.post(
        reverse("rectification:my_case", args=[case.pk]), {"transition": "state_case", "statement": "我愿意改正。"}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.statement == "我愿意改正。" and case.stage == Stage.HEARING
    # A step that is the branch's is refused on the member's page.
    refused = client.post(
        reverse("rectification:my_case", args=[case.pk]), {"transition": "waive_statement", "reason": "x"}
    )
    assert refused.status_code == 400
    case.refresh_from_db()
    assert not case.statement_waived


def test_member_page_section_for_the_branch_and_the_member(client, city, case):
    for user in (city.branch_secretary_a, city.member_user_a):
        client.force_login(user)
        body = client.get(reverse("members:detail", args=[city.member_a.pk])).content.decode()
        assert 'data-testid="member-cases"' in body, user
