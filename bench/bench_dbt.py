"""Benchmark: the dbt warehouse at scale 1 (1,000,000 OLTP sales, as many FactSales.csv rows,
the 2020 ecommerce.csv history), in one run:

  1. full `dbt build` (models + seed + every test) and `dbt run` (models only) on a fresh database;
  2. the incremental `dbt build` after 1 % new sales (goal: at most 10 % of the full build);
  3. the same star-schema build as plain SQL run directly by psql (dbt's compiled SELECTs wrapped
     in CREATE VIEW / CREATE TABLE, one transaction): the bound dbt's overhead is measured against.

    SOFTCART_POSTGRES_PORT=... .venv/bin/python bench/bench_dbt.py [--scale 1] [--seed 42]

It creates (and drops at the end) the database `softcart_bench_dbt` on the PostgreSQL of the
settings, fills `raw` straight from a generated dataset with COPY (tests/dbt/raw_loader.py), and
prints times and ratios. Run by hand; nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg
from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "dbt"))

from raw_loader import create_raw_tables, load_dataset  # noqa: E402

from softcart.dbt_runner import run_dbt, target_dir  # noqa: E402
from softcart.generate import generate_dataset  # noqa: E402
from softcart.settings import Settings, load_settings  # noqa: E402

DATABASE = "softcart_bench_dbt"
console = Console()


def admin(settings: Settings) -> psycopg.Connection:
    pg = settings.postgres
    return psycopg.connect(
        host=pg.host, port=pg.port, user=pg.user, password=pg.password, dbname="postgres", autocommit=True
    )


def connect(settings: Settings) -> psycopg.Connection:
    pg = settings.postgres
    return psycopg.connect(host=pg.host, port=pg.port, user=pg.user, password=pg.password, dbname=pg.database)


def timed(label: str, action) -> float:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    result = action()
    seconds = time.perf_counter() - started
    if result not in (None, 0):
        raise SystemExit(f"{label} failed (exit {result})")
    console.print(f"{label}: {seconds:.1f} s")
    return seconds


def dbt(settings: Settings, *args: str) -> int:
    code = run_dbt(settings, [*args, "--quiet"])
    results = json.loads((target_dir(settings) / "run_results.json").read_text())
    nodes = sorted(results["results"], key=lambda r: -r["execution_time"])
    total = sum(r["execution_time"] for r in nodes)
    top = ", ".join(f"{r['unique_id'].split('.')[-1]} {r['execution_time']:.1f}" for r in nodes[:4])
    console.print(f"  nodes: {len(nodes)}, {total:.1f} s summed; slowest: {top}")
    return code


def plain_sql_script(settings: Settings) -> str:
    """The star schema as plain SQL: dbt's compiled SELECTs in dependency order, other schemas."""
    manifest = json.loads((target_dir(settings) / "manifest.json").read_text())
    nodes = {k: v for k, v in manifest["nodes"].items() if v["resource_type"] == "model"}
    order: list[str] = []

    def visit(node_id: str) -> None:
        if node_id in order or node_id not in nodes:
            return
        for parent in nodes[node_id]["depends_on"]["nodes"]:
            visit(parent)
        order.append(node_id)

    for node_id in sorted(nodes):
        visit(node_id)
    compiled_dir = target_dir(settings) / "compiled" / "softcart"
    statements = [
        "create schema plain_staging",
        "create schema plain_marts",
        "create schema plain_reporting",
        "create table plain_staging.item_type_categories as select * from staging.item_type_categories",
    ]
    for node_id in order:
        node = nodes[node_id]
        materialized = node["config"]["materialized"]
        if materialized == "ephemeral":
            continue
        sql = (compiled_dir / node["original_file_path"]).read_text()
        sql = "\n".join(line for line in sql.splitlines() if not line.lstrip().startswith("--"))
        for schema in ("staging", "marts", "reporting"):
            sql = sql.replace(f" {schema}.", f" plain_{schema}.")
        target = f"plain_{node['schema']}.{node['alias']}"
        kind = {
            "view": "view",
            "table": "table",
            "incremental": "table",
            "summary_table": "materialized view",
        }[materialized]
        statements.append(f"create {kind} {target} as {sql}")
    return ";\n".join(statements) + ";\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=42)
    options = parser.parse_args()

    base = load_settings()
    env = dict(base.env)
    work = Path(tempfile.mkdtemp(prefix="bench-dbt-"))
    env["SOFTCART_DATA_DIR"] = str(work / "data")
    env["SOFTCART_POSTGRES_URL"] = base.postgres.with_database(DATABASE).raw
    settings = load_settings(env)
    with admin(settings) as conn:
        conn.execute(f'drop database if exists "{DATABASE}" with (force)')
        conn.execute(f'create database "{DATABASE}"')
    try:
        dataset = work / "dataset"
        timed(
            f"generate scale {options.scale}",
            lambda: generate_dataset(dataset, options.scale, options.seed, progress=False) and None,
        )
        with connect(settings) as conn:
            create_raw_tables(conn)
            loaded: dict[str, int] = {}
            timed("COPY dataset into raw", lambda: loaded.update(load_dataset(conn, dataset, 1)))
            conn.commit()
            conn.autocommit = True
            conn.execute("analyze")
        sales = loaded["mysql_sales__sales_data"]
        console.print(f"raw rows: {loaded}")

        full_build = timed("full dbt build (models, seed, tests)", lambda: dbt(settings, "build"))
        full_run = timed(
            "full dbt run (models only, --full-refresh)", lambda: dbt(settings, "run", "--full-refresh")
        )
        script = plain_sql_script(settings)
        (work / "plain.sql").write_text(script)
        pg = settings.postgres
        psql = [
            "psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-1", "-h", pg.host, "-p", str(pg.port),
            "-U", pg.user or "softcart", "-d", DATABASE, "-f", str(work / "plain.sql"),
        ]  # fmt: skip
        plain = timed("plain SQL star build via psql", lambda: subprocess.run(psql, check=False).returncode)

        new_rows = max(1, sales // 100)
        with connect(settings) as conn:
            conn.execute(
                "insert into raw.mysql_sales__sales_data (rowid, product_id, customer_id, price, quantity,"
                ' "timestamp", _softcart_run_id, _softcart_loaded_at)'
                ' select rowid + %s, product_id, customer_id, price, quantity, "timestamp", 2, now()'
                " from raw.mysql_sales__sales_data where rowid <= %s",
                (10 * sales, new_rows),
            )
        incremental_build = timed(
            f"incremental dbt build after {new_rows:,} new sales (1 %)", lambda: dbt(settings, "build")
        )
        with connect(settings) as conn:
            conn.execute(
                "insert into raw.mysql_sales__sales_data (rowid, product_id, customer_id, price, quantity,"
                ' "timestamp", _softcart_run_id, _softcart_loaded_at)'
                ' select rowid + %s, product_id, customer_id, price, quantity, "timestamp", 3, now()'
                " from raw.mysql_sales__sales_data where rowid <= %s",
                (20 * sales, new_rows),
            )
        incremental_fact = timed(
            "incremental dbt run --select fct_sales (1 % new)",
            lambda: dbt(settings, "run", "--select", "fct_sales"),
        )
        noop = timed(
            "dbt run --select fct_sales, nothing new", lambda: dbt(settings, "run", "--select", "fct_sales")
        )

        table = Table(title=f"dbt warehouse at scale {options.scale} ({sales:,} OLTP sales)")
        table.add_column("measure")
        table.add_column("seconds", justify="right")
        table.add_column("ratio", justify="right")
        table.add_row("full dbt build (models + tests)", f"{full_build:.1f}", "1.00")
        table.add_row(
            "full dbt run (models only)", f"{full_run:.1f}", f"{full_run / full_build:.2f} of build"
        )
        table.add_row(
            "plain SQL via psql (same models)", f"{plain:.1f}", f"dbt run = {full_run / plain:.2f} x plain"
        )
        table.add_row(
            "incremental dbt build (1 % new)",
            f"{incremental_build:.1f}",
            f"{incremental_build / full_build:.2f} of full (goal <= 0.10)",
        )
        table.add_row(
            "incremental fct_sales only (1 % new)",
            f"{incremental_fact:.1f}",
            f"{incremental_fact / full_run:.2f} of full run",
        )
        table.add_row("fct_sales, nothing new", f"{noop:.1f}", f"{noop / full_run:.2f} of full run")
        console.print(table)
    finally:
        with admin(settings) as conn:
            conn.execute(f'drop database if exists "{DATABASE}" with (force)')
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
