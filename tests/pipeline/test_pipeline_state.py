"""State beside the data (issue: one pipeline, one state), against real servers.

* A reset is a reset: ``softcart run``, ``softcart down --purge``, ``softcart run`` gives the same
  sources, raw tables and marts as the first run (a stack of its own: the purge stops its servers).
* A reload is noticed by whoever ingests next and rebuilt by whoever runs dbt next: after
  ``softcart load B --replace`` the plain ``softcart ingest`` refreshes the replaced streams, and a
  plain ``softcart dbt build`` (no --full-refresh) rebuilds the incremental facts from them.
* A run whose consequences did not happen (the dbt build of a reload never ran) is planned again.
* A warehouse that differs from its sources fails ``softcart run`` at its reconcile step, naming
  the stream.
"""

from __future__ import annotations

import os
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from softcart.core.connections import mysql_admin_connect, mysql_connect, postgres_connect
from softcart.core.settings import Settings, load_settings
from tests.snapshots import sources_snapshot, warehouse_snapshot
from tests.softcart_cli import softcart

# a stack of its own, beside the suite's (tests/conftest.py uses 23306/25432/27117 + the offset)
OWN_PORTS = {"MYSQL": 23356, "POSTGRES": 25482, "MONGO": 27167}


def _ok(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 0, (done.stdout + done.stderr)[-6000:]
    return done.stdout + done.stderr


@pytest.fixture
def own_stack(tmp_path: Path) -> Iterator[Settings]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOFTCART_")}
    offset = int(os.environ.get("SOFTCART_TEST_PORT_OFFSET", "0"))
    for name, port in OWN_PORTS.items():
        with socket.socket() as probe:  # a leftover of a killed run would make this test lie
            assert probe.connect_ex(("127.0.0.1", port + offset)) != 0, f"port {port + offset} is taken"
        env[f"SOFTCART_{name}_PORT"] = str(port + offset)
    env["SOFTCART_DATA_DIR"] = str(tmp_path / "data")
    env["SOFTCART_SUPERSET_ENABLED"] = "0"  # as the suite's stack (tests/conftest.py): no BI server
    settings = load_settings(env)
    yield settings
    softcart(settings, "down", "--purge")


def test_run_purge_run_reproduces_the_first_run(own_stack: Settings) -> None:
    settings = own_stack
    first = _ok(softcart(settings, "run", "--scale", "0.001", "--seed", "7"))
    assert "ok load: " in first
    settings = load_settings(own_stack.env)  # with the passwords the run generated into secrets.env
    sources, warehouse = sources_snapshot(settings), warehouse_snapshot(settings)
    assert sources["mysql.sales_data"][0] == 1000 and warehouse["marts.fct_sales"][0] > 1000

    purged = _ok(softcart(settings, "down", "--purge"))
    assert "purged" in purged
    assert not settings.landing_dir.exists() and not Path(settings.lake_url).exists()

    again = _ok(softcart(settings, "run", "--scale", "0.001", "--seed", "7"))
    assert "ok load: " in again and "not reloaded" not in again  # the record went with the data
    assert "ok dbt: full build (no earlier successful build on record)" in again
    settings = load_settings(own_stack.env)  # a purged data dir: new servers, new passwords
    assert sources_snapshot(settings) == sources
    assert warehouse_snapshot(settings) == warehouse


def _count(settings: Settings, sql: str) -> int:
    with postgres_connect(settings, "softcart-test") as conn:
        row = conn.execute(sql).fetchone()  # type: ignore[arg-type]
    assert row is not None
    return int(row[0])


def _mysql_count(settings: Settings) -> int:
    with mysql_connect(settings) as conn, conn.cursor() as cur:
        cur.execute("SELECT COUNT(*) FROM sales_data")
        row = cur.fetchone()
    assert row is not None
    return int(row[0])


OLTP_FACTS = "select count(*) from marts.fct_sales where source_system = 'oltp'"
RAW_SALES = "select count(*) from raw.mysql_sales__sales_data"


def test_a_reload_is_refreshed_by_plain_ingest_and_plain_dbt_then_drift_fails_the_run(
    isolated: Settings, tmp_path: Path
) -> None:
    from softcart.generate import generate_dataset

    settings = isolated
    steps = ["--step", "up", "--step", "load", "--step", "ingest", "--step", "reconcile", "--step", "dbt"]
    big, small = tmp_path / "a", tmp_path / "b"
    generate_dataset(big, scale=0.002, seed=3, progress=False)
    generate_dataset(small, scale=0.001, seed=4, progress=False)
    _ok(softcart(settings, "run", "--dataset", str(big), *steps))
    assert _count(settings, OLTP_FACTS) == _count(settings, RAW_SALES) == 2000

    # the README's flow: a smaller dataset replaces the sources, then plain ingest and plain dbt
    _ok(softcart(settings, "load", str(small), "--replace"))
    ingested = _ok(softcart(settings, "ingest"))
    assert "the source was reloaded since the last ingest" in ingested
    assert _count(settings, RAW_SALES) == _mysql_count(settings) == 1000
    _ok(softcart(settings, "dbt", "build", "--select", "fct_sales+"))
    assert _count(settings, OLTP_FACTS) == 1000  # no stale facts of the first dataset
    monthly = "select coalesce(sum(sale_count), 0) from marts.fct_sales_monthly"
    assert _count(settings, monthly) == _count(settings, "select count(*) from marts.fct_sales")

    # that dbt build was not softcart's: the next run still owes the reload its full build
    rerun = _ok(softcart(settings, "run", "--dataset", str(small), *steps))
    assert "skipped load: every source holds this dataset" in rerun
    assert "ok dbt: full build (raw " in rerun and "rebuilt from scratch" in rerun
    nothing = _ok(softcart(settings, "run", "--dataset", str(small), *steps))
    assert "skipped dbt: nothing to build" in nothing

    # a raw row deleted by hand: the run fails at reconcile, names the stream, builds nothing
    with postgres_connect(settings, "softcart-test") as conn:
        conn.execute(
            "delete from raw.mysql_sales__customers where customer_id = (select min(customer_id) from raw.mysql_sales__customers)"
        )
        conn.commit()
    drift = softcart(settings, "run", "--dataset", str(small), *steps)
    out = drift.stdout + drift.stderr
    assert drift.returncode == 1, out[-4000:]
    assert "failed reconcile: the warehouse differs from its sources: mysql_sales__customers" in out
    assert "the run failed at step reconcile" in out
    assert "dbt: the planned dbt build" not in out  # stopped before dbt


def test_a_source_below_its_mark_was_replaced(isolated: Settings) -> None:
    """Rows removed by other means than softcart (a restore, a truncate and reload): the change
    stream sees the TRUNCATE and stops with the command that re-snapshots the stream, rather than
    calling the stream unchanged; that command then lands exactly the source's rows. A TRUNCATE of
    another table (the same name in another database) does not stop it."""
    settings = isolated
    with mysql_connect(settings) as conn, conn.cursor() as cur:
        for _ in range(5):
            cur.execute(
                "INSERT INTO sales_data (product_id, customer_id, price, quantity, `timestamp`)"
                " VALUES (1, 1, 9.99, 1, '2023-01-02 10:00:00')"
            )
        conn.commit()
    _ok(softcart(settings, "ingest", "-s", "mysql_sales__sales_data"))
    # a TRUNCATE of another table of the same name (another database on the server, as a benchmark's)
    # or of a longer name is not one of the stream's: the stream goes on
    with mysql_admin_connect(settings) as conn, conn.cursor() as cur:
        cur.execute("CREATE DATABASE IF NOT EXISTS softcart_other")
        cur.execute("CREATE TABLE IF NOT EXISTS softcart_other.sales_data (id int)")
        cur.execute(f"CREATE TABLE IF NOT EXISTS {settings.mysql.database}.sales_data_archive (id int)")
        cur.execute("TRUNCATE TABLE softcart_other.sales_data")
        cur.execute(f"USE {settings.mysql.database}")
        cur.execute("TRUNCATE sales_data_archive")
        cur.execute("DROP TABLE sales_data_archive")
        cur.execute("DROP DATABASE softcart_other")
        conn.commit()
    _ok(softcart(settings, "ingest", "-s", "mysql_sales__sales_data"))
    with mysql_connect(settings) as conn, conn.cursor() as cur:
        cur.execute("TRUNCATE sales_data")
        cur.execute(
            "INSERT INTO sales_data (product_id, customer_id, price, quantity, `timestamp`)"
            " VALUES (2, 2, 1.50, 3, '2023-02-03 10:00:00')"
        )
        conn.commit()
    stopped = softcart(settings, "ingest", "-s", "mysql_sales__sales_data")
    assert stopped.returncode == 1
    assert "was truncated" in stopped.stdout + stopped.stderr
    assert "softcart ingest -s mysql_sales__sales_data --full-refresh" in stopped.stdout + stopped.stderr
    assert _count(settings, RAW_SALES) == 5  # nothing of the stopped run was published
    _ok(softcart(settings, "ingest", "-s", "mysql_sales__sales_data", "--full-refresh"))
    assert _count(settings, RAW_SALES) == 1
    refreshed = _count(
        settings,
        "select count(*) from softcart_meta.ingest_stream_runs where refreshed"
        " and run_id = (select max(run_id) from softcart_meta.ingest_runs)",
    )
    assert refreshed == 1
