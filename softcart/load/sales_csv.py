"""``oltpdata.csv``: ``product_id,customer_id,price,quantity,timestamp``, no header (one is accepted),
loaded into ``sales_data`` with ``rowid`` assigned by auto-increment in file order."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from softcart.load.errors import Defects, LoadError, located
from softcart.load.textfile import TextLines, normalize_header, read_lines

COLUMNS = ("product_id", "customer_id", "price", "quantity", "timestamp")
INT_MAX = 2_147_483_647
_FAST = re.compile(r"(\d{1,9}),(\d{1,9}),(\d{1,10}(?:\.\d{1,2})?),(\d{1,9}),(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)")
_INT = re.compile(r"\d+")
_DECIMAL = re.compile(r"\d{1,10}(?:\.\d{1,2})?")
_TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d")

Progress = Callable[[int], None]


@dataclass(frozen=True)
class SalesCsv:
    path: Path
    text: TextLines
    has_header: bool
    rows: int


def check_int(name: str, lineno: int, field: str, value: str, *, nullable: bool = False) -> None:
    if value == "" and nullable:
        return
    if not _INT.fullmatch(value):
        raise located(name, lineno, field, f"{value!r} is not a non-negative integer")
    if int(value) > INT_MAX:
        raise located(name, lineno, field, f"{value} is larger than {INT_MAX}")


def check_decimal(name: str, lineno: int, field: str, value: str) -> None:
    if not _DECIMAL.fullmatch(value):
        raise located(name, lineno, field, f"{value!r} is not a number (up to 10 digits and 2 decimals)")


def check_timestamp(name: str, lineno: int, field: str, value: str) -> None:
    if not _TIMESTAMP.fullmatch(value):
        raise located(name, lineno, field, f"{value!r} is not a timestamp YYYY-MM-DD HH:MM:SS")
    try:
        datetime.fromisoformat(value)
    except ValueError as exc:
        raise located(name, lineno, field, f"{value!r} is not a valid timestamp ({exc})") from None


def _diagnose(name: str, lineno: int, line: str) -> None:
    """Raise the precise error for a line the fast pattern rejected."""
    if line.strip() == "":
        raise located(name, lineno, None, f"empty line (expected {len(COLUMNS)} fields: {','.join(COLUMNS)})")
    fields = line.split(",")
    if len(fields) < len(COLUMNS):
        missing = COLUMNS[len(fields)]
        raise located(
            name, lineno, missing, f"missing: line has {len(fields)} of {len(COLUMNS)} fields (truncated?)"
        )
    if len(fields) > len(COLUMNS):
        raise located(
            name, lineno, None, f"{len(fields)} fields, expected {len(COLUMNS)}: {','.join(COLUMNS)}"
        )
    product_id, customer_id, price, quantity, timestamp = fields
    check_int(name, lineno, "product_id", product_id)
    check_int(name, lineno, "customer_id", customer_id)
    check_decimal(name, lineno, "price", price)
    check_int(name, lineno, "quantity", quantity)
    check_timestamp(name, lineno, "timestamp", timestamp)


def parse_sales_csv(path: Path, progress: Progress | None = None, name: str | None = None) -> SalesCsv:
    """Check every line; raise a :class:`LoadError` naming file, line and field of every bad one."""
    text = read_lines(path, name)
    name = text.name
    lines = text.lines
    has_header = normalize_header(lines[0].split(",")) == list(COLUMNS)
    start = 1 if has_header else 0
    if len(lines) == start:
        raise located(name, None, None, "empty file (a header and no rows)")
    fast = _FAST.fullmatch
    iso = datetime.fromisoformat
    step = 50_000
    defects = Defects(name)
    for index in range(start, len(lines)):
        line = lines[index]
        m = fast(line)
        try:
            if m is None:
                _diagnose(name, index + 1, line)
                # valid but outside the fast pattern (e.g. a 10-digit id): _diagnose checked every field
                continue
            try:
                iso(m.group(5))
            except ValueError:
                check_timestamp(name, index + 1, "timestamp", m.group(5))
        except LoadError as exc:
            defects.add(exc)
        if progress is not None and index % step == 0 and index:
            progress(step)
    if progress is not None:
        progress(len(lines) % step)
    defects.raise_if_any()
    return SalesCsv(path=path, text=text, has_header=has_header, rows=len(lines) - start)
