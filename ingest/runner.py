"""One ingest run: every selected stream inside ONE PostgreSQL transaction with its marks and its
run-log status, so a run is published whole or not at all (a crash or a source failure publishes
nothing, and the next run starts from the last committed marks)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from ingest.config import Stream
from ingest.context import RunContext, StreamResult
from ingest.crash import crash_point
from ingest.errors import IngestError
from ingest.runs import finish_run, open_run, record_failure
from ingest.state import prefetch_states
from ingest.warehouse import ensure_raw_tables, pg_connect
from softcart.core.connections import prepare_pymongo, prepare_pymysql
from softcart.core.settings import Settings

if TYPE_CHECKING:
    from ingest.sources.mongo_read import CollectionRead


def engine(settings: Settings, kind: str) -> Callable[[RunContext, Stream, StreamResult], None]:
    """The function that runs a stream of this kind (imported lazily: a run pays only for its kinds)."""
    if kind == "mysql":
        prepare_pymysql(settings)  # before ingest.sources.mysql imports pymysql
        from ingest.sources.mysql import run_mysql_stream

        return run_mysql_stream
    if kind == "mongo":
        prepare_pymongo(settings)  # before ingest.sources.mongo imports pymongo
        from ingest.sources.mongo import run_mongo_stream

        return run_mongo_stream
    from ingest.sources.files import run_file_stream

    return run_file_stream


# progress hooks: (stream) -> callback(total_or_None, advance)
ProgressFactory = Callable[[Stream], Callable[[int | None, int], None]]


@dataclass
class RunOutcome:
    run_id: int | None
    results: list[StreamResult] = field(default_factory=list)
    error: str | None = None
    abandoned: int = 0

    @property
    def ok(self) -> bool:
        return self.error is None


def _now() -> datetime:
    return datetime.now(UTC)


def run_ingest(
    settings: Settings,
    streams: list[Stream],
    full_refresh: bool,
    progress: ProgressFactory | None = None,
    reads: dict[str, CollectionRead] | None = None,
) -> RunOutcome:
    """Run the streams in one transaction on one PostgreSQL connection: first (autocommit) the lock
    and the run's ``running`` row in one statement, then the transaction: the streams' states and
    tables looked at once for all of them, each stream, the run's outcome, the commit. ``reads``:
    source reads started before the run (ingest/sources/mongo_read.py), each taken by its stream;
    whatever is left is closed at the end."""
    reads = reads if reads is not None else {}
    try:
        return _run_ingest(settings, streams, full_refresh, progress, reads)
    finally:
        for read in reads.values():
            read.close()


def _run_ingest(
    settings: Settings,
    streams: list[Stream],
    full_refresh: bool,
    progress: ProgressFactory | None,
    reads: dict[str, CollectionRead],
) -> RunOutcome:
    try:
        conn = pg_connect(settings, autocommit=True)
    except Exception as exc:
        return RunOutcome(None, error=f"PostgreSQL {settings.postgres.redacted}: cannot connect: {exc}")
    try:
        try:
            run_id, abandoned = open_run(conn, [s.name for s in streams], full_refresh)
        except IngestError as exc:
            return RunOutcome(None, error=str(exc))
        outcome = RunOutcome(run_id, abandoned=abandoned)
        conn.autocommit = False
        try:
            ctx = RunContext(settings, conn, run_id, full_refresh, streams=streams, reads=reads)
            prefetch_states(ctx, streams)
            ensure_raw_tables(conn, streams)
            for stream in streams:
                result = StreamResult(stream.name, started_at=_now())
                outcome.results.append(result)
                ctx.progress = progress(stream) if progress else ctx.progress
                engine(settings, stream.kind)(ctx, stream, result)
                result.ended_at = _now()
            finish_run(conn, run_id, outcome.results, "succeeded", None)
            crash_point(settings, "before_commit")
            conn.commit()
            crash_point(settings, "after_commit")
        except Exception as exc:
            lost = conn.broken
            if not lost:
                conn.rollback()
            message = str(exc) if isinstance(exc, IngestError) else f"{type(exc).__name__}: {exc}"
            if lost:  # the warehouse went away (killed, restarted, network): one line, no traceback
                first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
                message = (
                    f"PostgreSQL {settings.postgres.redacted}: the connection was lost during the run "
                    f"({first}); nothing of it was published"
                )
            for r in outcome.results:
                if r.status == "running":
                    r.status = "failed"
                    r.ended_at = _now()
                if r.status != "failed":
                    r.notes.append("rolled back: the run failed")
                    r.status = "rolled back"
            outcome.error = message
            if not record_failure(settings, conn, run_id, outcome.results, message):
                outcome.error += "; the run could not be marked failed (the warehouse is unreachable): the next run marks it abandoned"
    finally:
        conn.close()
    return outcome
