"""Which dbt build the pipeline runs after an ingest: the whole project, or only what new rows reach.

The scheduled path (``softcart run``) follows dbt's own recipe for builds proportional to the change
(``dbt build --select source_status:fresher+``), with the ingestion run log as the authority on what
is fresher instead of a separate ``dbt source freshness`` invocation:

* **full** ``dbt build`` (every model, seed, unit and data test over every row) when there is no
  record of an earlier successful build, when the dbt project or profiles changed since it (their
  fingerprint), or when ingestion rebuilt a raw table from scratch since it (a reloaded or
  replaced source, ``softcart ingest --full-refresh``, a changed file: ``ingest_stream_runs.refreshed``).
  No ``--full-refresh`` flag is needed for that: dbt itself rebuilds an incremental model whose rows
  are older than a raw refresh (dbt_project/macros/raw_refresh.sql), so a plain ``dbt build`` or the
  Airflow DAG does the same, and a build that died halfway is planned again from the same log;
* **incremental** ``dbt build --select source:<each raw table with new rows>+ --exclude
  tag:enforced_by_constraint --exclude-resource-type unit_test`` with
  ``SOFTCART_DBT_TEST_SCOPE=latest_batch`` (the big tables' data tests read the latest batch,
  dbt_project/macros/test_scope.sql) when ingestion landed rows since that build. Left out: unit
  tests, which test code, and the code did not change (dbt Labs' advice: run them in development
  and CI, exclude them from production builds); and the ``unique`` / ``not_null`` tests of columns
  whose primary key or NOT NULL constraint the database enforces on every insert (dbt's advice
  for enforced constraints); the full build and CI still run both;
* **nothing** when no ingest run landed a row since that build and the project is unchanged.

The record of each successful build (``softcart_meta.warehouse_builds`` in the warehouse itself: the
project's fingerprint and the newest ingest run it covered; sql_bootstrap/postgres/) is written only
after dbt exits 0, so a failed build is planned again, and a replaced or purged warehouse has no
record and gets a full build. Beside the record, the build's ``manifest.json`` (the project as
built): the production state that ``softcart dbt-ci`` defers to and ``softcart docs`` shows.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from softcart.core.settings import Settings

# the scope of the big tables' data tests on an incremental build (dbt_project/macros/test_scope.sql)
TEST_SCOPE_ENV = "SOFTCART_DBT_TEST_SCOPE"
# data tests of what the database enforces itself (primary keys, NOT NULL constraints)
ENFORCED_TAG = "enforced_by_constraint"
# PostgreSQL session settings of an incremental build (libpq reads PGOPTIONS): it runs many short
# queries whose cost the planner overestimates (generic estimates of "the latest batch"), and
# compiling them to machine code (JIT) took longer than running them (0.37 s of the fact's 0.51 s
# at scale 1); parallel workers cost more to start than they save on a few thousand rows, and the
# build already runs two models at a time on two cores. The full build keeps the server's settings.
INCREMENTAL_PGOPTIONS = "-c jit=off -c max_parallel_workers_per_gather=0"
_IGNORED_DIRS = {"target", "dbt_packages", "logs", "__pycache__"}


@dataclass(frozen=True)
class BuildPlan:
    """The dbt invocation to run (``args`` empty: nothing to build) and why."""

    kind: Literal["full", "incremental", "nothing"]
    args: list[str]
    reason: str
    env: dict[str, str] = field(default_factory=dict)
    sources: list[str] = field(default_factory=list)  # dbt sources with new rows (incremental)
    ingest_run_id: int | None = None  # the newest ingest run the build covers


def project_fingerprint(settings: Settings) -> str:
    """A hash of every file of the dbt project and profiles (not dbt's own outputs)."""
    digest = hashlib.sha256()
    for base in (settings.dbt_project_dir, settings.dbt_profiles_dir):
        for path in sorted(base.rglob("*")):
            if not path.is_file() or _IGNORED_DIRS.intersection(path.relative_to(base).parts):
                continue
            digest.update(str(path.relative_to(base)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def source_of_stream(stream: str) -> str:
    """The dbt source of a raw table: stream ``mysql_sales__sales_data`` -> ``mysql_sales.sales_data``."""
    source, sep, table = stream.partition("__")
    if not sep or not source or not table:
        raise ValueError(f"stream {stream!r} is not <source>__<table>")
    return f"{source}.{table}"


@dataclass(frozen=True)
class WarehouseLog:
    """What the warehouse says about itself: its newest successful build, and what ingestion did
    since the ingest run that build covered."""

    record: dict[str, object] | None  # the newest successful build (``None``: never built)
    landed: list[str]  # streams that successful runs since then wrote rows to
    refreshed: list[str]  # streams whose raw table such a run rebuilt from scratch
    newest_run_id: int | None  # the newest successful ingest run (``None``: none at all)


def read_log(settings: Settings) -> WarehouseLog:
    """One connection: the build record and the ingest runs after the ingest run it covered."""
    import psycopg

    from softcart.core.connections import postgres_connect

    with postgres_connect(settings, "softcart-warehouse-build") as conn:
        try:
            row = conn.execute(
                "select fingerprint, ingest_run_id, kind, finished_at from softcart_meta.warehouse_builds"
                " order by build_id desc limit 1"
            ).fetchone()
            newest = conn.execute(
                "select max(run_id) from softcart_meta.ingest_runs where status = 'succeeded'"
            ).fetchone()
        except psycopg.errors.UndefinedTable:  # a warehouse not provisioned by `softcart up`
            return WarehouseLog(None, [], [], None)
        record = (
            {"fingerprint": row[0], "ingest_run_id": int(row[1]), "kind": row[2], "finished_at": row[3]}
            if row
            else None
        )
        covered = int(row[1]) if row else -1
        streams = conn.execute(
            "select s.stream, bool_or(s.rows_written > 0), bool_or(s.refreshed)"
            " from softcart_meta.ingest_stream_runs as s"
            " join softcart_meta.ingest_runs as r on r.run_id = s.run_id"
            " where r.status = 'succeeded' and s.run_id > %s"
            " group by s.stream order by s.stream",
            (covered,),
        ).fetchall()
    return WarehouseLog(
        record,
        [str(r[0]) for r in streams if r[1]],
        [str(r[0]) for r in streams if r[2]],
        int(newest[0]) if newest and newest[0] is not None else None,
    )


def plan_build(settings: Settings, *, full_refresh: bool = False) -> BuildPlan:
    """Decide the build (see the module's docstring); ``full_refresh`` forces a ``--full-refresh``."""
    log = read_log(settings)
    newest = log.newest_run_id
    if full_refresh:
        return BuildPlan(
            "full", ["build", "--full-refresh"], "a full refresh was asked for", ingest_run_id=newest
        )
    record = log.record
    covered = record.get("ingest_run_id") if record else None
    if record is None or not isinstance(covered, int):
        return BuildPlan("full", ["build"], "no earlier successful build on record", ingest_run_id=newest)
    if record.get("fingerprint") != project_fingerprint(settings):
        return BuildPlan(
            "full", ["build"], "the dbt project changed since the last build", ingest_run_id=newest
        )
    if log.refreshed:
        # dbt itself rebuilds the incremental models in full (macros/raw_refresh.sql); every test runs
        return BuildPlan(
            "full",
            ["build"],
            f"raw {', '.join(log.refreshed)} rebuilt from scratch since ingest run {covered}",
            ingest_run_id=newest,
        )
    if not log.landed:
        return BuildPlan("nothing", [], f"no rows landed since ingest run {covered}", ingest_run_id=covered)
    return incremental_plan(
        [source_of_stream(s) for s in log.landed], f"since ingest run {covered}", ingest_run_id=newest
    )


def incremental_plan(sources: list[str], since: str, ingest_run_id: int | None = None) -> BuildPlan:
    """The incremental build of what new rows of ``sources`` (dbt ``source.table`` names) reach."""
    return BuildPlan(
        "incremental",
        [
            "build",
            "--select",
            *(f"source:{s}+" for s in sources),
            "--exclude",
            f"tag:{ENFORCED_TAG}",
            "--exclude-resource-type",
            "unit_test",
        ],
        f"new rows in {', '.join(sources)} {since}",
        env={TEST_SCOPE_ENV: "latest_batch", "PGOPTIONS": INCREMENTAL_PGOPTIONS},
        sources=sources,
        ingest_run_id=ingest_run_id,
    )


def record_build(settings: Settings, plan: BuildPlan, dbt_invocation_id: str | None = None) -> None:
    """After dbt exited 0: remember in the warehouse what it now covers, with the build's manifest
    (``manifest.json`` of dbt's target dir, when it is the manifest of that invocation)."""
    from psycopg.types.json import Jsonb

    from softcart.core.connections import postgres_connect

    manifest = _build_manifest(settings, dbt_invocation_id)
    with postgres_connect(settings, "softcart-warehouse-build") as conn:
        conn.execute(
            "insert into softcart_meta.warehouse_builds"
            " (kind, fingerprint, ingest_run_id, dbt_invocation_id, manifest) values (%s, %s, %s, %s, %s)",
            (
                plan.kind,
                project_fingerprint(settings),
                plan.ingest_run_id if plan.ingest_run_id is not None else -1,
                dbt_invocation_id,
                Jsonb(manifest) if manifest is not None else None,
            ),
        )
        conn.commit()


def _build_manifest(settings: Settings, dbt_invocation_id: str | None) -> dict[str, object] | None:
    """The manifest dbt wrote for the invocation ``dbt_invocation_id`` (``None``: none on disk, or
    one of another invocation, which would describe a different project)."""
    from softcart.warehouse.dbt_runner import target_dir

    path = target_dir(settings) / "manifest.json"
    if dbt_invocation_id is None or not path.is_file():
        return None
    manifest: dict[str, object] = json.loads(path.read_text())
    metadata = manifest.get("metadata")
    if not isinstance(metadata, dict) or metadata.get("invocation_id") != dbt_invocation_id:
        return None
    return manifest


@dataclass(frozen=True)
class ProductionState:
    """The newest recorded build that kept its manifest: what production holds."""

    build_id: int
    kind: str
    finished_at: object
    dbt_invocation_id: str | None
    manifest: dict[str, object]


def production_state(settings: Settings) -> ProductionState | None:
    """The manifest of the newest successful ``softcart run`` build (``None``: no such build)."""
    import psycopg

    from softcart.core.connections import postgres_connect

    with postgres_connect(settings, "softcart-warehouse-build") as conn:
        try:
            row = conn.execute(
                "select build_id, kind, finished_at, dbt_invocation_id, manifest"
                " from softcart_meta.warehouse_builds where manifest is not null"
                " order by build_id desc limit 1"
            ).fetchone()
        except (psycopg.errors.UndefinedTable, psycopg.errors.UndefinedColumn):
            return None  # a warehouse not provisioned by `softcart up` (or not since the column came)
    if row is None:
        return None
    return ProductionState(int(row[0]), str(row[1]), row[2], row[3], dict(row[4]))


def write_production_manifest(settings: Settings, state_dir: Path) -> ProductionState | None:
    """Fetch the production manifest into ``state_dir``/manifest.json (dbt's ``--state`` dir)."""
    state = production_state(settings)
    if state is None:
        return None
    state_dir.mkdir(parents=True, exist_ok=True)
    (state_dir / "manifest.json").write_text(json.dumps(state.manifest))
    return state
