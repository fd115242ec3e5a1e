"""Probe, not product code: how fast could a column-wise member import of the bench roster be?

    pip install fastexcel pyarrow   # not in requirements: this measures before deciding
    python bench/probes/arrow_import.py postgres://user@host:port/db   # a migrated database, member table emptied

It reads the million-row bench roster (made by `bench/run.py --only import`)
with fastexcel (calamine into Arrow), checks every row column-wise with
pyarrow (ID shape and check digit, birth date and sex against the record,
joined at 18 or later, category), hashes and encrypts the ID numbers in one
Python loop, writes the rows as CSV, and loads them the way the import's
bulk path does (secondary indexes and foreign keys dropped, COPY, rebuilt).
Only the phases' seconds are printed; nothing here is used by Vanguard.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import io
import os
import sys
import time

import fastexcel
import psycopg
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

ROSTER = "/var/tmp/vanguard-bench/roster-1000000-seed2005-v1.xlsx"
WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]  # GB 11643
CATEGORIES = {
    "普通党员": "ordinary", "党员领导干部": "leader", "下岗失业党员": "laid_off", "离退休党员": "retired",
    "年老体弱党员": "elderly", "在册不在岗党员": "not_at_post", "失联党员": "lost_contact",
}  # fmt: skip


def check(table: pa.Table, today: datetime.date) -> pa.Array:
    """True where a row passes every check column-wise."""
    ids = table.column("身份证号")
    shape = pc.match_substring_regex(ids, r"^\d{17}[\dX]$")
    total = None
    for position, weight in enumerate(WEIGHTS):
        digit = pc.cast(pc.utf8_slice_codeunits(ids, position, position + 1), pa.int64())
        total = pc.multiply(digit, weight) if total is None else pc.add(total, pc.multiply(digit, weight))
    remainder = pc.subtract(total, pc.multiply(pc.divide(total, 11), 11))
    number = pc.subtract(12, remainder)
    number = pc.if_else(pc.greater_equal(number, 11), pc.subtract(number, 11), number)
    expected = pc.if_else(pc.equal(number, 10), "X", pc.cast(number, pa.string()))
    check_digit = pc.equal(expected, pc.utf8_slice_codeunits(ids, 17, 18))
    digits = pc.utf8_slice_codeunits(ids, 6, 14)
    born = pc.cast(pc.strptime(digits, format="%Y%m%d", unit="s", error_is_null=True), pa.date32())
    birth = pc.cast(table.column("出生日期"), pa.date32())
    joined = pc.cast(table.column("入党时间"), pa.date32())
    odd = pc.equal(pc.bit_wise_and(pc.cast(pc.utf8_slice_codeunits(ids, 16, 17), pa.int64()), 1), 1)
    sex = pc.equal(odd, pc.equal(table.column("性别"), "男"))

    def month_day(dates):
        return pc.add(pc.multiply(pc.month(dates), 100), pc.day(dates))

    age = pc.subtract(
        pc.subtract(pc.year(joined), pc.year(birth)), pc.cast(pc.less(month_day(joined), month_day(birth)), pa.int64())
    )
    dates = pc.and_(pc.greater_equal(age, 18), pc.less_equal(joined, pa.scalar(today, pa.date32())))
    category = pc.is_valid(pc.index_in(table.column("党员类别"), value_set=pa.array(list(CATEGORIES))))
    return pc.and_(pc.and_(pc.and_(shape, check_digit), pc.and_(pc.equal(born, birth), sex)), pc.and_(dates, category))


def protect(ids: list[str]) -> tuple[list[str], list[str]]:
    """HMAC-SHA256 lookup hashes and AES-GCM tokens, as vanguard.core.crypto makes them (keys random here)."""
    key = hashlib.sha256(b"probe").digest().ljust(64, b"\0")
    inner_pad, outer_pad = hashlib.sha256(bytes(b ^ 0x36 for b in key)), hashlib.sha256(bytes(b ^ 0x5C for b in key))
    seal = AESGCM(os.urandom(16)).encrypt
    nonces = os.urandom(12 * len(ids))
    hashes, tokens = [], []
    for index, value in enumerate(ids):
        data = value.encode()
        inner = inner_pad.copy()
        inner.update(data)
        outer = outer_pad.copy()
        outer.update(inner.digest())
        hashes.append(outer.hexdigest())
        nonce = nonces[12 * index : 12 * index + 12]
        tokens.append("g1:" + base64.b64encode(nonce + seal(nonce, data, None)).decode())
    return hashes, tokens


def main(url: str) -> None:
    seconds: dict[str, float] = {}
    start = mark = time.perf_counter()

    def phase(name: str) -> None:
        nonlocal mark
        now = time.perf_counter()
        seconds[name] = now - mark
        mark = now

    table = pa.Table.from_batches([fastexcel.read_excel(ROSTER).load_sheet(0, header_row=1).to_arrow()])
    phase("load")
    passed = check(table, datetime.date.today())
    phase("checks")
    ids = table.column("身份证号")
    hashes, tokens = protect(ids.to_pylist())
    phase("hash and encrypt")
    rows = len(table)
    now = datetime.datetime.now(datetime.UTC)

    def same(value, kind=None):
        return pa.array([value] * rows, kind)

    out = pa.table({
        "name": table.column("姓名"), "gender": pc.if_else(pc.equal(table.column("性别"), "男"), "M", "F"),
        "ethnicity": same("汉族"), "birth_date": pc.cast(table.column("出生日期"), pa.date32()), "education": same(""),
        "id_number_encrypted": pa.array(tokens), "id_number_hash": pa.array(hashes),
        "id_number_masked": pc.binary_join_element_wise(
            pc.utf8_slice_codeunits(ids, 0, 4), "**********", pc.utf8_slice_codeunits(ids, 14, 18), ""
        ),
        "joined_on": pc.cast(table.column("入党时间"), pa.date32()), "status": same("full"),
        "category": pc.take(pa.array(list(CATEGORIES.values())),
                            pc.index_in(table.column("党员类别"), value_set=pa.array(list(CATEGORIES)))),
        "mobile_place": same(""), "organisation_id": same(2, pa.int64()), "org_path": same("000000001000000002"),
        "work_unit": same(""), "post": same(""), "phone": table.column("联系电话"),
        "created_at": same(now), "updated_at": same(now),
    })  # fmt: skip
    buffer = io.BytesIO()
    pacsv.write_csv(out, buffer, pacsv.WriteOptions(include_header=False))
    data = buffer.getvalue()
    phase("CSV")
    with psycopg.connect(url.replace("postgres://", "postgresql://", 1)) as connection, connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        constraints = cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE conrelid = 'members_member'::regclass AND contype IN ('u', 'f')"
        ).fetchall()
        indexes = cursor.execute(
            "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
            " WHERE i.indrelid = 'members_member'::regclass AND NOT i.indisprimary"
            " AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)"
        ).fetchall()
        for name, _definition in constraints:
            cursor.execute(f'ALTER TABLE members_member DROP CONSTRAINT "{name}"')
        for name, _definition in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        with cursor.copy(f"COPY members_member ({', '.join(out.column_names)}) FROM STDIN (FORMAT csv)") as copy:
            for offset in range(0, len(data), 1 << 20):
                copy.write(data[offset : offset + (1 << 20)])
        phase("COPY")
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for _name, definition in indexes:
            cursor.execute(definition)
        for name, definition in constraints:
            cursor.execute(f'ALTER TABLE members_member ADD CONSTRAINT "{name}" {definition}')
        cursor.execute("ANALYZE members_member")
        phase("index rebuild")
        connection.rollback()  # a probe: the database is left as it was
    print(f"{rows:,} rows, {pc.sum(passed).as_py():,} pass every check")
    print(", ".join(f"{name} {value:.1f} s" for name, value in seconds.items()), f"— total {mark - start:.1f} s")


if __name__ == "__main__":
    main(sys.argv[1])
