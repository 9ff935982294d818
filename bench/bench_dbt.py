"""Benchmark: the dbt warehouse at scale 1 (1,000,000 OLTP sales, as many FactSales.csv rows,
the 2020 ecommerce.csv history), whole dbt processes, ``--rounds`` rounds; each round lands 1 % new
sales, then runs (median, min-max):

  1. the incremental `dbt build` softcart run plans after 1 % new sales (the nodes those rows reach,
     no unit tests, the big tables' tests over the latest batch, JIT off), after a timed VACUUM ANALYZE;
  2. like for like: the same nodes and the same tests with `--full-refresh`, tests over every row;
  3. the full `dbt build --full-refresh` (every model rebuilt, every seed, unit and data test over
     every row).
Goal (issue 3): incremental + vacuum at most 10 % of the full build; the like-for-like ratio beside it.
With --extras, single runs for reference: `dbt run` vs the same SQL by psql, a warm dbt worker.

    SOFTCART_POSTGRES_PORT=... .venv/bin/python bench/bench_dbt.py [--scale 1] [--seed 42] [--quick]

It creates (and drops at the end) the database `softcart_bench_dbt` on the PostgreSQL of the
settings, fills `raw` straight from a generated dataset with COPY (softcart/warehouse/raw_loader.py), and
prints times and ratios. Run by hand; nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg
from harness import Goal, Run, Series, ratio, run_process
from rich.console import Console
from rich.table import Table

from ingest.bootstrap import apply_warehouse_schemas
from softcart.core.settings import Settings, load_settings
from softcart.generate import generate_dataset
from softcart.warehouse.build_plan import TEST_SCOPE_ENV, incremental_plan
from softcart.warehouse.dbt_runner import dbt_command, dbt_env, run_dbt, target_dir
from softcart.warehouse.raw_loader import load_dataset

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


def dbt(settings: Settings, *args: str, top: int = 4, extra_env: dict[str, str] | None = None) -> int:
    code = run_dbt(settings, [*args, "--quiet"], extra_env=extra_env)
    summarize(settings, top)
    return code


def summarize(settings: Settings, top: int = 4) -> int:
    """The nodes of the last invocation: how many (returned), their summed time, the slowest."""
    results = json.loads((target_dir(settings) / "run_results.json").read_text())
    nodes = sorted(results["results"], key=lambda r: -r["execution_time"])
    total = sum(r["execution_time"] for r in nodes)
    slowest = ", ".join(f"{r['unique_id'].split('.')[-1]} {r['execution_time']:.1f}" for r in nodes[:top])
    console.print(f"  nodes: {len(nodes)}, {total:.1f} s summed; slowest: {slowest}")
    return len(nodes)


def add_new_sales(settings: Settings, count: int, run_id: int) -> None:
    """Land ``count`` new OLTP sales as ingest run ``run_id``: copies of the first sales, sold on
    the day after the newest sale (new sales are recent: they touch the latest month)."""
    with connect(settings) as conn:
        conn.execute(
            "insert into raw.mysql_sales__sales_data (rowid, product_id, customer_id, price, quantity,"
            ' "timestamp", _softcart_run_id, _softcart_loaded_at)'
            " select rowid + (select max(rowid) from raw.mysql_sales__sales_data), product_id,"
            " customer_id, price, quantity,"
            " date_trunc('day', (select max(\"timestamp\") from raw.mysql_sales__sales_data))"
            " + interval '1 day' + (rowid %% 86400) * interval '1 second', %s, now()"
            " from raw.mysql_sales__sales_data where rowid <= %s",
            (run_id, count),
        )


def quiesce(settings: Settings) -> None:
    """VACUUM ANALYZE the warehouse: an incremental build runs long after the full one, when
    autovacuum has long finished with the tables the full build wrote (here it would still be busy)."""
    with connect(settings) as conn:
        conn.autocommit = True
        conn.execute("vacuum analyze")


class WarmDbt:
    """dbt in this process, as a long-lived worker runs it: imported once, the manifest parsed once
    and handed to every invocation (``dbtRunner(manifest=...)``), so an invocation skips parsing."""

    def __init__(self, settings: Settings, env: dict[str, str]) -> None:
        import os

        from dbt.cli.main import dbtRunner

        self.settings = settings
        os.environ.update(dbt_env(settings))
        os.environ.update(env)  # the test scope is read at parse time by the singular tests
        self.dirs = [
            "--project-dir",
            str(settings.dbt_project_dir),
            "--profiles-dir",
            str(settings.dbt_profiles_dir),
        ]
        parsed = dbtRunner().invoke(["parse", "--quiet", *self.dirs])
        if not parsed.success:
            raise SystemExit(f"dbt parse failed: {parsed.exception}")
        self.runner = dbtRunner(manifest=parsed.result)

    def invoke(self, *args: str) -> int:
        result = self.runner.invoke([*args, "--quiet", *self.dirs])
        summarize(self.settings)
        return 0 if result.success else 1


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


def run_dbt_process(settings: Settings, args: list[str], extra_env: dict[str, str]) -> Run:
    """``dbt <args> --quiet`` as a whole process (what ``softcart dbt`` and ``softcart run`` start)."""
    env = {**dbt_env(settings), **extra_env}
    return run_process(dbt_command(settings, [*args, "--quiet"]), env)


def timed_s(action) -> float:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


GOAL_INCREMENTAL = Goal("dbt incremental build after 1 % new sales / full build", 0.10)


def extras(settings: Settings, work: Path, incremental_env: dict[str, str]) -> None:
    """Single runs, for reference (``--extras``): dbt run vs the same SQL by psql, a warm worker."""
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
    console.print(f"dbt run = {full_run / plain:.2f} x the same SQL by psql (one run each)")
    warm = WarmDbt(settings, incremental_env)
    timed("full dbt build --full-refresh, warm worker", lambda: warm.invoke("build", "--full-refresh"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--rounds", type=int, default=3, help="whole-process runs per figure (median)")
    parser.add_argument(
        "--extras", action="store_true", help="also dbt run vs psql and a warm worker (1 run)"
    )
    parser.add_argument("--quick", action="store_true", help="smoke run: scale 0.05")
    parser.add_argument(
        "--keep", action="store_true", help="keep the database and the work folder (to iterate on models)"
    )
    options = parser.parse_args()
    if options.quick:
        options.scale = 0.05

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
        # the schemas, softcart_meta (the health views read it) and the raw tables, as `softcart up`
        apply_warehouse_schemas(settings)
        with connect(settings) as conn:
            loaded: dict[str, int] = {}
            timed("COPY dataset into raw", lambda: loaded.update(load_dataset(conn, dataset, 1)))
            conn.commit()
            conn.autocommit = True
            conn.execute("analyze")
        sales = loaded["mysql_sales__sales_data"]
        console.print(f"raw rows: {loaded}")

        # like for like, round by round (each round: 1 % new sales, then three whole dbt processes)
        new_rows = max(1, sales // 100)
        incremental = incremental_plan(["mysql_sales.sales_data"], "(1 % new sales)")
        like_full_env = {**incremental.env, TEST_SCOPE_ENV: "all"}
        steps = {
            "incremental": (incremental.args, incremental.env),
            "same nodes, full": ([*incremental.args, "--full-refresh"], like_full_env),
            # every model rebuilt: without --full-refresh the incremental models (fct_sales) would take
            # only what the like-for-like run left them, nothing (the figure was 15.7 s, not a full build)
            "full build": (["build", "--full-refresh"], {}),
        }
        seconds = Series()
        nodes: dict[str, int] = {}
        run_dbt_process(settings, ["build"], {})  # the first full build: every table exists
        if options.extras:
            extras(settings, work, incremental_env=incremental_plan(["mysql_sales.sales_data"], "").env)

        for i in range(options.rounds):
            console.print(f"round {i + 1}/{options.rounds}")
            add_new_sales(settings, new_rows, run_id=2 + i)
            seconds.add("vacuum analyze", timed_s(lambda: quiesce(settings)))
            console.print(f"  vacuum analyze {seconds['vacuum analyze'].values[-1]:.1f} s")
            for name, (args, extra) in steps.items():
                seconds.add(name, run_dbt_process(settings, args, extra).seconds)
                console.print(f"  {name}: {seconds[name].values[-1]:.1f} s whole process")
                nodes[name] = summarize(settings)
        seconds.add_figure("incremental + vacuum analyze", [a + b for a, b in zip(
            seconds["incremental"].values, seconds["vacuum analyze"].values, strict=True)])  # fmt: skip

        table = Table(title=f"dbt warehouse at scale {options.scale:g} ({sales:,} OLTP sales),"
                            f" {options.rounds} rounds of whole dbt processes")  # fmt: skip
        for col in ("build", "nodes", "tests over", "seconds (median, min-max)"):
            table.add_column(col, justify="right" if col == "seconds (median, min-max)" else "left")
        table.add_row("incremental after 1 % new sales (softcart run's plan)", str(nodes["incremental"]),
                      "the latest batch", seconds["incremental"].text(1))  # fmt: skip
        table.add_row(
            "  + the VACUUM ANALYZE before it", "", "", seconds["incremental + vacuum analyze"].text(1)
        )
        table.add_row("the same nodes and tests, --full-refresh", str(nodes["same nodes, full"]), "every row",
                      seconds["same nodes, full"].text(1))  # fmt: skip
        table.add_row("full dbt build (every model, seed, unit and data test)", str(nodes["full build"]),
                      "every row", seconds["full build"].text(1))  # fmt: skip
        console.print(table)
        like = ratio(seconds["incremental + vacuum analyze"], seconds["same nodes, full"])
        whole = ratio(seconds["incremental + vacuum analyze"], seconds["full build"])
        console.print(GOAL_INCREMENTAL.line(whole, note="incremental + vacuum / full build"))
        console.print(
            f"like for like: incremental + vacuum / the same nodes and tests in full {like.text(2)}"
        )
    finally:
        if options.keep:
            console.print(f"kept: database {DATABASE}, SOFTCART_DATA_DIR={work / 'data'}")
        else:
            with admin(settings) as conn:
                conn.execute(f'drop database if exists "{DATABASE}" with (force)')
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
