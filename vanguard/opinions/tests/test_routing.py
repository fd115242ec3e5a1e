"""Routing suggestions: learnt from the subtree's forwarded problems, by frequency when there is too little."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from vanguard.opinions import routing, services
from vanguard.opinions.models import Category
from vanguard.opinions.tests.factories import opinions

pytestmark = pytest.mark.django_db

WATER = ["小区停水不提前通知", "自来水发黄有异味", "水压太低楼上没水", "水管爆裂停水一整天"]
SCHOOL = ["孩子上学划片不合理", "学校作业太多孩子睡不好", "幼儿园名额太少报不上名", "学校食堂饭菜质量差"]


@pytest.fixture(autouse=True)
def fresh_cache():
    routing.clear_cache()
    yield
    routing.clear_cache()


def forwarded(organisation, responsible, text):
    items = opinions(organisation, [text])
    problem = services.group_opinions(organisation=organisation, actor=None, opinion_ids=[items[0].pk], title=text)
    return services.forward(
        problem=problem,
        actor=None,
        responsible=responsible,
        deadline=timezone.localdate() + datetime.timedelta(days=10),
        category=Category.DEADLINE,
    )


def new_problem(organisation, text):
    items = opinions(organisation, [text])
    return services.group_opinions(organisation=organisation, actor=None, opinion_ids=[items[0].pk], title=text)


def test_learns_which_organisation_took_similar_problems(city):
    water, school = city.branch_a, city.branch_a2
    for text in WATER:
        forwarded(city.committee_a, water, text)
    for text in SCHOOL:
        forwarded(city.committee_a, school, text)
    suggestions = routing.suggest(new_problem(city.committee_a, "我家停水两天了，自来水一直没水"), limit=3)
    assert [s.organisation_id for s in suggestions] == [water.pk, school.pk]
    assert suggestions[0].confidence > 0.5 > suggestions[1].confidence
    assert abs(sum(s.confidence for s in suggestions) - 1) < 1e-6
    top = routing.suggest(new_problem(city.committee_a, "学校的作业太多了"), limit=1)
    assert [s.organisation_id for s in top] == [school.pk]


def test_falls_back_to_frequency_with_little_history_and_to_nothing_without(city):
    assert routing.suggest(new_problem(city.committee_a, "路灯坏了")) == []
    forwarded(city.committee_a, city.branch_a, "停水")
    forwarded(city.committee_a, city.branch_a, "水质差")
    forwarded(city.committee_a, city.branch_a2, "学校作业多")
    suggestions = routing.suggest(new_problem(city.committee_a, "学校作业多"))
    assert [(s.organisation_id, round(s.confidence, 2)) for s in suggestions] == [
        (city.branch_a.pk, 0.67),
        (city.branch_a2.pk, 0.33),
    ]


def test_history_of_another_subtree_is_not_used_and_the_model_is_cached_until_history_changes(city):
    for text in WATER + SCHOOL:
        forwarded(city.district_b, city.branch_b, text)
    assert routing.suggest(new_problem(city.committee_a, "停水")) == []
    problem = new_problem(city.district_b, "停水")
    first = routing.model_for(problem.org_path)
    assert routing.model_for(problem.org_path) is first
    forwarded(city.district_b, city.branch_b, "又停水了")
    assert routing.model_for(problem.org_path) is not first
