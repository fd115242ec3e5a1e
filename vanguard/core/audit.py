"""The one audit trail: every state change of every app is written here, hash-chained.

Apps declare their event types once (`declare("members.transfer.accepted",
_("Transfer accepted"))` in their `events.py`, discovered like `tasks.py`) and
write entries with `record()` inside the transaction of the change itself, so
an entry exists exactly when the change does.

The chain: entries are numbered by `seq` without gaps, and each entry's
`hash` is SHA-256 over its canonical content (see `canonical`) together with
the previous entry's hash.  Editing, deleting, inserting or reordering rows
with direct SQL breaks the chain at the first such entry, which `verify()`
(and `manage.py verify_audit`) names.  Deleting the newest entries cannot be
seen from inside the database; that is why an office records the chain head
(`verify_audit --head`) elsewhere and checks it later with `--expect-head`.

Appends are serialised: on PostgreSQL by a transaction-scoped advisory lock
(held until the writer commits, so two writers can never both append after
the same head); on SQLite the database has one writer at a time.  The unique
`seq` and `prev_hash` columns make a fork impossible even if that were
bypassed: the second writer fails instead of forking.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

from vanguard.core.models import AuditEntry

GENESIS = "0" * 64
# Any fixed number: the key of the advisory lock that serialises appends on PostgreSQL.
_APPEND_LOCK = 0x56414E4755415244  # "VANGUARD"
_LOCK_KEY = _APPEND_LOCK - (1 << 64) if _APPEND_LOCK >= (1 << 63) else _APPEND_LOCK

_EVENTS: dict[str, Any] = {}
_discovered = False


def declare(code: str, label: Any) -> str:
    """Declare an event type (code like "app.object.verb", label a lazy translated string); returns the code."""
    if code in _EVENTS and str(_EVENTS[code]) != str(label):
        raise ValueError(f"audit event {code!r} is already declared with another label")
    _EVENTS[code] = label
    return code


def _discover() -> None:
    global _discovered
    if not _discovered:
        autodiscover_modules("events")
        _discovered = True


def event_label(code: str) -> Any:
    """The event's label for pages; the code itself for an event no longer declared."""
    _discover()
    return _EVENTS.get(code, code)


@dataclass(frozen=True)
class Draft:
    """An entry before it is chained: what `record_many` takes."""

    event: str
    actor: Any = None
    actor_role: str = ""
    actor_organisation: Any = None
    target: models.Model | None = None
    organisation: Any = None
    changes: dict | None = None
    data: dict | None = None


def record(
    *,
    event: str,
    actor=None,
    actor_role: str = "",
    actor_organisation=None,
    target: models.Model | None = None,
    organisation=None,
    changes: dict | None = None,
    data: dict | None = None,
) -> AuditEntry:
    """Append one entry to the trail, in the caller's transaction.

    `target` is the object acted on, `organisation` the organisation the entry
    belongs to (who may read it is decided by its subtree), `changes` maps a
    field to [old, new], `data` holds any other JSON details.
    """
    draft = Draft(event, actor, actor_role, actor_organisation, target, organisation, changes, data)
    return record_many([draft])[0]


def record_many(drafts: Iterable[Draft]) -> list[AuditEntry]:
    """Append several entries at once (an import's updates): one lock, one bulk insert."""
    drafts = list(drafts)
    if not drafts:
        return []
    _discover()
    for draft in drafts:
        if draft.event not in _EVENTS:
            raise LookupError(f"audit event {draft.event!r} is not declared")
    # No savepoint: an entry is all-or-nothing with its caller's change anyway, and two round trips fewer.
    with transaction.atomic(savepoint=False):
        _lock_for_append()
        last = AuditEntry.objects.order_by("-seq").values_list("seq", "hash").first()
        seq, prev = last if last else (0, GENESIS)
        now = timezone.now()
        entries = []
        for draft in drafts:
            seq += 1
            entry = _entry(draft, seq=seq, at=now, prev_hash=prev)
            prev = entry.hash
            entries.append(entry)
        return AuditEntry.objects.bulk_create(entries)


def _lock_for_append() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])


def _pk(obj) -> int | None:
    if obj is None:
        return None
    return obj if isinstance(obj, int) else obj.pk


def _entry(draft: Draft, *, seq: int, at: datetime.datetime, prev_hash: str) -> AuditEntry:
    target = draft.target
    entry = AuditEntry(
        seq=seq,
        at=at,
        event=draft.event,
        actor_id=_pk(draft.actor),
        actor_role=draft.actor_role or "",
        actor_organisation_id=_pk(draft.actor_organisation),
        object_type=target._meta.label_lower if target is not None else "",
        object_id=str(target.pk) if target is not None else "",
        object_repr=str(target)[:200] if target is not None else "",
        organisation_id=_pk(draft.organisation),
        changes=_jsonable(draft.changes or {}),
        data=_jsonable(draft.data or {}),
        prev_hash=prev_hash,
    )
    entry.hash = entry_hash(entry)
    return entry


def _jsonable(value: dict) -> dict:
    """What the JSON column will give back when read, so the hash computed now matches the one verified later."""
    return json.loads(json.dumps(value, default=str, ensure_ascii=False))


def canonical(entry: AuditEntry) -> bytes:
    """The bytes an entry's hash covers: every column but the hash itself, in a fixed order and format."""
    at = entry.at.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    content = [
        entry.seq,
        at,
        entry.event,
        entry.actor_id,
        entry.actor_role,
        entry.actor_organisation_id,
        entry.object_type,
        entry.object_id,
        entry.object_repr,
        entry.organisation_id,
        entry.changes,
        entry.data,
        entry.prev_hash,
    ]
    return json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def entry_hash(entry: AuditEntry) -> str:
    return hashlib.sha256(canonical(entry)).hexdigest()


@dataclass(frozen=True)
class Break:
    """Where the chain first fails verification, and why (for `verify_audit`)."""

    seq: int
    pk: int | None
    reason: str

    def __str__(self) -> str:
        return f"entry #{self.seq} (row id {self.pk}): {self.reason}"


def verify(batch_size: int = 5000) -> tuple[Break | None, int, str]:
    """Walk the whole chain in order: (first break or None, entries checked, head hash)."""
    expected_seq, prev, count = 1, GENESIS, 0
    for entry in _in_order(batch_size):
        if entry.seq != expected_seq:
            what = "missing (deleted)" if entry.seq > expected_seq else "out of order"
            return Break(expected_seq, entry.pk, f"entry #{expected_seq} is {what}; found #{entry.seq}"), count, prev
        if entry.prev_hash != prev:
            return (
                Break(entry.seq, entry.pk, "does not follow the entry before it (inserted, deleted or swapped)"),
                count,
                prev,
            )
        if entry_hash(entry) != entry.hash:
            return Break(entry.seq, entry.pk, "its content was changed after it was written"), count, prev
        prev, expected_seq, count = entry.hash, expected_seq + 1, count + 1
    return None, count, prev


def _in_order(batch_size: int) -> Iterator[AuditEntry]:
    # Keyset pagination on seq: constant memory over millions of entries.
    last = 0
    while True:
        batch = list(AuditEntry.objects.filter(seq__gt=last).order_by("seq")[:batch_size])
        if not batch:
            return
        yield from batch
        last = batch[-1].seq


def head() -> tuple[int, str]:
    """(seq, hash) of the newest entry; (0, GENESIS) for an empty trail."""
    last = AuditEntry.objects.order_by("-seq").values_list("seq", "hash").first()
    return last if last else (0, GENESIS)


def history(obj: models.Model) -> models.QuerySet[AuditEntry]:
    """Entries about one object, newest first (callers scope the object itself first)."""
    return AuditEntry.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk)).select_related(
        "actor", "actor_organisation"
    )


# Checks beyond the chain, run by `verify_audit` after it: each yields problems found, as sentences.
_CHECKS: dict[str, Callable[[], Iterable[str]]] = {}


def register_check(name: str, check: Callable[[], Iterable[str]]) -> None:
    _CHECKS[name] = check


def run_checks() -> list[str]:
    """Every registered check's problems, in the checks' name order (empty when all is well)."""
    _discover()
    problems: list[str] = []
    for name in sorted(_CHECKS):
        problems.extend(_CHECKS[name]())
    return problems


def digest(text: str) -> str:
    """A long text as it goes into a seal: its SHA-256, so the trail does not copy it but still pins it."""
    return hashlib.sha256((text or "").encode()).hexdigest()


@dataclass
class Seal:
    """The decisive fields of a model's rows, restated in the trail at every change.

    The chain proves the trail itself untouched, but a row of a domain table
    changed by direct SQL (a case's decision, a register line) leaves the
    chain intact.  A sealed model's every write records `fields(obj)` in its
    entry (`data["seal"]`); `check()` compares each row with the newest seal
    of its object and reports a row that differs, a row with no sealed entry
    (inserted outside the system) and a sealed object whose row is gone
    (deleted outside it).  Registered as a check of `verify_audit`.
    """

    model: type[models.Model]
    fields: Callable[[models.Model], dict]
    batch_size: int = 2000
    label: str = field(init=False)

    def __post_init__(self) -> None:
        self.label = self.model._meta.label_lower
        register_check(f"seal:{self.label}", self.check)

    def of(self, obj: models.Model) -> dict:
        return _jsonable(self.fields(obj))

    def draft(self, obj: models.Model, *, event: str, data: dict | None = None, **entry: Any) -> Draft:
        return Draft(event=event, target=obj, data={**(data or {}), "seal": self.of(obj)}, **entry)

    def record(self, obj: models.Model, *, event: str, data: dict | None = None, **entry: Any) -> AuditEntry:
        """Write one entry about `obj` (a write that is not a declared transition, such as creating it), sealed."""
        return record_many([self.draft(obj, event=event, data=data, **entry)])[0]

    def _latest(self, object_ids: list[str]) -> dict[str, tuple[int, dict]]:
        latest: dict[str, tuple[int, dict]] = {}
        rows = (
            AuditEntry.objects.filter(object_type=self.label, object_id__in=object_ids, data__has_key="seal")
            .order_by("seq")
            .values_list("object_id", "seq", "data")
        )
        for object_id, seq, data in rows:
            latest[object_id] = (seq, data["seal"])
        return latest

    def check(self) -> Iterator[str]:
        if self.model._meta.db_table not in connection.introspection.table_names():
            return  # a database migrated only part of the way (a migration's test): nothing here to check yet
        name = self.label
        last = 0
        manager = self.model._default_manager
        while True:
            batch = list(manager.filter(pk__gt=last).order_by("pk")[: self.batch_size])
            if not batch:
                break
            last = batch[-1].pk
            latest = self._latest([str(obj.pk) for obj in batch])
            for obj in batch:
                found = latest.get(str(obj.pk))
                if found is None:
                    yield f"{name} #{obj.pk}: no entry in the trail records it (written outside the system)"
                    continue
                seq, sealed = found
                if sealed is None:
                    yield f"{name} #{obj.pk}: entry #{seq} records it deleted, yet the row exists"
                    continue
                now = self.of(obj)
                for key in sorted(set(now) | set(sealed)):
                    if now.get(key) != sealed.get(key):
                        yield (
                            f"{name} #{obj.pk}: {key} is {now.get(key)!r} in the table "
                            f"but {sealed.get(key)!r} in entry #{seq}"
                        )
        # Objects the trail knows whose rows are gone.
        sealed_ids = (
            AuditEntry.objects.filter(object_type=self.label, data__has_key="seal")
            .values_list("object_id", flat=True)
            .distinct()
            .iterator()
        )
        pending: list[str] = []
        for object_id in sealed_ids:
            pending.append(object_id)
            if len(pending) >= self.batch_size:
                yield from self._gone(pending)
                pending = []
        if pending:
            yield from self._gone(pending)

    def _gone(self, object_ids: list[str]) -> Iterator[str]:
        present = {str(pk) for pk in self.model._default_manager.filter(pk__in=object_ids).values_list("pk", flat=True)}
        missing = [object_id for object_id in object_ids if object_id not in present]
        if not missing:
            return
        for object_id, (seq, sealed) in sorted(self._latest(missing).items()):
            if sealed is not None:
                yield f"{self.label} #{object_id}: the trail records it (entry #{seq}) but its row is gone"
