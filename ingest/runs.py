"""The run log: ``softcart_meta.ingest_runs`` (one row per run) and ``ingest_stream_runs``.

A run's row is inserted as ``running`` on its own autocommit connection. Its final ``succeeded``
status is written inside the run's data transaction, so it commits with the rows and marks. On a
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

LOCK_SQL = "select pg_try_advisory_lock(hashtext('softcart.ingest'))"


def acquire_lock(conn: psycopg.Connection[Any], wait_seconds: float = 10.0) -> None:
    """One ingest run at a time per warehouse (a session lock: released when its process dies).

    Waits a little: the server notices a killed client's closed socket within moments.
    """
    deadline = time.monotonic() + wait_seconds
    while True:
        row = conn.execute(LOCK_SQL).fetchone()
        if row and row[0]:
            return
        if time.monotonic() >= deadline:
            raise IngestError(
                "another `softcart ingest` is running against this warehouse; try again when it ends"
            )
        time.sleep(0.2)


def abandon_stale_runs(conn: psycopg.Connection[Any]) -> int:
    cur = conn.execute(
        "update softcart_meta.ingest_runs set status = 'abandoned', ended_at = clock_timestamp(),"
        " error = 'the process ended before recording an outcome (killed?); nothing of it was published'"
        " where status = 'running'"
    )
    return cur.rowcount


def start_run(conn: psycopg.Connection[Any], streams: list[str], full_refresh: bool) -> int:
    row = conn.execute(
        "insert into softcart_meta.ingest_runs (status, full_refresh, streams, pid)"
        " values ('running', %s, %s, %s) returning run_id",
        (full_refresh, streams, os.getpid()),
    ).fetchone()
    assert row is not None
    return int(row[0])


def finish_run(
    conn: psycopg.Connection[Any], run_id: int, results: list[StreamResult], status: str, error: str | None
) -> None:
    conn.execute(
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
    with conn.cursor() as cur:
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
    settings: Settings, log: psycopg.Connection[Any], run_id: int, results: list[StreamResult], error: str
) -> bool:
    """Mark the run ``failed``: on its log connection, or on a new one when the warehouse dropped that
    one too (a restarted server). False when the warehouse cannot be reached at all."""
    if not log.broken:
        with contextlib.suppress(psycopg.Error):
            finish_run(log, run_id, results, "failed", error)
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
