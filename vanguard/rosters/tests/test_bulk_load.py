"""A big first load into PostgreSQL drops the member table's indexes and constraints and rebuilds them.

The threshold is lowered so that the 21-row fixture takes that path; what
must hold is what holds on the ordinary path: the same rows, the same
report, every index and constraint back as it was, nothing left behind by a
rolled-back import.
"""

from __future__ import annotations

import pytest
from django.db import connection

from vanguard.core import bulk
from vanguard.members import tallies
from vanguard.members.models import Member, MemberTally
from vanguard.rosters import services
from vanguard.rosters.tests.make_fixtures import roster, with_phone, write_xlsx
from vanguard.rosters.tests.test_import_files import GOOD_ROWS_IN_BAD_FILE, ROWS, by_id, fixture, run

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the bulk-load path is PostgreSQL's"),
]


def schema() -> set[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'members_member'")
        found = set(cursor.fetchall())
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'members_member'::regclass"
        )
        return found | set(cursor.fetchall())


@pytest.fixture
def bulk_path(monkeypatch):
    """Every commit takes the bulk-load path; returns the list of times it was entered."""
    monkeypatch.setattr(services.member_import, "BULK_LOAD_MIN_ROWS", 5)
    monkeypatch.setattr(bulk, "estimated_rows", lambda model: 0)
    entered = []
    real = bulk.indexes_rebuilt_after

    def spy(model):
        entered.append(model)
        return real(model)

    monkeypatch.setattr(bulk, "indexes_rebuilt_after", spy)
    return entered


def test_a_big_first_load_rebuilds_every_index_and_constraint(city, bulk_path):
    before = schema()
    assert any("member_id_number_hash_unique" in name for name, _d in before)
    report = run(city, fixture("fixed", "xlsx"), commit=True)
    assert bulk_path == [Member]
    assert report.committed and report.created == ROWS and report.problem_count == 0
    assert schema() == before
    assert Member.objects.filter(organisation__path__startswith=city.committee_a.path).count() >= ROWS
    # Lookups through the rebuilt hash index find the new members; tallies agree with a recount.
    first = roster(fixed=True)[0]
    assert by_id(first.cells["id_number"]).name == "".join(first.cells["name"].split())

    def counts() -> set:
        return set(MemberTally.objects.exclude(count=0).values_list("organisation_id", "category", "status", "count"))

    kept = counts()
    tallies.rebuild()
    assert counts() == kept


def test_the_bulk_path_updates_members_already_there(city, bulk_path, tmp_path):
    run(city, fixture("fixed", "xlsx"), commit=True)
    before = schema()
    changed = write_xlsx(tmp_path / "phone.xlsx", with_phone(roster(fixed=True), 10, "13912345678"))
    report = run(city, changed, commit=True)
    assert len(bulk_path) == 2
    assert (report.created, report.updated, report.unchanged) == (0, 1, ROWS - 1)
    assert report.changes[0].fields["phone"][1] == "13912345678"
    assert schema() == before


def test_a_refused_bulk_load_leaves_the_table_as_it_was(city, bulk_path):
    before, count = schema(), Member.objects.count()
    report = run(city, fixture("bad", "xlsx"), commit=True)
    assert bulk_path == [Member]
    assert not report.committed and report.created == 0 and report.problem_count == ROWS - GOOD_ROWS_IN_BAD_FILE
    assert schema() == before
    assert Member.objects.count() == count
