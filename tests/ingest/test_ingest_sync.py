"""Incremental sync: the course's case, idempotence, new rows, full refresh, values that must survive."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from ingest.cli import reconcile
from ingest.runs import last_runs
from softcart.core.settings import Settings
from tests.ingest.ingest_helpers import (
    ingest,
    insert_sales,
    land,
    last_stream_run,
    mongo_collection,
    mysql_exec,
    pg_all,
    pg_one,
    raw_sales,
    sales_rows,
    source_sales,
)

SALES = "mysql_sales__sales_data"


def test_course_sync_moves_exactly_the_missing_rows(
    course: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    assert ingest(course, SALES) == 0
    run = last_stream_run(course, SALES)
    assert run["rows_seeded"] == 12_186  # the warehouse copy (sales.csv, rowid 104..12289)
    assert run["rows_written"] == 1_650  # sales.sql goes to 13939: exactly the rows the warehouse lacks
    assert run["rows_read"] == 1_650
    assert run["mark_before"] is None and run["mark_after"].startswith("mysql-bin.")  # the snapshot's
    out = capsys.readouterr().out
    assert "1,650" in out and "seeded 12,186 rows from sales.csv" in out
    assert pg_one(course, "select count(*) from raw.mysql_sales__sales_data") == 13_836
    assert (
        pg_one(course, "select max(rowid) from raw.mysql_sales__sales_data where price is not null") == 12_289
    )
    assert (
        pg_one(course, "select seed_mark from softcart_meta.ingest_state where stream = %s", (SALES,))
        == "12289"
    )
    # the seed file's leading-space timestamps landed as timestamps
    ts = pg_one(course, 'select "timestamp" from raw.mysql_sales__sales_data where rowid = 104')
    assert ts == datetime(2017, 11, 22, 3, 53, 23)
    assert reconcile(course) == 0


def test_second_run_moves_nothing(course: Settings) -> None:
    assert ingest(course, SALES) == 0
    assert ingest(course, SALES) == 0
    run = last_stream_run(course, SALES)
    assert (run["status"], run["rows_read"], run["rows_written"]) == ("unchanged", 0, 0)
    assert run["mark_before"] == run["mark_after"]
    assert pg_one(course, "select count(*) from raw.mysql_sales__sales_data") == 13_836
    runs = last_runs(course, 2)
    assert [r["status"] for r in runs] == ["succeeded", "succeeded"]
    assert runs[0]["written"] == 0 and runs[1]["written"] == 1_650


def test_new_rows_then_full_refresh(isolated: Settings) -> None:
    insert_sales(isolated, sales_rows(3000))
    assert ingest(isolated, SALES) == 0
    insert_sales(isolated, sales_rows(250, start=3001))
    assert ingest(isolated, SALES) == 0
    run = last_stream_run(isolated, SALES)
    assert run["rows_written"] == 250 and run["mark_before"] != run["mark_after"]
    assert raw_sales(isolated) == source_sales(isolated)
    # a row changed at the source is captured (cdc) ...
    mysql_exec(isolated, "UPDATE sales_data SET quantity = 99 WHERE rowid = 5")
    assert ingest(isolated, SALES) == 0
    assert pg_all(
        isolated,
        "select quantity, _softcart_op from raw.mysql_sales__sales_data where rowid = 5 order by _softcart_seq",
    ) == [(sales_rows(5)[4][4], "r"), (99, "u")]
    # ... and --full-refresh re-snapshots the stream from the source: one row per key again
    assert ingest(isolated, SALES, full_refresh=True) == 0
    assert raw_sales(isolated) == source_sales(isolated)
    assert last_stream_run(isolated, SALES)["rows_written"] == 3250
    assert reconcile(isolated) == 0


def test_text_nulls_and_timestamps_survive(isolated: Settings) -> None:
    nasty = [
        "tab\there",
        "new\nline",
        "cr\rlf\r\n",
        "back\\slash \\N \\t",
        "NULL",
        "\\N",
        "quote ' and \" ",
        "ünïcödé ✓ 日本",
        "",
        None,
    ]
    mysql_exec(isolated, "ALTER TABLE customers MODIFY country VARCHAR(64) NULL")
    conn_rows = [(i + 1, v) for i, v in enumerate(nasty)]
    from tests.ingest.ingest_helpers import mysql

    conn = mysql(isolated)
    with conn.cursor() as cur:
        cur.executemany("INSERT INTO customers (customer_id, country) VALUES (%s, %s)", conn_rows)
    conn.close()
    insert_sales(
        isolated,
        [
            (1, 1, 1, None, 1, None),
            (2, 2, 2, "0.01", 2, "1970-01-01 00:00:01"),
            (3, 3, 3, "9999999999.99", 3, "2038-01-19 03:14:08"),  # past the 32-bit epoch
            (4, 4, 4, "-5.50", 4, "2024-03-31 02:30:00"),  # a DST gap in Europe: must not shift
        ],
    )
    assert ingest(isolated, SALES, "mysql_sales__customers") == 0
    got = pg_all(isolated, "select customer_id, country from raw.mysql_sales__customers order by customer_id")
    assert got == conn_rows
    assert raw_sales(isolated) == [
        (1, 1, 1, None, 1, None),
        (2, 2, 2, Decimal("0.01"), 2, datetime(1970, 1, 1, 0, 0, 1)),
        (3, 3, 3, Decimal("9999999999.99"), 3, datetime(2038, 1, 19, 3, 14, 8)),
        (4, 4, 4, Decimal("-5.50"), 4, datetime(2024, 3, 31, 2, 30)),
    ]
    assert (
        pg_one(isolated, "select count(*) from raw.mysql_sales__sales_data where _softcart_run_id is null")
        == 0
    )
    assert reconcile(isolated) == 0


def test_mongo_documents_whole_and_incremental(isolated: Settings, capstone: Path) -> None:
    coll = mongo_collection(isolated)
    docs = [json.loads(line) for line in (capstone / "catalog.json").read_text().splitlines()]
    coll.insert_many(docs)
    assert ingest(isolated, "mongo_catalog__electronics") == 0
    assert pg_one(isolated, "select count(*) from raw.mongo_catalog__electronics") == 438
    laptops = pg_one(isolated, "select count(*) from raw.mongo_catalog__electronics where type = 'laptop'")
    assert laptops == coll.count_documents({"type": "laptop"})
    # keys with spaces and keys only laptops have are kept as they are
    doc = pg_one(
        isolated,
        "select document from raw.mongo_catalog__electronics where document ? 'hard disk' limit 1",
    )
    assert {"type", "model", "screen size", "ram", "hard disk", "_id"} <= set(doc)
    coll.insert_one({"type": "smart phone", "model": "new one", "screen size": 6, "product_id": 7})
    assert ingest(isolated, "mongo_catalog__electronics") == 0
    run = last_stream_run(isolated, "mongo_catalog__electronics")
    assert run["rows_written"] == 1
    assert ingest(isolated, "mongo_catalog__electronics") == 0
    assert last_stream_run(isolated, "mongo_catalog__electronics")["rows_written"] == 0
    assert pg_one(isolated, "select count(*) from raw.mongo_catalog__electronics") == 439
    assert reconcile(isolated) == 0


def test_file_streams_bom_header_spaces_and_unchanged(isolated: Settings, capstone: Path) -> None:
    land(isolated, capstone / "DimCountry.csv", capstone / "searchterms.csv", capstone / "DimDate.csv")
    assert ingest(isolated, "files__dim_country", "files__searchterms", "files__dim_date") == 0
    assert pg_one(isolated, "select country from raw.files__dim_country where countryid = 1") == "Argentina"
    assert pg_one(isolated, "select count(*) from raw.files__searchterms") == 10_000
    assert pg_all(isolated, "select min(_line), max(_line) from raw.files__searchterms") == [(2, 10_001)]
    assert pg_one(isolated, "select count(*) from raw.files__dim_date") == 1_096
    assert ingest(isolated, "files__dim_country") == 0
    assert last_stream_run(isolated, "files__dim_country")["status"] == "unchanged"
    # a changed file replaces the table; a bad value is rejected with its file and line
    (isolated.landing_dir / "DimCountry.csv").write_text("countryid, country\n1,Chile\nx,Peru\n2, Peru \n")
    assert ingest(isolated, "files__dim_country") == 0
    assert pg_all(isolated, "select countryid, country from raw.files__dim_country order by 1") == [
        (1, "Chile"),
        (2, "Peru"),
    ]
    reason = pg_one(
        isolated, "select reason from softcart_meta.ingest_rejects where stream = 'files__dim_country'"
    )
    assert reason.startswith("DimCountry.csv:3: countryid: 'x'")
    assert reconcile(isolated) == 0
