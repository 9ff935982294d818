"""`softcart run`: the main job, end to end, on one machine.

up → generate (or a given dataset) → load the sources → ingest into `raw` → dbt build → export the
marts to the Parquet lake → Spark jobs → dashboard, then a summary of what is where. Each step is
the same code its own command runs; a failing step stops the run with a non-zero exit.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table

from softcart.settings import Settings

console = Console(stderr=True)

GENERATED_FILES = (
    "oltpdata.csv",
    "customers.csv",
    "catalog.json",
    "searchterms.csv",
    "accesslog.txt",
    "ecommerce.csv",
    "DimDate.csv",
    "DimCategory.csv",
    "DimCountry.csv",
    "FactSales.csv",
)


@dataclass
class StepResult:
    name: str
    seconds: float
    ok: bool
    detail: str = ""


def main(settings: Settings, scale: float, seed: int, dataset: Path | None) -> int:
    results: list[StepResult] = []
    full_refresh = False

    def step(name: str, fn: Callable[[], int | str | None]) -> bool:
        console.rule(f"[bold]{name}")
        started = time.perf_counter()
        try:
            out = fn()
        except Exception as exc:  # a step's own errors are reported by the step; this is the backstop
            console.print(f"[red]{name} failed:[/red] {exc}")
            results.append(StepResult(name, time.perf_counter() - started, False, str(exc)))
            return False
        ok = not isinstance(out, int) or out == 0
        detail = out if isinstance(out, str) else ("" if ok else f"exit code {out}")
        results.append(StepResult(name, time.perf_counter() - started, ok, detail))
        return ok

    def do_up() -> int:
        from softcart.stack.commands import up

        return up(settings)

    def do_generate() -> str:
        nonlocal dataset
        from softcart.generate import generate_dataset

        dataset = settings.datasets_dir / f"scale-{scale:g}-seed-{seed}"
        if all((dataset / name).is_file() for name in GENERATED_FILES):
            return f"{dataset} (already generated; same seed, same bytes)"
        counts = generate_dataset(dataset, scale=scale, seed=seed)
        return f"{dataset} ({counts.get('oltpdata.csv', 0):,} sales rows)"

    def do_load() -> int | str:
        nonlocal full_refresh
        from softcart.dataset_marker import is_loaded, record_loaded
        from softcart.load.cli import main as load_main

        assert dataset is not None
        if is_loaded(settings, dataset):
            return "the sources already hold this dataset: not reloaded"
        code = load_main(settings, dataset, replace=True)
        if code == 0:
            record_loaded(settings, dataset)
            full_refresh = True  # a reload replaces the sources: rebuild raw and the incremental models
        return code

    def do_ingest() -> int:
        from ingest.cli import main as ingest_main

        return ingest_main(settings, streams=[], full_refresh=full_refresh)

    def do_dbt() -> int | str:
        from softcart.dbt_runner import read_run_results, run_dbt
        from softcart.warehouse_build import plan_build, record_build

        plan = plan_build(settings, full_refresh=full_refresh)
        if plan.kind == "nothing":
            console.print(f"nothing to build: {plan.reason}")
            return f"nothing to build ({plan.reason})"
        console.print(f"{plan.kind} build: {plan.reason}")
        code = run_dbt(settings, plan.args, extra_env=plan.env)
        summary = read_run_results(settings)
        console.print("\n".join(summary.lines()))
        if code != 0:
            return code
        record_build(settings, plan, summary.invocation_id)
        return f"{plan.kind}: " + "; ".join(line.strip() for line in summary.lines()[1:])

    def do_lake_and_spark() -> int:
        from spark.cli import run_pipeline_step

        return run_pipeline_step(settings)

    def do_dashboard() -> int:
        from dashboards.cli import main as dashboard_main

        return dashboard_main(settings, out=None, serve=False, port=8050)

    steps: list[tuple[str, Callable[[], int | str | None]]] = [("up", do_up)]
    if dataset is None:
        steps.append(("generate", do_generate))
    steps += [
        ("load sources", do_load),
        ("ingest", do_ingest),
        ("dbt build", do_dbt),
        ("export + spark jobs", do_lake_and_spark),
        ("dashboard", do_dashboard),
    ]
    for name, fn in steps:
        if not step(name, fn):
            break

    _summary(settings, results, dataset)
    return 0 if results and all(r.ok for r in results) and len(results) == len(steps) else 1


def _summary(settings: Settings, results: list[StepResult], dataset: Path | None) -> None:
    table = Table(title="softcart run")
    table.add_column("step")
    table.add_column("seconds", justify="right")
    table.add_column("result")
    for r in results:
        table.add_row(
            r.name, f"{r.seconds:.1f}", ("[green]ok[/green] " if r.ok else "[red]failed[/red] ") + r.detail
        )
    console.print(table)
    where = Table(title="what is where", show_header=False)
    where.add_row("dataset", str(dataset or "-"))
    where.add_row("MySQL sources", settings.mysql.redacted)
    where.add_row(
        "MongoDB catalog", f"{settings.mongo.redacted} {settings.mongo_database}.{settings.mongo_collection}"
    )
    where.add_row("warehouse", f"{settings.postgres.redacted} (schemas raw, staging, marts, reporting)")
    where.add_row("data lake", settings.lake_url)
    where.add_row("dashboard", str(settings.data_dir / "dashboard" / "index.html"))
    where.add_row("dbt docs", "softcart docs")
    console.print(where)
