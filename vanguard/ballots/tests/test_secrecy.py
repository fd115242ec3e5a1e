"""Secrecy read from the database itself: no path from a stored ballot to a person, a token or a time within a day."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import connection, models

from vanguard.ballots import services
from vanguard.ballots.models import Cast, Token
from vanguard.ballots.tests.factories import ballot, codes, vote
from vanguard.core.models import AuditEntry

pytestmark = pytest.mark.django_db

CAST_COLUMNS = {"id", "ballot_id", "constituency", "stratum", "source", "day", "answers"}
TIME_TYPES = ("datetime", "timestamp", "time")


def columns(table: str) -> dict[str, str]:
    with connection.cursor() as cursor:
        description = connection.introspection.get_table_description(cursor, table)
    return {
        column.name: connection.introspection.get_field_type(column.type_code, column).lower() for column in description
    }


def test_the_cast_table_holds_nothing_that_leads_to_a_voter():
    table = Cast._meta.db_table
    found = columns(table)
    assert set(found) == CAST_COLUMNS
    assert found["day"] == "datefield"
    assert not [name for name, kind in found.items() if any(word in kind for word in TIME_TYPES) and name != "day"]
    with connection.cursor() as cursor:
        relations = connection.introspection.get_relations(cursor, table)
    # Its only reference is to its ballot.
    assert {column: target[1] for column, target in relations.items()} == {"ballot_id": "ballots_ballot"}
    # The key is random, not a sequence: nothing can be ordered by it.
    assert isinstance(Cast._meta.pk, models.UUIDField)


def test_nothing_refers_to_a_cast_and_a_token_names_no_one():
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if field.is_relation and field.concrete and field.related_model is Cast:
                pytest.fail(f"{model.__name__}.{field.name} points at a cast")
    token_columns = columns(Token._meta.db_table)
    assert set(token_columns) == {
        "id",
        "ballot_id",
        "constituency",
        "stratum",
        "medium",
        "code_hash",
        "spent",
        "void",
        "issued_on",
    }
    with connection.cursor() as cursor:
        relations = connection.introspection.get_relations(cursor, Token._meta.db_table)
    assert {column: target[1] for column, target in relations.items()} == {"ballot_id": "ballots_ballot"}


def _spearman(order: list[int]) -> float:
    n = len(order)
    d2 = sum((position - arrival) ** 2 for position, arrival in enumerate(order))
    return 1 - 6 * d2 / (n * (n * n - 1))


def test_neither_row_order_nor_key_order_follows_arrival_once_closed(city):
    questions = [{"key": "q1", "kind": "text", "label": "意见"}]
    b = ballot(city.district_a, questions=questions, kind="questionnaire")
    count = 100
    issued = codes(b, count)
    entries_before = AuditEntry.objects.count()
    for arrival, code in enumerate(issued):
        # Test-only: the answer carries the arrival number, so the order rows come back in can be checked.
        vote(b, code, q1=str(arrival))
    # Casting writes no audit entry: one per cast would time-stamp every vote.
    assert AuditEntry.objects.count() == entries_before
    services.close_ballot(ballot=b, actor=None)

    physical = "ctid" if connection.vendor == "postgresql" else "rowid"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT answers FROM ballots_cast WHERE ballot_id = %s ORDER BY {physical}", [b.pk])
        row_order = [int(Cast._meta.get_field("answers").from_db_value(a, None, connection)["q1"]) for (a,) in cursor]
    key_order = [
        int(answers["q1"]) for answers in Cast.objects.filter(ballot=b).order_by("id").values_list("answers", flat=True)
    ]
    assert sorted(row_order) == list(range(count)) == sorted(key_order)
    # A random permutation of 100 has |Spearman's rho| above 0.5 with probability below one in a million.
    assert abs(_spearman(row_order)) < 0.5
    assert abs(_spearman(key_order)) < 0.5
    # And the stored day is a date, the same for every cast of the day.
    b.refresh_from_db()
    assert set(Cast.objects.filter(ballot=b).values_list("day", flat=True)) == {b.closed_on}
