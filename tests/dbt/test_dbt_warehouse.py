"""The dbt warehouse end to end: a full `dbt build` on a throwaway PostgreSQL database filled
from a generated dataset, every dbt test passing, the reporting layer equal to the same
aggregates computed in Python from the dataset's files, then an incremental build after new
sales and a late customer."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest

from softcart.core.settings import Settings
from softcart.generate import generate_dataset
from softcart.warehouse.build_plan import incremental_plan
from softcart.warehouse.dbt_runner import read_run_results, run_dbt, target_dir
from softcart.warehouse.docs_site import build_site
from softcart.warehouse.raw_loader import create_raw_tables, document_id, load_dataset
from tests.dbt import expected_reports as expected

SCALE = 0.002  # 2,000 OLTP sales, 2,000 FactSales.csv rows, ~500 ecommerce.csv rows
SEED = 11

# OLTP rows with missing attributes: (rowid, product_id, customer_id, price, quantity, timestamp)
UNKNOWN_PRODUCT = 999_999
NO_COUNTRY_CUSTOMER = 900_001  # in customers with a NULL country
BLANK_COUNTRY_CUSTOMER = 900_002  # in customers with a blank country
LATE_CUSTOMER = 900_003  # not in customers at first; lands before the second build


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dbt-dataset") / "dataset"
    generate_dataset(out, SCALE, SEED, progress=False)
    return out


def connect(settings: Settings) -> psycopg.Connection:
    pg = settings.postgres
    return psycopg.connect(host=pg.host, port=pg.port, user=pg.user, password=pg.password, dbname=pg.database)


@pytest.fixture
def warehouse(isolated: Settings) -> Iterator[Settings]:
    yield isolated
    shutil.rmtree(target_dir(isolated), ignore_errors=True)


def first_product(dataset: Path) -> int:
    return int(json.loads((dataset / "catalog.json").read_text().splitlines()[0])["product_id"])


def edge_rows(dataset: Path, first_rowid: int) -> list[tuple]:
    known = first_product(dataset)
    return [
        (first_rowid, UNKNOWN_PRODUCT, NO_COUNTRY_CUSTOMER, Decimal("10.00"), 2, dt.datetime(2021, 6, 1, 9)),
        (first_rowid + 1, known, BLANK_COUNTRY_CUSTOMER, Decimal("7.50"), 1, dt.datetime(2020, 2, 29, 12)),
        (first_rowid + 2, known, LATE_CUSTOMER, Decimal("5.00"), 1, dt.datetime(2020, 3, 1, 8)),
        (first_rowid + 3, known, 1, None, 3, None),  # a sales.sql-style row: no price, no time
    ]


def insert_oltp(conn: psycopg.Connection, rows: list[tuple], run_id: int) -> None:
    with conn.cursor() as cur:
        cur.executemany(
            "insert into raw.mysql_sales__sales_data (rowid, product_id, customer_id, price, quantity,"
            ' "timestamp", _softcart_run_id, _softcart_loaded_at) values (%s, %s, %s, %s, %s, %s, %s, now())',
            [(*row, run_id) for row in rows],
        )


def fill_raw(settings: Settings, dataset: Path) -> list[tuple]:
    """Land the dataset plus rows with missing attributes and a duplicated catalog product."""
    with connect(settings) as conn:
        create_raw_tables(conn)
        loaded = load_dataset(conn, dataset, run_id=1)
        assert loaded["mysql_sales__sales_data"] == 2000
        extra = edge_rows(dataset, 2001)
        insert_oltp(conn, extra, run_id=1)
        conn.execute(
            "insert into raw.mysql_sales__customers (customer_id, country, _softcart_run_id,"
            " _softcart_loaded_at) values (%s, null, 1, now()), (%s, '  ', 1, now())",
            (NO_COUNTRY_CUSTOMER, BLANK_COUNTRY_CUSTOMER),
        )
        # the same product_id in a second, later document: only the later one may stay
        doc = json.loads((dataset / "catalog.json").read_text().splitlines()[0])
        doc["model"] = "relabelled"
        conn.execute(
            "insert into raw.mongo_catalog__electronics (_id, document, type, model, _softcart_run_id,"
            " _softcart_loaded_at) values (%s, %s, %s, %s, 1, now() + interval '1 second')",
            (document_id(0, "duplicate"), json.dumps(doc), doc["type"], doc["model"]),
        )
    return extra


def as_oltp_extra(rows: list[tuple]) -> list[tuple]:
    return [row[1:] for row in rows]


def build(settings: Settings) -> str:
    """`softcart dbt build`; assert every model and test passed; return the dbt invocation id."""
    assert run_dbt(settings, ["build"]) == 0
    summary = read_run_results(settings)
    assert summary.ok, summary.lines()
    statuses = {status for (_, status) in summary.counts}
    assert statuses <= {"success", "pass", "no-op"}, summary.lines()  # no warning either (no-op: exposures)
    assert summary.counts[("unit_test", "pass")] >= 6
    assert summary.counts[("model", "success")] >= 18
    run_results = json.loads((target_dir(settings) / "run_results.json").read_text())
    return str(run_results["metadata"]["invocation_id"])


def fetch(conn: psycopg.Connection, sql: str) -> list[tuple]:
    return conn.execute(sql).fetchall()  # type: ignore[arg-type]


def column_names(conn: psycopg.Connection, relation: str) -> list[str]:
    with conn.cursor() as cur:
        cur.execute(f"select * from {relation} limit 0")  # type: ignore[arg-type]
        return [column.name for column in cur.description or ()]


def assert_reports_match(settings: Settings, sales: list[expected.Sale]) -> None:
    """The four reports, over every source system together, equal the Python aggregates."""
    assert {s.source_system for s in sales} == {"oltp", "course_factsales", "ecommerce"}
    with connect(settings) as conn:
        # exactly the course's columns, nothing per source system
        assert column_names(conn, "reporting.total_sales_per_country") == ["country", "total_sales"]
        for report in ("sales_by_country_category", "sales_rollup_year_country", "sales_cube_year_country"):
            assert "source_system" not in column_names(conn, f"reporting.{report}")

        got_country = dict(fetch(conn, "select country, total_sales from reporting.total_sales_per_country"))
        assert got_country == expected.total_sales_per_country(sales)

        got_sets = {
            (grouped_by, country, category): total
            for grouped_by, country, category, total in fetch(
                conn,
                "select grouped_by, country, category, total_sales from reporting.sales_by_country_category",
            )
        }
        assert got_sets == expected.sales_by_country_category(sales)

        got_rollup = {
            (yt, ct, year, country): total
            for yt, ct, year, country, total in fetch(
                conn,
                "select year_is_total, country_is_total, year, country, total_sales"
                " from reporting.sales_rollup_year_country",
            )
        }
        assert got_rollup == expected.sales_rollup_year_country(sales)

        got_cube = {
            (yt, ct, year, country): (avg, total, count)
            for yt, ct, year, country, avg, total, count in fetch(
                conn,
                "select year_is_total, country_is_total, year, country,"
                " average_sales, total_sales, sale_count from reporting.sales_cube_year_country",
            )
        }
        assert got_cube == expected.sales_cube_year_country(sales)

        # the grand total is every source system's sales: the sum of the fact, not of one source
        ((grand_total,),) = fetch(
            conn, "select total_sales from reporting.sales_rollup_year_country where year_is_total = 1"
        )
        ((fact_total, sources),) = fetch(
            conn, "select sum(amount), count(distinct source_system) from marts.fct_sales"
        )
        assert (grand_total, sources) == (fact_total, 3)


def test_full_then_incremental_build_matches_python_aggregates(warehouse: Settings, dataset: Path) -> None:
    settings = warehouse
    extra = fill_raw(settings, dataset)
    first_run = build(settings)

    customers: dict[int, str | None] = {NO_COUNTRY_CUSTOMER: None, BLANK_COUNTRY_CUSTOMER: None}
    sales = expected.read_sales(dataset, as_oltp_extra(extra), customers)
    assert_reports_match(settings, sales)

    with connect(settings) as conn:
        facts = dict(
            fetch(
                conn,
                "select source_system, count(*) from marts.fct_sales group by source_system",
            )
        )
        assert facts == {
            "oltp": 2004,
            "course_factsales": len(expected.csv_rows(dataset / "FactSales.csv")),
            "ecommerce": len(expected.csv_rows(dataset / "ecommerce.csv")),
        }
        unknown = fetch(
            conn,
            "select item_key, category_key, country_key, amount from marts.fct_sales where sale_key = 'oltp:2001'",
        )
        assert unknown == [(-1, -1, -1, Decimal("20.00"))]
        no_price = fetch(
            conn, "select date_key, amount, price from marts.fct_sales where sale_key = 'oltp:2004'"
        )
        assert no_price == [(-1, None, None)]
        # the duplicated product is one item, the later document's
        assert fetch(
            conn,
            f"select item_name from marts.dim_item where product_id = {first_product(dataset)}",
        ) == [("relabelled",)]
        # dim_date: quarter-end dates are in the right quarter (the course's file is wrong there)
        assert fetch(
            conn, "select quarter, quarter_name, weekday from marts.dim_date where date_key = 20200331"
        ) == [(1, "Q1", 3)]  # 2020-03-31 was a Tuesday: Sunday = 1 .. Tuesday = 3

        # round 2: 1 % new sales and the late customer's country
        new_sales = [
            (
                3000 + i,
                first_product(dataset),
                1 + i,
                Decimal("3.00"),
                1 + i % 3,
                dt.datetime(2022, 12, 30, 10, i),
            )
            for i in range(20)
        ]
        insert_oltp(conn, new_sales, run_id=2)
        conn.execute(
            "insert into raw.mysql_sales__customers (customer_id, country, _softcart_run_id,"
            " _softcart_loaded_at) values (%s, 'Peru', 2, now())",
            (LATE_CUSTOMER,),
        )

    second_run = build(settings)
    assert second_run != first_run
    with connect(settings) as conn:
        rewritten = fetch(
            conn, f"select sale_key from marts.fct_sales where dbt_run_id = '{second_run}' order by sale_key"
        )
        # only the new sales and the sales whose unknown member could now resolve were rewritten
        rewritten_keys = {key for (key,) in rewritten}
        assert {f"oltp:{3000 + i}" for i in range(20)} <= rewritten_keys
        assert "oltp:2003" in rewritten_keys  # the late customer's sale, repaired
        assert len(rewritten_keys) <= 20 + 3  # + the three oltp rows still or newly unresolved
        assert fetch(
            conn,
            "select c.country_name from marts.fct_sales f join marts.dim_country c"
            " on c.country_key = f.country_key where f.sale_key = 'oltp:2003'",
        ) == [("Peru",)]
        assert fetch(conn, "select count(*) from marts.fct_sales where source_system = 'oltp'") == [(2024,)]

    customers[LATE_CUSTOMER] = "Peru"
    sales = expected.read_sales(dataset, as_oltp_extra(extra + new_sales), customers)
    assert_reports_match(settings, sales)

    # round 3: the scheduled incremental build (softcart run's path) after sales of a new year
    newer_sales = [
        (4000 + i, first_product(dataset), 1 + i, Decimal("2.50"), 1, dt.datetime(2023, 1, 2, 9, i))
        for i in range(10)
    ]
    with connect(settings) as conn:
        insert_oltp(conn, newer_sales, run_id=3)
    plan = incremental_plan(["mysql_sales.sales_data"], "(test)")
    assert run_dbt(settings, plan.args, extra_env=plan.env) == 0
    summary = read_run_results(settings)
    assert summary.ok, summary.lines()
    run_results = json.loads((target_dir(settings) / "run_results.json").read_text())
    ran = {
        r["unique_id"].split(".")[-1] if r["unique_id"].startswith("model.") else r["unique_id"]
        for r in run_results["results"]
    }
    # what the new sales reach, nothing else: no unit test, no catalog or customer model
    assert {"stg_mysql_sales__sales", "fct_sales", "fct_sales_monthly", "sales_cube_year_country"} <= ran
    assert {"dim_item", "stg_mongo_catalog__products", "stg_mysql_sales__customers"}.isdisjoint(ran)
    assert not any(node.startswith("unit_test.") for node in ran)
    # the fact's tests read the latest batch only
    compiled = target_dir(settings) / "compiled" / "softcart" / "models" / "marts" / "_marts__models.yml"
    date_relationship = next(compiled.rglob("relationships_fct_sales_date_key*.sql")).read_text()
    assert "where dbt_updated_at >= (select max(dbt_updated_at) from marts.fct_sales)" in date_relationship
    # the tests of what the database enforces (primary key, NOT NULL) are left to the full build
    assert not any(node.startswith("test.softcart.unique_fct_sales_sale_key") for node in ran)
    assert any(node.startswith("test.softcart.relationships_fct_sales_date_key") for node in ran)
    with connect(settings) as conn:
        assert fetch(
            conn,
            "select sum(sale_count), sum(total_sales) from marts.fct_sales_monthly where month_key = 202301",
        ) == [(10, Decimal("25.00"))]
    sales = expected.read_sales(dataset, as_oltp_extra(extra + new_sales + newer_sales), customers)
    assert_reports_match(settings, sales)

    # the docs site builds from the same project
    site = build_site(settings).folder  # no build on record here: the working copy's site
    assert (site / "index.html").exists()
    catalog = json.loads((site / "catalog.json").read_text())
    assert "model.softcart.fct_sales" in catalog["nodes"]

    # round 4: a snapshot read landed after a change of its key breaks what the current state of a
    # change log relies on (macros/change_log.sql): the key has two current rows, and the staging
    # key's unique test fails instead of a silently wrong current state
    with connect(settings) as conn:
        insert_oltp(conn, [newer_sales[0]], run_id=4)
    assert run_dbt(settings, ["test", "--select", "stg_mysql_sales__sales"]) != 0
    results = json.loads((target_dir(settings) / "run_results.json").read_text())["results"]
    failed = {r["unique_id"].split(".")[2] for r in results if r["status"] == "fail"}
    assert failed == {"unique_stg_mysql_sales__sales_sale_id"}
