"""python manage.py rotate_field_key [--check]: re-key every encrypted value under VANGUARD_FIELD_KEY.

The keys come from the settings, never the command line (where they would
land in shell history): VANGUARD_FIELD_KEY is the new key, VANGUARD_FIELD_KEY_OLD
the one being retired.  The web processes and workers run with the same two
while this runs, so values stay readable and searchable throughout (see
core.crypto).  Each batch is re-keyed and committed in its own transaction,
rows locked while they are re-keyed: stopped half-way (Ctrl-C, a crash),
nothing is half-written, and running the command again carries on with the
rows still under another key.  Before writing anything it proves that the
configured keys open every kind of value stored, so a wrong old key changes
nothing.  How and when to run it: README, "Rotating the field key".
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError, connection, transaction
from django.db.models import Case, CharField, Count, Model, Q, Value, When
from django.db.models.functions import Substr

from vanguard.core import crypto

DEFAULT_BATCH_SIZE = 2000
PROGRESS_INTERVAL = 1.0  # seconds between progress lines


@dataclass
class Column:
    """One encrypted column (and its lookup-hash column) and what the rotation found and did there."""

    model: type[Model]
    token_field: str
    hash_field: str | None
    groups: Counter = field(default_factory=Counter)  # "g2:<key id>" or "g1" → rows
    rekeyed: Counter = field(default_factory=Counter)  # from which group → rows
    unreadable: list[int] = field(default_factory=list)  # primary keys left as they were
    hashes_repaired: int = 0

    @property
    def label(self) -> str:
        return f"{self.model._meta.label}.{self.token_field}"

    @property
    def manager(self):
        return self.model._default_manager


def write_batch(column: Column, rows: list[tuple]) -> None:
    """Store a batch's (value, hash, pk) rows; a function of its own, so a test can stop the rotation inside a batch.

    bulk_update's CASE expressions grow with the square of the batch.  On
    PostgreSQL one UPDATE joins a VALUES list (three times faster than a
    pipelined UPDATE per row); elsewhere an UPDATE per row through executemany.
    """
    meta, quote = column.model._meta, connection.ops.quote_name
    names = [column.token_field] + ([column.hash_field] if column.hash_field else [])
    columns = [quote(meta.get_field(name).column) for name in names]
    if not column.hash_field:
        rows = [(token, pk) for token, _digest, pk in rows]
    table, pk = quote(meta.db_table), quote(meta.pk.column)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            row = "(" + "%s, " * len(columns) + f"%s::{meta.pk.db_type(connection)})"
            assignments = ", ".join(f"{name} = v.c{i}" for i, name in enumerate(columns))
            aliases = ", ".join(f"c{i}" for i in range(len(columns)))
            cursor.execute(
                f"UPDATE {table} SET {assignments} FROM (VALUES {', '.join([row] * len(rows))}) AS v({aliases}, pk) "
                f"WHERE {table}.{pk} = v.pk",
                [value for values in rows for value in values],
            )
        else:
            assignments = ", ".join(f"{name} = %s" for name in columns)
            cursor.executemany(f"UPDATE {table} SET {assignments} WHERE {pk} = %s", rows)


class Command(BaseCommand):
    help = (
        "Re-encrypt and re-hash stored ID numbers under VANGUARD_FIELD_KEY, reading those still under "
        "VANGUARD_FIELD_KEY_OLD (or from before HKDF); in batches, resumable. --check verifies every row."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--check",
            action="store_true",
            help="Write nothing; verify that every value decrypts and its lookup hash matches under the current key.",
        )
        parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE, help="Rows per transaction.")

    def handle(self, *args, check: bool, batch_size: int, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        self.verbosity = options.get("verbosity", 1)
        self.batch_size = batch_size
        ring = crypto.keyring()
        old = settings.FIELD_ENCRYPTION_KEY_OLD
        self.say(f"Current key id {ring.current.id}" + (f", old key id {ring.previous.id}." if ring.previous else "."))
        if old and old == settings.FIELD_ENCRYPTION_KEY:
            raise CommandError("VANGUARD_FIELD_KEY_OLD is the same as VANGUARD_FIELD_KEY: set the new key first.")
        if ring.previous and ring.previous.id == ring.current.id:
            raise CommandError("The old and the new key have the same key id (a 1 in 4 billion chance): make another.")
        columns = [Column(model, token, digest) for model, token, digest in crypto.encrypted_columns()]
        if check:
            self.verify(columns, ring)
            return
        for column in columns:  # every column proven readable before any is written
            self.survey(column, ring)
        started = time.monotonic()
        try:
            for column in columns:
                self.rotate(column, ring)
        except KeyboardInterrupt:
            done = sum(sum(c.rekeyed.values()) for c in columns)
            raise CommandError(
                f"Interrupted after re-keying {done:,} values (each batch whole or not at all); "
                "run rotate_field_key again to finish."
            ) from None
        self.report(columns, ring, time.monotonic() - started)

    def say(self, message: str, level: int = 1) -> None:
        if self.verbosity >= level:
            self.stdout.write(message)

    # -- before writing ---------------------------------------------------------

    def survey(self, column: Column, ring: crypto.Keyring) -> None:
        """Count the values by the key that sealed them; refuse unless the configured keys open each kind."""
        token = column.token_field
        group = Case(
            When(
                **{f"{token}__startswith": crypto.VERSION},
                then=Substr(token, 1, len(crypto.VERSION) + crypto.KEY_ID_LENGTH),
            ),
            When(**{f"{token}__startswith": crypto.LEGACY_VERSION}, then=Value("g1")),
            default=Value("?"),
            output_field=CharField(),
        )
        rows = column.manager.filter(**{f"{token}__gt": ""}).annotate(group=group).values("group")
        column.groups = Counter({row["group"]: row["n"] for row in rows.annotate(n=Count("pk")).order_by()})
        known = {crypto.VERSION + ring.current.id, "g1"} | (
            {crypto.VERSION + ring.previous.id} if ring.previous else set()
        )
        strangers = {name: n for name, n in column.groups.items() if name not in known}
        if strangers:
            described = ", ".join(
                f"{n:,} under key id {name[len(crypto.VERSION) :]}" if name != "?" else f"{n:,} in an unknown format"
                for name, n in sorted(strangers.items())
            )
            hint = (
                "VANGUARD_FIELD_KEY_OLD is not the key they were sealed with"
                if ring.previous
                else "set VANGUARD_FIELD_KEY_OLD to the key they were sealed with"
            )
            raise CommandError(f"{column.label}: {described}; {hint}. Nothing was changed.")
        for name in column.groups:
            if name == crypto.VERSION + ring.current.id:
                continue
            # The first such value must open, and match its stored hash, under the key that claims it.
            prefix = crypto.LEGACY_VERSION if name == "g1" else name
            sample = column.manager.filter(**{f"{token}__startswith": prefix})
            pk, value, digest = sample.order_by("pk").values_list("pk", token, column.hash_field or token)[0]
            try:
                plaintext, key = ring.open(value)
            except ValueError as exc:
                raise CommandError(
                    f"{column.label}: row {pk} does not decrypt ({exc}); the old key is wrong. Nothing was changed."
                ) from None
            if column.hash_field and key.lookup_hash_many([plaintext])[0] != digest:
                raise CommandError(
                    f"{column.label}: row {pk} decrypts but its lookup hash is not the old key's; "
                    "the old key is wrong or the row was altered. Nothing was changed."
                )
        current = column.groups[crypto.VERSION + ring.current.id]
        self.say(
            f"{column.label}: {column.groups.total() - current:,} to re-key, {current:,} already under the current key."
        )

    # -- re-keying ----------------------------------------------------------------

    def rotate(self, column: Column, ring: crypto.Keyring) -> None:
        token, digest = column.token_field, column.hash_field
        todo = column.groups.total() - column.groups[crypto.VERSION + ring.current.id]
        if not todo:
            return
        pending = column.manager.filter(crypto.stale_q(token)).order_by("pk")
        last_pk, done, shown = None, 0, time.monotonic()
        while True:
            batch = pending if last_pk is None else pending.filter(pk__gt=last_pk)
            try:
                with transaction.atomic():
                    # Locked until the batch commits: an edit made meanwhile waits, then keeps its own (new) value.
                    rows = list(batch.select_for_update().values_list("pk", token, digest or token)[: self.batch_size])
                    if not rows:
                        break
                    last_pk = rows[-1][0]
                    updated, sources, unreadable, repaired = self.rekey(ring, rows, hashed=bool(digest))
                    write_batch(column, updated)
            except IntegrityError as exc:
                raise CommandError(self.explain_conflict(column, ring, rows, exc)) from None
            # Counted once committed.
            column.rekeyed.update(sources)
            column.unreadable.extend(unreadable)
            column.hashes_repaired += repaired
            done += len(updated)
            if time.monotonic() - shown >= PROGRESS_INTERVAL or self.verbosity >= 2:
                shown = time.monotonic()
                self.say(f"  {column.label}: {done:,} of {todo:,} re-keyed ({done / todo:.0%})")
        self.say(f"  {column.label}: {done:,} of {todo:,} re-keyed.")

    @staticmethod
    def rekey(ring: crypto.Keyring, rows: list[tuple], *, hashed: bool) -> tuple[list[tuple], Counter, list[int], int]:
        """A batch under the current key: its (value, hash, pk) rows, the keys they came from, the primary
        keys of values no configured key opens (left as they were), and how many stored hashes were wrong."""
        pks, plaintexts, sources, unreadable, repaired = [], [], Counter(), [], 0
        for pk, token, digest in rows:
            try:
                plaintext, key = ring.open(token)
            except ValueError:
                unreadable.append(pk)
                continue
            if hashed and key.lookup_hash_many([plaintext])[0] != digest:
                repaired += 1  # the authenticated value wins over a hash that does not match it
            pks.append(pk)
            plaintexts.append(plaintext)
            sources[key.id or "g1"] += 1
        tokens = ring.current.encrypt_many(plaintexts)
        hashes = ring.current.lookup_hash_many(plaintexts) if hashed else [None] * len(pks)
        return list(zip(tokens, hashes, pks, strict=True)), sources, unreadable, repaired

    def explain_conflict(self, column: Column, ring: crypto.Keyring, rows: list[tuple], exc: IntegrityError) -> str:
        """Two rows holding one value (possible only if one was written by code that searched under one key)."""
        by_hash = {}
        for pk, token, _digest in rows:
            try:
                by_hash[ring.current.lookup_hash_many([ring.open(token)[0]])[0]] = pk
            except ValueError:
                continue
        clashes = column.manager.filter(**{f"{column.hash_field}__in": list(by_hash)}).exclude(pk__in=by_hash.values())
        pairs = ", ".join(f"{by_hash[h]} and {pk}" for pk, h in clashes.values_list("pk", column.hash_field))
        return (
            f"{column.label}: rows {pairs or '?'} hold the same value ({exc.__class__.__name__}); "
            "resolve the duplicate and run rotate_field_key again (the rows re-keyed so far stay re-keyed)."
        )

    def report(self, columns: list[Column], ring: crypto.Keyring, seconds: float) -> None:
        problems = 0
        for column in columns:
            total = sum(column.rekeyed.values())
            before = column.groups[crypto.VERSION + ring.current.id]
            sources = ", ".join(
                f"{n:,} from key id {name}" if name != "g1" else f"{n:,} from before HKDF (g1)"
                for name, n in sorted(column.rekeyed.items())
            )
            self.stdout.write(
                f"{column.label}: re-keyed {total:,}"
                + (f" ({sources})" if sources else "")
                + f"; already under the current key {before:,}; unreadable {len(column.unreadable):,}; "
                f"lookup hashes that did not match their value, now recomputed: {column.hashes_repaired:,}."
            )
            if column.unreadable:
                problems += len(column.unreadable)
                shown = ", ".join(str(pk) for pk in column.unreadable[:20])
                self.stderr.write(f"  left as they were (no configured key opens them): rows {shown}")
        self.stdout.write(f"Done in {seconds:.1f} s.")
        if problems:
            raise CommandError(f"{problems:,} values could not be re-keyed; restore them from a backup.")
        if ring.previous:
            self.stdout.write(
                self.style.SUCCESS(
                    "Every value is under the current key. Run with --check, then remove VANGUARD_FIELD_KEY_OLD "
                    "and restart the web processes and workers."
                )
            )

    # -- --check ------------------------------------------------------------------

    def verify(self, columns: list[Column], ring: crypto.Keyring) -> None:
        """Every value opens under the current key and its lookup hash is the current key's; exit 1 otherwise."""
        key = ring.current
        failed = 0
        for column in columns:
            token, digest = column.token_field, column.hash_field
            stored = Q(**{f"{token}__gt": ""})
            if digest:
                stored |= Q(**{f"{digest}__gt": ""})
            rows = column.manager.filter(stored).order_by("pk")
            counts: Counter = Counter()
            last_pk = None
            while True:
                chunk = rows if last_pk is None else rows.filter(pk__gt=last_pk)
                batch = list(chunk.values_list("pk", token, digest or token)[: self.batch_size])
                if not batch:
                    break
                last_pk = batch[-1][0]
                plaintexts = []
                for _pk, value, stored_hash in batch:
                    if not value:
                        counts["a lookup hash without a value"] += 1
                    elif not value.startswith(key.prefix):
                        counts["under another key (not re-keyed yet)"] += 1
                    else:
                        try:
                            plaintexts.append((key.open(value), stored_hash))
                        except ValueError:
                            counts["not decrypting under the current key"] += 1
                if not digest:
                    counts["ok"] += len(plaintexts)
                    continue
                fresh = key.lookup_hash_many([plaintext for plaintext, _ in plaintexts])
                for (_plaintext, stored_hash), expected in zip(plaintexts, fresh, strict=True):
                    counts["ok" if expected == stored_hash else "a lookup hash not matching its value"] += 1
            bad = counts.total() - counts["ok"]
            failed += bad
            details = "".join(f"; {name} {n:,}" for name, n in sorted(counts.items()) if name != "ok")
            self.stdout.write(f"{column.label}: {counts['ok']:,} decrypt and match under key id {key.id}{details}.")
        if failed:
            raise CommandError(f"{failed:,} values are not right under the current key.")
        self.stdout.write(self.style.SUCCESS("Every value decrypts and matches its lookup hash under the current key."))
