"""Read the marts (the contract in docs/architecture.md) into small aggregates for the dashboard.

Only aggregates leave the database: sales by source × year × month × category × country, and by
source × year × quarter × item. Their size depends on the number of distinct values of those
attributes (a few thousand rows), never on the number of sales.

Money is carried in integer cents so that the browser can add cells exactly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import psycopg

from softcart.settings import Settings

UNKNOWN_KEY = -1

# Every fact is kept: dimensions are joined with LEFT JOIN, so a fact whose key has no dimension
# row still counts (under "Unknown"), as the star schema's unknown members promise. The facts are
# first aggregated on integer keys (a hash aggregate, one pass), and only the small result is
# joined to the dimensions' names.
SALES_BY_MONTH_SQL = """
with cells as (
    select
        f.source_system,
        d.year,
        d.month,
        f.category_key,
        f.country_key,
        sum(f.amount) as amount,
        count(*) as orders,
        count(f.amount) as priced_orders
    from marts.fct_sales as f
    left join marts.dim_date as d on d.date_key = f.date_key
    group by 1, 2, 3, 4, 5
)
select
    cells.source_system,
    cells.year,
    cells.month,
    coalesce(c.category_name, 'Unknown') as category_name,
    coalesce(co.country_key, -1) as country_key,
    coalesce(co.country_name, 'Unknown') as country_name,
    coalesce(round(sum(cells.amount) * 100), 0)::bigint as revenue_cents,
    sum(cells.orders)::bigint as orders,
    sum(cells.priced_orders)::bigint as priced_orders
from cells
left join marts.dim_category as c on c.category_key = cells.category_key
left join marts.dim_country as co on co.country_key = cells.country_key
group by 1, 2, 3, 4, 5, 6
order by 1, 2, 3, 4, 6
"""

# The item chart groups by the item's type when it has one (the catalog's "smart phone", "laptop")
# and by its name otherwise.
SALES_BY_ITEM_QUARTER_SQL = """
with cells as (
    select
        f.source_system,
        d.year,
        d.quarter,
        f.item_key,
        f.category_key,
        sum(f.amount) as amount,
        count(*) as orders
    from marts.fct_sales as f
    left join marts.dim_date as d on d.date_key = f.date_key
    group by 1, 2, 3, 4, 5
)
select
    cells.source_system,
    cells.year,
    cells.quarter,
    coalesce(nullif(i.item_type, ''), nullif(i.item_name, ''), 'Unknown') as item_label,
    coalesce(c.category_name, 'Unknown') as category_name,
    coalesce(round(sum(cells.amount) * 100), 0)::bigint as revenue_cents,
    sum(cells.orders)::bigint as orders
from cells
left join marts.dim_item as i on i.item_key = cells.item_key
left join marts.dim_category as c on c.category_key = cells.category_key
group by 1, 2, 3, 4, 5
order by 1, 2, 3, 4, 5
"""

# sources without a time of sale (the course's files) have a date: fall back to it
LATEST_SALE_SQL = """
select f.source_system, max(coalesce(f.sold_at, d.date_day::timestamp)) as latest_sale, count(*) as sales
from marts.fct_sales as f
left join marts.dim_date as d on d.date_key = f.date_key
group by f.source_system
order by f.source_system
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
    url = settings.postgres
    conn = psycopg.connect(
        host=url.host,
        port=url.port,
        user=url.user,
        password=url.password,
        dbname=url.database,
        connect_timeout=10,
        application_name="softcart-dashboard",
        # read-only for every statement; autocommit so that one failed optional query (the
        # ingestion run log may not exist yet) does not abort the others
        options="-c default_transaction_read_only=on",
        autocommit=True,
    )
    return conn


def missing_relations(conn: psycopg.Connection[Any]) -> list[str]:
    missing = []
    for name in REQUIRED_RELATIONS:
        row = conn.execute("select to_regclass(%s)", (name,)).fetchone()
        if row is None or row[0] is None:
            missing.append(name)
    return missing


def read_marts(conn: psycopg.Connection[Any]) -> MartAggregates:
    """Aggregate the marts. Raises :class:`MartsMissingError` if a mart does not exist."""
    missing = missing_relations(conn)
    if missing:
        raise MartsMissingError(
            "the warehouse has no " + ", ".join(missing) + ": build the marts first (`softcart dbt build`)"
        )

    sources, categories, items = Dictionary(), Dictionary(), Dictionary()
    countries = Dictionary()
    country_keys: dict[str, int] = {}
    years: set[int] = set()

    by_month = Columns(
        ["source", "year", "month", "category", "country", "revenue_cents", "orders", "priced_orders"]
    )
    with conn.cursor() as cur:
        cur.execute(SALES_BY_MONTH_SQL)
        for source, year, month, category, country_key, country, revenue, orders, priced in cur:
            if year is not None:
                years.add(int(year))
            label = country if country_key != UNKNOWN_KEY else "Unknown"
            country_keys.setdefault(label, int(country_key))
            by_month.append(
                {
                    "source": sources.code(source or "unknown"),
                    "year": None if year is None else int(year),
                    "month": None if month is None else int(month),
                    "category": categories.code(category),
                    "country": countries.code(label),
                    "revenue_cents": int(revenue),
                    "orders": int(orders),
                    "priced_orders": int(priced),
                }
            )

    by_item_quarter = Columns(["source", "year", "quarter", "item", "category", "revenue_cents", "orders"])
    with conn.cursor() as cur:
        cur.execute(SALES_BY_ITEM_QUARTER_SQL)
        for source, year, quarter, item, category, revenue, orders in cur:
            category_code = categories.code(category)
            by_item_quarter.append(
                {
                    "source": sources.code(source or "unknown"),
                    "year": None if year is None else int(year),
                    "quarter": None if quarter is None else int(quarter),
                    "item": items.code(item),
                    "category": category_code,
                    "revenue_cents": int(revenue),
                    "orders": int(orders),
                }
            )

    latest_sales = [
        {
            "source": source,
            "latest_sale": latest.isoformat(sep=" ") if latest is not None else None,
            "sales": int(count),
        }
        for source, latest, count in conn.execute(LATEST_SALE_SQL).fetchall()
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
