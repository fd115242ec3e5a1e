"""Read queries of the intake pages: scope, filters, the other script, and a list page whose queries do not grow."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from conftest import PASSWORD
from vanguard.opinions import selectors, services
from vanguard.opinions.models import Channel, Direction, SourceGroup
from vanguard.opinions.tests.factories import opinions, problem_in_state, row

pytestmark = pytest.mark.django_db


def texts(queryset) -> set[str]:
    return set(queryset.values_list("text", flat=True))


def test_opinions_for_keeps_to_the_users_subtree(city):
    opinions(city.branch_a, ["甲区的意见"])
    opinions(city.branch_b, ["乙区的意见"])
    assert texts(selectors.opinions_for(city.secretary_a)) == {"甲区的意见"}
    assert texts(selectors.opinions_for(city.secretary_b)) == {"乙区的意见"}
    assert texts(selectors.opinions_for(city.office)) == {"甲区的意见", "乙区的意见"}
    assert not selectors.opinions_for(city.member_user_a).exists()
    # An organisation outside the scope narrows to nothing: the scope holds whatever the filter says.
    assert not selectors.opinions_for(city.secretary_a, organisation=city.district_b).exists()


def test_filters(city):
    today = timezone.localdate()
    services.enter_opinions(
        organisation=city.branch_a,
        actor=None,
        rows=[
            row("座谈会上说的", channel=Channel.FORUM, received_on=today - datetime.timedelta(days=10)),
            row("热线打来的", channel=Channel.HOTLINE, source_group=SourceGroup.BUSINESSES),
            row("下级提的", direction=Direction.DOWN_UP, received_on=today),
        ],
    )
    opinions(city.branch_a2, ["二支部的意见"])
    user = city.secretary_a
    assert texts(selectors.opinions_for(user, organisation=city.branch_a2)) == {"二支部的意见"}
    assert texts(selectors.opinions_for(user, channel=Channel.HOTLINE)) == {"热线打来的"}
    assert texts(selectors.opinions_for(user, direction=Direction.DOWN_UP)) == {"下级提的"}
    assert texts(selectors.opinions_for(user, source_group=SourceGroup.BUSINESSES)) == {"热线打来的"}
    assert texts(selectors.opinions_for(user, date_from=today)) == {"下级提的"}
    assert texts(selectors.opinions_for(user, date_to=today - datetime.timedelta(days=5))) == {"座谈会上说的"}
    listed = list(selectors.opinions_for(user))
    assert listed[0].text == "下级提的"  # newest first
    assert [o.received_on for o in listed] == sorted((o.received_on for o in listed), reverse=True)


def test_grouped_and_ungrouped(city):
    problem = problem_in_state(city.district_a, city.branch_a, "open", texts=("已归类的意见",))
    opinions(city.branch_a, ["未归类的意见"])
    assert texts(selectors.opinions_for(city.secretary_a, grouped=True)) == {"已归类的意见"}
    assert texts(selectors.opinions_for(city.secretary_a, grouped=False)) == {"未归类的意见"}
    assert selectors.problem_visible(city.secretary_a, problem)
    assert not selectors.problem_visible(city.secretary_b, problem)
    assert not selectors.problem_visible(city.secretary_a, None)


def test_search_finds_the_other_script(city):
    opinions(city.branch_a, ["黨員服務中心開門太晚", "窗口排队太长"])
    assert texts(selectors.opinions_for(city.secretary_a, search="党员服务")) == {"黨員服務中心開門太晚"}
    assert texts(selectors.opinions_for(city.secretary_a, search="排隊")) == {"窗口排队太长"}
    assert texts(selectors.opinions_for(city.secretary_a, search="  ")) == {"黨員服務中心開門太晚", "窗口排队太长"}


def test_own_organisation_and_entry_scope(city):
    assert selectors.own_organisation(city.secretary_a) == city.district_a
    assert selectors.own_organisation(city.office) == city.root
    assert selectors.own_organisation(city.supervisor_a) is None  # views only: enters nothing
    assert city.district_b not in selectors.entry_organisations(city.secretary_a)
    assert city.branch_a in selectors.entry_organisations(city.secretary_a)


def _list_queries(client, path) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200
    return len(captured)


def test_the_list_page_queries_do_not_grow_with_rows(client, city, django_assert_num_queries):
    opinions(city.branch_a, ["第一条"])
    problem_in_state(city.district_a, city.branch_a, "forwarded", texts=("归类一", "归类二"))
    assert client.login(username=city.secretary_a.username, password=PASSWORD)
    path = reverse("opinions:list")
    few = _list_queries(client, path)
    opinions(city.branch_a, [f"意见{i}" for i in range(30)])
    problem_in_state(city.district_a, city.branch_a2, "replied", texts=("又一组一", "又一组二", "又一组三"))
    with django_assert_num_queries(few):
        response = client.get(path)
    assert len(response.context["page"].rows) == 36
    with django_assert_num_queries(few):
        client.get(path, {"q": "意见", "channel": Channel.FORUM, "grouped": "no"})
