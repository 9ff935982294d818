"""Build the dashboard: read the marts and the run log, write the static site."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dashboards.health import read_health
from dashboards.site import write_site
from dashboards.warehouse import MartAggregates, connect, read_marts
from softcart.core.settings import Settings


@dataclass(frozen=True)
class BuildResult:
    index: Path
    sales: int
    revenue_cents: int
    sources: list[str]
    years: list[int]
    cells: int
    has_ingestion_run: bool
    seconds: float

    @property
    def empty(self) -> bool:
        return self.sales == 0


def default_out(settings: Settings) -> Path:
    return settings.data_dir / "dashboard"


def page_data(settings: Settings, marts: MartAggregates, health: dict[str, Any]) -> dict[str, Any]:
    return {
        "generated_at": dt.datetime.now(dt.UTC).isoformat(sep=" ", timespec="seconds"),
        "warehouse": settings.postgres.redacted,
        "marts": marts.to_json(),
        "health": health,
    }


def build(settings: Settings, out: Path | None = None) -> BuildResult:
    """Build the site into ``out`` (default ``<data dir>/dashboard``).

    Raises ``psycopg.Error`` when the warehouse cannot be reached and
    :class:`dashboards.warehouse.MartsMissingError` when the marts are not built.
    """
    started = time.perf_counter()
    folder = (out or default_out(settings)).resolve()
    with connect(settings) as conn:
        marts = read_marts(conn)
        health = read_health(conn)
    index = write_site(folder, page_data(settings, marts, health))
    by_month = marts.by_month.values
    return BuildResult(
        index=index,
        sales=sum(by_month.get("orders", [])),
        revenue_cents=sum(by_month.get("revenue_cents", [])),
        sources=marts.sources,
        years=marts.years,
        cells=len(marts.by_month) + len(marts.by_item_quarter),
        has_ingestion_run=health["last_run"] is not None,
        seconds=time.perf_counter() - started,
    )
