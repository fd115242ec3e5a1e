"""The rectification figures: they equal a recount, cases only for VIEW_CASES, and the page and workbook agree."""

import datetime
import io
import random

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook

from conftest import PASSWORD
from vanguard.opinions.models import Category
from vanguard.rectification import figures, figures_workbook, tallies
from vanguard.rectification.models import (
    Cause,
    InstitutionKind,
    InstitutionStatus,
    ItemStatus,
    RectificationItem,
    RemedyStatus,
    Stage,
    Timing,
)
from vanguard.rectification.tests.factories import make_case, make_institution, make_item, make_plan, make_remedy

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 28)


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def item(plan, responsible, *, status=ItemStatus.OPEN, timing="", deadline=TODAY, category=Category.DEADLINE):
    made = make_item(plan, responsible=responsible, status=status, timing=timing, deadline=deadline, category=category)
    tallies.item_added(made)
    return made


STATES = st.lists(
    st.tuples(
        st.sampled_from(ItemStatus.values),
        st.sampled_from(["", Timing.ON_TIME, Timing.LATE]),
        st.sampled_from([Category.AT_ONCE, Category.DEADLINE, Category.COORDINATED]),
        st.integers(-20, 20),
        st.integers(0, 3),
    ),
    min_size=1,
    max_size=12,
)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(states=STATES)
def test_figures_match_a_recount(city, states):
    with transaction.atomic():
        check_a_recount(city, states)
        transaction.set_rollback(True)


def check_a_recount(city, states):
    plan = make_plan(city.district_a)
    organisations = [city.district_a, city.committee_a, city.branch_a, city.branch_a2]
    for status, timing, category, days, where in states:
        item(
            plan,
            organisations[where],
            status=status,
            timing=timing,
            category=category,
            deadline=TODAY + datetime.timedelta(days=days),
        )
    result = figures.compute(organisation=city.district_a, campaign=plan.campaign, user=city.office, today=TODAY)
    items = list(RectificationItem.objects.all())
    assert result.items.total == len(items)
    for category in Category.values:
        for status in ItemStatus.values:
            expected = sum(1 for i in items if i.category == category and i.status == status)
            assert result.items.by_category[category][status] == expected
    owed = [i for i in items if i.status in ("open", "done") and i.deadline < TODAY]
    assert result.items.overdue == len(owed)
    oldest_first = sorted(owed, key=lambda i: (i.deadline, i.responsible_path, i.pk))
    assert [i.pk for i in result.items.overdue_items] == [i.pk for i in oldest_first]
    committee = next(r for r in result.items.children if r.organisation_id == city.committee_a.pk)
    under = [i for i in items if i.responsible_path.startswith(city.committee_a.path)]
    assert committee.total == len(under)
    assert committee.closed == sum(1 for i in under if i.status == ItemStatus.CLOSED)
    assert committee.overdue == sum(1 for i in owed if i.responsible_path.startswith(city.committee_a.path))
    assert sum(r.total for r in result.items.children) == len(items)


def test_on_time_rate_counts_closed_items_with_a_deadline(city):
    plan = make_plan(city.root)
    for _i in range(3):
        item(plan, city.branch_a, status=ItemStatus.CLOSED, timing=Timing.ON_TIME)
    item(plan, city.branch_b, status=ItemStatus.CLOSED, timing=Timing.LATE)
    # Closed without a deadline (an explanation): no timing, so it is not in the rate.
    item(plan, city.branch_b, status=ItemStatus.CLOSED, category=Category.EXPLAIN, deadline=None)
    result = figures.compute(organisation=city.root, user=city.office, today=TODAY)
    assert (result.items.on_time, result.items.late, result.items.on_time_rate) == (3, 1, 75.0)
    rows = {r.organisation_id: r for r in result.items.children}
    assert rows[city.district_a.pk].on_time_rate == 100.0
    assert rows[city.district_b.pk].on_time_rate == 0.0
    assert rows[city.district_b.pk].closed == 2


def test_the_overdue_list_holds_the_first_fifty_oldest_first(city):
    plan = make_plan(city.district_a)
    owed = [item(plan, city.branch_a, deadline=TODAY - datetime.timedelta(days=n)) for n in range(1, 56)]
    item(plan, city.branch_a, deadline=TODAY)  # due today: not yet overdue
    item(plan, city.branch_a, status=ItemStatus.CLOSED, timing=Timing.LATE, deadline=TODAY - datetime.timedelta(99))
    item(plan, city.branch_a, status=ItemStatus.DONE, deadline=TODAY - datetime.timedelta(days=100))
    result = figures.compute(organisation=city.district_a, user=city.office, today=TODAY)
    assert result.items.overdue == 56
    listed = result.items.overdue_items
    assert len(listed) == figures.OVERDUE_LISTED
    assert listed[0].deadline == TODAY - datetime.timedelta(days=100)
    assert [i.deadline for i in listed] == sorted(i.deadline for i in listed)
    assert listed[-1].pk == owed[-49].pk


def test_a_campaign_narrows_the_items(city):
    first, second = make_plan(city.district_a), make_plan(city.district_a, title="第二")
    item(first, city.branch_a, deadline=TODAY - datetime.timedelta(days=1))
    item(second, city.branch_a, deadline=TODAY - datetime.timedelta(days=1))
    narrowed = figures.compute(organisation=city.district_a, campaign=first.campaign, user=city.office, today=TODAY)
    whole = figures.compute(organisation=city.district_a, user=city.office, today=TODAY)
    assert (narrowed.items.total, narrowed.items.overdue) == (1, 1)
    assert (whole.items.total, whole.items.overdue) == (2, 2)


def test_case_figures_only_with_view_cases(city):
    make_case(city.member_a)
    admin = figures.compute(organisation=city.district_a, user=city.office, today=TODAY)
    assert admin.cases.total == 1
    assert admin.cases.by_stage[Stage.OPENED][""] == 1
    assert figures.compute(organisation=city.district_a, user=city.secretary_a, today=TODAY).cases.total == 1
    # A supervisor sees the district's figures, never its cases.
    supervised = figures.compute(organisation=city.district_a, user=city.supervisor_a, today=TODAY)
    assert supervised.cases is None
    assert "cases" not in [s.key for s in figures_workbook.sections(supervised)]
    assert "stages" not in figures_workbook.chart_data(supervised)


def test_figures_refused_outside_the_scope(city):
    with pytest.raises(PermissionDenied):
        figures.compute(organisation=city.district_b, user=city.secretary_a, today=TODAY)


def test_remedies_and_institutions(city):
    make_remedy(city.branch_a, deadline=TODAY - datetime.timedelta(days=1))
    make_remedy(city.branch_a2, cause=Cause.OTHER, status=RemedyStatus.CLOSED, deadline=TODAY - datetime.timedelta(5))
    make_remedy(city.branch_b)
    make_institution(city.district_a)
    make_institution(city.branch_a, kind=InstitutionKind.REQUIREMENT)
    make_institution(city.branch_a, title="废止", status=InstitutionStatus.REPEALED, in_force=False)
    make_institution(city.branch_a, title="过期", effective_until=TODAY - datetime.timedelta(days=1))
    result = figures.compute(organisation=city.district_a, user=city.office, today=TODAY)
    assert result.remedies.total == 2
    assert result.remedies.overdue == 1
    assert result.remedies.by_cause[Cause.OTHER][RemedyStatus.CLOSED] == 1
    assert result.institutions == {"rule": 1, "requirement": 1, "unqualified_signs": 0}


def page_rows(response) -> dict:
    return {s.key: [b.rows for b in s.blocks] for s in response.context["sections"]}


def plain(value):
    """A cell as text: calamine reads every number back as a float."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


def test_the_page_and_the_workbook_agree(client, city):
    plan = make_plan(city.root)
    item(plan, city.branch_a, status=ItemStatus.CLOSED, timing=Timing.ON_TIME)
    item(plan, city.branch_b, deadline=datetime.date(2020, 1, 1))
    make_case(city.member_b)
    make_remedy(city.branch_b)
    login(client, city.office)
    response = client.get(reverse("rectification:figures"), {"organisation": city.root.pk})
    assert response.status_code == 200
    assert b"rectification-figures-data" in response.content
    sections = response.context["sections"]
    book = client.get(reverse("rectification:figures_xlsx"), {"organisation": city.root.pk})
    assert book["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = CalamineWorkbook.from_filelike(io.BytesIO(book.content))
    assert len(workbook.sheet_names) == len(sections) == 4
    for number, section in enumerate(sections):
        rows = workbook.get_sheet_by_index(number).to_python()
        assert rows[0][0] == section.name
        line = 3
        for block in section.blocks:
            assert rows[line][0] == block.title
            assert [c for c in rows[line + 1] if c != ""] == block.headers
            for offset, values in enumerate(block.rows):
                assert [plain(v) for v in rows[line + 2 + offset][: len(values)]] == [plain(v) for v in values]
            line += 2 + len(block.rows) + 1


def test_the_page_hides_cases_from_a_supervisor_and_404s_outside_the_scope(client, city):
    make_case(city.member_a)
    login(client, city.supervisor_a)
    url = reverse("rectification:figures")
    response = client.get(url, {"organisation": city.district_a.pk})
    assert response.status_code == 200
    assert "cases" not in [s.key for s in response.context["sections"]]
    assert b'data-testid="section-cases"' not in response.content
    assert client.get(url, {"organisation": city.district_b.pk}).status_code == 404
    assert client.get(reverse("rectification:figures_xlsx"), {"organisation": city.district_b.pk}).status_code == 404


def test_figures_page_query_count(client, city, django_assert_num_queries):
    plan = make_plan(city.root)
    item(plan, city.branch_a, deadline=TODAY - datetime.timedelta(days=400))
    make_case(city.member_a)
    login(client, city.office)
    url = reverse("rectification:figures")
    client.get(url)  # the session and the scope, once
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    rng = random.Random(3)
    for _i in range(10):
        where = rng.choice([city.branch_a, city.branch_a2, city.branch_b, city.committee_a])
        item(plan, where, deadline=TODAY - datetime.timedelta(days=400 + rng.randrange(30)))
        make_remedy(where)
        make_institution(where)
    make_case(city.member_b)
    with django_assert_num_queries(len(one.captured_queries)):
        response = client.get(url)
    assert response.context["figures"].items.total == 11


def test_the_api_serves_the_figures_and_hides_cases_without_view_cases(client, city):
    plan = make_plan(city.district_a)
    item(plan, city.branch_a, deadline=datetime.date(2020, 1, 1))
    make_case(city.member_a)
    url = f"/api/rectification-figures/{city.district_a.pk}/"
    data = login(client, city.secretary_a).get(url, {"campaign": plan.campaign.pk}).json()
    assert data["organisation"] == city.district_a.pk and data["campaign"] == plan.campaign.pk
    assert data["items"]["total"] == 1 and data["items"]["overdue"] == 1
    assert data["items"]["overdue_items"][0]["responsible"] == city.branch_a.pk
    assert data["cases"]["total"] == 1
    client.logout()
    login(client, city.supervisor_a)
    assert client.get(url).json()["cases"] is None
    assert client.get(f"/api/rectification-figures/{city.district_b.pk}/").status_code == 404
    assert client.get(url, {"campaign": "x"}).status_code == 400
    assert client.get(url, {"campaign": 999999}).status_code == 404
