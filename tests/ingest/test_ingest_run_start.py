"""A run's start (issue 17): the lock and the run's row in one statement, the raw tables checked with
one catalog query and created only where they are not as declared."""

from __future__ import annotations

import pytest

from ingest.config import load_streams
from ingest.errors import IngestError
from ingest.runs import open_run
from ingest.warehouse import ensure_raw_tables, pg_connect
from softcart.core.settings import Settings
from tests.ingest.ingest_helpers import ingest, insert_sales, pg, pg_one, sales_rows


def test_a_second_run_waits_for_the_lock_and_changes_nothing(isolated: Settings) -> None:
    with pg(isolated) as first:
        run_id, _ = open_run(first, ["mysql_sales__sales_data"], False)
        with (
            pg(isolated) as second,
            pytest.raises(IngestError, match="another `softcart ingest` is running"),
        ):
            open_run(second, ["mysql_sales__sales_data"], False, wait_seconds=0.3)
        # the first run is neither abandoned by the second nor joined by a row of its own
        assert pg_one(isolated, "select count(*) from softcart_meta.ingest_runs") == 1
        assert pg_one(
            isolated, "select status from softcart_meta.ingest_runs where run_id = %s", [run_id]
        ) == ("running")
    # its connection (and lock) gone, the next run marks it abandoned
    with pg(isolated) as third:
        next_id, abandoned = open_run(third, ["mysql_sales__sales_data"], False)
    assert (abandoned, next_id > run_id) == (1, True)
    assert pg_one(isolated, "select status from softcart_meta.ingest_runs where run_id = %s", [run_id]) == (
        "abandoned"
    )


def test_raw_tables_are_created_only_where_they_are_not_as_declared(isolated: Settings) -> None:
    insert_sales(isolated, sales_rows(5))
    assert ingest(isolated, "mysql_sales__sales_data") == 0
    streams = load_streams(isolated)
    with pg_connect(isolated) as conn:
        assert ensure_raw_tables(conn, streams) == []  # every table as declared: no DDL
        conn.execute("drop index raw.mysql_sales__customers_key_seq")
        conn.execute("drop table raw.files__dim_date")
        conn.commit()
        assert ensure_raw_tables(conn, streams) == ["mysql_sales__customers", "files__dim_date"]
        conn.commit()
        assert ensure_raw_tables(conn, streams) == []
    assert pg_one(isolated, "select to_regclass('raw.mysql_sales__customers_key_seq') is not null")
    # the next run finds them all again and lands the new rows
    insert_sales(isolated, sales_rows(3, start=6))
    assert ingest(isolated) == 0
    assert pg_one(isolated, "select count(*) from raw.mysql_sales__sales_data") == 8
