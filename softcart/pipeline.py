"""The platform's pipeline, defined once: its steps, what each reads and writes, and when it has
nothing to do. ``softcart run`` runs the steps in order in one process; the Airflow DAG
``softcart_elt`` (dags/softcart_elt.py) renders one task per step, each running ``softcart run
--step NAME`` with the same parameters, so both runners have the same semantics.

Every decision is taken from state kept beside the data it describes, never from a side file or
from what an earlier step of the same process remembered:

* **generate**: the dataset folder is a pure function of scale and seed (same seed, same bytes);
* **load**: skipped when every source holds a record of one load of this dataset
  (softcart/load/records.py: a table in MySQL, a collection in MongoDB, the landing manifest);
* **ingest**: always runs (it is what finds changes); a reloaded or replaced source is noticed by
  ingestion itself and its streams are refreshed (ingest/state.py);
* **reconcile**: every stream's source against its raw table; a difference fails the run;
* **dbt**: the build planned from the warehouse's own log (softcart/warehouse/build_plan.py): full,
  incremental, or nothing;
* **export**: the marts to the Parquet lake (incremental by partition checksums);
* **analytics**: the Spark jobs, skipped when the lake holds the same data the results were computed
  from (a record beside the results, ``<lake>/results/_inputs.json``);
* **bi**: Superset's datasets from the dbt manifest (the models' columns, descriptions and metrics)
  and the repository's dashboards, imported unless Superset holds that very bundle already (its
  digest is kept in Superset's metadata database).

Library code: each step returns a :class:`StepOutcome` (with the layer's own result object in
``report``); :func:`run` returns a :class:`PipelineResult`. Printing and exit codes are the CLI's.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from softcart.core.settings import Settings

GENERATED_FILES = (
    "oltpdata.csv",
    "customers.csv",
    "inventory.csv",
    "catalog.json",
    "searchterms.csv",
    "accesslog.txt",
    "ecommerce.csv",
    "DimDate.csv",
    "DimCategory.csv",
    "DimCountry.csv",
    "FactSales.csv",
)
DEFAULT_SCALE = 0.01
DEFAULT_SEED = 42
RESULTS_INPUTS = ("results", "_inputs.json")  # beside the Spark results: the lake data they read


@dataclass(frozen=True)
class RunParams:
    """What a pipeline run is asked for (the CLI's options, the DAG's params)."""

    scale: float = DEFAULT_SCALE
    seed: int = DEFAULT_SEED
    dataset: Path | None = None  # a dataset folder to use instead of generating one

    def dataset_dir(self, settings: Settings) -> Path:
        if self.dataset is not None:
            return self.dataset.expanduser().resolve()
        return settings.datasets_dir / f"scale-{self.scale:g}-seed-{self.seed}"


Status = Literal["ok", "skipped", "failed"]


@dataclass
class StepOutcome:
    name: str
    status: Status
    detail: str = ""
    seconds: float = 0.0
    report: Any = None  # the layer's own result object (RunOutcome, ExportResult, ...) for the CLI

    @property
    def ok(self) -> bool:
        return self.status != "failed"


@dataclass(frozen=True)
class Step:
    name: str
    reads: str
    writes: str
    does: str
    run: Callable[[Settings, RunParams], StepOutcome]
    # for Airflow: retried with backoff (sources can be briefly unreachable)
    touches_sources: bool = False


@dataclass
class PipelineResult:
    params: RunParams
    dataset: Path | None
    steps: list[StepOutcome] = field(default_factory=list)
    planned: int = 0

    @property
    def ok(self) -> bool:
        return len(self.steps) == self.planned and all(s.ok for s in self.steps)

    @property
    def failed(self) -> StepOutcome | None:
        return next((s for s in self.steps if not s.ok), None)


def _ok(name: str, detail: str, report: Any = None) -> StepOutcome:
    return StepOutcome(name, "ok", detail, report=report)


def _skipped(name: str, why: str, report: Any = None) -> StepOutcome:
    return StepOutcome(name, "skipped", why, report=report)


def _failed(name: str, why: str, report: Any = None) -> StepOutcome:
    return StepOutcome(name, "failed", why, report=report)


# --- the steps -------------------------------------------------------------------------------------


def step_up(settings: Settings, params: RunParams) -> StepOutcome:
    from softcart.stack.commands import start_all
    from softcart.stack.servers import StackError

    try:
        actions = start_all(settings)
    except StackError as exc:
        return _failed("up", str(exc))
    return _ok("up", ", ".join(f"{name} {action}" for name, action in sorted(actions.items())))


def step_generate(settings: Settings, params: RunParams) -> StepOutcome:
    from softcart.generate import generate_dataset

    if params.dataset is not None:
        return _skipped("generate", f"a dataset was given: {params.dataset_dir(settings)}")
    dataset = params.dataset_dir(settings)
    if all((dataset / name).is_file() for name in GENERATED_FILES):
        return _skipped("generate", f"{dataset} already generated (same seed, same bytes)")
    counts = generate_dataset(dataset, scale=params.scale, seed=params.seed)
    return _ok("generate", f"{dataset} ({counts.get('oltpdata.csv', 0):,} sales rows)")


def step_load(settings: Settings, params: RunParams) -> StepOutcome:
    from rich.console import Console

    from softcart.load.cli import load_dataset
    from softcart.load.errors import LoadError
    from softcart.load.records import loaded_state

    dataset = params.dataset_dir(settings)
    if not dataset.is_dir():
        return _failed("load", f"{dataset}: no such dataset folder")
    state = loaded_state(settings, dataset)
    if state.loaded:
        return _skipped("load", f"{state.reason}: not reloaded")
    try:
        loaded = load_dataset(settings, dataset, replace=True, console=Console(stderr=True, quiet=True))
    except LoadError as exc:
        return _failed("load", f"{exc} (nothing was written)")
    rows = sum(item.rows for item in loaded)
    return _ok("load", f"{state.reason}: loaded {dataset.name} ({rows:,} rows, replaced)", loaded)


def step_ingest(settings: Settings, params: RunParams) -> StepOutcome:
    from ingest.config import ConfigError, load_streams
    from ingest.runner import run_ingest

    try:
        streams = load_streams(settings)
    except ConfigError as exc:
        return _failed("ingest", str(exc))
    outcome = run_ingest(settings, streams, full_refresh=False)
    if not outcome.ok:
        return _failed("ingest", f"{outcome.error} (nothing of run {outcome.run_id} was published)", outcome)
    written = sum(r.rows_written for r in outcome.results)
    rejected = sum(r.rows_rejected for r in outcome.results)
    refreshed = [r.stream for r in outcome.results if r.refreshed]
    detail = f"run {outcome.run_id}: moved {written:,} rows, rejected {rejected:,}"
    if refreshed:
        detail += f"; refreshed {', '.join(refreshed)}"
    return _ok("ingest", detail, outcome)


def step_reconcile(settings: Settings, params: RunParams) -> StepOutcome:
    from ingest.config import load_streams
    from ingest.reconcile import reconcile_all

    rows = reconcile_all(settings, load_streams(settings))
    bad = [r.stream for r in rows if not r.ok]
    if bad:
        return _failed("reconcile", f"the warehouse differs from its sources: {', '.join(bad)}", rows)
    return _ok("reconcile", f"{len(rows)} streams match their sources", rows)


def step_dbt(settings: Settings, params: RunParams) -> StepOutcome:
    from softcart.warehouse.build_plan import plan_build, record_build
    from softcart.warehouse.dbt_runner import read_run_results, run_dbt

    plan = plan_build(settings)
    if plan.kind == "nothing":
        return _skipped("dbt", f"nothing to build: {plan.reason}", plan)
    code = run_dbt(settings, plan.args, extra_env=plan.env)
    summary = read_run_results(settings)
    report = (plan, summary)
    counts = "; ".join(line.strip() for line in summary.lines()[1:])
    if code != 0:
        return _failed("dbt", f"{plan.kind} build ({plan.reason}) failed: {counts}", report)
    record_build(settings, plan, summary.invocation_id)
    return _ok("dbt", f"{plan.kind} build ({plan.reason}): {counts}", report)


def step_export(settings: Settings, params: RunParams) -> StepOutcome:
    import psycopg

    from softcart.lake.export import MartsMissing, RawFileError, run_export

    try:
        result = run_export(settings)
    except (MartsMissing, RawFileError, ValueError, psycopg.Error) as exc:
        return _failed("export", str(exc).strip())
    return _ok(
        "export",
        f"{result.partitions_written} partitions, {result.rows_written:,} rows written to {settings.lake_url}",
        result,
    )


def lake_version(settings: Settings) -> str | None:
    """A digest of what the lake holds (every table's partitions and their checksums), from the
    latest export manifest; ``None`` when nothing was exported yet."""
    from softcart.lake.export import manifest as manifests
    from softcart.lake.store import Lake

    latest = manifests.load_latest(Lake.from_url(settings.lake_url))
    tables = latest.get("tables")
    if not tables:
        return None
    content = {
        name: {path: part.get("checksum") for path, part in sorted(t.get("partitions", {}).items())}
        for name, t in sorted(tables.items())
    }
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()[:16]


def _results_inputs(settings: Settings) -> str | None:
    from softcart.lake.store import Lake

    lake = Lake.from_url(settings.lake_url)
    path = lake.path(*RESULTS_INPUTS)
    try:
        with lake.fs.open_input_stream(path) as f:
            data = json.loads(f.read().decode("utf-8"))
    except (FileNotFoundError, OSError, ValueError):
        return None
    version = data.get("lake_version") if isinstance(data, dict) else None
    return str(version) if version else None


def _record_results_inputs(settings: Settings, version: str) -> None:
    from softcart.lake.store import Lake

    lake = Lake.from_url(settings.lake_url)
    lake.fs.create_dir(lake.path(RESULTS_INPUTS[0]), recursive=True)
    tmp = lake.path(RESULTS_INPUTS[0], ".tmp-" + RESULTS_INPUTS[1])
    with lake.fs.open_output_stream(tmp) as f:
        f.write(json.dumps({"lake_version": version}).encode())
    lake.fs.move(tmp, lake.path(*RESULTS_INPUTS))


def step_analytics(settings: Settings, params: RunParams) -> StepOutcome:
    from spark.analytics import run_all
    from spark.jobs import JobInputMissing

    version = lake_version(settings)
    if version is None:
        return _failed("analytics", f"the lake {settings.lake_url} holds no export")
    if _results_inputs(settings) == version:
        return _skipped("analytics", f"the lake is unchanged since the results were computed ({version})")
    try:
        reports = run_all(settings)
    except JobInputMissing as exc:
        return _failed("analytics", str(exc))
    _record_results_inputs(settings, version)
    return _ok("analytics", f"{', '.join(name for name, _, _ in reports)} on lake {version}", reports)


def step_bi(settings: Settings, params: RunParams) -> StepOutcome:
    from softcart.dashboards.superset_sync import SyncError
    from softcart.stack.superset import publish

    try:
        done = publish(settings)
    except SyncError as exc:
        return _failed("bi", str(exc))
    what = (
        f"{done.datasets} datasets from the dbt manifest, {done.charts} charts, {done.dashboards} dashboards"
    )
    if not done.imported and settings.superset_enabled:
        return _skipped("bi", f"{done.reason}: {what}", done)
    if not done.imported:  # the bundle was still built and checked against the manifest
        return _ok("bi", f"{what} checked; not imported: {done.reason}", done)
    return _ok("bi", f"{what} {done.reason}", done)


STEPS: tuple[Step, ...] = (
    Step("up", "settings", "local servers, schemas", "start the local servers (idempotent)", step_up),
    Step(
        "generate",
        "scale, seed",
        "datasets/",
        "generate the dataset (once per scale and seed)",
        step_generate,
    ),
    Step(
        "load",
        "the dataset folder",
        "MySQL sales, MongoDB catalog, landing/",
        "load the dataset into the sources unless they hold it",
        step_load,
        touches_sources=True,
    ),
    Step(
        "ingest",
        "the sources",
        "PostgreSQL raw, softcart_meta",
        "land what changed in raw",
        step_ingest,
        touches_sources=True,
    ),
    Step(
        "reconcile",
        "the sources, raw",
        "nothing",
        "compare every stream with its source; a difference fails the run",
        step_reconcile,
        touches_sources=True,
    ),
    Step("dbt", "raw", "staging, marts, reporting", "the planned dbt build", step_dbt),
    Step(
        "export", "marts, landing/", "the Parquet lake", "marts to the lake (changed partitions)", step_export
    ),
    Step(
        "analytics",
        "the lake",
        "lake results/, models/",
        "the Spark jobs, unless the lake is unchanged",
        step_analytics,
    ),
    Step(
        "bi",
        "the dbt manifest, reporting",
        "Superset's datasets, charts, dashboards",
        "sync Superset's datasets from the dbt models and import the dashboards (when changed)",
        step_bi,
    ),
)
STEP_NAMES = tuple(step.name for step in STEPS)


def run(
    settings: Settings,
    params: RunParams,
    *,
    only: Sequence[str] = (),
    on_start: Callable[[Step], None] | None = None,
    on_end: Callable[[StepOutcome], None] | None = None,
) -> PipelineResult:
    """Run the steps in order (``only``: just these, still in order); stop at the first failure."""
    unknown = [name for name in only if name not in STEP_NAMES]
    if unknown:
        raise ValueError(f"unknown step(s) {', '.join(unknown)}: choose from {', '.join(STEP_NAMES)}")
    steps = [s for s in STEPS if not only or s.name in only]
    result = PipelineResult(params, params.dataset_dir(settings), planned=len(steps))
    for step in steps:
        if on_start:
            on_start(step)
        started = time.perf_counter()
        try:
            outcome = step.run(settings, params)
        except Exception as exc:  # the backstop: a step's own errors come back as outcomes
            outcome = _failed(step.name, f"{type(exc).__name__}: {exc}")
        outcome.seconds = time.perf_counter() - started
        result.steps.append(outcome)
        if on_end:
            on_end(outcome)
        if not outcome.ok:
            break
    return result
