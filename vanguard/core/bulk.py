"""Inserting many rows fast on either database: COPY on PostgreSQL, batched bulk_create elsewhere."""

from __future__ import annotations

import contextlib
import datetime
import itertools
import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.db import connection, models
from django.utils import timezone
from psycopg.copy import QueuedLibpqWriter


def insert_rows(
    model: type[models.Model],
    rows: Iterable[dict[str, Any]],
    *,
    progress: Callable[[int], None] | None = None,
    every: int = 20000,
) -> int:
    """Insert `rows` (field attname → value) and return how many; calls progress(count) every `every` rows.

    Bypasses save() and signals, so callers pass validated values; defaults and
    auto_now timestamps are filled in as bulk_create would.
    """
    if connection.vendor == "postgresql":
        with RowStream(model) as stream:
            made = 0
            for batch in _batched(rows, every):
                made += stream.write(batch)
                if progress:
                    progress(made)
        return made
    made = 0
    rows = iter(rows)
    while batch := [model(**row) for row in itertools.islice(rows, every)]:
        model.objects.bulk_create(batch, batch_size=2000)
        made += len(batch)
        if progress:
            progress(made)
    return made


def _batched(rows: Iterable, size: int) -> Iterator[list]:
    rows = iter(rows)
    while batch := list(itertools.islice(rows, size)):
        yield batch


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_ABSENT = object()


def copy_text(value: Any) -> str:
    """A value in COPY's text format: \\N for NULL, dates in ISO form, backslash and control characters escaped."""
    if isinstance(value, str):  # choices (TextChoices members) too
        # isprintable() is False for tab, newline and other controls; a backslash is printable.
        return value if value.isprintable() and "\\" not in value else value.translate(_COPY_ESCAPES)
    if value is None:
        return "\\N"
    if value is True or value is False:
        return "t" if value else "f"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, (dict, list)):
        return copy_text(json.dumps(value, ensure_ascii=False))
    if isinstance(value, (bytes, memoryview)):
        raise TypeError("RowStream does not write binary columns")
    return copy_text(str(value))


class RowStream:
    """Rows written as they come: one COPY kept open on PostgreSQL, so the server stores rows while
    Python reads the next ones; bulk_create per call elsewhere.

    Rows are dicts of field attname → value; absent fields take their
    default, as bulk_create would give them.  Lines are formatted here rather
    than by psycopg's write_row: defaults are formatted once per stream, which
    halves the cost per row on a million-row roster.  `pause()` ends the COPY
    so that the connection can run a query; the next write opens a new one.
    """

    def __init__(self, model: type[models.Model]):
        self.model = model
        fields = [field for field in model._meta.concrete_fields if not field.primary_key]
        now = timezone.now()
        stamped = {f.attname for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)}
        self.defaults = [(f.attname, copy_text(now if f.attname in stamped else f.get_default())) for f in fields]
        self.columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        self.table = connection.ops.quote_name(model._meta.db_table)
        self.copying = connection.vendor == "postgresql"
        self._cursor = None
        self._copy = None

    def __enter__(self) -> RowStream:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.pause()
        elif self._copy is not None:
            # Tells the server the COPY failed (it ends the COPY, not the caller's exception), so the
            # transaction rolls back on a usable connection.
            with contextlib.suppress(Exception):
                self._copy_context.__exit__(exc_type, exc, tb)
            self._cursor.close()
            self._cursor = self._copy = None

    def write(self, rows: Iterable[dict[str, Any]]) -> int:
        return self.write_prepared([self.prepare(row) for row in rows])

    def prepare(self, row: dict[str, Any]) -> Any:
        """The row as write_prepared takes it: a COPY line on PostgreSQL, the dict itself elsewhere.

        Needs no database, so another process can prepare rows for this stream.
        """
        if not self.copying:
            return row
        get, absent, text = row.get, _ABSENT, copy_text
        return "\t".join(
            [
                default
                if (v := get(name, absent)) is absent
                else v  # text needing no escape, inline: most values of most rows
                if type(v) is str and v.isprintable() and "\\" not in v
                else text(v)
                for name, default in self.defaults
            ]
        )

    def write_prepared(self, items: list[Any]) -> int:
        if not items:
            return 0
        if not self.copying:
            self.model.objects.bulk_create([self.model(**row) for row in items], batch_size=2000)
            return len(items)
        return self.write_text(("\n".join(items) + "\n").encode(), len(items))

    def write_text(self, data: bytes, rows: int) -> int:
        """PostgreSQL only: lines already in COPY's text format, in this stream's column order."""
        if self._copy is None:
            self._cursor = connection.cursor()
            # A thread sends the data while this one formats the next rows: without it, a write waits
            # until the server has taken most of it, and the two processes take turns instead of working
            # side by side.  Its queue holds at most 128 MB (psycopg's limit).
            writer = QueuedLibpqWriter(self._cursor.cursor)
            self._copy_context = self._cursor.copy(f"COPY {self.table} ({self.columns}) FROM STDIN", writer=writer)
            self._copy = self._copy_context.__enter__()
        self._copy.write(data)
        return rows

    def pause(self) -> None:
        """Finish the COPY in progress (if any), so the connection is free for queries."""
        if self._copy is not None:
            self._copy_context.__exit__(None, None, None)
            self._cursor.close()
            self._cursor = self._copy = None


@contextlib.contextmanager
def indexes_rebuilt_after(model: type[models.Model]) -> Iterator[None]:
    """PostgreSQL: drop the table's secondary indexes, unique and foreign-key constraints, put them back at the end.

    For loads that at least double a table: building an index from sorted
    rows once costs a fraction of maintaining it row by row, and one
    validating query replaces a million foreign-key checks.  Must run inside
    a transaction: the definitions come from the catalogue and are restored
    before commit, or vanish with a rollback.  Dropping takes the table's
    ACCESS EXCLUSIVE lock, so other sessions wait for the transaction.
    """
    if connection.vendor != "postgresql":
        yield
        return
    table = model._meta.db_table
    with connection.cursor() as cursor:
        # Foreign-key checks this transaction deferred must run now: a table with pending ones cannot change.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE conrelid = %s::regclass AND contype IN ('u', 'f') ORDER BY conname",
            [table],
        )
        constraints = cursor.fetchall()
        cursor.execute(
            "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
            " WHERE i.indrelid = %s::regclass AND NOT i.indisprimary"
            " AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid) ORDER BY c.relname",
            [table],
        )
        indexes = cursor.fetchall()
        quoted = connection.ops.quote_name(table)
        for name, _definition in constraints:
            cursor.execute(f"ALTER TABLE {quoted} DROP CONSTRAINT {connection.ops.quote_name(name)}")
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for _name, definition in indexes:
            cursor.execute(definition)
        for name, definition in constraints:
            cursor.execute(f"ALTER TABLE {quoted} ADD CONSTRAINT {connection.ops.quote_name(name)} {definition}")
        cursor.execute(f"ANALYZE {quoted}")  # the planner's figures (and estimated_rows) now include the load


def estimated_rows(model: type[models.Model]) -> int:
    """The planner's row estimate on PostgreSQL (no scan); an exact count elsewhere."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [model._meta.db_table])
            (estimate,) = cursor.fetchone()
        if estimate >= 0:  # -1: never analysed
            return int(estimate)
    return model.objects.count()
