"""``softcart analyze JOB``: run one Spark job in this process with one Spark session
(spark.jobs.runner.run_job); ``softcart run``'s export + every job in one session."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Console

from softcart.settings import Settings
from spark.jobs import JobInputMissing
from spark.jobs.runner import run_job
from spark.lake import Lake


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
