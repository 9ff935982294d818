"""Benchmark: `softcart dbt-ci` of a one-model change against a full `dbt build`, side by side.

Goal (issue 15): a one-model change validates in at most 25 % of a full `dbt build` at scale 1.

    SOFTCART_POSTGRES_PORT=... .venv/bin/python bench/bench_dbt_ci.py [--scale 1] [--runs 3]

In one run, on the PostgreSQL of the settings: creates the database `softcart_bench_dbt_ci`
(provisioned as `softcart up` provisions a warehouse), fills `raw` from a generated dataset with
COPY (softcart/warehouse/raw_loader.py), builds production once (`dbt build`, recorded with its
manifest as `softcart run` records it), then alternates, `--runs` times each:

  * the full build: `dbt build --full-refresh` (every model, seed, unit and data test), recorded;
  * CI of a copy of the dbt project with one model changed (`dim_date`'s name of September):
    `softcart.warehouse.dbt_ci.run_ci`, i.e. lint, `dbt build --select state:modified+ --defer`,
    Db2 compile + parse, the data diff, dropping its schemas.

One CI run before the measured ones parses the copy from scratch (a checkout's first CI run); the
measured ones are an engineer's next runs (dbt's partial parsing in the CI target dirs). Prints
the median with min-max of each, their ratio, the goal and the verdict; drops the database.
Run by hand; nothing is asserted.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import psycopg

from softcart.core.settings import Settings, load_settings
from softcart.generate import generate_dataset
from softcart.warehouse.build_plan import plan_build, record_build
from softcart.warehouse.dbt_ci import run_ci
from softcart.warehouse.dbt_runner import read_run_results, run_dbt
from softcart.warehouse.raw_loader import create_raw_tables, load_dataset

DATABASE = "softcart_bench_dbt_ci"
GOAL = 0.25
CHANGE = ("models/marts/dim_date.sql", "(9, 'September')", "(9, 'Sept')")


def postgres(settings: Settings, database: str, autocommit: bool = False) -> psycopg.Connection:
    pg = settings.postgres
    return psycopg.connect(
        host=pg.host, port=pg.port, user=pg.user, password=pg.password, dbname=database, autocommit=autocommit
    )


def full_build(settings: Settings) -> float:
    """`dbt build --full-refresh` (a new dbt process, as `softcart run` runs it), then recorded."""
    started = time.perf_counter()
    if run_dbt(settings, ["build", "--full-refresh", "--quiet"]) != 0:
        raise SystemExit("the full dbt build failed")
    seconds = time.perf_counter() - started
    record_build(settings, plan_build(settings, full_refresh=True), read_run_results(settings).invocation_id)
    return seconds


def ci(settings: Settings) -> float:
    started = time.perf_counter()
    result = run_ci(settings)
    seconds = time.perf_counter() - started
    if not result.ok or not any(d.columns for d in result.diffs):
        raise SystemExit(f"CI of the one-model change did not pass with a diff: {result.checks}")
    built = sorted(k.split(".")[-1] for k in result.built if k.startswith("model."))
    print(f"  ci built {built}; " + "; ".join(f"{c.name} {c.seconds:.1f} s" for c in result.checks))
    return seconds


def spread(values: list[float]) -> str:
    return f"{statistics.median(values):.1f} s (min {min(values):.1f}, max {max(values):.1f})"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    base = load_settings()
    settings = load_settings({**base.env, "SOFTCART_POSTGRES_DATABASE": DATABASE})
    work = Path(tempfile.mkdtemp(prefix="bench-dbt-ci-"))
    settings = load_settings({**settings.env, "SOFTCART_DATA_DIR": str(work / "data")})
    with postgres(base, "postgres", autocommit=True) as admin:
        admin.execute(f'drop database if exists "{DATABASE}" with (force)')
        admin.execute(f'create database "{DATABASE}"')
    try:
        from ingest.bootstrap import apply_warehouse_schemas

        apply_warehouse_schemas(settings)
        dataset = work / "dataset"
        generate_dataset(dataset, args.scale, args.seed, progress=False)
        with postgres(settings, DATABASE) as conn:
            create_raw_tables(conn)
            rows = load_dataset(conn, dataset, run_id=1)
        print(f"raw: {sum(rows.values()):,} rows (scale {args.scale:g})")
        if run_dbt(settings, ["build", "--quiet"]) != 0:  # production, and dbt's partial-parse state
            raise SystemExit("the first dbt build failed")
        record_build(settings, plan_build(settings), read_run_results(settings).invocation_id)

        # a checkout with one model changed (same warehouse and data dir)
        scratch = work / "checkout"
        for name in ("dbt_project", "profiles"):
            shutil.copytree(
                settings.root / name, scratch / name, ignore=shutil.ignore_patterns("target", "logs")
            )
        shutil.copy(settings.root / ".sqlfluff", scratch / ".sqlfluff")
        model = scratch / "dbt_project" / CHANGE[0]
        model.write_text(model.read_text().replace(CHANGE[1], CHANGE[2]))
        checkout = load_settings({**settings.env, "SOFTCART_HOME": str(scratch)})
        print(f"first CI run of the checkout (cold parse): {ci(checkout):.1f} s")

        fulls: list[float] = []
        cis: list[float] = []
        for run in range(1, args.runs + 1):
            fulls.append(full_build(settings))
            print(f"run {run}: full dbt build {fulls[-1]:.1f} s")
            cis.append(ci(checkout))
            print(f"run {run}: dbt-ci of one changed model {cis[-1]:.1f} s")
    finally:
        with postgres(base, "postgres", autocommit=True) as admin:
            admin.execute(f'drop database if exists "{DATABASE}" with (force)')
        shutil.rmtree(work, ignore_errors=True)

    ratio = statistics.median(cis) / statistics.median(fulls)
    print()
    print(f"full dbt build (--full-refresh), median of {args.runs}: {spread(fulls)}")
    print(f"dbt-ci, one changed model, median of {args.runs}:       {spread(cis)}")
    print(
        f"ratio: {ratio:.2f} of the full build (goal: at most {GOAL:.2f}): {'MET' if ratio <= GOAL else 'NOT MET'}"
    )


if __name__ == "__main__":
    main()
