"""``softcart simulate``: deterministic from its seed, and every change it commits reaches the raw
change logs exactly (per table and operation) and their current state equals the sources."""

from __future__ import annotations

from typing import Any

import pytest

from ingest.cli import main as ingest_main
from ingest.config import load_streams, select_streams
from ingest.reconcile import reconcile_all
from softcart.core.connections import mysql_connect, postgres_connect
from softcart.core.settings import Settings
from softcart.simulate.cli import main as simulate_cli
from softcart.simulate.workload import initial_inventory, simulate

MYSQL_STREAMS = ["mysql_sales__sales_data", "mysql_sales__customers", "mysql_sales__inventory"]
TABLES = {"sales_data": "mysql_sales__sales_data", "customers": "mysql_sales__customers",
          "inventory": "mysql_sales__inventory"}  # fmt: skip


def seed_shop(settings: Settings) -> None:
    with mysql_connect(settings) as conn, conn.cursor() as cur:
        cur.executemany("INSERT INTO customers VALUES (%s, %s)", [(i, "Chile") for i in range(1, 41)])
        cur.executemany(
            "INSERT INTO sales_data (product_id, customer_id, price, quantity, `timestamp`)"
            " VALUES (%s, %s, 10.00, %s, '2024-01-01 10:00:00')",
            [(i % 12 + 1, i % 40 + 1, i % 4 + 1) for i in range(150)],
        )
        conn.commit()


def state(settings: Settings) -> list[tuple[Any, ...]]:
    with mysql_connect(settings) as conn, conn.cursor() as cur:
        out = []
        for query in (
            "SELECT rowid, product_id, customer_id, price, quantity FROM sales_data ORDER BY rowid",
            "SELECT product_id, on_hand, reorder_level FROM inventory ORDER BY product_id",
            "SELECT customer_id, country FROM customers ORDER BY customer_id",
        ):
            cur.execute(query)
            out.append(tuple(cur.fetchall()))
        return out


def raw_ops(settings: Settings, run_id: int) -> dict[str, dict[str, int]]:
    with postgres_connect(settings, "test") as pg:
        out: dict[str, dict[str, int]] = {}
        for table, raw in TABLES.items():
            rows = pg.execute(
                f"select _softcart_op, count(*) from raw.{raw} where _softcart_run_id = %s group by 1",  # noqa: S608
                (run_id,),
            ).fetchall()
            out[table] = {"c": 0, "u": 0, "d": 0} | {str(op): int(n) for op, n in rows}
        return out


def test_initial_inventory_is_deterministic() -> None:
    assert initial_inventory([3, 1, 2, 3], 5) == initial_inventory([1, 2, 3], 5)
    assert initial_inventory([1, 2, 3], 5) != initial_inventory([1, 2, 3], 6)
    assert all(on_hand >= 20 for _, on_hand, _ in initial_inventory(list(range(50)), 1))


def test_simulated_changes_reach_the_change_logs_exactly(isolated: Settings) -> None:
    seed_shop(isolated)
    assert ingest_main(isolated, MYSQL_STREAMS, False) == 0  # the snapshot
    result = simulate(isolated, seed=7, rate=0, count=120)
    assert result.initial_inventory == 12 and result.transactions > 80
    assert result.committed["sale"] > 0 and result.committed["refund"] > 0
    assert result.committed["correction"] > 0 and result.committed["customer_move"] > 0
    assert ingest_main(isolated, MYSQL_STREAMS, False) == 0
    with postgres_connect(isolated, "test") as pg:
        run_id = pg.execute("select max(run_id) from softcart_meta.ingest_runs").fetchone()[0]  # type: ignore[index]
    expected = {t: result.changes.get(t, {"c": 0, "u": 0, "d": 0}) for t in TABLES}
    assert raw_ops(isolated, run_id) == expected
    streams = select_streams(load_streams(isolated), MYSQL_STREAMS)
    assert all(r.ok for r in reconcile_all(isolated, streams)), "current state differs from MySQL"


def test_same_seed_same_transactions(isolated: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    seed_shop(isolated)
    before = state(isolated)
    assert simulate_cli(isolated, seed=3, rate=0, count=40, duration=None) == 0
    first = state(isolated)
    out = capsys.readouterr().out
    assert "refund" in out and "transactions committed" in out
    # back to the starting state, then the same seed again: the same end state
    with mysql_connect(isolated) as conn, conn.cursor() as cur:
        cur.execute("DELETE FROM sales_data")
        cur.execute("DELETE FROM inventory")
        cur.execute("DELETE FROM customers")
        cur.execute("ALTER TABLE sales_data AUTO_INCREMENT = 1")
        conn.commit()
    seed_shop(isolated)
    assert state(isolated)[0] == before[0]
    assert simulate_cli(isolated, seed=3, rate=0, count=40, duration=None) == 0
    assert state(isolated) == first
    assert simulate_cli(isolated, seed=3, rate=0, count=None, duration=None) == 2
