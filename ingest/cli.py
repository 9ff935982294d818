"""``softcart ingest`` and ``softcart reconcile``: progress per stream, a summary table at the end.

On a terminal, rich shows them (a progress bar per stream, a table); elsewhere (logs, CI, Airflow,
the pipeline) they are plain text and rich is not imported: its import and one table took a sixth
of a no-op run's CPU (issue 17: every import is start-up time of every run).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from ingest.config import ConfigError, Stream, load_streams, select_streams
from ingest.runner import RunOutcome, run_ingest
from softcart.core.plain_text import Part, is_terminal, plain, table
from softcart.core.settings import Settings

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table

    from ingest.sources.mongo_read import CollectionRead

SUMMARY_COLUMNS = (
    ("stream", "left"), ("status", "left"), ("read", "right"), ("written", "right"), ("rejected", "right"),
    ("mark before", "right"), ("mark after", "right"), ("s", "right"), ("rows/s", "right"), ("note", "left"),
)  # fmt: skip


class _Out:
    """Where a command's lines go: rich's console on a terminal, plain lines on stdout elsewhere."""

    def __init__(self) -> None:
        self.terminal = is_terminal()
        self._console: Console | None = None

    @property
    def console(self) -> Console:
        """rich's console (imported on first use): the terminal's width, or wide enough for a table."""
        if self._console is None:
            from rich.console import Console

            self._console = Console() if self.terminal else Console(width=200)
        return self._console

    def line(self, *parts: Part) -> None:
        if self.terminal:
            from rich.text import Text

            self.console.print(Text.assemble(*parts))
        else:
            print(plain(parts), flush=True)

    def summary(self, outcome: RunOutcome) -> None:
        if self.terminal:
            self.console.print(summary_table(outcome))
        else:
            title, rows = _summary(outcome)
            print(table(plain(title), SUMMARY_COLUMNS, rows), flush=True)


def _fmt(n: int) -> str:
    return f"{n:,}"


def _mark(mark: str | None) -> str:
    if mark is None:
        return "-"
    return mark[:12] + "…" if len(mark) > 24 else mark


@contextmanager
def _progress(out: _Out) -> Iterator[Callable[[Stream], Callable[[int | None, int], None]] | None]:
    """A progress bar per stream on a terminal; None elsewhere (logs, CI, the pipeline)."""
    if not out.terminal:
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("{task.description:<28}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("rows"),
        TimeElapsedColumn(),
        console=out.console,
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


def _summary(outcome: RunOutcome) -> tuple[list[Part], list[list[str]]]:
    """The summary's title and rows: one definition for the terminal's table and the plain one."""
    title: list[Part] = [
        f"ingest run {outcome.run_id}: ",
        ("succeeded", "green") if outcome.ok else ("failed", "red"),
    ]
    rows = []
    for r in outcome.results:
        rate = f"{r.rows_written / r.seconds:,.0f}" if r.seconds > 0 and r.rows_written else ""
        rows.append([
            r.stream, r.status, _fmt(r.rows_read), _fmt(r.rows_written), _fmt(r.rows_rejected),
            _mark(r.mark_before), _mark(r.mark_after), f"{r.seconds:.2f}", rate, "; ".join(r.notes),
        ])  # fmt: skip
    return title, rows


def summary_table(outcome: RunOutcome) -> Table:
    """The summary as rich's table (the terminal's, and ``softcart run``'s report)."""
    from rich.table import Table
    from rich.text import Text

    title, rows = _summary(outcome)
    result = Table(title=Text.assemble(*title))
    for col, justify in SUMMARY_COLUMNS:
        result.add_column(col, justify=justify)  # type: ignore[arg-type]
    for row in rows:
        result.add_row(*row)
    return result


def _selected(out: _Out, settings: Settings, streams: list[str]) -> list[Stream] | None:
    """The streams asked for, or None after printing why they cannot be (exit 2)."""
    try:
        return select_streams(load_streams(settings), streams)
    except ConfigError as exc:
        out.line(("error:", "red"), f" {exc}")
        return None


def main(
    settings: Settings, streams: list[str], full_refresh: bool, reads: dict[str, CollectionRead] | None = None
) -> int:
    """Land the streams (all when ``streams`` is empty). 0 on success, 1 on failure, 2 on bad input.
    ``reads``: source reads already started for the run (softcart/cli.py: ``start_snapshot_reads``)."""
    out = _Out()
    selected = _selected(out, settings, streams)
    if selected is None:
        for read in (reads or {}).values():
            read.close()
        return 2
    with _progress(out) as factory:
        outcome = run_ingest(settings, selected, full_refresh, progress=factory, reads=reads)
    if outcome.abandoned:
        out.line(
            (f"{outcome.abandoned} earlier run(s) had died without an outcome: marked abandoned", "yellow")
        )
    if outcome.results:
        out.summary(outcome)
    if not outcome.ok:
        out.line(("error:", "red"), f" {outcome.error}")
        out.line(("nothing of this run was published", "red"), " (the marks are unchanged)")
        return 1
    total = sum(r.rows_written for r in outcome.results)
    rejected = sum(r.rows_rejected for r in outcome.results)
    out.line(
        f"moved {total:,} rows, rejected {rejected:,} (softcart_meta.ingest_rejects, run {outcome.run_id})"
    )
    return 0


def follow_main(settings: Settings, streams: list[str]) -> int:
    """``softcart ingest --follow``: rounds until SIGINT/SIGTERM, one line per round that moved rows."""
    from ingest.follow import follow

    out = _Out()
    selected = _selected(out, settings, streams)
    if selected is None:
        return 2
    out.line(
        f"following {len(selected)} stream(s); stop with Ctrl-C or SIGTERM (a clean stop after the round's commit)"
    )

    def on_round(outcome: RunOutcome) -> None:
        moved = [(r.stream, r.rows_written) for r in outcome.results if r.rows_written]
        if not outcome.ok:
            out.line(f"run {outcome.run_id}: ", ("failed", "red"), f" {outcome.error} (retrying)")
        elif moved:
            out.line(f"run {outcome.run_id}: " + ", ".join(f"{name} {n:,}" for name, n in moved))

    result = follow(settings, selected, on_round=on_round)
    out.line(
        f"stopped by {result.stopped_by or 'the end'} after {result.rounds:,} round(s):"
        f" moved {result.changes:,} rows, {result.failed_rounds:,} failed round(s)"
    )
    return 1 if result.failed_rounds and result.last_error and not result.changes else 0


def reconcile(settings: Settings) -> int:
    """Compare every stream's source and raw table; 0 when all match, 1 on any difference."""
    from ingest.reconcile import reconcile_all, reconcile_table

    out = _Out()
    try:
        rows = reconcile_all(settings, load_streams(settings))
    except ConfigError as exc:
        out.line(("error:", "red"), f" {exc}")
        return 2
    out.console.print(reconcile_table(rows))
    bad = [r for r in rows if not r.ok]
    if bad:
        out.line((f"{len(bad)} stream(s) differ:", "red"), f" {', '.join(r.stream for r in bad)}")
        return 1
    out.line(("every stream matches its source", "green"))
    return 0
