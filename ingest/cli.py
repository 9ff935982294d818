"""``softcart ingest`` and ``softcart reconcile``: progress per stream, a summary table at the end.

rich's progress bar is imported only on a terminal and its table only to print one: a no-op run
pays for neither (issue 17: every import is start-up time of every run).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from rich.console import Console

from ingest.config import ConfigError, Stream, load_streams, select_streams
from ingest.runner import RunOutcome, run_ingest
from softcart.core.settings import Settings

if TYPE_CHECKING:
    from rich.table import Table

    from ingest.sources.mongo_read import CollectionRead


def _fmt(n: int) -> str:
    return f"{n:,}"


def _mark(mark: str | None) -> str:
    if mark is None:
        return "-"
    return mark[:12] + "…" if len(mark) > 24 else mark


@contextmanager
def _progress(console: Console) -> Iterator[Callable[[Stream], Callable[[int | None, int], None]] | None]:
    """A progress bar per stream on a terminal; None elsewhere (logs, CI, the pipeline)."""
    if not console.is_terminal:
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("{task.description:<28}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("rows"),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    ) as progress:

        def factory(stream: Stream) -> Callable[[int | None, int], None]:
            task = progress.add_task(stream.name, total=None)

            def update(total: int | None, advance: int) -> None:
                if total is not None:
                    progress.update(task, total=total)
                if advance:
                    progress.advance(task, advance)

            return update

        yield factory


def summary_table(outcome: RunOutcome) -> Table:
    from rich.table import Table

    title = f"ingest run {outcome.run_id}: " + (
        "[green]succeeded[/green]" if outcome.ok else "[red]failed[/red]"
    )
    table = Table(title=title)
    for col, justify in (
        ("stream", "left"), ("status", "left"), ("read", "right"), ("written", "right"),
        ("rejected", "right"), ("mark before", "right"), ("mark after", "right"), ("s", "right"),
        ("rows/s", "right"), ("note", "left"),
    ):  # fmt: skip
        table.add_column(col, justify=justify)  # type: ignore[arg-type]
    for r in outcome.results:
        rate = f"{r.rows_written / r.seconds:,.0f}" if r.seconds > 0 and r.rows_written else ""
        table.add_row(
            r.stream, r.status, _fmt(r.rows_read), _fmt(r.rows_written), _fmt(r.rows_rejected),
            _mark(r.mark_before), _mark(r.mark_after), f"{r.seconds:.2f}", rate, "; ".join(r.notes),
        )  # fmt: skip
    return table


def _console() -> Console:
    """The terminal's width on a terminal; wide enough for the summary in logs and CI output."""
    console = Console()
    return console if console.is_terminal else Console(width=200)


def _selected(console: Console, settings: Settings, streams: list[str]) -> list[Stream] | None:
    """The streams asked for, or None after printing why they cannot be (exit 2)."""
    try:
        return select_streams(load_streams(settings), streams)
    except ConfigError as exc:
        console.print(f"[red]error:[/red] {exc}")
        return None


def main(
    settings: Settings, streams: list[str], full_refresh: bool, reads: dict[str, CollectionRead] | None = None
) -> int:
    """Land the streams (all when ``streams`` is empty). 0 on success, 1 on failure, 2 on bad input.
    ``reads``: source reads already started for the run (softcart/cli.py: ``start_snapshot_reads``)."""
    console = _console()
    selected = _selected(console, settings, streams)
    if selected is None:
        for read in (reads or {}).values():
            read.close()
        return 2
    with _progress(console) as factory:
        outcome = run_ingest(settings, selected, full_refresh, progress=factory, reads=reads)
    if outcome.abandoned:
        console.print(
            f"[yellow]{outcome.abandoned} earlier run(s) had died without an outcome: marked abandoned[/]"
        )
    if outcome.results:
        console.print(summary_table(outcome))
    if not outcome.ok:
        console.print(f"[red]error:[/red] {outcome.error}")
        console.print("[red]nothing of this run was published[/red] (the marks are unchanged)")
        return 1
    total = sum(r.rows_written for r in outcome.results)
    rejected = sum(r.rows_rejected for r in outcome.results)
    console.print(
        f"moved {total:,} rows, rejected {rejected:,} (softcart_meta.ingest_rejects, run {outcome.run_id})"
    )
    return 0


def follow_main(settings: Settings, streams: list[str]) -> int:
    """``softcart ingest --follow``: rounds until SIGINT/SIGTERM, one line per round that moved rows."""
    from ingest.follow import follow

    console = _console()
    try:
        selected = select_streams(load_streams(settings), streams)
    except ConfigError as exc:
        console.print(f"[red]error:[/red] {exc}")
        return 2
    console.print(
        f"following {len(selected)} stream(s); stop with Ctrl-C or SIGTERM (a clean stop after the round's commit)"
    )

    def on_round(outcome: RunOutcome) -> None:
        moved = [(r.stream, r.rows_written) for r in outcome.results if r.rows_written]
        if not outcome.ok:
            console.print(f"run {outcome.run_id}: [red]failed[/red] {outcome.error} (retrying)")
        elif moved:
            console.print(f"run {outcome.run_id}: " + ", ".join(f"{name} {n:,}" for name, n in moved))

    result = follow(settings, selected, on_round=on_round)
    console.print(
        f"stopped by {result.stopped_by or 'the end'} after {result.rounds:,} round(s):"
        f" moved {result.changes:,} rows, {result.failed_rounds:,} failed round(s)"
    )
    return 1 if result.failed_rounds and result.last_error and not result.changes else 0


def reconcile(settings: Settings) -> int:
    """Compare every stream's source and raw table; 0 when all match, 1 on any difference."""
    from ingest.reconcile import reconcile_all, reconcile_table

    console = _console()
    try:
        rows = reconcile_all(settings, load_streams(settings))
    except ConfigError as exc:
        console.print(f"[red]error:[/red] {exc}")
        return 2
    console.print(reconcile_table(rows))
    bad = [r for r in rows if not r.ok]
    if bad:
        console.print(f"[red]{len(bad)} stream(s) differ:[/red] {', '.join(r.stream for r in bad)}")
        return 1
    console.print("[green]every stream matches its source[/green]")
    return 0
