"""A roster naming people on record outside the importer's scope: refused, kept in the audit trail, throttled."""

from __future__ import annotations

import datetime
import random

import pytest

from vanguard.core import people
from vanguard.core.models import AuditEntry
from vanguard.members import events, services
from vanguard.members.factories import MemberFactory
from vanguard.rosters.services import import_members

pytestmark = pytest.mark.django_db


def write_csv(path, rows) -> None:
    lines = ["姓名,身份证号,性别,出生日期,入党时间"]
    lines += [
        f"{name},{number},{'男' if gender == 'M' else '女'},{born:%Y-%m-%d},1995-07-01"
        for name, number, gender, born in rows
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def outsiders(city, n: int):
    found = []
    for i in range(n):
        born = datetime.date(1970, 1, 1) + datetime.timedelta(days=i)
        number = people.id_number(random.Random(i), born, "M")
        MemberFactory(organisation=city.branch_b, id_number=number, birth_date=born, gender="M")
        found.append((f"外{i}", number, "M", born))
    return found


def refusals():
    return AuditEntry.objects.filter(event=events.ELSEWHERE_REFUSED)


def test_a_dry_run_records_who_asked_about_people_elsewhere(city, tmp_path):
    rows = outsiders(city, 2)
    path = tmp_path / "roster.csv"
    write_csv(path, rows)
    report = import_members(path=path, organisation=city.committee_a, user=city.secretary_a, commit=False)
    assert report.problem_count == 2
    assert all(city.branch_b.name not in p.message for p in report.problems)
    entry = refusals().get()
    assert entry.actor == city.secretary_a and entry.data["count"] == 2
    assert rows[0][1] not in str(entry.data)


def test_past_the_allowance_the_import_stops_without_naming_rows(city, tmp_path, settings):
    settings.VANGUARD_ELSEWHERE_LIMIT = 3
    path = tmp_path / "roster.csv"
    write_csv(path, outsiders(city, 5))
    report = import_members(path=path, organisation=city.committee_a, user=city.secretary_a, commit=True)
    assert not report.committed
    assert report.problems[-1].message == services.throttled_message()
    assert sum(1 for p in report.problems if p.row) == 3  # the rows within the allowance, no more
    assert refusals().get().data["count"] == 3
    again = import_members(path=path, organisation=city.committee_a, user=city.secretary_a, commit=False)
    assert [p.message for p in again.problems] == [services.throttled_message()]
