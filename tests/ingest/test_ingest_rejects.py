"""Bad records go to softcart_meta.ingest_rejects with stream, key, reason, payload and run id; the run
goes on and counts them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ingest.cli import reconcile
from softcart.core.settings import Settings
from tests.ingest.ingest_helpers import (
    ingest,
    insert_sales,
    last_stream_run,
    mongo_collection,
    mysql_exec,
    pg_all,
    pg_one,
    sales_rows,
)


def _rejects(settings: Settings, stream: str) -> list[tuple[Any, ...]]:
    return pg_all(
        settings,
        "select key, reason, payload, run_id from softcart_meta.ingest_rejects where stream = %s order by key::text",
        (stream,),
    )


def test_mysql_zero_dates_and_out_of_range_values(isolated: Settings) -> None:
    # wider source columns than the raw contract, so out-of-range values can exist at the source
    mysql_exec(
        isolated,
        "ALTER TABLE sales_data MODIFY price DECIMAL(20,2) NULL, MODIFY quantity BIGINT NOT NULL",
    )
    good = sales_rows(20)
    bad = [
        (21, 1, 1, "10.00", 1, "0000-00-00 00:00:00"),  # MySQL's zero date
        (22, 1, 1, "10.00", 1, "2021-00-15 10:00:00"),  # zero month
        (23, 1, 1, "123456789012.00", 1, "2021-01-01 00:00:00"),  # > numeric(12,2)
        (24, 1, 1, "10.00", 3_000_000_000, "2021-01-01 00:00:00"),  # > integer
    ]
    insert_sales(isolated, good + bad + sales_rows(5, start=25))
    assert ingest(isolated, "mysql_sales__sales_data") == 0
    run = last_stream_run(isolated, "mysql_sales__sales_data")
    assert (run["rows_read"], run["rows_written"], run["rows_rejected"]) == (29, 25, 4)
    assert run["mark_after"].startswith("mysql-bin.")  # the snapshot's binlog position
    rejects = _rejects(isolated, "mysql_sales__sales_data")
    assert [r[0] for r in rejects] == ["21", "22", "23", "24"]
    reasons = [r[1] for r in rejects]
    assert reasons[0] == "timestamp: zero or invalid date 0000-00-00 00:00:00"
    assert reasons[1].startswith("timestamp: zero or invalid date 2021-00-15")
    assert reasons[2] == "price: 123456789012.00 out of range for numeric(12,2)"
    assert reasons[3] == "quantity: 3000000000 out of range for integer"
    assert rejects[0][2]["timestamp"] == "0000-00-00 00:00:00" and rejects[0][2]["rowid"] == "21"
    run_id = pg_one(isolated, "select max(run_id) from softcart_meta.ingest_runs")
    assert {r[3] for r in rejects} == {run_id}
    assert (
        pg_one(isolated, "select count(*) from raw.mysql_sales__sales_data where rowid between 21 and 24")
        == 0
    )
    # the next run does not reject them again (the position is past them) and reconcile agrees
    assert ingest(isolated, "mysql_sales__sales_data") == 0
    assert len(_rejects(isolated, "mysql_sales__sales_data")) == 4
    assert reconcile(isolated) == 0
    # the same rules hold for changes read from the binlog
    insert_sales(isolated, [(30, 1, 1, "10.00", 3_000_000_001, "2021-01-01 00:00:00")])
    mysql_exec(
        isolated,
        "SET SESSION sql_mode = ''",
        "UPDATE sales_data SET `timestamp` = '0000-00-00' WHERE rowid = 1",
    )
    assert ingest(isolated, "mysql_sales__sales_data") == 0
    run = last_stream_run(isolated, "mysql_sales__sales_data")
    assert (run["rows_read"], run["rows_written"], run["rows_rejected"]) == (2, 0, 2)
    run_id = pg_one(isolated, "select max(run_id) from softcart_meta.ingest_runs")
    assert [r[:2] for r in _rejects(isolated, "mysql_sales__sales_data") if r[3] == run_id] == [
        ("1", "timestamp: zero or invalid date"),
        ("30", "quantity: 3000000001 out of range for integer"),
    ]
    # a rejected change removes the key from the current state, as the snapshot would not land it
    assert (
        pg_one(
            isolated,
            "select _softcart_op from raw.mysql_sales__sales_data where rowid = 1 order by _softcart_seq desc limit 1",
        )
        == "d"
    )
    assert reconcile(isolated) == 0


def test_mongo_string_screen_size_and_oversized_document(isolated: Settings) -> None:
    coll = mongo_collection(isolated)
    coll.insert_many(
        [
            {"type": "smart phone", "model": "ok1", "screen size": 6},
            {"type": "smart phone", "model": "text size", "screen size": "6 inch"},
            {"type": "laptop", "model": "huge", "screen size": 15, "manual": "x" * 1_200_000},
            {"type": "laptop", "model": "ok2", "screen size": 15.6, "ram": "16GB", "hard disk": "1TB"},
            {"type": "laptop", "model": "bad id", "screen size": 14, "product_id": "P-1"},
        ]
    )
    assert ingest(isolated, "mongo_catalog__electronics") == 0
    run = last_stream_run(isolated, "mongo_catalog__electronics")
    assert (run["rows_read"], run["rows_written"], run["rows_rejected"]) == (5, 2, 3)
    models = [
        r[0] for r in pg_all(isolated, "select model from raw.mongo_catalog__electronics order by model")
    ]
    assert models == ["ok1", "ok2"]
    rejects = {
        r[2].get("model", "huge" if "bytes" in r[2] else None): r[1]
        for r in _rejects(isolated, "mongo_catalog__electronics")
    }
    assert rejects["text size"] == "screen size: expected a number, got str '6 inch'"
    assert rejects["bad id"] == "product_id: expected an integer, got str 'P-1'"
    assert rejects["huge"].startswith("document is 1,200,")
    assert rejects["huge"].endswith("more than max_document_bytes 1,048,576")
    assert reconcile(isolated) == 0


def test_mongo_nan_infinity_and_nul_are_rejects_and_nulls_land(isolated: Settings) -> None:
    """The snapshot's reasons for NaN, infinite numbers and NUL, wherever they are in the document;
    a document with nulls, dates and decimals lands with them (orjson writes NaN as null: such
    documents take the exact path)."""
    from datetime import UTC, datetime

    from bson.decimal128 import Decimal128

    coll = mongo_collection(isolated)
    coll.insert_many(
        [
            {"type": "laptop", "model": "nan size", "screen size": float("nan")},
            {"type": "laptop", "model": "inf inside", "spec": {"weights": [1.5, float("inf")]}},
            {"type": "laptop", "model": "nul\x00model"},
            {"type": "laptop", "model": "nul inside", "spec": {"note": "a\x00b"}},
            {
                "type": "laptop",
                "model": "nulls",
                "ram": None,
                "spec": {"note": None, "price": Decimal128("9.90")},
                "added": datetime(2021, 3, 4, 5, 6, 7, 8000, tzinfo=UTC),
            },  # fmt: skip
            {"type": "laptop", "model": "plain", "screen size": 13.3, "note": 'tab\there \\ "q"'},
        ]
    )
    assert ingest(isolated, "mongo_catalog__electronics") == 0
    run = last_stream_run(isolated, "mongo_catalog__electronics")
    assert (run["rows_read"], run["rows_written"], run["rows_rejected"]) == (6, 2, 4)
    reasons = sorted(r[1] for r in _rejects(isolated, "mongo_catalog__electronics"))
    assert reasons == [
        "document holds a NUL character",
        "document holds a NUL character",
        "document holds a NaN or infinite number",
        "screen size: is not a finite number",
    ]
    landed = dict(
        pg_all(isolated, "select model, document from raw.mongo_catalog__electronics order by model")
    )
    assert landed["nulls"]["ram"] is None and landed["nulls"]["spec"] == {"note": None, "price": "9.90"}
    assert landed["nulls"]["added"] == "2021-03-04T05:06:07.008000+00:00"
    assert landed["plain"]["note"] == 'tab\there \\ "q"' and landed["plain"]["screen size"] == 13.3
    assert reconcile(isolated) == 0


def test_a_nul_character_is_a_reject_never_a_failed_run(isolated: Settings) -> None:
    """PostgreSQL text and jsonb cannot hold NUL: the row becomes a counted reject whose payload keeps
    the value with the NUL escaped, and every other row and stream lands."""
    mysql_exec(
        isolated,
        "INSERT INTO customers (customer_id, country) VALUES (1, 'Canada'), (2, CONCAT('Bra', CHAR(0), 'zil'))",
    )
    assert ingest(isolated, "mysql_sales__customers") == 0
    run = last_stream_run(isolated, "mysql_sales__customers")
    assert (run["rows_written"], run["rows_rejected"]) == (1, 1)
    [(key, reason, payload, _)] = _rejects(isolated, "mysql_sales__customers")
    assert key == "2" and reason == "country: text contains a NUL character"
    assert payload["country"] == "Bra\\u0000zil"
    assert (
        pg_one(isolated, "select country from raw.mysql_sales__customers where customer_id = 1") == "Canada"
    )


def test_a_nul_in_a_registered_file_is_a_reject(isolated: Settings, capstone: Path) -> None:
    lines = (capstone / "DimCountry.csv").read_bytes().split(b"\n")
    lines[2] = lines[2].replace(b"Australia", b"Austr\x00alia")
    isolated.landing_dir.mkdir(parents=True, exist_ok=True)
    (isolated.landing_dir / "DimCountry.csv").write_bytes(b"\n".join(lines))
    assert ingest(isolated, "files__dim_country") == 0
    run = last_stream_run(isolated, "files__dim_country")
    assert run["rows_rejected"] == 1 and run["rows_written"] == 55
    [(_, reason, payload, _)] = _rejects(isolated, "files__dim_country")
    assert reason == "DimCountry.csv:3: country: 'Austr\\x00alia' contains a NUL character"
    assert payload == {"countryid": "2", "country": "Austr\\u0000alia"}
