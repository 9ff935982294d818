"""``customers.csv`` (generated world only): header ``customer_id,country``, CSV quoting allowed."""

from __future__ import annotations

from pathlib import Path

from softcart.load.errors import located
from softcart.load.keyed_csv import KeyedCsv, parse_keyed_csv

COLUMNS = ("customer_id", "country")
COUNTRY_MAX = 64

CustomersCsv = KeyedCsv[tuple[int, str]]


def _row(name: str, line: int, record: list[str]) -> tuple[int, str]:
    country = record[1]
    if not country.strip():
        raise located(name, line, "country", "empty")
    if len(country) > COUNTRY_MAX or any(c in country for c in "\t\n\r\\"):
        raise located(name, line, "country", f"{country!r} is longer than 64 or holds a control character")
    return int(record[0]), country


def parse_customers_csv(path: Path, name: str | None = None) -> CustomersCsv:
    return parse_keyed_csv(path, name, COLUMNS, _row)
