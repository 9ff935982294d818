"""Small marts, built by hand in a test PostgreSQL database, following docs/architecture.md exactly.

The Spark area does not need a dbt build to be tested: these tables have the contract's names and
columns (including the unknown members, key -1) and deterministic data. The lake's wide ``sales``
table is the dbt model ``mart_sales``: its SQL is rendered from the model file itself (``ref`` to
the hand-built tables), so the one definition is what the tests export. :func:`wide_rows` gives
the same rows as Python dicts, for independent computations.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import psycopg

from softcart.core.settings import PROJECT_ROOT, Settings
from softcart.lake.export import ExportResult

DDL = """
create schema if not exists marts;
create schema if not exists reporting;
drop view if exists marts.mart_sales;
drop table if exists marts.fct_sales, marts.dim_date, marts.dim_category, marts.dim_item, marts.dim_country;
create table marts.dim_date (
    date_key integer primary key, date_day date not null, year integer, quarter integer,
    quarter_name text, month integer, month_name text, day integer, weekday integer, weekday_name text
);
create table marts.dim_category (category_key integer primary key, category_name text);
create table marts.dim_item (
    item_key bigint primary key, item_name text, item_type text, category_key integer,
    dbt_updated_at timestamptz default '2024-01-02 03:04:05+00'
);
create table marts.dim_country (country_key integer primary key, country_name text);
create table marts.fct_sales (
    sale_key text primary key, source_system text, date_key integer, item_key bigint, category_key integer,
    country_key integer, customer_id bigint, quantity integer, price numeric, amount numeric,
    sold_at timestamp
);
"""

CATEGORIES = {-1: "Unknown", 1: "Electronics", 2: "Books", 3: "Toys", 4: "Sports", 5: "Software"}
COUNTRIES = {-1: "Unknown", 1: "Argentina", 2: "Brazil", 3: "Canada", 4: "Denmark"}
ITEMS = {
    -1: ("Unknown", "unknown", -1),
    1: ('Laptop 15", "pro"\nedition', "laptop", 1),  # quotes, comma and newline survive CSV
    2: ("Phone X", "smart phone", 1),
    3: ("Novel", "book", 2),
    4: ("Blocks", "toy", 3),
    5: ("Ball", "ball", 4),
    6: ("Office", "software", 5),
}


@dataclass(frozen=True)
class Marts:
    dates: list[date]
    facts: list[dict[str, Any]]


@dataclass(frozen=True)
class Exported:
    """A warehouse holding :class:`Marts`, and the result of exporting it to the lake."""

    settings: Settings
    marts: Marts
    export: ExportResult


def build(n_facts: int = 600, seed: int = 7, years: tuple[int, ...] = (2019, 2020, 2021)) -> Marts:
    rng = random.Random(seed)
    first, last = date(min(years), 1, 1), date(max(years), 12, 31)
    dates = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    facts = []
    for i in range(n_facts):
        day = rng.choice(dates)
        item = rng.choice([k for k in ITEMS if k != -1] + [-1])
        category = ITEMS[item][2]
        country = rng.choice(list(COUNTRIES))
        quantity = rng.randint(1, 5)
        price = Decimal(rng.randint(100, 99999)) / 100
        date_key = int(day.strftime("%Y%m%d"))
        if i % 97 == 0:
            date_key = -1  # a sale whose date is unknown: partition year=-1/month=-1
        facts.append(
            {
                "sale_key": f"s{i}",
                "source_system": "mysql" if i % 3 else "files",
                "date_key": date_key,
                "item_key": item,
                "category_key": category,
                "country_key": country,
                "customer_id": rng.randint(1, 50) if i % 11 else None,
                "quantity": quantity,
                "price": price,
                "amount": price * quantity,
                "sold_at": datetime(day.year, day.month, day.day, rng.randint(0, 23), rng.randint(0, 59)),
            }
        )
    return Marts(dates, facts)


MART_SALES_MODEL = PROJECT_ROOT / "dbt_project" / "models" / "marts" / "mart_sales.sql"


def mart_sales_sql() -> str:
    """The dbt model ``mart_sales`` rendered for the hand-built marts (``ref(x)`` = ``marts.x``)."""
    import jinja2

    template = jinja2.Environment().from_string(MART_SALES_MODEL.read_text(encoding="utf-8"))
    return template.render(ref=lambda name: f"marts.{name}", config=lambda **_: "")


def create(settings: Settings, marts: Marts) -> None:
    """Create the marts in the database of ``settings`` and fill them."""
    pg = settings.postgres
    with psycopg.connect(
        host=pg.host, port=pg.port, user=pg.user, password=pg.password, dbname=pg.database, autocommit=True
    ) as conn:
        conn.execute(DDL)
        with conn.cursor() as cur:
            cur.executemany(
                "insert into marts.dim_date values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                [
                    (
                        int(d.strftime("%Y%m%d")),
                        d,
                        d.year,
                        (d.month - 1) // 3 + 1,
                        f"Q{(d.month - 1) // 3 + 1}",
                        d.month,
                        d.strftime("%B"),
                        d.day,
                        d.isoweekday() % 7 + 1,
                        d.strftime("%A"),
                    )
                    for d in marts.dates
                ],
            )
            cur.executemany("insert into marts.dim_category values (%s, %s)", list(CATEGORIES.items()))
            cur.executemany("insert into marts.dim_country values (%s, %s)", list(COUNTRIES.items()))
            cur.executemany(
                "insert into marts.dim_item (item_key, item_name, item_type, category_key) "
                "values (%s, %s, %s, %s)",
                [(k, *v) for k, v in ITEMS.items()],
            )
            columns = list(marts.facts[0])
            with cur.copy(f"copy marts.fct_sales ({', '.join(columns)}) from stdin") as copy:
                for fact in marts.facts:
                    copy.write_row([fact[c] for c in columns])
        conn.execute(f"create view marts.mart_sales as {mart_sales_sql()}")  # type: ignore[arg-type]


def execute(settings: Settings, sql: str, params: tuple[Any, ...] = ()) -> None:
    pg = settings.postgres
    with psycopg.connect(
        host=pg.host, port=pg.port, user=pg.user, password=pg.password, dbname=pg.database, autocommit=True
    ) as conn:
        conn.execute(sql, params)


def wide_rows(marts: Marts) -> list[dict[str, Any]]:
    """The lake's ``sales`` rows, computed in Python: facts with their dimensions' names, year, month."""
    by_key = {int(d.strftime("%Y%m%d")): d for d in marts.dates}
    rows = []
    for f in marts.facts:
        d = by_key.get(f["date_key"])
        rows.append(
            {
                **f,
                "year": d.year if d else -1,
                "month": d.month if d else -1,
                "country_name": COUNTRIES[f["country_key"]],
                "category_name": CATEGORIES[f["category_key"]],
                "item_name": ITEMS[f["item_key"]][0],
            }
        )
    return rows
