"""File streams: a CSV in the landing dir replaces its raw table when its sha256 changed."""

from __future__ import annotations

from ingest.config import Stream
from ingest.context import RunContext, StreamResult
from ingest.rejects import Reject, write_rejects
from ingest.sources.csv_file import copy_file, sha256_of
from ingest.state import read_state, write_state
from ingest.warehouse import table_ident


def run_file_stream(ctx: RunContext, stream: Stream, result: StreamResult) -> None:
    path = ctx.settings.landing_dir / stream.source
    state = read_state(ctx, stream)
    result.mark_before = state.mark if state else None
    if not path.is_file():
        result.status = "skipped"
        result.mark_after = result.mark_before
        result.notes.append(f"no {stream.source} in {ctx.settings.landing_dir}")
        return
    digest = sha256_of(path)
    if state and state.mark == digest and not ctx.full_refresh:
        result.status = "unchanged"
        result.mark_after = digest
        result.notes.append(f"{stream.source} unchanged (sha256 {digest[:12]})")
        return
    result.refreshed = True  # a changed file replaces its table: dbt rebuilds what reads it
    ctx.conn.execute(b"truncate " + table_ident(stream).as_bytes(ctx.conn))
    rejects: list[Reject] = []
    written, _ = copy_file(ctx, stream, path, rejects)
    result.rows_read = written + len(rejects)
    result.rows_written = written
    result.rows_rejected = write_rejects(ctx, stream.name, rejects)
    result.mark_after = digest
    result.status = "succeeded"
    write_state(ctx, stream, digest, None)
