"""Benchmark: change data capture (MySQL binlog -> the raw change log), on the project's stack.

    SOFTCART_DATA_DIR=... SOFTCART_MYSQL_PORT=... SOFTCART_POSTGRES_PORT=... SOFTCART_MONGO_PORT=... \\
        .venv/bin/python bench/bench_cdc.py [--rows 200000] [--big 100000] [--repeat 3] \\
        [--rate 500] [--seconds 20]

Uses databases ``bench_cdc`` on the servers the settings name (created if missing). Measures, each
``--repeat`` times (median, min-max):

* the batch re-scan: ``--full-refresh`` of ``sales_data`` (a new snapshot: what a batch load
  needs to see updates and deletes), whole table;
* a CDC catch-up after 1 % of the table changed (updates, deletes, inserts), and its ratio to
  the re-scan (goal: under 10 %);
* throughput: one transaction updating ``--big`` rows, captured: row changes per second into
  raw (goal: 10,000/s), and the library's share (the same binlog only decoded, nothing written);
* commit-to-raw latency under load: ``softcart ingest --follow`` running while a writer commits
  ``--rate`` single-sale transactions per second for ``--seconds``; a poller sees each sale land
  in raw (p50/p99; goal: p99 under 2 s at 500 transactions/s).

Nothing is asserted: it prints the numbers beside the goals of issue 13. Run by hand.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from ingest.config import load_streams, select_streams
from ingest.runner import run_ingest
from softcart.core.settings import Settings, load_settings

sys.path.insert(0, os.path.dirname(__file__))
from bench_ingest import my, my_url, pg, pg_url  # noqa: E402 (the same connections as the ingest benchmark)

DB = "bench_cdc"
STREAM = "mysql_sales__sales_data"


def bench_settings() -> Settings:
    env = dict(os.environ)
    for name in ("MYSQL", "POSTGRES", "MONGO"):
        env[f"SOFTCART_{name}_DATABASE"] = DB
    return load_settings(env)


def fill(settings: Settings, rows: int) -> None:
    with my(settings).cursor() as cur:
        cur.execute("TRUNCATE sales_data")
        cur.execute(
            "INSERT INTO sales_data (rowid, product_id, customer_id, price, quantity, `timestamp`)"
            " SELECT seq, seq % 5000 + 1, seq % 1000 + 1, (seq * 37) % 3500 + 0.25, seq % 5 + 1,"
            f" TIMESTAMP('2019-01-01') + INTERVAL (seq * 7) SECOND FROM seq_1_to_{rows}"
        )


def timed_run(settings: Settings, full_refresh: bool) -> tuple[float, int]:
    streams = select_streams(load_streams(settings), [STREAM])
    started = time.perf_counter()
    outcome = run_ingest(settings, streams, full_refresh)
    seconds = time.perf_counter() - started
    if not outcome.ok:
        raise SystemExit(f"ingest failed: {outcome.error}")
    return seconds, sum(r.rows_written for r in outcome.results)


def change_one_percent(settings: Settings, rows: int, round_: int, table: str = "sales_data") -> int:
    """Change 1 % of ``rows``: half updates, a quarter deletes, a quarter inserts."""
    n = max(1, rows // 100)
    with my(settings).cursor() as cur:
        top = rows * 10 + round_ * n
        changed = cur.execute(
            f"UPDATE {table} SET quantity = quantity + 1 WHERE rowid % 200 = {round_} LIMIT {n // 2}"
        )
        changed += cur.execute(f"DELETE FROM {table} WHERE rowid % 200 = {100 + round_} LIMIT {n // 4}")
        changed += cur.execute(
            f"INSERT INTO {table} (rowid, product_id, customer_id, price, quantity, `timestamp`)"
            f" SELECT {top} + seq, 1, 1, 1.00, 1, NOW() FROM seq_1_to_{n - n // 2 - n // 4}"
        )
    return int(changed)


SLING_TABLE = "sling_sales"  # a copy of sales_data with the update key sling's incremental mode needs


def sling_rounds(settings: Settings, rows: int, repeat: int) -> dict[str, list[float]]:
    """sling 1.4.10 (the bench extra's binary), incremental on primary key ``rowid`` and update key
    ``updated_at`` (sales_data has no such column: a copy of it with one). Its first run is a full
    load; then per round 1 % changed and one incremental run: seconds, rows/s, and the source's
    deleted keys still in sling's table afterwards (an update-key read cannot see a row that is gone)."""
    sling = str(Path(sys.executable).with_name("sling"))
    env = dict(os.environ, MYSRC=my_url(settings), PGDST=pg_url(settings) + "?sslmode=disable",
               SLING_DISABLE_TELEMETRY="true")  # fmt: skip
    with my(settings).cursor() as cur:
        cur.execute(f"DROP TABLE IF EXISTS {SLING_TABLE}")
        cur.execute(f"CREATE TABLE {SLING_TABLE} LIKE sales_data")
        cur.execute(
            f"ALTER TABLE {SLING_TABLE} ADD COLUMN updated_at DATETIME(6) NOT NULL"
            " DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6), ADD KEY (updated_at)"
        )
        cur.execute(
            f"INSERT INTO {SLING_TABLE} (rowid, product_id, customer_id, price, quantity, `timestamp`)"
            " SELECT rowid, product_id, customer_id, price, quantity, `timestamp` FROM sales_data"
        )
    with pg(settings) as conn:
        conn.execute("create schema if not exists bench_sling")
        conn.execute("drop table if exists bench_sling.sales")
    command = [sling, "run", "--src-conn", "MYSRC", "--src-stream", f"{DB}.{SLING_TABLE}", "--tgt-conn", "PGDST",
               "--tgt-object", "bench_sling.sales", "--mode", "incremental", "--primary-key", "rowid",
               "--update-key", "updated_at"]  # fmt: skip

    def run() -> float:
        started = time.perf_counter()
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise SystemExit(f"sling failed: {done.stdout[-2000:]}{done.stderr[-2000:]}")
        return time.perf_counter() - started

    out: dict[str, list[float]] = {"full": [run()], "catchup": [], "rate": [], "missed": [], "deleted": []}
    for i in range(repeat):
        with my(settings).cursor() as cur:
            cur.execute(f"SELECT rowid FROM {SLING_TABLE}")
            before = {r[0] for r in cur.fetchall()}
        changed = change_one_percent(settings, rows, 50 + i, SLING_TABLE)  # keys apart from the CDC rounds
        seconds = run()
        with my(settings).cursor() as cur:
            cur.execute(f"SELECT rowid FROM {SLING_TABLE}")
            source = {r[0] for r in cur.fetchall()}
        with pg(settings) as conn:
            target = {r[0] for r in conn.execute("select rowid from bench_sling.sales").fetchall()}
        deleted = before - source
        out["catchup"].append(seconds)
        out["rate"].append((changed - len(deleted)) / seconds)  # what it can see: updates, inserts
        out["deleted"].append(len(deleted))
        out["missed"].append(len(deleted & target))
    return out


def decode_only(settings: Settings, start: str, end: str, library: bool) -> tuple[float, int]:
    """Decoding alone: read the binlog between two positions and decode its row images (with the
    library's decoder, or the project's), write nothing."""
    from ingest.credentials import mysql_reader_login
    from ingest.sources.mysql_cdc import Position, _events, _images

    login = mysql_reader_login(settings)
    stream = select_streams(load_streams(settings), [STREAM])[0]
    started = time.perf_counter()
    rows = 0
    for kind, _, _, event, _ in _events(login, [stream.source], Position.parse(start), Position.parse(end)):
        if kind in ("c", "u", "d"):
            images = event.rows if library else _images(event)[1]
            rows += len(images) // (2 if kind == "u" and not library else 1)
    return time.perf_counter() - started, rows


def master(settings: Settings) -> str:
    from softcart.core.connections import mysql_admin_connect

    admin = mysql_admin_connect(settings)  # SHOW MASTER STATUS: BINLOG MONITOR, not the load account's
    try:
        with admin.cursor() as cur:
            cur.execute("SHOW MASTER STATUS")
            row = cur.fetchone()
    finally:
        admin.close()
    return f"{row[0]}:{row[1]}"  # type: ignore[index]


def stream_mark(settings: Settings) -> str:
    with pg(settings) as conn:
        row = conn.execute(
            "select mark from softcart_meta.ingest_state where stream = %s", (STREAM,)
        ).fetchone()
    assert row is not None
    return str(row[0])


def latency(settings: Settings, rate: float, seconds: float) -> tuple[list[float], float]:
    """p50/p99 material: seconds from each sale's commit to its row being visible in raw, and the
    rate the writers reached. One connection commits about 100 transactions/s on this machine
    (each commit waits for the binlog and InnoDB), so ``rate / 50`` writer threads share the rate."""
    runs = "select count(*) from softcart_meta.ingest_runs where status = 'succeeded'"
    with pg(settings) as conn:
        (before,) = conn.execute(runs).fetchone()  # type: ignore[misc]
    follower = subprocess.Popen(
        [sys.executable, "-m", "softcart.cli", "ingest", "--follow", "-s", STREAM],
        env=settings.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    with pg(settings) as conn:  # its start (imports: seconds on a loaded machine) is not latency
        ready_by = time.monotonic() + 120
        while conn.execute(runs).fetchone()[0] == before and time.monotonic() < ready_by:  # type: ignore[index]
            time.sleep(0.1)
    committed: dict[int, float] = {}
    seen: dict[int, float] = {}
    threads = max(1, round(rate / 50))
    started = time.monotonic()

    def writer() -> None:
        conn = my(settings)
        start = time.monotonic()
        i = 0
        with conn.cursor() as cur:
            while time.monotonic() - start < seconds:
                cur.execute(
                    "INSERT INTO sales_data (product_id, customer_id, price, quantity, `timestamp`)"
                    " VALUES (1, 1, 1.00, 1, NOW())"
                )
                committed[cur.lastrowid] = time.monotonic()
                i += 1
                pause = start + i * threads / rate - time.monotonic()
                if pause > 0:
                    time.sleep(pause)
        conn.close()

    workers = [threading.Thread(target=writer) for _ in range(threads)]
    for w in workers:
        w.start()
    with pg(settings) as conn:
        (last,) = conn.execute(
            "select coalesce(max(_softcart_seq), 0) from raw.mysql_sales__sales_data"
        ).fetchone()  # type: ignore[misc]
        deadline: float | None = None
        while True:
            new = conn.execute(
                "select _softcart_seq, rowid from raw.mysql_sales__sales_data where _softcart_seq > %s"
                " and _softcart_op = 'c'",
                (last,),
            ).fetchall()
            now = time.monotonic()
            for seq, key in new:
                seen.setdefault(key, now)
                last = max(last, seq)
            if not any(w.is_alive() for w in workers):
                deadline = deadline or now + 30
                if all(k in seen for k in committed) or now > deadline:
                    break
            time.sleep(0.01)
    reached = len(committed) / (max(committed.values()) - started) if committed else 0.0
    follower.terminate()
    follower.wait(60)
    return [seen[k] - committed[k] for k in committed if k in seen], reached


def summary(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} ({min(values):.2f}-{max(values):.2f})"


def repeat(n: int, once: Callable[[int], Any]) -> list[Any]:
    return [once(i) for i in range(n)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--big", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--rate", type=float, default=500.0)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--sling", action=argparse.BooleanOptionalAction, default=True,
                        help="also sling's incremental mode on an update key")  # fmt: skip
    args = parser.parse_args()
    settings = bench_settings()
    from softcart.stack import provision

    provision(settings)
    console = Console()
    fill(settings, args.rows)
    timed_run(settings, True)

    rescans, catchups, ratios = [], [], []
    for i in range(args.repeat):
        rescan, _ = timed_run(settings, True)
        changed = change_one_percent(settings, args.rows, i)
        catchup, landed = timed_run(settings, False)
        assert landed == changed, (landed, changed)
        rescans.append(rescan)
        catchups.append(catchup)
        ratios.append(100 * catchup / rescan)

    rates, decode_rates, library_rates = [], [], []
    for _ in range(args.repeat):
        start = stream_mark(settings)
        with my(settings).cursor() as cur:
            cur.execute(f"UPDATE sales_data SET quantity = quantity + 1 WHERE rowid <= {args.big}")
        end = master(settings)
        seconds, landed = timed_run(settings, False)
        rates.append(landed / seconds)
        d_seconds, decoded = decode_only(settings, start, end, library=False)
        decode_rates.append(decoded / d_seconds)
        l_seconds, decoded = decode_only(settings, start, end, library=True)
        library_rates.append(decoded / l_seconds)

    peer = sling_rounds(settings, args.rows, args.repeat) if args.sling else None

    lat, reached = latency(settings, args.rate, args.seconds)
    lat.sort()
    p50 = lat[len(lat) // 2] if lat else float("nan")
    p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))] if lat else float("nan")

    table = Table(title=f"CDC, sales_data of {args.rows:,} rows, median of {args.repeat} (min-max)")
    for col in ("measure", "value", "goal (issue 13)"):
        table.add_column(col)
    table.add_row("batch re-scan (--full-refresh), s", summary(rescans), "")
    table.add_row(f"CDC catch-up after 1 % changed ({args.rows // 100:,} changes), s", summary(catchups), "")
    table.add_row("catch-up / re-scan, %", summary(ratios), "< 10 %")
    table.add_row(f"row changes/s captured (one {args.big:,}-row transaction)", summary(rates), ">= 10,000")
    table.add_row("the binlog read and decoded alone (nothing written), changes/s", summary(decode_rates), "")
    table.add_row("the same with mysql-replication's decoding, changes/s", summary(library_rates), "")
    table.add_row(
        f"commit-to-raw latency at {args.rate:g} tx/s for {args.seconds:g} s ({reached:.0f} tx/s"
        " reached): p50 / p99, s",
        f"{p50:.2f} / {p99:.2f} ({len(lat):,} sales)",
        "p99 < 2 s at 500 tx/s",
    )
    if peer is not None:
        table.add_row("sling incremental (update key): first run, a full load, s", summary(peer["full"]), "")
        table.add_row("sling catch-up after 1 % changed, s", summary(peer["catchup"]), "")
        table.add_row("sling catch-up / softcart's re-scan, %",
                      summary([100 * c / statistics.median(rescans) for c in peer["catchup"]]), "")  # fmt: skip
        table.add_row("sling: changes it can see (updates, inserts) per s", summary(peer["rate"]), "")
        table.add_row(
            "sling: deleted source rows still in its table after the catch-up",
            f"{sum(peer['missed']):,.0f} of {sum(peer['deleted']):,.0f} deleted",
            "0 (CDC: 0)",
        )
    console.print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
