"""The audit trail: entries chain, verify_audit finds tampering by direct SQL, concurrent appends never fork."""

from __future__ import annotations

import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, connections, transaction

from vanguard.core import audit
from vanguard.core.models import AuditEntry

EVENT = audit.declare("test.poked", "Poked")

# These tests break the trail and sealed rows on purpose.
pytestmark = pytest.mark.tampers_audit


@pytest.fixture
def city(city):
    """The shared city with an empty trail, so entries here are numbered from 1 (its factories write entries)."""
    AuditEntry.objects.all().delete()
    return city


def _append(n: int, city) -> list[AuditEntry]:
    return [
        audit.record(
            event=EVENT,
            actor=city.office,
            actor_role="admin",
            target=city.member_a,
            organisation=city.branch_a,
            changes={"name": [f"old {i}", f"new {i}"]},
            data={"i": i, "text": "党员 黨員", "float": 1.5},
        )
        for i in range(n)
    ]


def _table() -> str:
    return connection.ops.quote_name(AuditEntry._meta.db_table)


def _sql(statement: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement.replace("{t}", _table()), params)


def _verify_fails_at(seq: int) -> str:
    with pytest.raises(CommandError) as raised:
        call_command("verify_audit")
    assert f"entry #{seq} " in str(raised.value)
    return str(raised.value)


def test_entries_chain_and_verify(city):
    entries = _append(5, city)
    assert [e.seq for e in entries] == list(range(1, 6))
    assert entries[0].prev_hash == audit.GENESIS
    assert all(b.prev_hash == a.hash for a, b in zip(entries, entries[1:], strict=False))
    broken, count, head = audit.verify()
    assert broken is None and count == 5 and head == entries[-1].hash
    assert audit.head() == (5, entries[-1].hash)


def test_undeclared_event_is_refused(city):
    with pytest.raises(LookupError):
        audit.record(event="test.never_declared")
    assert not AuditEntry.objects.exists()


def test_record_many_chains_in_one_call(city):
    drafts = [audit.Draft(EVENT, actor=city.office, target=city.member_b, data={"n": n}) for n in range(3)]
    audit.record_many(drafts)
    assert list(AuditEntry.objects.order_by("seq").values_list("seq", flat=True)) == [1, 2, 3]
    assert audit.verify()[0] is None


def test_verify_detects_an_edited_entry(city):
    _append(5, city)
    _sql("UPDATE {t} SET data = %s WHERE seq = 3", ['{"i": 99}'])
    assert "changed" in _verify_fails_at(3)


def test_verify_detects_an_edited_actor(city):
    _append(4, city)
    _sql("UPDATE {t} SET actor_id = %s WHERE seq = 2", [city.secretary_b.pk])
    _verify_fails_at(2)


def test_verify_detects_a_deleted_entry(city):
    _append(5, city)
    _sql("DELETE FROM {t} WHERE seq = 2")
    assert "missing" in _verify_fails_at(2)


def test_verify_detects_an_inserted_entry(city):
    entries = _append(4, city)
    insert = (
        "INSERT INTO {t} (seq, at, event, actor_id, actor_role, object_type, object_id, object_repr, changes, data, "
        "prev_hash, hash) VALUES (%s, %s, %s, %s, '', '', '', '', '{}', '{}', %s, %s)"
    )
    # A second entry claiming to follow #2 would fork the chain: the database refuses it outright.
    with pytest.raises(IntegrityError), transaction.atomic():
        _sql(insert, [99, entries[1].at, EVENT, city.office.pk, entries[1].hash, "e" * 64])
    # So a forger makes room at #3 and slips in an entry hashed correctly by itself.
    _sql("UPDATE {t} SET seq = seq + 100 WHERE seq >= 3")
    _sql("UPDATE {t} SET seq = seq - 99 WHERE seq >= 103")
    forged = AuditEntry(seq=3, at=entries[1].at, event=EVENT, actor_id=city.office.pk, prev_hash="f" * 64)
    forged.hash = audit.entry_hash(forged)
    _sql(insert, [3, entries[1].at, EVENT, city.office.pk, forged.prev_hash, forged.hash])
    assert "does not follow" in _verify_fails_at(3)


def test_verify_detects_swapped_entries(city):
    _append(5, city)
    _sql("UPDATE {t} SET seq = -1 WHERE seq = 2")
    _sql("UPDATE {t} SET seq = 2 WHERE seq = 4")
    _sql("UPDATE {t} SET seq = 4 WHERE seq = -1")
    _verify_fails_at(2)


def test_head_is_printed_and_checked(city, capsys):
    entries = _append(3, city)
    call_command("verify_audit", "--head")
    recorded = capsys.readouterr().out.split()
    assert recorded == ["3", entries[-1].hash]
    call_command("verify_audit", "--expect-head", ":".join(recorded))
    # Deleting the newest entries leaves a valid chain; only the recorded head shows it.
    _sql("DELETE FROM {t} WHERE seq = 3")
    call_command("verify_audit")
    with pytest.raises(CommandError, match="no longer in the trail"):
        call_command("verify_audit", "--expect-head", ":".join(recorded))


def test_an_empty_trail_verifies(db, capsys):
    call_command("verify_audit")
    assert "0 entries" in capsys.readouterr().out


def test_entries_are_scoped_by_organisation(city):
    from vanguard.accounts.scoping import restrict

    _append(1, city)
    audit.record(event=EVENT, organisation=city.branch_b)
    seen_by_a = restrict(AuditEntry.objects.all(), city.secretary_a)
    assert [e.organisation_id for e in seen_by_a] == [city.branch_a.pk]
    assert restrict(AuditEntry.objects.all(), city.office).count() == 2


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_never_fork(city):
    per_writer, errors = 40, []

    def writer(tag: str) -> None:
        try:
            for i in range(per_writer):
                with transaction.atomic():
                    audit.record(event=EVENT, data={"writer": tag, "i": i})
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(tag,)) for tag in "ab"]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    broken, count, _head = audit.verify()
    assert broken is None and count == 2 * per_writer


@pytest.fixture
def sealed_members():
    """A seal over members' names, for these tests only (rectification seals its cases the same way)."""
    from vanguard.members.models import Member

    seal = audit.Seal(Member, lambda member: {"name": member.name, "organisation": member.organisation_id})
    yield seal
    audit._CHECKS.pop(f"seal:{seal.label}")


def _sealed_problems(seal) -> list[str]:
    return list(seal.check())


def test_a_sealed_row_changed_by_sql_is_named_with_its_field_and_entry(city, sealed_members):
    from vanguard.members.models import Member

    sealed_members.record(city.member_a, event=EVENT, organisation=city.branch_a)
    entry = sealed_members.record(city.member_b, event=EVENT, organisation=city.branch_b)
    assert _sealed_problems(sealed_members) == []
    Member.objects.filter(pk=city.member_b.pk).update(name="王丙")  # what direct SQL would do: no entry written
    problems = _sealed_problems(sealed_members)
    assert problems == [
        f"members.member #{city.member_b.pk}: name is '王丙' in the table but '李乙' in entry #{entry.seq}"
    ]
    # verify_audit names it too, though the chain itself is intact.
    with pytest.raises(CommandError) as raised:
        call_command("verify_audit")
    assert "chain is intact" in str(raised.value) and "王丙" in str(raised.value)


def test_the_newest_seal_counts(city, sealed_members):
    sealed_members.record(city.member_a, event=EVENT)
    city.member_a.name = "张甲乙"
    city.member_a.save(update_fields=["name"])
    assert [p for p in _sealed_problems(sealed_members) if f"#{city.member_a.pk}:" in p] == [
        f"members.member #{city.member_a.pk}: name is '张甲乙' in the table but '张甲' in entry #1"
    ]
    sealed_members.record(city.member_a, event=EVENT)  # the system's own write restates the row
    assert [p for p in _sealed_problems(sealed_members) if f"#{city.member_a.pk}:" in p] == []


def test_rows_inserted_or_deleted_outside_the_system_are_found(city, sealed_members):
    from vanguard.members.models import Member

    sealed_members.record(city.member_a, event=EVENT)
    problems = _sealed_problems(sealed_members)
    # member_b was never recorded with a seal: to the seal it is a row written outside the system.
    assert problems == [
        f"members.member #{city.member_b.pk}: no entry in the trail records it (written outside the system)"
    ]
    sealed_members.record(city.member_b, event=EVENT)
    pk = city.member_b.pk  # member_a has a user account pointing at it
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {connection.ops.quote_name(Member._meta.db_table)} WHERE id = %s", [pk])
    problems = _sealed_problems(sealed_members)
    assert len(problems) == 1 and problems[0].startswith(f"members.member #{pk}: the trail records it")


def test_registered_checks_run_in_verify_audit(city):
    audit.register_check("test:always", lambda: ["something is wrong"])
    try:
        assert "something is wrong" in audit.run_checks()
        with pytest.raises(CommandError, match="something is wrong"):
            call_command("verify_audit")
    finally:
        audit._CHECKS.pop("test:always")
    call_command("verify_audit")
