"""``softcart dashboard [--out DIR] [--serve] [--port N]``."""

from __future__ import annotations

from pathlib import Path

import psycopg
from rich.console import Console

from dashboards.build import build, default_out
from dashboards.serve import serve as serve_folder
from dashboards.warehouse import MartsMissingError
from softcart.core.settings import Settings


def main(settings: Settings, out: Path | None = None, serve: bool = False, port: int = 8050) -> int:
    """Build the static dashboard from the marts; serve it on 127.0.0.1:PORT with ``serve``."""
    console = Console(stderr=True)
    folder = out or default_out(settings)
    try:
        with console.status(f"Reading the marts at {settings.postgres.redacted}"):
            result = build(settings, folder)
    except MartsMissingError as exc:
        console.print(f"[red]error:[/] {exc}")
        return 1
    except psycopg.OperationalError as exc:
        reason = " ".join(str(exc).split()) or type(exc).__name__
        console.print(
            f"[red]error:[/] cannot reach the warehouse at {settings.postgres.redacted}: {reason}"
            " (is it running? `softcart up`)"
        )
        return 1
    except psycopg.Error as exc:
        console.print(f"[red]error:[/] reading the marts failed: {str(exc).strip()}")
        return 1
    except OSError as exc:
        console.print(f"[red]error:[/] cannot write the dashboard to {folder}: {exc}")
        return 1

    if result.empty:
        console.print("[yellow]The marts hold no sales:[/] the dashboard shows its empty state.")
    else:
        revenue = result.revenue_cents / 100
        console.print(
            f"Dashboard of {result.sales:,} sales ({revenue:,.2f} total) from"
            f" {', '.join(result.sources)}; years {', '.join(map(str, result.years)) or 'none'};"
            f" {result.cells:,} aggregate cells; built in {result.seconds:.2f} s."
        )
    if not result.has_ingestion_run:
        console.print("[yellow]No ingestion run is recorded yet[/] (data-health panel says so).")
    console.print(f"Open [bold]{result.index}[/] ({result.index.as_uri()})")
    print(result.index)
    if serve:
        return serve_folder(result.index.parent, port, console)
    return 0
