"""File inputs a dataset may hold that no source database takes: checked here, then registered
(copied into the landing folder) for ingestion and the DAGs to read."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from softcart.load.errors import Defects, located
from softcart.load.textfile import normalize_header, read_lines

# file name -> expected header (None: a plain text file with no header): the file streams' columns
# of ingest/streams.yml (and the seed sales.csv), held equal to it by tests/contract (softcart.load
# may not import ingest)
FILE_INPUTS: dict[str, tuple[str, ...] | None] = {
    "searchterms.csv": ("day", "month", "year", "searchterm"),
    "ecommerce.csv": ("day", "month", "quarter", "year", "category", "item", "price"),
    "DimDate.csv": (
        "dateid",
        "date",
        "year",
        "quarter",
        "quartername",
        "month",
        "monthname",
        "day",
        "weekday",
        "weekdayname",
    ),
    "DimCategory.csv": ("categoryid", "category"),
    "DimCountry.csv": ("countryid", "country"),
    "FactSales.csv": ("orderid", "dateid", "countryid", "categoryid", "amount"),
    "sales.csv": ("rowid", "product_id", "customer_id", "price", "quantity", "timestamp"),
    "accesslog.txt": None,
}


@dataclass(frozen=True)
class FileInput:
    path: Path
    rows: int  # data rows (lines without the header)


def csv_records(reader: Any, name: str) -> Iterator[list[str]]:
    """The reader's records; its own errors (a field over the csv module's limit, a NUL byte) become
    ``file:line: problem`` instead of a traceback."""
    while True:
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise located(name, reader.line_num, None, f"unreadable CSV: {exc}") from None
        yield record


def check_file_input(path: Path, name: str | None = None) -> FileInput:
    """The file is UTF-8, not empty, has its header and the same number of fields on every line."""
    name = name or path.name
    expected = FILE_INPUTS[path.name]
    text = read_lines(path, name)
    if expected is None:
        return FileInput(path=path, rows=len(text.lines))
    reader = csv.reader(text.lines)
    header = next(reader)
    if normalize_header(header) != list(expected):
        raise located(name, 1, None, f"header {','.join(header)!r}, expected {','.join(expected)}")
    rows = 0
    defects = Defects(name)
    for record in csv_records(reader, name):
        lineno = reader.line_num
        if len(record) != len(expected):
            field = expected[len(record)] if len(record) < len(expected) else None
            problem = f"{len(record)} fields, expected {len(expected)}"
            if field:
                problem += " (truncated?)"
            defects.add(located(name, lineno, field, problem))
        rows += 1
    defects.raise_if_any()
    if rows == 0:
        raise located(name, None, None, "empty file (a header and no rows)")
    return FileInput(path=path, rows=rows)
