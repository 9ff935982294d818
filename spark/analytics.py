"""Every Spark job of the pipeline in ONE Spark session (the session start is the largest fixed cost
on two cores): search-terms (when the lake holds search terms), sales, forecast. Returns each job's
result object; the caller prints them with the job module's ``report``."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType
from typing import Any

from softcart.core.settings import Settings
from softcart.lake.store import Lake

JobReport = tuple[str, ModuleType, Any]  # (job name, its module: for .report(result, console), result)


def run_all(settings: Settings, *, model: Path | None = None) -> list[JobReport]:
    """Run the jobs; with ``model``, forecast also predicts with that saved model.
    Raises :class:`spark.jobs.JobInputMissing` when the lake lacks a job's input."""
    from spark.jobs import forecast, sales, search_terms
    from spark.session import build_session, stop_session

    lake = Lake.from_url(settings.lake_url)
    spark = build_session(settings, "softcart-analytics", lake_root=lake.spark_root)
    reports: list[JobReport] = []
    try:
        if lake.exists(search_terms.RAW_TABLE):
            reports.append(("search-terms", search_terms, search_terms.run(spark, lake)))
        reports.append(("sales", sales, sales.run(spark, lake)))
        reports.append(("forecast", forecast, forecast.run(spark, lake)))
        if model is not None:
            reports.append(("forecast (saved model)", forecast, forecast.run(spark, lake, model=model)))
    finally:
        stop_session(spark)
    return reports
