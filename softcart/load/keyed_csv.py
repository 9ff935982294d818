"""A small CSV with a header and one row per key (``customers.csv``, ``inventory.csv``): the checks every
such file gets, written once. The header must be ``columns`` exactly (BOM and spaces aside), the file
must hold rows, each row has every field, its first column is a non-negative integer key that does
not repeat; ``row_of`` checks and converts the rest. Every defective line is reported (``Defects``),
each naming the file, the line and the field."""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

from softcart.load.errors import Defects, LoadError, located
from softcart.load.file_inputs import csv_records
from softcart.load.sales_csv import check_int
from softcart.load.textfile import normalize_header, read_lines

Row = TypeVar("Row", bound=tuple[object, ...])


@dataclass(frozen=True)
class KeyedCsv(Generic[Row]):
    """The rows of one file and the file line of each (for error messages)."""

    path: Path
    rows: list[Row]
    lines: list[int]


def parse_keyed_csv(
    path: Path,
    name: str | None,
    columns: tuple[str, ...],
    row_of: Callable[[str, int, list[str]], Row],
) -> KeyedCsv[Row]:
    """``row_of(name, line, record)`` returns the row (the key first) or raises a located LoadError."""
    text = read_lines(path, name)
    name = text.name
    records = list(csv_records(csv.reader(text.lines), name))
    if normalize_header(records[0]) != list(columns):
        raise located(name, 1, None, f"header {','.join(records[0])!r}, expected {','.join(columns)}")
    if len(records) == 1:
        raise located(name, None, None, "empty file (a header and no rows)")
    rows: list[Row] = []
    lines: list[int] = []
    seen: dict[object, int] = {}
    defects = Defects(name)
    for index, record in enumerate(records[1:], start=2):
        try:
            if len(record) != len(columns):
                field = columns[len(record)] if len(record) < len(columns) else None
                raise located(name, index, field, f"{len(record)} fields, expected {len(columns)}")
            check_int(name, index, columns[0], record[0])
            row = row_of(name, index, record)
            if row[0] in seen:
                raise located(name, index, columns[0], f"{row[0]} repeats line {seen[row[0]]}")
            seen[row[0]] = index
        except LoadError as exc:
            defects.add(exc)
            continue
        rows.append(row)
        lines.append(index)
    defects.raise_if_any()
    return KeyedCsv(path, rows, lines)
