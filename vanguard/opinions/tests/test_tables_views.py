"""The five tables' page and workbook: scoped to the user, defaulting to this year, drilling into child units."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import PASSWORD
from vanguard.core.spreadsheets import open_sheets
from vanguard.opinions.models import ProblemStatus
from vanguard.opinions.tables_workbook import FORM_NAMES
from vanguard.opinions.tests.factories import opinions, problem_in_state

pytestmark = pytest.mark.django_db


def signed_in(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.fixture
def records(city):
    today = timezone.localdate()
    opinions(city.branch_a, ["一", "二", "三"], received_on=today)
    problem_in_state(city.branch_a, city.branch_a, ProblemStatus.RECTIFIED)  # two more opinions, 3 days ago
    opinions(city.branch_b, ["乙"] * 7, received_on=today)


def chain(response) -> list[int]:
    return [n for _label, n in response.context["chain"]]


def test_the_page_defaults_to_the_users_organisation_and_this_year(client, city, records):
    today = timezone.localdate()
    response = signed_in(client, city.secretary_a).get(reverse("opinions:tables"))
    assert response.status_code == 200
    assert response.context["organisation"] == city.district_a
    tables = response.context["tables"]
    assert (tables.start, tables.end) == (datetime.date(today.year, 1, 1), today)
    expected_opinions = 5 if (today - datetime.timedelta(days=3)).year == today.year else 3
    assert chain(response)[:2] == [expected_opinions, 1]
    assert chain(response)[4] == 1  # rectified
    html = response.content.decode()
    assert "乙区委" not in html and "乙一支部" not in html
    assert 'data-testid="table-effect"' in html and 'class="stack"' in html


def test_another_districts_or_a_higher_organisation_is_not_found(client, city, records):
    client = signed_in(client, city.secretary_a)
    for value in (city.district_b.pk, city.branch_b.pk, city.root.pk, "x", "99999999"):
        assert client.get(reverse("opinions:tables"), {"organisation": value}).status_code == 404, value
        assert client.get(reverse("opinions:tables_xlsx"), {"organisation": value}).status_code == 404, value


def test_anonymous_is_sent_to_sign_in(client):
    assert client.get(reverse("opinions:tables")).status_code == 302
    assert client.get(reverse("opinions:tables_xlsx")).status_code == 302


def test_the_city_drills_into_its_districts(client, city, records):
    today = timezone.localdate()
    client = signed_in(client, city.office)
    response = client.get(reverse("opinions:tables"), {"organisation": city.root.pk, "start": today, "end": today})
    assert response.status_code == 200
    assert chain(response)[0] == 10  # 3 in A and 7 in B received today; the problem's two were 3 days ago
    assert response.context["drill"] == {city.district_a.pk, city.district_b.pk}
    assert f"?organisation={city.district_b.pk}&amp;" in response.content.decode()
    inside = client.get(reverse("opinions:tables"), {"organisation": city.district_b.pk, "start": today, "end": today})
    assert chain(inside)[0] == 7 and [c.pk for c in inside.context["crumbs"]] == [city.root.pk]


def test_a_period_that_ends_before_it_starts_is_refused(client, city, records):
    response = signed_in(client, city.secretary_a).get(
        reverse("opinions:tables"), {"start": "2026-05-01", "end": "2026-04-01"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors.as_data()["__all__"][0].code == "period"
    assert response.context["tables"].start.month == 1  # the default period is shown meanwhile


def test_the_workbook_has_one_sheet_per_table(client, city, records, tmp_path):
    today = timezone.localdate()
    response = signed_in(client, city.secretary_a).get(
        reverse("opinions:tables_xlsx"), {"organisation": city.district_a.pk, "start": today, "end": today}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    path = tmp_path / "tables.xlsx"
    path.write_bytes(response.content)
    sheets = list(open_sheets(path))
    assert [sheet.name for sheet in sheets] == [f"{i} {name}" for i, name in enumerate(FORM_NAMES.values(), 1)]
    first = [[cell for cell in row.cells if cell not in ("", None)] for row in sheets[0].rows]
    assert first[0] == [FORM_NAMES["collected"]]
    # The total of opinions sits beside its label on the first sheet: 3 received today in district A.
    assert any(len(row) == 2 and row[1] in (3, 3.0) for row in first[3:6])
    assert "乙" not in repr(first)
