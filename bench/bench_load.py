"""Benchmark: generate a dataset and load it into the sources, beside the physical bound and a peer.

    .venv/bin/python bench/bench_load.py [--scale 1] [--seed 42] [--repeat 3]

In one run, on its own throwaway stack (ports 4x306/4x432/4x017, data in a temp folder):
- generate: `generate_dataset` at the scale, rows per second over all files;
- MySQL `sales_data` from `oltpdata.csv`:
    * bound: the `mariadb` client's own `LOAD DATA LOCAL INFILE` into an empty copy of the table
      (no checks, nothing else: what the server can take);
    * `softcart load`: checks every line first, then `LOAD DATA` in one transaction and a swap;
    * peer: pymysql `executemany` of 10,000-row batches (what a hand-written loader does);
- MongoDB `catalog.electronics` from `catalog.json`:
    * bound: pymongo `insert_many` of the parsed documents, unchecked, no index;
    * `softcart load` (the whole dataset; per-target times from its summary).
Prints time, rows per second and each method's ratio to the bound (median of --repeat runs).
Nothing here is asserted: run by hand, not in CI.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from rich.console import Console
from rich.table import Table

from softcart.core.connections import mongo_client, mysql_connect
from softcart.core.credentials import ensure_local_secrets
from softcart.core.settings import Settings, load_settings
from softcart.generate import generate_dataset
from softcart.load.cli import load_dataset
from softcart.stack.commands import down, start_all

console = Console(width=130)


def median_time(fn: Callable[[], object], repeat: int, before: Callable[[], object] | None = None) -> float:
    times = []
    for _ in range(repeat):
        if before:
            before()
        began = time.perf_counter()
        fn()
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def reset_copy(settings: Settings) -> None:
    conn = mysql_connect(settings)
    with conn.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS bench_sales_data")
        cur.execute("CREATE TABLE bench_sales_data LIKE sales_data")
    conn.commit()
    conn.close()


def client_load_data(settings: Settings, csv: Path) -> None:
    url = settings.mysql
    sql = (
        f"LOAD DATA LOCAL INFILE '{csv}' INTO TABLE bench_sales_data FIELDS TERMINATED BY ',' "
        "LINES TERMINATED BY '\\n' (product_id, customer_id, price, quantity, `timestamp`)"
    )
    subprocess.run(
        [
            "mariadb",
            "--local-infile=1",
            "-h",
            url.host,
            "-P",
            str(url.port),
            "-u",
            url.user or "root",
            url.database or "sales",
            "-e",
            sql,
        ],
        check=True,
        env=dict(os.environ, MYSQL_PWD=url.password or ""),  # the client's password, not on its command line
    )


def pymysql_batches(settings: Settings, csv: Path, batch: int = 10_000) -> None:
    conn = mysql_connect(settings)
    sql = "INSERT INTO bench_sales_data (product_id, customer_id, price, quantity, `timestamp`) VALUES (%s,%s,%s,%s,%s)"
    rows: list[list[str]] = []
    with conn.cursor() as cur, csv.open() as f:
        for line in f:
            rows.append(line.rstrip("\n").split(","))
            if len(rows) == batch:
                cur.executemany(sql, rows)
                rows.clear()
        if rows:
            cur.executemany(sql, rows)
    conn.commit()
    conn.close()


def mongo_bound(settings: Settings, docs: list[dict[str, object]]) -> None:
    client = mongo_client(settings)
    coll = client[settings.mongo_database]["bench_electronics"]
    coll.drop()
    for i in range(0, len(docs), 5_000):
        coll.insert_many([dict(d) for d in docs[i : i + 5_000]], ordered=False)
    client.close()


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--quick", action="store_true", help="smoke run: scale 0.05, no peer")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-peer", action="store_true", help="skip the slow pymysql peer")
    args = parser.parse_args()
    if args.quick:
        args.scale, args.no_peer = 0.05, True

    work = Path(tempfile.mkdtemp(prefix="softcart-bench-load-"))
    settings = ensure_local_secrets(  # its servers' accounts get these passwords
        load_settings(
            {
                "SOFTCART_DATA_DIR": str(work / "data"),
                "SOFTCART_MYSQL_PORT": "43306",
                "SOFTCART_POSTGRES_PORT": "45432",
                "SOFTCART_MONGO_PORT": "47017",
            }
        )
    )
    try:
        dataset = work / "dataset"
        began = time.perf_counter()
        counts = generate_dataset(dataset, scale=args.scale, seed=args.seed, progress=False)
        gen_s = time.perf_counter() - began
        total_rows = sum(counts.values())
        console.print(
            f"generate scale {args.scale:g}: {total_rows:,} rows in {gen_s:.2f} s "
            f"({total_rows / gen_s:,.0f} rows/s)"
        )

        start_all(settings)
        csv = dataset / "oltpdata.csv"
        sales_rows = counts["oltpdata.csv"]
        docs = [json.loads(line) for line in (dataset / "catalog.json").read_text().splitlines()]

        results: list[tuple[str, str, int, float]] = []
        t = median_time(lambda: client_load_data(settings, csv), args.repeat, lambda: reset_copy(settings))
        results.append(("MySQL sales_data", "bound: mariadb client LOAD DATA", sales_rows, t))

        # softcart load end to end (checks included) on a dataset folder holding just that file
        for name, kind, rows in (
            ("oltpdata.csv", "MySQL sales_data", sales_rows),
            ("catalog.json", "MongoDB catalog", len(docs)),
        ):
            only = work / f"only-{name}"
            only.mkdir()
            (only / name).symlink_to(dataset / name)
            t = median_time(
                lambda only=only: load_dataset(settings, only, replace=True, console=Console(quiet=True)),
                args.repeat,
            )
            results.append((kind, "softcart load (checks + load)", rows, t))
        whole = median_time(
            lambda: load_dataset(settings, dataset, replace=True, console=Console(quiet=True)), 1
        )
        if not args.no_peer:
            t = median_time(lambda: pymysql_batches(settings, csv), 1, lambda: reset_copy(settings))
            results.append(("MySQL sales_data", "peer: pymysql executemany 10k", sales_rows, t))
        t = median_time(lambda: mongo_bound(settings, docs), args.repeat)
        results.append(("MongoDB catalog", "bound: pymongo insert_many", len(docs), t))

        bounds = {kind: secs for kind, method, _, secs in results if method.startswith("bound")}
        table = Table(title=f"loading the sources, scale {args.scale:g} (median of {args.repeat})")
        for col in ("source", "method", "rows", "seconds", "rows/s", "time vs bound"):
            table.add_column(col, justify="right" if col not in ("source", "method") else "left")
        for kind, method, rows, secs in sorted(results, key=lambda r: (r[0], r[3])):
            table.add_row(
                kind, method, f"{rows:,}", f"{secs:.2f}", f"{rows / secs:,.0f}", f"{secs / bounds[kind]:.2f}x"
            )
        console.print(table)
        console.print(
            f"whole `softcart load --replace` of the dataset ({total_rows:,} rows, all files): {whole:.2f} s"
        )
    finally:
        down(settings, purge=True)
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
