"""Schema drift is picked up; a source-level failure fails the run clearly and publishes nothing."""

from __future__ import annotations

import pytest

from ingest.cli import reconcile
from ingest.runs import last_runs
from softcart.core.settings import Settings
from tests.ingest.ingest_helpers import (
    ingest,
    ingest_process,
    insert_sales,
    last_stream_run,
    mongo_collection,
    mysql_exec,
    pg_all,
    pg_one,
    sales_rows,
    with_env,
)


def test_new_mysql_column_and_new_mongo_key(isolated: Settings) -> None:
    insert_sales(isolated, sales_rows(10))
    mongo_collection(isolated).insert_one({"type": "laptop", "model": "a", "screen size": 13})
    assert ingest(isolated) == 0
    mysql_exec(
        isolated,
        "ALTER TABLE sales_data ADD COLUMN channel VARCHAR(16) NULL, ADD COLUMN discount DECIMAL(5,2) NULL",
    )
    mysql_exec(
        isolated,
        "INSERT INTO sales_data (product_id, customer_id, price, quantity, `timestamp`, channel, discount)"
        " VALUES (1, 2, 3.00, 4, '2022-02-02 02:02:02', 'web\tshop', 0.15)",
    )
    mongo_collection(isolated).insert_one({"type": "laptop", "model": "b", "screen size": 14, "color": "red"})
    assert ingest(isolated) == 0
    assert pg_all(
        isolated, "select rowid, channel, discount::text from raw.mysql_sales__sales_data where rowid = 11"
    ) == [(11, "web\tshop", "0.15")]
    assert pg_one(isolated, "select count(channel) from raw.mysql_sales__sales_data") == 1
    note = last_stream_run(isolated, "mysql_sales__sales_data")["note"]
    assert "new source column channel added as text" in note
    assert "new source column discount added as numeric(5,2)" in note
    assert (
        pg_one(isolated, "select document->>'color' from raw.mongo_catalog__electronics where model = 'b'")
        == "red"
    )
    assert reconcile(isolated) == 0


@pytest.mark.parametrize(
    ("break_it", "message"),
    [
        ("mysql_down", "cannot connect"),
        ("wrong_password", "Access denied"),
        ("table_missing", "customers not found"),
        ("mongo_down", "MongoDB"),
    ],
)
def test_source_failure_fails_clearly_and_publishes_nothing(
    isolated: Settings, break_it: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    insert_sales(isolated, sales_rows(100))
    mongo_collection(isolated).insert_one({"type": "laptop", "model": "a", "screen size": 13})
    settings = isolated
    if break_it == "mysql_down":
        settings = with_env(isolated, SOFTCART_MYSQL_PORT="9")
    elif break_it == "wrong_password":
        settings = with_env(isolated, SOFTCART_MYSQL_READER_PASSWORD="wrong")
    elif break_it == "table_missing":
        mysql_exec(isolated, "DROP TABLE customers")
    else:
        settings = with_env(isolated, SOFTCART_MONGO_PORT="9")
    assert ingest(settings) == 1
    out = capsys.readouterr().out
    assert message in out and "nothing of this run was published" in out
    # sales_data (the first stream) had been copied inside the run's transaction: rolled back
    assert pg_one(isolated, "select count(*) from raw.mysql_sales__sales_data") == 0
    assert pg_one(isolated, "select count(*) from softcart_meta.ingest_state") == 0
    run = last_runs(isolated, 1)[0]
    assert run["status"] == "failed" and message in run["error"]


def test_cli_exit_code_on_source_down(isolated: Settings) -> None:
    proc = ingest_process(with_env(isolated, SOFTCART_MYSQL_PORT="9"), "-s", "mysql_sales__sales_data")
    out, _ = proc.communicate(timeout=120)
    assert proc.returncode == 1
    assert "cannot connect" in out and "Traceback" not in out


def test_unknown_stream_is_bad_input(isolated: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    assert ingest(isolated, "nope") == 2
    assert "unknown stream(s): nope" in capsys.readouterr().out
