"""Benchmark: `softcart dbt-ci` of a one-model change against a full `dbt build`, side by side.

Goal (issue 15): a one-model change validates in at most 25 % of a full `dbt build` at scale 1.

    SOFTCART_POSTGRES_PORT=... .venv/bin/python bench/bench_dbt_ci.py [--scale 1] [--runs 3]

In one run, on the PostgreSQL of the settings: creates the database `softcart_bench_dbt_ci`
(provisioned as `softcart up` provisions a warehouse), fills `raw` from a generated dataset with
COPY (softcart/warehouse/raw_loader.py), builds production once (`dbt build`, recorded with its
manifest as `softcart run` records it), then alternates, `--runs` times each:

  * the full build: the process `dbt build --full-refresh` (every model, seed, unit and data
    test), recorded as `softcart run` records it;
  * CI of a copy of the dbt project with one model changed (`dim_date`'s name of September): the
    process `softcart dbt-ci` in that checkout, i.e. lint, `dbt build --select state:modified+
    --defer`, Db2 compile + parse, the data diff, dropping its schemas; it must pass and diff.

Whole processes, timed by bench/harness.py, in rounds (each round's pair shares the machine's
load; the goal is on the median of the per-round ratios). One CI run before the measured ones
parses the copy from scratch (a checkout's first CI run); the measured ones are an engineer's next
runs (dbt's partial parsing in the CI target dirs), each after an untimed VACUUM ANALYZE of the
production build before it. Prints each figure (median, min-max), the
ratio, the goal and the verdict, and the load average; drops the database. Run by hand; nothing
is asserted.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
import tempfile
from pathlib import Path

import psycopg
from harness import Goal, Run, bench_parser, load_note, ratio, rounds, run_process

from softcart.core.credentials import known_secrets
from softcart.core.executables import bin_dir
from softcart.core.settings import Settings, load_settings
from softcart.generate import generate_dataset
from softcart.warehouse.build_plan import plan_build, record_build
from softcart.warehouse.dbt_runner import dbt_command, dbt_env, read_run_results, run_dbt
from softcart.warehouse.raw_loader import create_raw_tables, load_dataset

DATABASE = "softcart_bench_dbt_ci"
GOAL = Goal("dbt-ci of one changed model / full dbt build", 0.25)
CHANGE = ("models/marts/dim_date.sql", "(9, 'September')", "(9, 'Sept')")


def postgres(settings: Settings, database: str, autocommit: bool = False) -> psycopg.Connection:
    pg = settings.postgres
    return psycopg.connect(
        host=pg.host, port=pg.port, user=pg.user, password=pg.password, dbname=database, autocommit=autocommit
    )


def full_build(settings: Settings) -> Run:
    """`dbt build --full-refresh` (a new dbt process, as `softcart run` runs it), then recorded and,
    untimed, VACUUM ANALYZE: an engineer's CI runs long after the production build, when autovacuum
    has long finished with the tables it rewrote (right after it, CI's first read of the 1.4 M
    facts would pay for setting their hint bits, beside autovacuum; as bench_dbt.quiesce)."""
    run = run_process(dbt_command(settings, ["build", "--full-refresh", "--quiet"]), dbt_env(settings))
    record_build(settings, plan_build(settings, full_refresh=True), read_run_results(settings).invocation_id)
    with postgres(settings, DATABASE, autocommit=True) as conn:
        conn.execute("vacuum analyze")
    return run


def ci(checkout: Settings) -> Run:
    """`softcart dbt-ci` in the checkout, as a process; it must pass and diff the changed column."""
    softcart = bin_dir() / "softcart"
    run = run_process([str(softcart if softcart.exists() else "softcart"), "dbt-ci"], dbt_env(checkout))
    found = re.search(r"diff and results: (\S+)", run.output)
    written = json.loads(Path(found.group(1)).read_text()) if found else {}
    if not any(d["model"] == "dim_date" and d["columns"] for d in written.get("diffs", [])):
        raise SystemExit(f"CI of the one-model change did not diff dim_date:\n{run.output[-3000:]}")
    checks = "; ".join(f"{c['name']} {c['seconds']:.1f} s" for c in written["checks"])
    print(f"  dbt-ci {run.seconds:.1f} s: {checks}", flush=True)
    return run


def main() -> None:
    args = bench_parser(__doc__, runs=3).parse_args()
    base = load_settings()
    base = load_settings({**base.env, **known_secrets(base)})  # the passwords survive another data dir
    settings = load_settings({**base.env, "SOFTCART_POSTGRES_DATABASE": DATABASE})
    work = Path(tempfile.mkdtemp(prefix="bench-dbt-ci-"))
    settings = load_settings({**settings.env, "SOFTCART_DATA_DIR": str(work / "data")})
    print(load_note(), flush=True)
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
        print(f"raw: {sum(rows.values()):,} rows (scale {args.scale:g})", flush=True)
        if run_dbt(settings, ["build", "--quiet"]) != 0:  # production, and dbt's partial-parse state
            raise SystemExit("the first dbt build failed")
        record_build(settings, plan_build(settings), read_run_results(settings).invocation_id)
        with postgres(settings, DATABASE, autocommit=True) as conn:
            conn.execute("vacuum analyze")

        # a checkout with one model changed (same warehouse and data dir)
        scratch = work / "checkout"
        for name in ("dbt_project", "profiles"):
            shutil.copytree(
                settings.root / name, scratch / name, ignore=shutil.ignore_patterns("target", "logs")
            )
        shutil.copy(settings.root / ".sqlfluff", scratch / ".sqlfluff")
        model = scratch / "dbt_project" / CHANGE[0]
        if CHANGE[1] not in model.read_text():
            raise SystemExit(f"{CHANGE[1]} not in {CHANGE[0]}: the change to measure is gone")
        model.write_text(model.read_text().replace(CHANGE[1], CHANGE[2]))
        checkout = load_settings({**settings.env, "SOFTCART_HOME": str(scratch)})
        print(f"first CI run of the checkout (cold parse): {ci(checkout).seconds:.1f} s", flush=True)

        seconds, memory = rounds(
            args.runs, [("full", lambda: full_build(settings)), ("ci", lambda: ci(checkout))]
        )
    finally:
        with postgres(base, "postgres", autocommit=True) as admin:
            admin.execute(f'drop database if exists "{DATABASE}" with (force)')
        shutil.rmtree(work, ignore_errors=True)

    print()
    print(
        f"full dbt build (--full-refresh), a process: {seconds['full'].text(1)}, peak {memory['full'].text(0)}"
    )
    print(f"softcart dbt-ci, one changed model:         {seconds['ci'].text(1)}, peak {memory['ci'].text(0)}")
    print(GOAL.line(ratio(seconds["ci"], seconds["full"]), note="median of the per-round ratios"))
    print(load_note())
    sys.stdout.flush()


if __name__ == "__main__":
    main()
