"""``softcart analyze JOB``: run one Spark job in this process with one Spark session."""

from __future__ import annotations

import importlib
import time
from pathlib import Path
from typing import Any

from rich.console import Console

from softcart.settings import Settings
from spark.jobs import JOBS, JobInputMissing
from spark.lake import Lake


def run_job(settings: Settings, job: str, *, submitted: bool = False, **options: Any) -> int:
    """Build the session (once), run ``job`` with ``options``, print its report. Returns an exit code."""
    console = Console()
    if job not in JOBS:
        console.print(f"[red]unknown job {job!r}[/]: choose one of {', '.join(JOBS)}")
        return 2
    input_file = options.get("input_file")
    if input_file is not None and not Path(input_file).is_file():
        console.print(f"[red]--input {input_file}: no such file[/]")
        return 1
    model = options.get("model")
    if model is not None and not Path(model).is_dir():
        console.print(f"[red]--model {model}: no such folder[/]")
        return 1
    try:
        lake = Lake.from_url(settings.lake_url)
    except ValueError as exc:
        console.print(f"[red]{exc}[/]")
        return 1
    module = importlib.import_module(f"spark.jobs.{JOBS[job]}")
    from spark.session import build_session

    started = time.perf_counter()
    spark = build_session(settings, f"softcart-{job}", submitted=submitted, lake_root=lake.spark_root)
    start_seconds = time.perf_counter() - started
    # local-...: in this process; app-...: a standalone cluster's application (its master lists it)
    app_id = spark.sparkContext.applicationId
    try:
        result = module.run(spark, lake, **options)
    except JobInputMissing as exc:
        console.print(f"[red]{job}:[/] {exc}")
        return 1
    finally:
        if not submitted:
            spark.stop()
    module.report(result, console)
    console.print(
        f"[dim]{job}: Spark session {start_seconds:.1f} s, job {time.perf_counter() - started - start_seconds:.1f} s,"
        f" master {settings.spark_master if not submitted else 'from spark-submit'}, app {app_id}[/]"
    )
    return 0


def run_pipeline_step(settings: Settings, *, model: Path | None = None) -> int:
    """For ``softcart run`` and the Airflow DAG: export, then every job in ONE Spark session.

    search-terms runs only if the raw zone holds search terms; forecast trains on the extracts (and,
    with ``model``, also predicts with that saved model). Prints where the results are.
    """
    from spark.export import main as export_main
    from spark.jobs import forecast, sales, search_terms
    from spark.session import build_session

    console = Console()
    code = export_main(settings)
    if code != 0:
        return code
    lake = Lake.from_url(settings.lake_url)
    spark = build_session(settings, "softcart-analytics", lake_root=lake.spark_root)
    try:
        if lake.exists(search_terms.RAW_TABLE):
            search_terms.report(search_terms.run(spark, lake), console)
        else:
            console.print("[yellow]note:[/] no search terms in the lake: search-terms skipped")
        sales.report(sales.run(spark, lake), console)
        forecast.report(forecast.run(spark, lake), console)
        if model is not None:
            forecast.report(forecast.run(spark, lake, model=model), console)
    except JobInputMissing as exc:
        console.print(f"[red]analytics:[/] {exc}")
        return 1
    finally:
        spark.stop()
    console.print(f"lake: {lake.spark_root} (results/, models/, manifests/latest.json)")
    return 0


def main(
    settings: Settings,
    job: str,
    input_file: Path | None = None,
    term: str = "gaming laptop",
    top: int = 5,
    model: Path | None = None,
    year: int | None = None,
) -> int:
    """``softcart analyze search-terms|sales|forecast``."""
    options: dict[str, Any] = {}
    if job == "search-terms":
        options = {"input_file": input_file, "term": term, "top": top}
    elif job == "forecast":
        options = {"model": model, "year": year}
    elif job == "sales":
        ignored = [
            name for name, value in (("--input", input_file), ("--model", model), ("--year", year)) if value
        ]
        if ignored:
            Console().print(f"[yellow]note:[/] sales takes no {', '.join(ignored)}: ignored")
    return run_job(settings, job, **options)
