"""A big sheet is read by two processes; the result must be the one a single process gives.

The threshold is lowered so that the 21-row fixtures fork: the child takes the
second half of the rows, which holds bad rows of the fixture, so its problems,
counts and written rows all have to come back through the parent.
"""

from __future__ import annotations

import dataclasses

import pytest
from django.utils import translation

from vanguard.members.models import Member
from vanguard.rosters import parallel, services
from vanguard.rosters.tests.make_fixtures import BAD_ROWS, roster, write_xlsx
from vanguard.rosters.tests.test_import_files import ROWS, by_id, fixture, run

pytestmark = pytest.mark.django_db


def comparable(report) -> dict:
    data = dataclasses.asdict(report)
    data["problems"] = sorted((p["row"], p["column"], p["message"]) for p in data["problems"])
    data["warnings"] = sorted((p["row"], p["message"]) for p in data["warnings"])
    return data


@pytest.fixture
def forking(monkeypatch):
    """Every import forks; returns the list of split rows used."""
    monkeypatch.setattr(parallel, "MIN_ROWS", 1)
    # pytest-xdist's workers run a thread of their own; nothing here takes a lock another thread holds.
    monkeypatch.setattr(parallel, "single_threaded", lambda: True)
    splits = []
    real = parallel.split_row

    def spy(first_row, total_rows):
        splits.append(real(first_row, total_rows))
        return splits[-1]

    monkeypatch.setattr(parallel, "split_row", spy)
    return splits


@pytest.mark.parametrize("fmt", ["xlsx", "xls", "ods"])
@pytest.mark.parametrize("kind", ["bad", "fixed"])
def test_two_processes_report_what_one_does(city, forking, fmt, kind):
    together = run(city, fixture(kind, fmt), commit=False)
    assert forking
    parallel.MIN_ROWS = 10**9  # restored by monkeypatch
    alone = run(city, fixture(kind, fmt), commit=False)
    assert len(forking) == 1
    assert comparable(together) == comparable(alone)


def test_a_process_with_other_threads_does_not_fork(city, monkeypatch):
    monkeypatch.setattr(parallel, "MIN_ROWS", 1)
    monkeypatch.setattr(parallel.threading, "active_count", lambda: 2)
    forked = []
    monkeypatch.setattr(parallel.ForkedReader, "__init__", lambda *args: forked.append(args))
    report = run(city, fixture("bad", "xlsx"), commit=False)
    assert not forked and {p.row for p in report.problems} == set(BAD_ROWS)


def test_csv_is_read_by_one_process(city, forking):
    """A CSV file streams from an open file, whose offset a forked child would share."""
    report = run(city, fixture("bad", "csv-utf8"), commit=False)
    assert not forking and {p.row for p in report.problems} == set(BAD_ROWS)


def test_the_child_half_holds_bad_rows(city, forking):
    report = run(city, fixture("bad", "xlsx"), commit=False)
    (last,) = forking
    assert any(row > last for row in BAD_ROWS) and any(row <= last for row in BAD_ROWS)
    assert {p.row for p in report.problems} == set(BAD_ROWS)


def test_a_forked_commit_writes_every_row_once(city, forking):
    before = Member.objects.count()
    report = run(city, fixture("fixed", "xlsx"), commit=True)
    assert forking and report.committed and report.created == ROWS
    assert Member.objects.count() == before + ROWS
    for person in roster(fixed=True):
        assert by_id(person.id_number).organisation.name  # each found through its lookup hash
    again = run(city, fixture("fixed", "xlsx"), commit=True)
    assert (again.created, again.unchanged) == (0, ROWS)


def test_a_forked_commit_with_bad_rows_in_the_child_half_writes_nothing(city, forking):
    before = Member.objects.count()
    report = run(city, fixture("bad", "xlsx"), commit=True)
    assert not report.committed and report.problem_count == len(BAD_ROWS)
    assert Member.objects.count() == before


def test_duplicates_across_the_halves_are_named_on_the_later_row(city, forking, tmp_path):
    people = roster(fixed=True)
    twin = dataclasses.replace(people[-1], cells=dict(people[0].cells))  # the first person again, in the last row
    path = write_xlsx(tmp_path / "twins.xlsx", [*people[:-1], twin])
    with translation.override("en"):
        report = run(city, path, commit=False)
    assert [(p.row, p.message) for p in report.problems] == [
        (twin.row, f"The same ID number is already on row {people[0].row}.")
    ]


def test_an_unreadable_cell_in_the_child_half_is_reported_as_such(city, forking, tmp_path):
    people = roster(fixed=True)
    long = dataclasses.replace(people[-1], cells={**people[-1].cells, "work_unit": "单" * 3000})
    path = write_xlsx(tmp_path / "long.xlsx", [*people[:-1], long])
    report = run(city, path, commit=False)
    assert report.problem_count == 1 and "3000" in report.problems[0].message


def test_a_crash_in_the_child_fails_the_import(city, forking, monkeypatch):
    def broken(self, rows, write):
        raise ValueError("boom")
        yield  # a generator, as the real one

    monkeypatch.setattr(services.MemberImport, "child_batches", broken)
    before = Member.objects.count()
    with pytest.raises(parallel.ParallelReadError, match="boom"):
        run(city, fixture("fixed", "xlsx"), commit=True)
    assert Member.objects.count() == before
