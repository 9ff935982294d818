"""``softcart ingest --follow``: ingest runs one after the other until SIGINT or SIGTERM, and each
change stream's lag (``softcart status``).

A round is one ordinary ingest run (``ingest.runner.run_ingest``: one PostgreSQL transaction with
its positions), started when the binlog moved since the last round (polled every ``poll``
seconds on one connection), and at least every ``idle_rounds_every`` seconds for the streams that have no log to
poll (MongoDB, files). A signal only sets a flag: the round in progress ends with its commit (a
transaction boundary of the source: positions are only ever at one), then the loop stops.
"""

from __future__ import annotations

import contextlib
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import FrameType
from typing import Any

from ingest.config import Stream, load_streams
from ingest.credentials import mysql_reader_login
from ingest.runner import RunOutcome, run_ingest
from ingest.warehouse import pg_connect
from softcart.core.settings import Settings


@dataclass
class FollowResult:
    rounds: int = 0
    changes: int = 0
    failed_rounds: int = 0
    stopped_by: str | None = None  # the signal's name
    last_error: str | None = None
    outcomes: list[RunOutcome] = field(default_factory=list)  # the rounds that moved something


class _BinlogEnd:
    """The binlog's end (``SHOW MASTER STATUS``) on one connection kept for the whole follow (a new
    connection per poll cost more than the poll); None while the server cannot be asked."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.conn: Any = None

    def __call__(self) -> str | None:
        from ingest.sources.mysql import mysql_connect

        for _ in range(2):  # a connection the server dropped: one new try
            try:
                if self.conn is None:
                    self.conn = mysql_connect(mysql_reader_login(self.settings))
                with self.conn.cursor() as cur:
                    cur.execute("SHOW MASTER STATUS")
                    row = cur.fetchone()
                return f"{row[0]}:{row[1]}" if row else None
            except Exception:
                self.close()
        return None

    def close(self) -> None:
        if self.conn is not None:
            with contextlib.suppress(Exception):  # already gone
                self.conn.close()
            self.conn = None


def follow(
    settings: Settings,
    streams: list[Stream],
    *,
    poll: float = 0.05,
    idle_rounds_every: float = 30.0,
    max_rounds: int | None = None,
    on_round: Callable[[RunOutcome], None] | None = None,
) -> FollowResult:
    """Run ingest rounds until SIGINT/SIGTERM (or ``max_rounds``); returns what was done."""
    result = FollowResult()
    stop: list[str] = []

    def handler(signum: int, _frame: FrameType | None) -> None:
        stop.append(signal.Signals(signum).name)

    previous = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    binlog_end = _BinlogEnd(settings)
    try:
        seen: str | None = None
        last_round = 0.0
        while not stop and (max_rounds is None or result.rounds < max_rounds):
            end = binlog_end() if any(s.kind == "mysql" for s in streams) else None
            due = time.monotonic() - last_round >= idle_rounds_every
            if end is not None and end == seen and not due:
                time.sleep(poll)
                continue
            last_round = time.monotonic()
            outcome = run_ingest(settings, streams, False)
            result.rounds += 1
            moved = sum(r.rows_written for r in outcome.results)
            result.changes += moved
            if not outcome.ok:
                result.failed_rounds += 1
                result.last_error = outcome.error
                time.sleep(2.0)  # a source down: try again, not in a tight loop
            else:
                seen = end
            if moved or not outcome.ok:
                result.outcomes = [*result.outcomes[-99:], outcome]
            if on_round:
                on_round(outcome)
    finally:
        binlog_end.close()
        for s, h in previous.items():
            signal.signal(s, h)
    result.stopped_by = stop[0] if stop else None
    return result


@dataclass(frozen=True)
class Lag:
    stream: str
    position: str | None  # the stream's committed position
    source_end: str | None  # the binlog's end now
    bytes_behind: int | None
    last_change_at: datetime | None  # the source commit time of the newest change landed
    seconds_behind: float | None  # now - last_change_at, when the stream is behind; 0 when caught up


def stream_lag(settings: Settings) -> list[Lag]:
    """Each change stream's lag: how far its committed binlog position is from the binlog's end."""
    streams = [s for s in load_streams(settings) if s.cdc and s.kind == "mysql"]
    if not streams:
        return []
    with pg_connect(settings, autocommit=True) as pg:
        marks = dict(
            pg.execute(
                "select stream, mark from softcart_meta.ingest_state where stream = any(%s)",
                ([s.name for s in streams],),
            ).fetchall()
        )
        newest: dict[str, Any] = {}
        for s in streams:
            row = pg.execute(
                f"select max(_softcart_committed_at) from {s.target}"  # noqa: S608 (a declared name)
            ).fetchone()
            newest[s.name] = row[0] if row else None
    end, sizes = _binlog_files(settings)
    out = []
    now = datetime.now(UTC)
    for s in streams:
        mark = marks.get(s.name)
        behind = _bytes_between(mark, end, sizes) if mark and end else None
        last = newest.get(s.name)
        seconds = 0.0 if behind == 0 else ((now - last).total_seconds() if last and behind else None)
        out.append(Lag(s.name, mark, end, behind, last, seconds))
    return out


def _binlog_files(settings: Settings) -> tuple[str | None, list[tuple[str, int]]]:
    from ingest.sources.mysql import mysql_connect

    try:
        conn = mysql_connect(mysql_reader_login(settings))
    except Exception:
        return None, []
    try:
        with conn.cursor() as cur:
            cur.execute("SHOW MASTER STATUS")
            row = cur.fetchone()
            cur.execute("SHOW BINARY LOGS")
            files = [(str(r[0]), int(r[1])) for r in cur.fetchall()]
        return (f"{row[0]}:{row[1]}" if row else None), files
    except Exception:
        return None, []
    finally:
        conn.close()


def _bytes_between(mark: str, end: str, files: list[tuple[str, int]]) -> int | None:
    """Binlog bytes from ``mark`` to ``end`` (file:pos each), across files."""
    mark_file, _, mark_pos = mark.rpartition(":")
    end_file, _, end_pos = end.rpartition(":")
    if not mark_pos.isdigit() or not end_pos.isdigit():
        return None
    if mark_file == end_file:
        return max(0, int(end_pos) - int(mark_pos))
    names = [f for f, _ in files]
    if mark_file not in names or end_file not in names:
        return None
    total = 0
    for name, size in files[names.index(mark_file) : names.index(end_file)]:
        total += size - (int(mark_pos) if name == mark_file else 0)
    return total + int(end_pos)
