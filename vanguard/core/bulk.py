"""Inserting many rows fast on either database: COPY on PostgreSQL, batched bulk_create elsewhere."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from typing import Any

from django.db import connection, models
from django.utils import timezone


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
        return _copy(model, rows, progress, every)
    made = 0
    rows = iter(rows)
    while batch := [model(**row) for row in itertools.islice(rows, every)]:
        model.objects.bulk_create(batch, batch_size=2000)
        made += len(batch)
        if progress:
            progress(made)
    return made


def _copy(model, rows, progress, every) -> int:
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    now = timezone.now()
    stamped = {f.attname for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)}
    defaults = {f.attname: now if f.attname in stamped else f.get_default() for f in fields}
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    made = 0
    with connection.cursor() as cursor, cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for row in rows:
            values = {**defaults, **row}
            copy.write_row([values[f.attname] for f in fields])
            made += 1
            if progress and made % every == 0:
                progress(made)
    return made
