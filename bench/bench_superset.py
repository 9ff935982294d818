"""Benchmark: the dashboards' chart queries through Superset vs the same SQL in psql.

For each chart of the committed dashboards (softcart/dashboards/superset/bundle), at a given scale:

  * Superset: ``GET /api/v1/chart/<id>/data/`` (what a dashboard asks for each chart; no results
    cache: the server's config has none), the wall time of the HTTP call;
  * psql: the very SQL Superset ran for it (``/api/v1/chart/<id>/data/?type=query``), as the BI
    account, ``psql -X -q -c SQL`` (connect, run, print to /dev/null), the wall time of the process.

Median of ``--runs`` (default 5) per chart, with min-max; the verdict compares the sum of the
medians (a dashboard's load) against the goal: Superset within 1.5x of psql.

It runs the pipeline first on the data dir of the settings (up, generate, load, ingest, dbt, bi at
``--scale``), so use a data dir of its own:

    SOFTCART_DATA_DIR=/tmp/bench-bi .venv/bin/python bench/bench_superset.py --scale 1

Run by hand; nothing is asserted.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import time

from harness import bench_parser
from rich.console import Console
from rich.table import Table

from softcart.core.credentials import bi_password, ensure_local_secrets
from softcart.core.settings import Settings, load_settings
from softcart.dashboards.superset_sync import SupersetClient
from softcart.pipeline import RunParams, run

GOAL = 1.5
DASHBOARDS = ("module-4", "sales", "data-health", "stock")
console = Console()


def prepare(settings: Settings, scale: float, seed: int) -> None:
    steps = ("up", "generate", "load", "ingest", "dbt", "bi")
    result = run(
        settings,
        RunParams(scale=scale, seed=seed),
        only=steps,
        on_end=lambda o: console.print(f"{o.status} {o.name} ({o.seconds:.1f} s): {o.detail[:150]}"),
    )
    if not result.ok:
        raise SystemExit(f"the pipeline failed: {result.failed}")


def psql_seconds(settings: Settings, sql: str) -> float:
    pg = settings.postgres
    env = {**os.environ, "PGPASSWORD": bi_password(settings)}
    cmd = ["psql", "-X", "-q", "-h", pg.host, "-p", str(pg.port), "-U", settings.postgres_bi_user]
    cmd += ["-d", pg.database or "softcart", "-o", "/dev/null", "-v", "ON_ERROR_STOP=1", "-c", sql]
    started = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, capture_output=True)
    return time.perf_counter() - started


def superset_seconds(client: SupersetClient, chart_id: int) -> float:
    started = time.perf_counter()
    response = client.http.get(f"/api/v1/chart/{chart_id}/data/")
    seconds = time.perf_counter() - started
    response.raise_for_status()
    return seconds


def spread(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:.0f} ({min(values) * 1000:.0f}-{max(values) * 1000:.0f})"


def main() -> None:
    parser = bench_parser(__doc__, runs=5)
    parser.add_argument("--no-prepare", action="store_true", help="measure the warehouse as it is")
    args = parser.parse_args()
    settings = ensure_local_secrets(load_settings())  # a new data dir: its passwords, as `softcart` does
    if not args.no_prepare:
        prepare(settings, args.scale, args.seed)

    table = Table(title=f"chart queries at scale {args.scale:g}: ms, median (min-max) of {args.runs} runs")
    for col in ("dashboard", "chart", "Superset API", "psql, same SQL", "ratio"):
        table.add_column(col)
    total_superset = total_psql = 0.0
    with SupersetClient.admin(settings) as client:
        for slug in DASHBOARDS:
            for chart in client.get(f"/api/v1/dashboard/{slug}/charts")["result"]:
                chart_id = chart["id"]
                sql = client.get(f"/api/v1/chart/{chart_id}/data/", type="query")["result"][0]["query"]
                superset_seconds(client, chart_id)  # warm: the first call loads the dataset's metadata
                psql_seconds(settings, sql)
                ours = [superset_seconds(client, chart_id) for _ in range(args.runs)]
                theirs = [psql_seconds(settings, sql) for _ in range(args.runs)]
                total_superset += statistics.median(ours)
                total_psql += statistics.median(theirs)
                ratio = statistics.median(ours) / statistics.median(theirs)
                table.add_row(slug, chart["slice_name"], spread(ours), spread(theirs), f"{ratio:.2f}x")
    console.print(table)
    ratio = total_superset / total_psql
    verdict = "within" if ratio <= GOAL else "NOT within"
    console.print(
        f"all charts, sum of medians: Superset {total_superset * 1000:.0f} ms, psql {total_psql * 1000:.0f} ms:"
        f" {ratio:.2f}x, {verdict} the goal of {GOAL}x"
    )


if __name__ == "__main__":
    main()
