"""The reporting layer's figures computed in Python straight from a dataset's files.

Independent of dbt and SQL: it reads the same CSV/JSON files the raw layer was filled from, joins
them with dictionaries, and aggregates with Decimal. The reports sum every sale of the three sales
files together: they are separate sales channels of one world (docs/generator.md), so no sale is
counted twice; ``Sale.source_system`` is kept only to tell where a line came from. The category of a catalog product comes from
the generator's own world (softcart.generate.world.PRODUCT_TYPES), not from the dbt seed.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from softcart.generate.world import PRODUCT_TYPES

UNKNOWN = "Unknown"
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Sale:
    source_system: str
    year: int | None
    country: str
    category: str
    amount: Decimal | None


def csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def type_categories() -> dict[str, str]:
    return {t.name: t.category for t in PRODUCT_TYPES}


def read_sales(
    dataset: Path,
    extra_oltp: list[tuple[int | None, int | None, Decimal | None, int, dt.datetime | None]] = (),  # type: ignore[assignment]
    extra_customers: dict[int, str | None] | None = None,
) -> list[Sale]:
    """Every sale line of the dataset (plus extra OLTP rows/customers), with its report attributes."""
    categories_of_type = type_categories()
    product_type: dict[int, str] = {}
    for line in (dataset / "catalog.json").read_text().splitlines():
        if line.strip():
            doc = json.loads(line)
            if "product_id" in doc:
                product_type[int(doc["product_id"])] = doc["type"]
    customers: dict[int, str | None] = {
        int(r["customer_id"]): (r["country"].strip() or None) for r in csv_rows(dataset / "customers.csv")
    }
    customers.update(extra_customers or {})

    sales: list[Sale] = []
    oltp: list[tuple[int | None, int | None, Decimal | None, int, dt.datetime | None]] = []
    with (dataset / "oltpdata.csv").open(newline="") as handle:
        for product_text, customer_text, price_text, quantity_text, ts_text in csv.reader(handle):
            oltp.append(
                (
                    int(product_text),
                    int(customer_text),
                    Decimal(price_text),
                    int(quantity_text),
                    dt.datetime.fromisoformat(ts_text),
                )
            )
    for product_id, customer_id, price, quantity, ts in [*oltp, *extra_oltp]:
        kind = product_type.get(product_id) if product_id is not None else None
        sales.append(
            Sale(
                "oltp",
                ts.year if ts else None,
                (customers.get(customer_id) if customer_id is not None else None) or UNKNOWN,
                categories_of_type.get(kind, UNKNOWN) if kind else UNKNOWN,
                price * quantity if price is not None else None,
            )
        )

    dates = {r["dateid"]: dt.date.fromisoformat(r["date"]) for r in csv_rows(dataset / "DimDate.csv")}
    countries = {r["countryid"]: r["country"] for r in csv_rows(dataset / "DimCountry.csv")}
    course_categories = {r["categoryid"]: r["category"] for r in csv_rows(dataset / "DimCategory.csv")}
    for r in csv_rows(dataset / "FactSales.csv"):
        day = dates.get(r["dateid"])
        sales.append(
            Sale(
                "course_factsales",
                day.year if day else None,
                countries.get(r["countryid"], UNKNOWN),
                course_categories.get(r["categoryid"], UNKNOWN),
                Decimal(r["amount"]),
            )
        )
    for r in csv_rows(dataset / "ecommerce.csv"):
        sales.append(Sale("ecommerce", int(r["year"]), UNKNOWN, r["category"], Decimal(r["price"])))
    return sales


def _sum(amounts: list[Decimal | None]) -> Decimal | None:
    known = [a for a in amounts if a is not None]
    return sum(known, Decimal(0)).quantize(CENT) if known else None


def _avg(amounts: list[Decimal | None]) -> Decimal | None:
    known = [a for a in amounts if a is not None]
    if not known:
        return None
    return (sum(known, Decimal(0)) / len(known)).quantize(CENT, rounding=ROUND_HALF_UP)


def total_sales_per_country(sales: list[Sale]) -> dict[str, Decimal | None]:
    """country -> total_sales, every source system together (they are separate sales channels)."""
    groups: dict[str, list[Decimal | None]] = defaultdict(list)
    for s in sales:
        groups[s.country].append(s.amount)
    return {k: _sum(v) for k, v in groups.items()}


def sales_by_country_category(
    sales: list[Sale],
) -> dict[tuple[str, str | None, str | None], Decimal | None]:
    """(grouped_by, country, category) -> total_sales: GROUPING SETS (country, category)."""
    groups: dict[tuple[str, str | None, str | None], list[Decimal | None]] = defaultdict(list)
    for s in sales:
        groups[("country", s.country, None)].append(s.amount)
        groups[("category", None, s.category)].append(s.amount)
    return {k: _sum(v) for k, v in groups.items()}


def _grouped(
    sales: list[Sale], cube: bool
) -> dict[tuple[int, int, int | None, str | None], list[Decimal | None]]:
    """(year_is_total, country_is_total, year, country) -> amounts, for ROLLUP or CUBE."""
    groups: dict[tuple[int, int, int | None, str | None], list[Decimal | None]] = defaultdict(list)
    for s in sales:
        groups[(0, 0, s.year, s.country)].append(s.amount)
        groups[(0, 1, s.year, None)].append(s.amount)
        groups[(1, 1, None, None)].append(s.amount)
        if cube:
            groups[(1, 0, None, s.country)].append(s.amount)
    return groups


def sales_rollup_year_country(
    sales: list[Sale],
) -> dict[tuple[int, int, int | None, str | None], Decimal | None]:
    return {k: _sum(v) for k, v in _grouped(sales, cube=False).items()}


def sales_cube_year_country(
    sales: list[Sale],
) -> dict[tuple[int, int, int | None, str | None], tuple[Decimal | None, Decimal | None, int]]:
    """-> (average_sales, total_sales, sale_count)."""
    return {k: (_avg(v), _sum(v), len(v)) for k, v in _grouped(sales, cube=True).items()}
