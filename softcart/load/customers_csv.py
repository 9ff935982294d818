"""``customers.csv`` (generated world only): header ``customer_id,country``, CSV quoting allowed."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from softcart.load.errors import Defects, LoadError, located
from softcart.load.file_inputs import csv_records
from softcart.load.sales_csv import check_int
from softcart.load.textfile import normalize_header, read_lines

COLUMNS = ("customer_id", "country")
COUNTRY_MAX = 64


@dataclass(frozen=True)
class CustomersCsv:
    path: Path
    rows: list[tuple[int, str]]
    lines: list[int]  # the file line of each row, for error messages


def parse_customers_csv(path: Path, name: str | None = None) -> CustomersCsv:
    text = read_lines(path, name)
    name = text.name
    records = list(csv_records(csv.reader(text.lines), name))
    if normalize_header(records[0]) != list(COLUMNS):
        raise located(name, 1, None, f"header {','.join(records[0])!r}, expected {','.join(COLUMNS)}")
    if len(records) == 1:
        raise located(name, None, None, "empty file (a header and no rows)")
    rows: list[tuple[int, str]] = []
    lines: list[int] = []
    seen: dict[int, int] = {}
    defects = Defects(name)
    for index, record in enumerate(records[1:], start=2):
        try:
            if len(record) != len(COLUMNS):
                field = COLUMNS[len(record)] if len(record) < len(COLUMNS) else None
                raise located(name, index, field, f"{len(record)} fields, expected {len(COLUMNS)}")
            raw_id, country = record
            check_int(name, index, "customer_id", raw_id)
            customer_id = int(raw_id)
            if customer_id in seen:
                raise located(name, index, "customer_id", f"{customer_id} repeats line {seen[customer_id]}")
            seen[customer_id] = index
            if not country.strip():
                raise located(name, index, "country", "empty")
            if len(country) > COUNTRY_MAX or any(c in country for c in "\t\n\r\\"):
                raise located(
                    name, index, "country", f"{country!r} is longer than 64 or holds a control character"
                )
        except LoadError as exc:
            defects.add(exc)
            continue
        rows.append((customer_id, country))
        lines.append(index)
    defects.raise_if_any()
    return CustomersCsv(path=path, rows=rows, lines=lines)
