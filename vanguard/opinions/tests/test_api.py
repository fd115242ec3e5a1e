"""The opinions API: scoped like the pages; who raised an opinion only for staff of its unit."""

from __future__ import annotations

import pytest

from conftest import PASSWORD
from vanguard.opinions.models import ProblemStatus
from vanguard.opinions.tests.factories import opinions, problem_in_state

pytestmark = pytest.mark.django_db


def _get(client, user, url):
    client.login(username=user.username, password=PASSWORD)
    response = client.get(url)
    assert response.status_code == 200, response.content
    return response.json()


def test_opinions_are_scoped_and_contact_is_for_handling_staff_only(client, city):
    mine = opinions(city.branch_a, ["甲的意见"], name="王五", phone="13900000000")
    opinions(city.branch_b, ["乙的意见"], name="赵六")
    body = _get(client, city.secretary_a, "/api/opinions/")
    assert [row["id"] for row in body["results"]] == [mine[0].pk]
    assert body["results"][0]["contact"]["name"] == "王五"
    assert body["results"][0]["contact"]["receipt"] == mine[0].receipt
    client.logout()
    body = _get(client, city.supervisor_a, "/api/opinions/")
    assert body["results"][0]["text"] == "甲的意见"
    assert body["results"][0]["contact"] is None
    assert "王五" not in str(body) and "13900000000" not in str(body)


def test_problems_are_seen_by_both_sides_without_who_raised_them(client, city):
    problem = problem_in_state(city.district_b, city.branch_a, ProblemStatus.FORWARDED, texts=("乙区转来的",))
    problem.opinions.update(name="孙七", phone="13700000000")
    # Grouped in district B, forwarded to a branch of district A: A's secretary sees it in A's queue.
    body = _get(client, city.branch_secretary_a, f"/api/problems/?responsible={city.branch_a.pk}")
    assert [row["id"] for row in body["results"]] == [problem.pk]
    assert body["results"][0]["opinion_count"] == 1
    assert "孙七" not in str(body) and "13700000000" not in str(body)
    client.logout()
    assert _get(client, city.secretary_b, "/api/problems/")["count"] == 1
    client.logout()
    client.login(username=city.secretary_b.username, password=PASSWORD)
    assert client.get(f"/api/opinions/{problem.opinions.first().pk}/").status_code == 200
