"""What every stream engine gets (the run's transaction, run id, progress) and gives back."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import psycopg

from ingest.config import Stream
from softcart.core.settings import Settings


@dataclass
class StreamResult:
    stream: str
    status: str = "running"  # running | succeeded | unchanged | skipped | failed
    rows_read: int = 0
    rows_written: int = 0
    rows_rejected: int = 0
    rows_seeded: int = 0
    # the raw table was rebuilt from scratch by this run (first ingest, --full-refresh, a replaced
    # source, a changed file): dbt rebuilds the incremental models that read it (ingest_stream_runs)
    refreshed: bool = False
    mark_before: str | None = None
    mark_after: str | None = None
    started_at: datetime | None = None
    ended_at: datetime | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def seconds(self) -> float:
        if self.started_at and self.ended_at:
            return (self.ended_at - self.started_at).total_seconds()
        return 0.0


@dataclass
class RunContext:
    settings: Settings
    conn: psycopg.Connection[Any]  # the run's one transaction: rows, rejects, marks, run status
    run_id: int
    full_refresh: bool
    # progress(total_or_None, advance): set the expected total (once) and advance by n rows
    progress: Callable[[int | None, int], None] = lambda total, advance: None
    streams: list[Stream] = field(default_factory=list)  # every stream of the run
    shared: dict[str, Any] = field(default_factory=dict)  # what the run's streams of one engine share
    # source reads started before the run, by stream (ingest/sources/mongo_read.py): a stream takes
    # its own; the runner closes what is left
    reads: dict[str, Any] = field(default_factory=dict)
