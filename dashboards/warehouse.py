"""Read the marts (the contract in docs/architecture.md) into small aggregates for the dashboard.

Only aggregates leave the database: sales by source × year × month × category × country, and by
source × year × quarter × item. Their size depends on the number of distinct values of those
attributes (a few thousand rows), never on the number of sales.

Money is carried in integer cents so that the browser can add cells exactly.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import psycopg

from softcart.core.connections import postgres_connect
from softcart.core.settings import Settings

UNKNOWN_KEY = -1

# One pass over the facts, grouped on keys only: source × month × category × country × item label
# (the month is the date key's yyyymm, the contract's date_key being yyyymmdd; the item label is
# a small integer looked up in a hash of dim_item). The resulting cells (tens of thousands at most)
# are then joined to the dimensions for their names, year, month and quarter; Python adds them up
# into the two tables the page needs. Every join is a LEFT JOIN: a fact whose key has no dimension
# row still counts (as "Unknown"), as the star schema's unknown members promise, and a fact
# without a known date counts in no year.
CELLS_SQL = """
with labels as (
    select
        item_key,
        -- the item chart groups by the item's type when it has one (the catalog's "smart phone",
        -- "laptop"; the ecommerce items' lower-cased names) and by its name otherwise
        coalesce(nullif(item_type, ''), nullif(item_name, ''), 'Unknown') as item_label
    from marts.dim_item
),

label_ids as not materialized (
    select
        item_key,
        item_label,
        dense_rank() over (order by item_label) as label_id
    from labels
),

cells as (
    select
        f.source_system,
        f.date_key / 100 as month_key,
        f.category_key,
        f.country_key,
        l.label_id,
        sum(f.amount) as amount,
        count(*) as orders,
        count(f.amount) as priced_orders,
        max(f.sold_at) as latest_sold_at,
        max(f.date_key) as latest_date_key
    from marts.fct_sales as f
    left join label_ids as l on l.item_key = f.item_key
    group by 1, 2, 3, 4, 5
),

months as (
    select
        date_key / 100 as month_key,
        min(year) as year,
        min(month) as month,
        min(quarter) as quarter
    from marts.dim_date
    where date_key > 0
    group by date_key / 100
),

label_names as (
    select distinct
        label_id,
        item_label
    from label_ids
)

select
    cells.source_system,
    months.year,
    months.month,
    months.quarter,
    coalesce(c.category_name, 'Unknown') as category_name,
    coalesce(co.country_key, -1) as country_key,
    coalesce(co.country_name, 'Unknown') as country_name,
    coalesce(ln.item_label, 'Unknown') as item_label,
    coalesce(round(cells.amount * 100), 0)::bigint as revenue_cents,
    cells.orders,
    cells.priced_orders,
    cells.latest_sold_at,
    cells.latest_date_key
from cells
left join months on months.month_key = cells.month_key
left join marts.dim_category as c on c.category_key = cells.category_key
left join marts.dim_country as co on co.country_key = cells.country_key
left join label_names as ln on ln.label_id = cells.label_id
order by 1, 2, 3, 5, 7, 8
"""

REQUIRED_RELATIONS = (
    "marts.fct_sales",
    "marts.dim_date",
    "marts.dim_category",
    "marts.dim_item",
    "marts.dim_country",
)


class MartsMissingError(RuntimeError):
    """The marts the dashboard reads are not there (dbt has not built them yet)."""


@dataclass
class Columns:
    """A table as columns of equal length, with text columns dictionary-encoded."""

    names: list[str]
    values: dict[str, list[Any]] = field(init=False)

    def __post_init__(self) -> None:
        self.values = {name: [] for name in self.names}

    def append(self, row: dict[str, Any]) -> None:
        for name in self.names:
            self.values[name].append(row[name])

    def __len__(self) -> int:
        return len(self.values[self.names[0]]) if self.names else 0


class Dictionary:
    """Assigns small integer codes to labels, in order of first appearance."""

    def __init__(self) -> None:
        self.labels: list[str] = []
        self._codes: dict[str, int] = {}

    def code(self, label: str) -> int:
        if label not in self._codes:
            self._codes[label] = len(self.labels)
            self.labels.append(label)
        return self._codes[label]


@dataclass
class MartAggregates:
    sources: list[str]
    categories: list[str]
    countries: list[dict[str, Any]]
    items: list[dict[str, Any]]
    years: list[int]
    by_month: Columns
    by_item_quarter: Columns
    latest_sales: list[dict[str, Any]]

    @property
    def is_empty(self) -> bool:
        return len(self.by_month) == 0

    def to_json(self) -> dict[str, Any]:
        return {
            "sources": self.sources,
            "categories": self.categories,
            "countries": self.countries,
            "items": self.items,
            "years": self.years,
            "by_month": self.by_month.values,
            "by_item_quarter": self.by_item_quarter.values,
            "latest_sales": self.latest_sales,
        }


def connect(settings: Settings) -> psycopg.Connection[Any]:
    """A read-only connection to the warehouse named in the settings."""
    # read-only for every statement; autocommit so that one failed optional query (the
    # ingestion run log may not exist yet) does not abort the others.
    # JIT costs seconds of compile time on these one-pass aggregates and saves nothing; the
    # larger work_mem keeps their hash aggregates in memory (about 100k groups at 1M sales)
    conn = postgres_connect(
        settings,
        "softcart-dashboard",
        autocommit=True,
        options="-c default_transaction_read_only=on -c jit=off -c work_mem=64MB",
    )
    return conn


def missing_relations(conn: psycopg.Connection[Any]) -> list[str]:
    missing = []
    for name in REQUIRED_RELATIONS:
        row = conn.execute("select to_regclass(%s)", (name,)).fetchone()
        if row is None or row[0] is None:
            missing.append(name)
    return missing


def _cell_order(cell: tuple[tuple[Any, ...], list[int]]) -> tuple[Any, ...]:
    """Sort cells by their key, unknown (None) years and months first."""
    return tuple((-1 if v is None else v) for v in cell[0])


def _latest_text(sold_at: dt.datetime | None, date_key: int | None) -> str | None:
    """The latest time of sale, or (sources without one, like the course's files) the latest date."""
    if sold_at is not None:
        return sold_at.isoformat(sep=" ")
    if date_key is not None and date_key > 0:
        return f"{date_key // 10000:04d}-{date_key // 100 % 100:02d}-{date_key % 100:02d}"
    return None


def read_marts(conn: psycopg.Connection[Any]) -> MartAggregates:
    """Aggregate the marts. Raises :class:`MartsMissingError` if a mart does not exist."""
    missing = missing_relations(conn)
    if missing:
        raise MartsMissingError(
            "the warehouse has no " + ", ".join(missing) + ": build the marts first (`softcart dbt build`)"
        )

    sources, categories, items, countries = Dictionary(), Dictionary(), Dictionary(), Dictionary()
    country_keys: dict[str, int] = {}
    years: set[int] = set()
    latest: dict[str, tuple[dt.datetime | None, int | None, int]] = {}
    # (source, year, month, category, country) -> [revenue_cents, orders, priced_orders]
    month_cells: dict[tuple[int, int | None, int | None, int, int], list[int]] = {}
    # (source, year, quarter, item, category) -> [revenue_cents, orders]
    item_cells: dict[tuple[int, int | None, int | None, int, int], list[int]] = {}

    with conn.cursor() as cur:
        cur.execute(CELLS_SQL)
        for row in cur:
            (source, year, month, quarter, category, country_key, country, item, revenue, orders, priced,
             latest_sold_at, latest_date_key) = row  # fmt: skip
            source = source or "unknown"
            year = None if year is None else int(year)
            if year is not None:
                years.add(year)
            label = country if country_key != UNKNOWN_KEY else "Unknown"
            country_keys.setdefault(label, int(country_key))
            source_code, category_code = sources.code(source), categories.code(category)

            sums = month_cells.setdefault(
                (
                    source_code,
                    year,
                    None if month is None else int(month),
                    category_code,
                    countries.code(label),
                ),
                [0, 0, 0],
            )
            sums[0] += int(revenue)
            sums[1] += int(orders)
            sums[2] += int(priced)

            sums = item_cells.setdefault(
                (
                    source_code,
                    year,
                    None if quarter is None else int(quarter),
                    items.code(item),
                    category_code,
                ),
                [0, 0],
            )
            sums[0] += int(revenue)
            sums[1] += int(orders)

            sold_at, date_key, count = latest.get(source, (None, None, 0))
            if latest_sold_at is not None and (sold_at is None or latest_sold_at > sold_at):
                sold_at = latest_sold_at
            if latest_date_key is not None and (date_key is None or latest_date_key > date_key):
                date_key = int(latest_date_key)
            latest[source] = (sold_at, date_key, count + int(orders))

    by_month = Columns(
        ["source", "year", "month", "category", "country", "revenue_cents", "orders", "priced_orders"]
    )
    for (source_code, year, month, category_code, country_code), (revenue, orders, priced) in sorted(
        month_cells.items(), key=_cell_order
    ):
        by_month.append(
            {
                "source": source_code,
                "year": year,
                "month": month,
                "category": category_code,
                "country": country_code,
                "revenue_cents": revenue,
                "orders": orders,
                "priced_orders": priced,
            }
        )
    by_item_quarter = Columns(["source", "year", "quarter", "item", "category", "revenue_cents", "orders"])
    for (source_code, year, quarter, item_code, category_code), (revenue, orders) in sorted(
        item_cells.items(), key=_cell_order
    ):
        by_item_quarter.append(
            {
                "source": source_code,
                "year": year,
                "quarter": quarter,
                "item": item_code,
                "category": category_code,
                "revenue_cents": revenue,
                "orders": orders,
            }
        )

    latest_sales = [
        {"source": source, "latest_sale": _latest_text(sold_at, date_key), "sales": count}
        for source, (sold_at, date_key, count) in sorted(latest.items())
    ]

    return MartAggregates(
        sources=sources.labels,
        categories=categories.labels,
        countries=[
            {"name": name, "known": country_keys.get(name, UNKNOWN_KEY) != UNKNOWN_KEY}
            for name in countries.labels
        ],
        items=[{"name": name} for name in items.labels],
        years=sorted(years),
        by_month=by_month,
        by_item_quarter=by_item_quarter,
        latest_sales=latest_sales,
    )
