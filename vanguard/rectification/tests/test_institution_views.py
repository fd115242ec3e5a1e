"""Institution pages: the list with rules in force, drafting, editing, adopting and repealing through the pages."""

from __future__ import annotations

import pytest
from django.urls import reverse

from conftest import PASSWORD
from vanguard.rectification.models import Institution, InstitutionStatus
from vanguard.rectification.tests.factories import make_institution

pytestmark = pytest.mark.django_db


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)


FOUR = {"rule": "规定", "procedure": "程序", "standard": "标准", "measures": "措施"}


def test_the_list_shows_rules_in_force_own_and_from_above_but_nothing_of_district_b(client, city):
    own = make_institution(city.branch_a, title="支部学习制度")
    above = make_institution(city.district_a, title="区委督查制度")
    make_institution(city.branch_b, title="乙一支部的制度")
    login(client, city.branch_secretary_a)
    page = client.get(reverse("rectification:institutions"), {"organisation": city.branch_a.pk})
    html = page.content.decode()
    assert page.status_code == 200
    assert f'data-testid="rule-{own.pk}" data-from-above="0"' in html
    assert f'data-testid="rule-{above.pk}" data-from-above="1"' in html
    assert "乙一支部" not in html
    assert 'data-testid="new-institution"' in html
    # Out of scope, the organisation is not even named.
    page = client.get(reverse("rectification:institutions"), {"organisation": city.branch_b.pk})
    assert "乙一支部" not in page.content.decode()


def test_draft_edit_adopt_and_repeal_through_the_pages(client, city):
    login(client, city.branch_secretary_a)
    response = client.post(
        reverse("rectification:institution_new", kwargs={"pk": city.branch_a.pk}),
        {"kind": "rule", "title": "首问负责制", **FOUR, "standard": ""},
    )
    rule = Institution.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("rectification:institution", args=[rule.pk])

    adopt = reverse("rectification:institution_act", kwargs={"pk": rule.pk}) + "?t=adopt"
    refused = client.post(adopt, {"effective_from": "2026-01-01"})
    assert refused.status_code == 200 and refused.context["form"].errors  # the standard is missing
    rule.refresh_from_db()
    assert rule.status == InstitutionStatus.DRAFT

    edit = reverse("rectification:institution_edit", kwargs={"pk": rule.pk})
    assert client.post(edit, {"kind": "rule", "title": "首问负责制", **FOUR}).status_code == 302
    assert client.post(adopt, {"effective_from": "2026-01-01"}).status_code == 302
    rule.refresh_from_db()
    assert rule.status == InstitutionStatus.IN_FORCE and rule.standard == "标准"

    detail = client.get(reverse("rectification:institution", kwargs={"pk": rule.pk})).content.decode()
    assert 'data-testid="act-repeal"' in detail and 'data-testid="edit"' not in detail
    assert 'data-event="rectification.institution.adopt"' in detail

    repeal = reverse("rectification:institution_act", kwargs={"pk": rule.pk}) + "?t=repeal"
    assert client.post(repeal, {"reason": "已被新制度取代"}).status_code == 302
    rule.refresh_from_db()
    assert rule.status == InstitutionStatus.REPEALED


def test_those_who_only_watch_see_no_actions_and_cannot_act(client, city):
    rule = make_institution(city.branch_a, in_force=False)
    login(client, city.supervisor_a)
    detail = client.get(reverse("rectification:institution", kwargs={"pk": rule.pk}))
    assert detail.status_code == 200 and 'data-testid="actions"' not in detail.content.decode()
    act = reverse("rectification:institution_act", kwargs={"pk": rule.pk}) + "?t=adopt"
    assert client.post(act, {"effective_from": "2026-01-01"}).status_code == 404
    assert client.get(reverse("rectification:institution_new", kwargs={"pk": city.branch_a.pk})).status_code == 404
    rule.refresh_from_db()
    assert rule.status == InstitutionStatus.DRAFT


def test_the_organisation_page_lists_the_rules_in_force_own_and_from_above(client, city):
    own = make_institution(city.branch_a, title="支部学习制度")
    above = make_institution(city.committee_a, title="街道联系群众制度")
    make_institution(city.branch_a2, title="兄弟支部的制度")
    login(client, city.branch_secretary_a)
    html = client.get(reverse("orgs:detail", kwargs={"pk": city.branch_a.pk})).content.decode()
    assert 'data-testid="rules-card"' in html
    assert f'data-testid="rule-{own.pk}" data-from-above="0"' in html
    assert f'data-testid="rule-{above.pk}" data-from-above="1"' in html
    assert "兄弟支部的制度" not in html
    assert 'data-testid="draft-rule"' in html
    client.logout()
    login(client, city.supervisor_a)
    html = client.get(reverse("orgs:detail", kwargs={"pk": city.branch_a.pk})).content.decode()
    assert 'data-testid="rules-card"' in html and 'data-testid="draft-rule"' not in html


def test_the_api_lists_institutions_in_scope_with_the_in_force_filter(client, city):
    in_force = make_institution(city.branch_a, title="支部学习制度")
    draft = make_institution(city.branch_a, title="草稿", in_force=False)
    make_institution(city.branch_b, title="乙一支部的制度")
    login(client, city.secretary_a)
    listed = client.get("/api/institutions/").json()
    assert {row["id"] for row in listed["results"]} == {in_force.pk, draft.pk}
    only = client.get("/api/institutions/", {"in_force": "true"}).json()
    assert [row["id"] for row in only["results"]] == [in_force.pk]
    assert only["results"][0]["standard"] == in_force.standard
    assert client.delete(f"/api/institutions/{in_force.pk}/").status_code in (403, 405)
