"""``softcart simulate``: run the workload, then a table of what it committed per kind."""

from __future__ import annotations

from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from softcart.core.settings import Settings
from softcart.simulate.workload import SimulationResult, simulate


def result_table(result: SimulationResult) -> Table:
    table = Table(title=f"softcart simulate: seed {result.seed}, {result.seconds:.1f} s")
    table.add_column("kind")
    table.add_column("committed", justify="right")
    for kind, n in result.committed.items():
        table.add_row(kind, f"{n:,}")
    table.add_section()
    table.add_row("transactions", f"{result.transactions:,}")
    table.add_row("stockouts (rolled back)", f"{result.stockouts:,}")
    table.add_row("skipped (nothing to act on)", f"{result.skipped:,}")
    return table


def changes_table(result: SimulationResult) -> Table:
    table = Table(title="rows changed (what change data capture should see)")
    for col in ("table", "inserted (c)", "updated (u)", "deleted (d)"):
        table.add_column(col, justify="left" if col == "table" else "right")
    for name, per in result.changes.items():
        table.add_row(name, f"{per['c']:,}", f"{per['u']:,}", f"{per['d']:,}")
    return table


def main(settings: Settings, seed: int, rate: float, count: int | None, duration: float | None) -> int:
    errors = Console(stderr=True)
    if (count is None) == (duration is None):
        errors.print("[red]error:[/red] give exactly one of --count and --duration")
        return 2
    if rate < 0 or (count is not None and count < 0) or (duration is not None and duration <= 0):
        errors.print("[red]error:[/red] --rate and --count must be >= 0, --duration > 0")
        return 2
    try:
        with Progress(console=errors, transient=True) as bar:
            task = bar.add_task("transactions", total=count)
            result = simulate(
                settings, seed, rate, count=count, duration=duration, progress=lambda n: bar.advance(task, n)
            )
    except Exception as exc:  # a source down, a missing table: one line, exit 1
        errors.print(f"[red]error:[/red] {type(exc).__name__}: {exc}", highlight=False)
        return 1
    console = Console()
    console.print(result_table(result))
    console.print(changes_table(result))
    if result.initial_inventory:
        console.print(
            f"inventory was empty: wrote the initial stock of {result.initial_inventory:,} products"
        )
    console.print(
        f"{result.transactions:,} transactions committed, {result.transactions / max(result.seconds, 1e-9):,.0f}/s"
    )
    return 0
