"""``inventory.csv`` (generated world only): header ``product_id,on_hand,reorder_level``, the shop's
stock when the dataset starts; loaded into MySQL ``inventory``."""

from __future__ import annotations

from pathlib import Path

from softcart.load.keyed_csv import KeyedCsv, parse_keyed_csv
from softcart.load.sales_csv import check_int

COLUMNS = ("product_id", "on_hand", "reorder_level")

InventoryCsv = KeyedCsv[tuple[int, int, int]]


def _row(name: str, line: int, record: list[str]) -> tuple[int, int, int]:
    for field, value in zip(COLUMNS[1:], record[1:], strict=True):
        check_int(name, line, field, value)  # non-negative: the table's CHECKs
    product_id, on_hand, reorder_level = (int(v) for v in record)
    return product_id, on_hand, reorder_level


def parse_inventory_csv(path: Path, name: str | None = None) -> InventoryCsv:
    return parse_keyed_csv(path, name, COLUMNS, _row)
