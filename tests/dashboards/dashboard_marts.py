"""Marts for the dashboard tests, created exactly as docs/architecture.md's contract says.

The real marts are built by dbt (dbt_project/); these tests create the same tables in their own
fresh database and fill them with small, known data, so the dashboard is tested on its contract
without running the whole chain.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg

MARTS_DDL = """
create schema if not exists marts;
create schema if not exists reporting;
create table marts.dim_date (
    date_key int primary key, date_day date not null, year int not null, quarter int not null,
    quarter_name text not null, month int not null, month_name text not null, day int not null,
    weekday int not null, weekday_name text not null
);
create table marts.dim_category (category_key int primary key, category_name text not null);
create table marts.dim_item (
    item_key bigint primary key, item_name text not null, item_type text, category_key int not null
);
create table marts.dim_country (country_key int primary key, country_name text not null);
create table marts.fct_sales (
    sale_key text primary key, source_system text not null, date_key int, item_key bigint,
    category_key int, country_key int, customer_id bigint, quantity int, price numeric(12, 2),
    amount numeric(14, 2), sold_at timestamp
);
"""

CATEGORIES = {-1: "Unknown", 1: "Electronics", 2: "Books", 3: "Music", 4: "Ebooks"}
COUNTRIES = {-1: "Unknown", 1: "Argentina", 2: "Australia", 3: "Brazil", 4: "Canada", 5: "India", 6: "Japan"}
# item_key: (item_name, item_type, category_key)
ITEMS: dict[int, tuple[str, str | None, int]] = {
    -1: ("Unknown", "unknown", -1),
    1: ("platina", "smart phone", 1),
    2: ("bn20", "smart phone", 1),
    3: ("zenbook", "laptop", 1),
    4: ("bravia", "television", 1),
    5: ("Fiction", None, 2),
    6: ("Classical", None, 3),
}
# as dbt_project/models/marts/dim_category.sql and dim_item.sql do it: the file's categories are
# categories of their own (merged by name), its items get item_type = lower(item name)
ECOMMERCE_CATEGORIES = {"Electronics": 1, "Ebooks": 4, "Music": 3}


def connect(settings: Any) -> psycopg.Connection[Any]:
    url = settings.postgres
    return psycopg.connect(
        host=url.host,
        port=url.port,
        user=url.user,
        password=url.password,
        dbname=url.database,
        autocommit=True,
    )


def create_marts(conn: psycopg.Connection[Any], first_year: int = 2019, last_year: int = 2021) -> None:
    conn.execute(MARTS_DDL)
    day = dt.date(first_year, 1, 1)
    rows = []
    while day.year <= last_year:
        quarter = (day.month - 1) // 3 + 1
        weekday = day.isoweekday() % 7 + 1  # Sunday = 1
        rows.append(
            (int(day.strftime("%Y%m%d")), day, day.year, quarter, f"Q{quarter}", day.month,
             day.strftime("%B"), day.day, weekday, day.strftime("%A"))
        )  # fmt: skip
        day += dt.timedelta(days=1)
    with conn.cursor() as cur:
        cur.executemany("insert into marts.dim_date values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)", rows)
        cur.executemany("insert into marts.dim_category values (%s, %s)", list(CATEGORIES.items()))
        cur.executemany("insert into marts.dim_country values (%s, %s)", list(COUNTRIES.items()))
        cur.executemany(
            "insert into marts.dim_item values (%s, %s, %s, %s)",
            [(k, name, kind, cat) for k, (name, kind, cat) in ITEMS.items()],
        )


def seed_sales(conn: psycopg.Connection[Any], n: int = 1500, seed: int = 7) -> None:
    """``n`` sales over 2020-2021 from two source systems, some with unknown members and no price."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        source = "oltp" if i % 3 else "course_factsales"
        day = dt.date(2020, 1, 1) + dt.timedelta(days=rng.randrange(731))
        item_key = rng.choice([1, 1, 2, 3, 3, 4, 5, 6, -1])
        category_key = ITEMS[item_key][2]
        country_key = rng.choice([1, 2, 3, 4, 5, 6, -1])
        quantity = rng.randint(1, 4)
        price: Decimal | None = Decimal(rng.randint(500, 200_000)) / 100
        if i % 97 == 0:
            price = None
        amount = None if price is None else price * quantity
        sold_at = dt.datetime.combine(day, dt.time(rng.randrange(24), rng.randrange(60)))
        rows.append(
            (f"{source}:{i}", source, int(day.strftime("%Y%m%d")), item_key, category_key, country_key,
             1000 + i, quantity, price, amount, sold_at)
        )  # fmt: skip
    insert_facts(conn, rows)


def insert_facts(conn: psycopg.Connection[Any], rows: list[tuple[Any, ...]]) -> None:
    with conn.cursor() as cur, cur.copy("copy marts.fct_sales from stdin") as copy:
        for row in rows:
            copy.write_row(row)


def load_ecommerce(conn: psycopg.Connection[Any], path: Path) -> int:
    """The course's ecommerce.csv as fct_sales rows of source system 'ecommerce' (one sale per line)."""
    names: dict[str, int] = {}
    next_key = 100
    items = []
    rows = []
    with path.open(newline="", encoding="utf-8-sig") as f:
        for line_no, rec in enumerate(csv.DictReader(f), start=2):
            item = rec["item"]
            category_key = ECOMMERCE_CATEGORIES[rec["category"]]
            if item not in names:
                names[item] = next_key
                items.append((next_key, item, item.lower(), category_key))
                next_key += 1
            day = dt.date(int(rec["year"]), int(rec["month"]), int(rec["day"]))
            price = Decimal(rec["price"])
            rows.append(
                (f"ecommerce:{line_no}", "ecommerce", int(day.strftime("%Y%m%d")), names[item], category_key,
                 -1, None, 1, price, price, None)
            )  # fmt: skip
    with conn.cursor() as cur:
        cur.executemany("insert into marts.dim_item values (%s, %s, %s, %s)", items)
    insert_facts(conn, rows)
    return len(rows)
