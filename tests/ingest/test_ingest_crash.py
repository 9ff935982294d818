"""Crash safety: a run killed at any moment (kill -9) is followed by a run that ends with exactly the
source's rows, none lost, none twice; the killed run published nothing (or all, after its commit)."""

from __future__ import annotations

import random
import signal
import time

import pytest

from ingest.cli import reconcile
from softcart.core.settings import Settings
from tests.ingest.ingest_helpers import (
    ingest,
    ingest_process,
    insert_sales,
    mongo_collection,
    pg_all,
    pg_one,
    raw_sales,
    sales_rows,
    source_sales,
    with_env,
)

STREAMS = ("-s", "mysql_sales__sales_data", "-s", "mongo_catalog__electronics")


def _mongo_docs(n: int, start: int = 0) -> list[dict[str, object]]:
    return [
        {"type": "laptop", "model": f"m{i}", "screen size": 13 + i % 5, "product_id": i}
        for i in range(start, start + n)
    ]


@pytest.mark.parametrize("point", ["extract", "between_batches", "before_commit", "after_commit"])
def test_kill_at_a_point_then_rerun_is_exact(isolated: Settings, point: str) -> None:
    settings = with_env(isolated, SOFTCART_INGEST_BATCH_ROWS="1000")
    insert_sales(settings, sales_rows(1500))
    mongo_collection(settings).insert_many(_mongo_docs(40))
    assert ingest(settings, "mysql_sales__sales_data", "mongo_catalog__electronics") == 0
    marks_before = pg_all(settings, "select stream, mark from softcart_meta.ingest_state order by 1")
    insert_sales(settings, sales_rows(2500, start=1501))
    mongo_collection(settings).insert_many(_mongo_docs(30, start=40))

    proc = ingest_process(settings, *STREAMS, SOFTCART_INGEST_CRASH_AT=point)
    out, _ = proc.communicate(timeout=120)
    assert proc.returncode == 137, out

    status = pg_one(settings, "select status from softcart_meta.ingest_runs order by run_id desc limit 1")
    count = pg_one(settings, "select count(*) from raw.mysql_sales__sales_data")
    marks = pg_all(settings, "select stream, mark from softcart_meta.ingest_state order by 1")
    if point == "after_commit":
        assert status == "succeeded"  # the outcome committed with the rows
        assert count == 4000
    else:
        assert status == "running"  # died before recording an outcome ...
        assert count == 1500  # ... and published nothing
        assert marks == marks_before

    assert ingest(settings, "mysql_sales__sales_data", "mongo_catalog__electronics") == 0
    assert raw_sales(settings) == source_sales(settings)
    assert pg_one(settings, "select count(*) from raw.mongo_catalog__electronics") == 70
    statuses = [
        r[0] for r in pg_all(settings, "select status from softcart_meta.ingest_runs order by run_id")
    ]
    assert statuses == ["succeeded", "succeeded" if point == "after_commit" else "abandoned", "succeeded"]
    assert reconcile(settings) == 0


def kill_at_random(settings: Settings, rng: random.Random, within: float) -> None:
    """Start an ingest of the sales stream, wait for its run to start, SIGKILL it at a random
    moment of its work (up to ``within`` seconds in)."""
    proc = ingest_process(settings, "-s", "mysql_sales__sales_data")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        if pg_one(settings, "select count(*) from softcart_meta.ingest_runs where status = 'running'"):
            break
        time.sleep(0.05)
    time.sleep(rng.uniform(0.0, within))
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=60)


def test_sigkill_at_random_moments(isolated: Settings) -> None:
    settings = with_env(isolated, SOFTCART_INGEST_BATCH_ROWS="10000")
    insert_sales(settings, sales_rows(60_000))
    rng = random.Random()
    seed = rng.randrange(1_000_000)
    rng.seed(seed)
    for attempt in range(3):
        if attempt:
            insert_sales(settings, sales_rows(10_000, start=60_001 + (attempt - 1) * 10_000))
        kill_at_random(settings, rng, 0.6)
    assert ingest(settings, "mysql_sales__sales_data") == 0, f"seed {seed}"
    assert raw_sales(settings) == source_sales(settings), f"seed {seed}"
    assert reconcile(settings) == 0


def test_sigkill_while_capturing_updates_and_deletes(isolated: Settings) -> None:
    """kill -9 at random moments of binlog capture (updates, deletes, moved keys, inserts in big
    transactions), then a rerun: the change log holds each change once and its current state is
    the source's."""
    from tests.ingest.ingest_helpers import mysql

    insert_sales(isolated, sales_rows(6_000))
    assert ingest(isolated, "mysql_sales__sales_data") == 0  # the snapshot: 6,000 r
    rng = random.Random()
    seed = rng.randrange(1_000_000)
    rng.seed(seed)
    changes = 0
    for attempt in range(3):
        conn = mysql(isolated)
        with conn.cursor() as cur:
            conn.begin()
            changes += cur.execute(
                f"UPDATE sales_data SET quantity = quantity + 1 WHERE rowid % 5 = {attempt}"
            )
            changes += cur.execute(f"DELETE FROM sales_data WHERE rowid % 17 = {attempt}")
            moved = cur.execute(
                f"UPDATE sales_data SET rowid = rowid + 100000 WHERE rowid % 29 = {attempt} AND rowid < 100000"
            )
            changes += 2 * moved  # a moved key is a delete and an insert
            conn.commit()
        conn.close()
        insert_sales(isolated, sales_rows(500, start=200_000 + attempt * 500))
        changes += 500
        kill_at_random(isolated, rng, 1.0)
    assert ingest(isolated, "mysql_sales__sales_data") == 0, f"seed {seed}"
    logged = pg_one(isolated, "select count(*) from raw.mysql_sales__sales_data where _softcart_op <> 'r'")
    assert logged == changes, f"seed {seed}: {logged} changes in the log, {changes} made"
    current = pg_all(
        isolated,
        'select rowid, product_id, customer_id, price, quantity, "timestamp" from (select distinct on (rowid) *'
        " from raw.mysql_sales__sales_data order by rowid, _softcart_seq desc) c where _softcart_op <> 'd'"
        " order by rowid",
    )
    assert current == source_sales(isolated), f"seed {seed}"
    assert reconcile(isolated) == 0
