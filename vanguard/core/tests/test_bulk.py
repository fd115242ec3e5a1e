"""Bulk writes: COPY's text format, the row stream on both databases, and the index rebuild of a bulk load."""

from __future__ import annotations

import datetime
import random

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vanguard.core import bulk
from vanguard.members.factories import member_fields
from vanguard.members.models import Member
from vanguard.members.services import protected_id_columns


def test_copy_text_escapes_what_copy_would_misread():
    assert bulk.copy_text("a\tb\nc\rd\\e") == "a\\tb\\nc\\rd\\\\e"
    assert bulk.copy_text("\\N") == "\\\\N"  # the text, not NULL
    assert bulk.copy_text(None) == "\\N"
    assert bulk.copy_text("张三\u3000丰") == "张三\u3000丰"  # unusual but harmless characters pass as they are
    assert bulk.copy_text(datetime.date(2005, 1, 5)) == "2005-01-05"
    assert bulk.copy_text(True) == "t" and bulk.copy_text(7) == "7"
    assert bulk.copy_text({"电话": ["1", "2"]}) == '{"电话": ["1", "2"]}'
    with pytest.raises(TypeError):
        bulk.copy_text(b"\x00")


def _rows(organisation, texts: list[str]) -> list[dict]:
    rng = random.Random(len(texts))
    rows = []
    for number, value in enumerate(texts):
        fields = member_fields(rng, "ordinary", today=datetime.date(2025, 1, 1))
        fields.update(protected_id_columns(fields.pop("id_number")))
        fields.update(name=f"成员{number}", work_unit=value)
        fields.update(organisation_id=organisation.pk, org_path=organisation.path)
        rows.append(fields)
    return rows


awkward_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=200)


@pytest.mark.django_db
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(texts=st.lists(awkward_text, min_size=1, max_size=30))
def test_any_text_survives_the_stream_unchanged(city, texts):
    with transaction.atomic():
        rows = _rows(city.branch_a, texts)
        with bulk.RowStream(Member) as stream:
            assert stream.write(rows[: len(rows) // 2]) == len(rows) // 2
            stream.pause()  # a query between two writes, as an import's lookups make
            assert Member.objects.filter(organisation=city.branch_a).exists()
            stream.write(rows[len(rows) // 2 :])
        stored = dict(
            Member.objects.filter(name__startswith="成员", organisation=city.branch_a).values_list("name", "work_unit")
        )
        assert stored == {row["name"]: row["work_unit"] for row in rows}
        fresh = Member.objects.get(name="成员0")
        assert fresh.ethnicity == "汉族" and fresh.host_organisation_id is None and fresh.created_at is not None
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_an_error_inside_the_stream_rolls_back_cleanly(city):
    before = Member.objects.count()
    rows = _rows(city.branch_a, ["a", "b"])
    with pytest.raises(RuntimeError), transaction.atomic(), bulk.RowStream(Member) as stream:
        stream.write(rows)
        raise RuntimeError("the import found a problem")
    assert Member.objects.count() == before  # the connection is usable and nothing was kept


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="indexes are rebuilt on PostgreSQL only")
def test_indexes_come_back_after_a_bulk_load(city):
    def schema():
        with connection.cursor() as cursor:
            cursor.execute("SELECT indexdef FROM pg_indexes WHERE tablename = 'members_member'")
            return sorted(row[0] for row in cursor.fetchall())

    before = schema()
    with transaction.atomic():
        with bulk.indexes_rebuilt_after(Member):
            assert len(schema()) == 1  # the primary key only
            bulk.insert_rows(Member, _rows(city.branch_a, ["x"] * 5))
        assert schema() == before
