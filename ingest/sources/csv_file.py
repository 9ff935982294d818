"""CSV files from the landing dir into a raw table: header names normalised (BOM, spaces, case),
every value checked against its declared type (a bad one rejects its row, with file and line),
COPY into the table. Used by file streams and by a MySQL stream's ``seed`` file."""

from __future__ import annotations

import csv
import hashlib
import math
from collections.abc import Callable, Iterator
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from ingest.config import Column, Stream
from ingest.context import RunContext
from ingest.errors import IngestError
from ingest.rejects import Reject
from ingest.warehouse import ident, table_ident

LINE_COLUMN = "_line"  # the record's line number in the file (the header is line 1)
INT_RANGES = {"smallint": 2**15, "integer": 2**31, "bigint": 2**63}


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _check_int(kind: str) -> Callable[[str], None]:
    limit = INT_RANGES[kind]

    def check(value: str) -> None:
        n = int(value)
        if not -limit <= n < limit:
            raise ValueError(f"out of range for {kind}")

    return check


def _check_numeric(precision: int, scale: int) -> Callable[[str], None]:
    limit = Decimal(10) ** (precision - scale)

    def check(value: str) -> None:
        try:
            d = Decimal(value)
        except InvalidOperation:
            raise ValueError("not a number") from None
        if not d.is_finite() or abs(round(d, scale)) >= limit:
            raise ValueError(f"out of range for numeric({precision},{scale})")

    return check


def _check_float(value: str) -> None:
    if math.isnan(float(value)):
        raise ValueError("not a number")


def _check_date(value: str) -> None:
    date.fromisoformat(value)


def _check_timestamp(value: str) -> None:
    datetime.fromisoformat(value)


def _check_text(value: str) -> None:
    if "\x00" in value:
        raise ValueError("contains a NUL character")


def _check_bool(value: str) -> None:
    if value.lower() not in {"t", "f", "true", "false", "1", "0", "yes", "no", "y", "n"}:
        raise ValueError("not a boolean")


def checker(column: Column) -> Callable[[str], None]:
    """A function raising ValueError when a CSV value cannot be landed as the column's type."""
    t = column.type
    if t in INT_RANGES:
        return _check_int(t)
    if column.numeric_scale:
        return _check_numeric(*column.numeric_scale)
    if t == "date":
        return _check_date
    if t in ("timestamp", "timestamptz"):
        return _check_timestamp
    if t == "double precision":
        return _check_float
    if t == "boolean":
        return _check_bool
    return _check_text


def normalise_header(name: str) -> str:
    return name.replace("\ufeff", "").strip().lower()


def read_rows(path: Path, stream: Stream, rejects: list[Reject]) -> Iterator[tuple[str | None, ...]]:
    """The file's rows as strings in the stream's column order; bad rows appended to ``rejects``."""
    columns = list(stream.columns)
    data_columns = [c for c in columns if c.name != LINE_COLUMN]
    checks = [checker(c) for c in data_columns]
    key_index = [c.name for c in columns].index(stream.primary_key)
    seen: set[str] = set()
    with path.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.reader(f)
        try:
            header = [normalise_header(h) for h in next(reader)]
        except StopIteration:
            raise IngestError(f"{path}: empty file (no header line)") from None
        missing = [c.name for c in data_columns if c.name not in header]
        if missing:
            raise IngestError(
                f"{path}: line 1: header lacks column(s) {', '.join(missing)} (found: {', '.join(header)})"
            )
        positions = [header.index(c.name) for c in data_columns]
        for record in reader:
            line = reader.line_num
            if not record:
                continue
            payload = dict(zip(header, record, strict=False))
            if len(record) != len(header):
                rejects.append(
                    Reject(
                        str(line),
                        f"{path.name}:{line}: {len(record)} fields, header has {len(header)}",
                        payload,
                    )
                )
                continue
            values: list[str | None] = []
            reason = None
            for col, pos, check in zip(data_columns, positions, checks, strict=True):
                value = record[pos].strip()
                if value == "":
                    values.append(None)
                    continue
                try:
                    check(value)
                except ValueError as exc:
                    reason = f"{path.name}:{line}: {col.name}: {value!r} {_why(exc, col)}"
                    break
                values.append(value)
            if reason is None:
                row = _with_line(columns, values, line)
                key = row[key_index]
                if key is None:
                    reason = f"{path.name}:{line}: {stream.primary_key}: key is empty"
                elif key in seen:
                    reason = f"{path.name}:{line}: {stream.primary_key}: duplicate key {key!r}"
                else:
                    seen.add(key)
                    yield row
                    continue
            rejects.append(Reject(str(line), reason, payload))


def _why(exc: ValueError, col: Column) -> str:
    text = str(exc)
    return text if text.startswith(("out of range", "not a", "contains")) else f"is not a valid {col.type}"


def _with_line(columns: list[Column], values: list[str | None], line: int) -> tuple[str | None, ...]:
    it = iter(values)
    return tuple(str(line) if c.name == LINE_COLUMN else next(it) for c in columns)


def copy_file(ctx: RunContext, stream: Stream, path: Path, rejects: list[Reject]) -> tuple[int, Any]:
    """COPY the file's good rows into the stream's table. Returns (rows written, max primary key)."""
    from psycopg import sql

    names = [c.name for c in stream.columns]
    key_index = names.index(stream.primary_key)
    key_type = stream.column(stream.primary_key).type
    best: Any = None
    written = 0
    statement = sql.SQL("copy {} ({}, _softcart_run_id) from stdin").format(
        table_ident(stream), sql.SQL(", ").join(ident(n) for n in names)
    )
    run_id = str(ctx.run_id)
    with ctx.conn.cursor() as cur, cur.copy(statement) as cp:
        for row in read_rows(path, stream, rejects):
            cp.write_row((*row, run_id))
            written += 1
            key: Any = row[key_index]
            if key_type in INT_RANGES:
                key = int(key)  # type: ignore[arg-type]
            if best is None or key > best:
                best = key
            if written % 10_000 == 0:
                ctx.progress(None, 10_000)
    ctx.progress(None, written % 10_000)
    return written, best
