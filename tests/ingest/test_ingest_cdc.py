"""Change data capture (``mode: cdc``): a consistent snapshot, then the binlog's inserts, updates
(a moved key: delete + insert) and deletes reach the change log, whose current state is the source's."""

from __future__ import annotations

from typing import Any

import pytest

from ingest.cli import reconcile
from ingest.config import load_streams, select_streams
from ingest.warehouse import current_state
from softcart.core.connections import mysql_admin_connect
from softcart.core.settings import Settings
from tests.ingest.ingest_helpers import (
    SALES_COLUMNS,
    ingest,
    insert_sales,
    last_stream_run,
    mysql,
    mysql_exec,
    pg_all,
    pg_one,
    sales_rows,
    source_sales,
)

SALES = "mysql_sales__sales_data"
CUSTOMERS = "mysql_sales__customers"


def current_sales(settings: Settings) -> list[tuple[Any, ...]]:
    [stream] = select_streams(load_streams(settings), [SALES])
    with_pg = pg_all(
        settings,
        "select " + ", ".join(f'"{c}"' for c in SALES_COLUMNS) + " from "
        + current_state(stream).as_string(None) + " order by rowid",
    )  # fmt: skip
    return with_pg


def ops(
    settings: Settings, table: str = "mysql_sales__sales_data", key: str = "rowid"
) -> list[tuple[Any, ...]]:
    return pg_all(
        settings,
        f"select {key}, _softcart_op from raw.{table} where _softcart_run_id = (select max(_softcart_run_id)"
        f" from raw.{table}) order by _softcart_seq",
    )


def test_updates_deletes_and_a_moved_key_reach_the_change_log(isolated: Settings) -> None:
    insert_sales(isolated, sales_rows(100))
    assert ingest(isolated, SALES) == 0
    first = last_stream_run(isolated, SALES)
    assert first["rows_written"] == 100 and first["mark_after"].startswith("mysql-bin.")
    assert (
        pg_one(isolated, "select count(*) from raw.mysql_sales__sales_data where _softcart_op = 'r'") == 100
    )
    # one transaction: an update, a delete, a moved key, an insert; then a second transaction
    conn = mysql(isolated)
    with conn.cursor() as cur:
        conn.begin()
        cur.execute("UPDATE sales_data SET quantity = 99, price = 1.50 WHERE rowid = 5")
        cur.execute("DELETE FROM sales_data WHERE rowid = 7")
        cur.execute("UPDATE sales_data SET rowid = 1007 WHERE rowid = 8")
        cur.execute(
            "INSERT INTO sales_data (rowid, product_id, customer_id, price, quantity, `timestamp`)"
            " VALUES (101, 1, 1, 2.00, 3, '2024-01-02 03:04:05')"
        )
        conn.commit()
        cur.execute("UPDATE sales_data SET quantity = quantity + 1 WHERE rowid BETWEEN 10 AND 14")
    conn.close()
    assert ingest(isolated, SALES) == 0
    run = last_stream_run(isolated, SALES)
    assert (run["status"], run["rows_written"]) == ("succeeded", 10)
    assert run["mark_before"] == first["mark_after"] != run["mark_after"]
    assert ops(isolated) == [
        (5, "u"), (7, "d"), (8, "d"), (1007, "c"), (101, "c"),
        (10, "u"), (11, "u"), (12, "u"), (13, "u"), (14, "u"),
    ]  # fmt: skip
    assert current_sales(isolated) == source_sales(isolated)
    # the delete's row image is the before-image; commit times and positions are set
    assert (
        pg_one(
            isolated,
            "select quantity from raw.mysql_sales__sales_data where rowid = 7 and _softcart_op = 'd'",
        )
        == sales_rows(7)[6][4]
    )
    assert (
        pg_one(
            isolated,
            "select count(*) from raw.mysql_sales__sales_data where _softcart_committed_at is null"
            " or _softcart_source_pos is null",
        )
        == 0
    )
    assert reconcile(isolated) == 0
    # nothing new: unchanged, the position stays
    assert ingest(isolated, SALES) == 0
    again = last_stream_run(isolated, SALES)
    assert (again["status"], again["rows_written"], again["mark_after"]) == (
        "unchanged",
        0,
        run["mark_after"],
    )


def test_customers_move_and_leave(isolated: Settings) -> None:
    mysql_exec(isolated, "INSERT INTO customers VALUES (1, 'Chile'), (2, 'Peru'), (3, 'Cuba')")
    assert ingest(isolated, CUSTOMERS) == 0
    mysql_exec(
        isolated,
        "UPDATE customers SET country = 'Spain' WHERE customer_id = 1",
        "DELETE FROM customers WHERE customer_id = 3",
        "INSERT INTO customers VALUES (4, 'Mali')",
    )
    assert ingest(isolated, CUSTOMERS) == 0
    assert ops(isolated, "mysql_sales__customers", "customer_id") == [(1, "u"), (3, "d"), (4, "c")]
    [stream] = select_streams(load_streams(isolated), [CUSTOMERS])
    got = pg_all(
        isolated, f"select customer_id, country from {current_state(stream).as_string(None)} order by 1"
    )
    assert got == [(1, "Spain"), (2, "Peru"), (4, "Mali")]
    assert reconcile(isolated) == 0


def test_other_databases_and_tables_are_not_captured(isolated: Settings) -> None:
    insert_sales(isolated, sales_rows(10))
    assert ingest(isolated, SALES, CUSTOMERS) == 0
    mysql_exec(isolated, "INSERT INTO customers VALUES (9, 'Fiji')")  # another table
    assert ingest(isolated, SALES) == 0
    assert last_stream_run(isolated, SALES)["status"] == "unchanged"
    assert ingest(isolated, CUSTOMERS) == 0
    assert last_stream_run(isolated, CUSTOMERS)["rows_written"] == 1


def test_full_refresh_resnapshots(isolated: Settings) -> None:
    insert_sales(isolated, sales_rows(30))
    assert ingest(isolated, SALES) == 0
    mysql_exec(isolated, "DELETE FROM sales_data WHERE rowid > 20")
    assert ingest(isolated, SALES, full_refresh=True) == 0
    run = last_stream_run(isolated, SALES)
    assert (run["rows_written"], run["refreshed"]) == (20, True)
    assert pg_one(isolated, "select count(*) from raw.mysql_sales__sales_data") == 20
    assert current_sales(isolated) == source_sales(isolated)


def test_snapshot_numbers_its_rows_in_key_order_and_the_changes_after(isolated: Settings) -> None:
    """The snapshot's _softcart_seq comes from the extract (base + row number), not the identity:
    unique, in key order, and the identity is moved past it for the binlog's changes and the next
    snapshot."""
    insert_sales(isolated, sales_rows(50))
    assert ingest(isolated, SALES) == 0
    seqs = [
        s
        for _, s in pg_all(
            isolated, "select rowid, _softcart_seq from raw.mysql_sales__sales_data order by rowid"
        )
    ]
    assert len(seqs) == 50 and seqs == sorted(set(seqs))
    insert_sales(isolated, sales_rows(1, start=51))
    assert ingest(isolated, SALES) == 0
    inserted = pg_one(
        isolated, "select _softcart_seq from raw.mysql_sales__sales_data where _softcart_op = 'c'"
    )
    assert inserted > seqs[-1]
    assert ingest(isolated, SALES, full_refresh=True) == 0
    again = pg_one(isolated, "select min(_softcart_seq) from raw.mysql_sales__sales_data")
    assert again > inserted


def test_purged_binlog_stops_with_the_resnapshot_command(
    isolated: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    insert_sales(isolated, sales_rows(5))
    assert ingest(isolated, SALES) == 0
    # a position in a binlog file the server no longer has (what PURGE BINARY LOGS leaves behind;
    # purging the shared test server's binlog would break the other tests' streams)
    admin = mysql_admin_connect(isolated)  # SHOW BINARY LOGS: BINLOG MONITOR, not the load account's
    try:
        with admin.cursor() as cur:
            cur.execute("SHOW BINARY LOGS")
            gone = "mysql-bin.000000"
            assert gone not in {r[0] for r in cur.fetchall()}
    finally:
        admin.close()
    pg_all(
        isolated,
        "update softcart_meta.ingest_state set mark = %s where stream = %s returning 1",
        (f"{gone}:4", SALES),
    )
    insert_sales(isolated, sales_rows(1, start=6))
    assert ingest(isolated, SALES) == 1
    out = capsys.readouterr().out
    assert "no longer on the server" in out
    assert f"softcart ingest -s {SALES} --full-refresh" in out
    assert ingest(isolated, SALES, full_refresh=True) == 0
    assert current_sales(isolated) == source_sales(isolated)


def test_a_column_added_mid_stream_is_picked_up(isolated: Settings) -> None:
    insert_sales(isolated, sales_rows(5))
    assert ingest(isolated, SALES) == 0
    mysql_exec(
        isolated,
        "ALTER TABLE sales_data ADD COLUMN channel VARCHAR(10) NULL",
        "INSERT INTO sales_data (product_id, customer_id, quantity, channel) VALUES (1, 1, 1, 'web')",
        "UPDATE sales_data SET channel = 'shop' WHERE rowid = 2",
    )
    assert ingest(isolated, SALES) == 0
    run = last_stream_run(isolated, SALES)
    assert "new source column channel added as text" in run["note"]
    got = pg_all(
        isolated,
        "select rowid, channel, _softcart_op from raw.mysql_sales__sales_data where channel is not null order by 1",
    )
    assert got == [(2, "shop", "u"), (6, "web", "c")]
    assert reconcile(isolated) == 0


CATALOG = "mongo_catalog__electronics"


def test_catalog_edits_and_removals_reach_the_change_log(isolated: Settings) -> None:
    from tests.ingest.ingest_helpers import mongo_collection

    coll = mongo_collection(isolated)
    coll.insert_many(
        [{"type": "laptop", "model": f"l{i}", "product_id": i} for i in range(10)]
        + [{"type": "smart phone", "model": f"p{i}", "product_id": 100 + i} for i in range(6)]
    )
    assert ingest(isolated, CATALOG) == 0
    assert last_stream_run(isolated, CATALOG)["rows_written"] == 16
    # the case: the laptops renamed, the phones deleted; a replace and a new document
    coll.update_many({"type": "laptop"}, {"$set": {"model": "renamed"}})
    coll.delete_many({"type": "smart phone"})
    coll.replace_one({"product_id": 3}, {"type": "laptop", "model": "replaced", "product_id": 3})
    coll.insert_one({"type": "television", "model": "tv", "product_id": 500})
    assert ingest(isolated, CATALOG) == 0
    run = last_stream_run(isolated, CATALOG)
    assert (run["rows_read"], run["rows_written"]) == (18, 18)
    [stream] = select_streams(load_streams(isolated), [CATALOG])
    got = pg_all(
        isolated, f"select model, count(*) from {current_state(stream).as_string(None)} group by 1 order by 1"
    )
    assert got == [("renamed", 9), ("replaced", 1), ("tv", 1)]
    assert reconcile(isolated) == 0
    assert ingest(isolated, CATALOG) == 0
    assert last_stream_run(isolated, CATALOG)["status"] == "unchanged"


def _mysql_connections(settings: Settings) -> int:
    admin = mysql_admin_connect(settings)
    try:
        with admin.cursor() as cur:
            cur.execute("SHOW GLOBAL STATUS LIKE 'Connections'")
            return int(cur.fetchone()[1])  # type: ignore[index]
    finally:
        admin.close()


def test_one_binlog_reader_for_the_streams_of_a_run(isolated: Settings) -> None:
    """Two change streams at different positions: one pass over the binlog serves both, each takes
    only its own table's changes past its own position."""
    insert_sales(isolated, sales_rows(10))
    mysql_exec(isolated, "INSERT INTO customers VALUES (1, 'Chile'), (2, 'Peru')")
    assert ingest(isolated, SALES, CUSTOMERS) == 0
    mysql_exec(isolated, "UPDATE customers SET country = 'Fiji' WHERE customer_id = 2")
    assert ingest(isolated, CUSTOMERS) == 0  # customers is now ahead of sales_data
    conn = mysql(isolated)
    with conn.cursor() as cur:  # one transaction on both tables, then one on each
        conn.begin()
        cur.execute("UPDATE sales_data SET quantity = 50 WHERE rowid = 3")
        cur.execute("DELETE FROM customers WHERE customer_id = 1")
        conn.commit()
        cur.execute("DELETE FROM sales_data WHERE rowid = 4")
        cur.execute("INSERT INTO customers VALUES (3, 'Cuba')")
    conn.close()
    before = _mysql_connections(isolated)
    assert ingest(isolated, SALES, CUSTOMERS) == 0
    # one metadata connection and the reader's two (its dump and its control connection); a
    # reader per stream would open three per stream
    assert _mysql_connections(isolated) - before - 1 == 3  # - 1: this count's own connection
    assert ops(isolated) == [(3, "u"), (4, "d")]
    assert ops(isolated, "mysql_sales__customers", "customer_id") == [(1, "d"), (3, "c")]
    assert last_stream_run(isolated, CUSTOMERS)["rows_written"] == 2
    assert current_sales(isolated) == source_sales(isolated)
    assert reconcile(isolated) == 0


def test_a_full_refresh_started_before_the_run_loses_no_change(isolated: Settings) -> None:
    """`softcart ingest --full-refresh` starts the catalog's read (generation, resume token, scan)
    before the run's setup: what changes after the token is in the snapshot or replayed by the next
    run, either way the change log's current state is the source's."""
    from ingest.cli import main
    from ingest.sources.mongo_read import start_snapshot_reads
    from tests.ingest.ingest_helpers import mongo_collection

    # only a full refresh, and only when the catalog runs first (all streams: MySQL's first)
    assert start_snapshot_reads(isolated, [CATALOG], False) == {}
    assert start_snapshot_reads(isolated, [], True) == {}
    assert start_snapshot_reads(isolated, [SALES, CATALOG], True) == {}
    coll = mongo_collection(isolated)
    coll.insert_many([{"type": "laptop", "model": f"l{i}", "product_id": i} for i in range(20)])
    reads = start_snapshot_reads(isolated, [CATALOG], True)
    assert list(reads) == [CATALOG] and reads[CATALOG].before().token is not None
    # after the token (the scan may or may not have read these yet)
    coll.update_one({"product_id": 1}, {"$set": {"model": "renamed"}})
    coll.delete_one({"product_id": 2})
    coll.insert_one({"type": "television", "model": "tv", "product_id": 500})
    assert main(isolated, [CATALOG], True, reads=reads) == 0
    assert last_stream_run(isolated, CATALOG)["refreshed"]
    assert ingest(isolated, CATALOG) == 0  # replays what changed after the token
    [stream] = select_streams(load_streams(isolated), [CATALOG])
    got = pg_all(isolated, f"select model from {current_state(stream).as_string(None)} order by model")
    want = sorted(d["model"] for d in coll.find({}, {"model": 1}))
    assert [r[0] for r in got] == want and "renamed" in want and "l2" not in want
    assert reconcile(isolated) == 0


def test_reads_the_run_does_not_take_are_stopped(isolated: Settings) -> None:
    """A read started for a stream the run does not reach (here: not selected) is stopped with its
    thread, though the server's batches fill its queue."""
    from ingest.runner import run_ingest
    from ingest.sources.mongo_read import BATCH, QUEUED, start_snapshot_reads
    from tests.ingest.ingest_helpers import mongo_collection

    mongo_collection(isolated).insert_many([{"n": i} for i in range(BATCH * (QUEUED + 2))])
    reads = start_snapshot_reads(isolated, [CATALOG], True)
    read = reads[CATALOG]
    read.before()
    [sales] = select_streams(load_streams(isolated), [SALES])
    assert run_ingest(isolated, [sales], True, reads=reads).ok
    read._thread.join(timeout=10)
    assert not read._thread.is_alive()
