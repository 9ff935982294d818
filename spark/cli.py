"""``softcart analyze JOB``: run one Spark job in this process with one Spark session
(spark.jobs.runner.run_job). ``softcart run`` runs every job in one session: spark/analytics.py."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Console

from softcart.core.settings import Settings
from spark.jobs.runner import run_job


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
