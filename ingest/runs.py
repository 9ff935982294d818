"""The run log: ``softcart_meta.ingest_runs`` (one row per run) and ``ingest_stream_runs``.

A run's row is inserted as ``running`` (committed at once, in the statement that takes the
ingest lock), on the run's one connection. Its final ``succeeded`` status is written inside the
run's data transaction on that connection, so it commits with the rows and marks. On a
failure the data transaction rolls back and the row is set to ``failed`` with the error. A process
that dies (kill -9) leaves ``running``; the next run, holding the ingest lock, marks it
``abandoned`` (nothing of it was published).
"""

from __future__ import annotations

import contextlib
import os
import time
from typing import Any

import psycopg

from ingest.context import StreamResult
from ingest.errors import IngestError
from ingest.warehouse import pg_connect
from softcart.core.settings import Settings

ABANDONED = "the process ended before recording an outcome (killed?); nothing of it was published"
# one round trip: take the session advisory lock (one ingest per warehouse at a time; a killed
# run's lock goes with its connection) and, only when it was taken, mark the runs still
# `running` abandoned (their processes died: they held the lock) and insert this run's row
OPEN_RUN_SQL = """
with lock as materialized (select pg_try_advisory_lock(hashtext('softcart.ingest')) as got),
abandoned as (
    update softcart_meta.ingest_runs set status = 'abandoned', ended_at = clock_timestamp(), error = %s
    where status = 'running' and (select got from lock) returning 1
),
run as (
    insert into softcart_meta.ingest_runs (status, full_refresh, streams, pid)
    select 'running', %s, %s, %s where (select got from lock) returning run_id
)
select (select got from lock), (select count(*) from abandoned), (select run_id from run)
"""


def open_run(
    conn: psycopg.Connection[Any], streams: list[str], full_refresh: bool, wait_seconds: float = 10.0
) -> tuple[int, int]:
    """Take the ingest lock and record this run as ``running`` (on an autocommit connection, so the
    row is there even if the process dies); returns (run id, runs marked abandoned).

    One ingest run at a time per warehouse: the lock is the session's, released when its process
    dies. Waits a little: the server notices a killed client's closed socket within moments.
    """
    deadline = time.monotonic() + wait_seconds
    while True:
        row = conn.execute(OPEN_RUN_SQL, (ABANDONED, full_refresh, streams, os.getpid())).fetchone()
        if row and row[0]:
            return int(row[2]), int(row[1])
        if time.monotonic() >= deadline:
            raise IngestError(
                "another `softcart ingest` is running against this warehouse; try again when it ends"
            )
        time.sleep(0.2)


def finish_run(
    conn: psycopg.Connection[Any], run_id: int, results: list[StreamResult], status: str, error: str | None
) -> None:
    """The run's outcome and its streams' rows, sent together (one round trip: a pipeline)."""
    with conn.pipeline(), conn.cursor() as cur:
        _finish(cur, run_id, results, status, error)


def _finish(
    cur: psycopg.Cursor[Any], run_id: int, results: list[StreamResult], status: str, error: str | None
) -> None:
    cur.execute(
        "update softcart_meta.ingest_runs set status = %s, ended_at = clock_timestamp(), rows_read = %s,"
        " rows_written = %s, rows_rejected = %s, error = %s where run_id = %s",
        (
            status,
            sum(r.rows_read for r in results),
            sum(r.rows_written for r in results),
            sum(r.rows_rejected for r in results),
            error,
            run_id,
        ),
    )
    if results:
        cur.executemany(
            "insert into softcart_meta.ingest_stream_runs (run_id, stream, status, rows_read, rows_written,"
            " rows_rejected, rows_seeded, mark_before, mark_after, started_at, ended_at, note, refreshed)"
            " values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
            " on conflict (run_id, stream) do nothing",
            [
                (
                    run_id, r.stream, r.status, r.rows_read, r.rows_written, r.rows_rejected, r.rows_seeded,
                    r.mark_before, r.mark_after, r.started_at, r.ended_at, "; ".join(r.notes) or None,
                    r.refreshed,
                )
                for r in results
            ],
        )  # fmt: skip


def record_failure(
    settings: Settings, conn: psycopg.Connection[Any], run_id: int, results: list[StreamResult], error: str
) -> bool:
    """Mark the run ``failed``: on the run's connection (its transaction rolled back), or on a new
    one when the warehouse dropped that one (a restarted server). False when the warehouse cannot be
    reached at all."""
    if not conn.broken:
        with contextlib.suppress(psycopg.Error):
            conn.autocommit = True
            finish_run(conn, run_id, results, "failed", error)
            return True
    try:
        with pg_connect(settings, autocommit=True) as fresh:
            finish_run(fresh, run_id, results, "failed", error)
        return True
    except psycopg.Error:
        return False


def last_runs(settings: Settings, n: int = 5) -> list[dict[str, Any]]:
    """The ``n`` most recent ingest runs, newest first, for ``softcart status``.

    Each dict: ``run_id``, ``status`` (running | succeeded | failed | abandoned), ``started_at``
    (ISO text, UTC), ``seconds``, ``streams`` (how many), ``read``, ``written``, ``rejected`` and
    ``error`` (first line, or empty).
    """
    with pg_connect(settings, autocommit=True) as conn:
        rows = conn.execute(
            "select r.run_id, r.status, r.started_at, extract(epoch from r.ended_at - r.started_at),"
            " (select count(*) from softcart_meta.ingest_stream_runs s where s.run_id = r.run_id),"
            " r.rows_read, r.rows_written, r.rows_rejected, r.error"
            " from softcart_meta.ingest_runs r order by r.run_id desc limit %s",
            (n,),
        ).fetchall()
    return [
        {
            "run_id": r[0],
            "status": r[1],
            "started_at": r[2].astimezone().isoformat(timespec="seconds") if r[2] else "",
            "seconds": round(float(r[3]), 2) if r[3] is not None else None,
            "streams": r[4],
            "read": r[5],
            "written": r[6],
            "rejected": r[7],
            "error": (r[8] or "").splitlines()[0][:120] if r[8] else "",
        }
        for r in rows
    ]
