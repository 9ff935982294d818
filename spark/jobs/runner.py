"""Running one Spark job with one Spark session: the path of both ``softcart analyze JOB``
(spark.cli) and ``spark-submit spark/jobs/<job>.py`` (spark.jobs.common.submit_main).

It lives with the jobs, below spark.cli, so the jobs' spark-submit entry point needs nothing from
the CLI above them (docs/architecture.md, "Layers")."""

from __future__ import annotations

import importlib
import time
from pathlib import Path
from typing import Any

from rich.console import Console

from softcart.core.settings import Settings
from softcart.lake.store import Lake
from spark.jobs import JOBS, JobInputMissing


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
    from spark.session import build_session, stop_session

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
            stop_session(spark)
    module.report(result, console)
    console.print(
        f"[dim]{job}: Spark session {start_seconds:.1f} s, job {time.perf_counter() - started - start_seconds:.1f} s,"
        f" master {settings.spark_master if not submitted else 'from spark-submit'}, app {app_id}[/]"
    )
    return 0
