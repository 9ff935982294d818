"""``softcart generate``: write a dataset, then a summary table (file, rows, bytes)."""

from __future__ import annotations

import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from softcart.generate.dataset import generate_dataset


def summary_table(out: Path, rows: dict[str, int], seconds: float) -> Table:
    table = Table(title="SoftCart dataset", caption=f"{out} (written in {seconds:.1f} s)")
    table.add_column("file")
    table.add_column("rows", justify="right")
    table.add_column("bytes", justify="right")
    total_bytes = 0
    for name, count in rows.items():
        size = (out / name).stat().st_size
        total_bytes += size
        table.add_row(name, f"{count:,}", f"{size:,}")
    table.add_section()
    table.add_row("total", f"{sum(rows.values()):,}", f"{total_bytes:,}")
    return table


def main(out: Path, scale: float, seed: int) -> int:
    """Generate the dataset into ``out``; 0 on success, 2 on bad options, 1 on an I/O error."""
    console = Console()
    errors = Console(stderr=True)
    started = time.perf_counter()
    try:
        rows = generate_dataset(out, scale, seed, progress=True, console=errors)
    except (ValueError, NotADirectoryError) as exc:
        errors.print(f"[red]error:[/red] {exc}", highlight=False)
        return 2
    except OSError as exc:
        errors.print(f"[red]error:[/red] could not write the dataset into {out}: {exc}", highlight=False)
        return 1
    seconds = time.perf_counter() - started
    console.print(summary_table(out, rows, seconds))
    sales = rows["oltpdata.csv"]
    console.print(f"scale {scale:g}, seed {seed}: {sales:,} sales rows, {sales / seconds:,.0f} sales rows/s")
    return 0
