"""``inventory.csv`` (generated world only): header ``product_id,on_hand,reorder_level``, the shop's
stock when the dataset starts; loaded into MySQL ``inventory``."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from softcart.load.errors import Defects, LoadError, located
from softcart.load.file_inputs import csv_records
from softcart.load.sales_csv import check_int
from softcart.load.textfile import normalize_header, read_lines

COLUMNS = ("product_id", "on_hand", "reorder_level")


@dataclass(frozen=True)
class InventoryCsv:
    path: Path
    rows: list[tuple[int, int, int]]
    lines: list[int]  # the file line of each row, for error messages


def parse_inventory_csv(path: Path, name: str | None = None) -> InventoryCsv:
    text = read_lines(path, name)
    name = text.name
    records = list(csv_records(csv.reader(text.lines), name))
    if normalize_header(records[0]) != list(COLUMNS):
        raise located(name, 1, None, f"header {','.join(records[0])!r}, expected {','.join(COLUMNS)}")
    if len(records) == 1:
        raise located(name, None, None, "empty file (a header and no rows)")
    rows: list[tuple[int, int, int]] = []
    lines: list[int] = []
    seen: dict[int, int] = {}
    defects = Defects(name)
    for index, record in enumerate(records[1:], start=2):
        try:
            if len(record) != len(COLUMNS):
                field = COLUMNS[len(record)] if len(record) < len(COLUMNS) else None
                raise located(name, index, field, f"{len(record)} fields, expected {len(COLUMNS)}")
            for field, value in zip(COLUMNS, record, strict=True):
                check_int(name, index, field, value)  # non-negative: the table's CHECKs
            product_id, on_hand, reorder_level = (int(v) for v in record)
            if product_id in seen:
                raise located(name, index, "product_id", f"{product_id} repeats line {seen[product_id]}")
            seen[product_id] = index
        except LoadError as exc:
            defects.add(exc)
            continue
        rows.append((product_id, on_hand, reorder_level))
        lines.append(index)
    defects.raise_if_any()
    return InventoryCsv(path=path, rows=rows, lines=lines)
