"""MongoDB change data capture (``mode: cdc``): a snapshot, then the collection's change stream.

SecantusDB's change streams were checked first (docs/ingestion.md, "MongoDB: change streams"):
insert, update (with the looked-up document), replace and delete arrive in order, and a stream
resumes after a saved token, also after a restart of the server with on-disk storage.

First sync (or ``--full-refresh``, or a catalog replaced by ``softcart load --replace``): a change
stream is opened and its resume token taken BEFORE the collection is scanned, so whatever changes
during the scan is replayed by the next run (the change log's latest change per key wins, so a
replayed change followed by its successors ends in the source's state). Later runs read the change
stream from the stream's token until nothing more is there now (at most ``batch_rows`` events a
run) and write insert (``c``), update and replace (``u``, the whole document as it is now) and
delete (``d``, the key) into the change log; the new token commits with the rows.
"""

from __future__ import annotations

from typing import Any

from bson import json_util
from psycopg import sql
from pymongo.errors import OperationFailure, PyMongoError

from ingest.config import Stream
from ingest.context import RunContext, StreamResult
from ingest.crash import crash_point
from ingest.errors import SourceError
from ingest.rejects import Reject, write_rejects
from ingest.sources.mongo import (
    DECODE,
    SPECIAL,
    _copy_documents,
    document_row,
    fast_checks,
    json_encoder,
)
from ingest.sources.mongo_read import (
    RAW,
    CollectionRead,
    SnapshotStart,
    mongo_client,
    resume_token,
    source_generation,
)
from ingest.state import drop_state, read_state, write_state
from ingest.warehouse import drop_keys, ident, restore_keys, table_ident

OPS = {"insert": "c", "update": "u", "replace": "u", "delete": "d"}
# how long a getMore waits for a change that is not there yet: the server's default (1 s) is the
# whole of a no-op run's wait; what is already in the log comes back at once either way
AWAIT_MS = 10


def resnapshot_command(stream: Stream) -> str:
    return f"softcart ingest -s {stream.name} --full-refresh"


def run_mongo_cdc_stream(ctx: RunContext, stream: Stream, result: StreamResult) -> None:
    """The stream's run; a ``--full-refresh`` finds its snapshot's read already started
    (``ctx.reads``: ingest/sources/mongo_read.py, ``start_snapshot_reads``) and uses its client."""
    settings = ctx.settings
    read: CollectionRead | None = ctx.reads.pop(stream.name, None)
    client = read.client if read is not None else mongo_client(settings)
    where = f"MongoDB {settings.mongo.redacted} {settings.mongo_database}.{stream.source}"
    try:
        _run(ctx, stream, result, client, where, read)
    except PyMongoError as exc:
        raise SourceError(f"{where}: {exc}") from None
    finally:
        if read is not None:
            read.close()  # and its client
        else:
            client.close()


def _run(
    ctx: RunContext,
    stream: Stream,
    result: StreamResult,
    client: Any,
    where: str,
    read: CollectionRead | None,
) -> None:
    settings = ctx.settings
    db = client[settings.mongo_database]
    # an early read took these before its scan (the same order as a snapshot here)
    start: SnapshotStart | None = read.before() if read is not None else None
    if not (start.found if start else stream.source in db.list_collection_names()):
        raise SourceError(f"{where}: collection not found")
    generation = start.generation if start else source_generation(db)
    state = None if ctx.full_refresh else read_state(ctx, stream)
    result.mark_before = state.mark if state else None
    if state is not None and state.mark is not None and not state.mark.startswith("{"):
        result.notes.append("the stream's mark is an _id, not a resume token (it was `mode: append`)")
        state = None
    if state is not None and state.generation != generation:
        result.notes.append("the catalog was reloaded since the last ingest: stream re-snapshotted")
        state = None
    try:
        if state is None or state.mark is None:
            _snapshot(ctx, stream, result, db, generation, read)
        else:
            _changes(ctx, stream, result, db, state.mark, generation)
    except OperationFailure as exc:
        if state is not None and ("resume" in str(exc).lower() or "history" in str(exc).lower()):
            raise SourceError(
                f"{where}: the change stream cannot resume from the stream's token ({exc}): changes"
                f" since then are lost to capture. Re-snapshot the stream: {resnapshot_command(stream)}"
            ) from None
        raise SourceError(f"{where}: {exc}") from None


def _snapshot(
    ctx: RunContext,
    stream: Stream,
    result: StreamResult,
    db: Any,
    generation: str | None,
    read: CollectionRead | None,
) -> None:
    """The collection's documents, and the change stream's resume token taken BEFORE the scan (what
    changes during the scan is replayed from it by the next run). The read starts first (unless
    it already has: ``--full-refresh``), so the server's scan overlaps the warehouse's setup."""
    if read is None:
        coll = db.get_collection(stream.source, codec_options=RAW)
        token = resume_token(coll)  # before the scan: what changes during it is replayed later
        read = CollectionRead(coll, {})
    else:
        token = read.before().token
    try:
        result.refreshed = True
        drop_state(ctx, stream)
        ctx.conn.execute(b"truncate " + table_ident(stream).as_bytes(ctx.conn))
        keys = drop_keys(ctx.conn, stream)  # built once after the COPY (FREEZE: emptied in this run)
        rejects, _ = _copy_documents(ctx, stream, read, result, freeze=True, track_top=False)
    finally:
        read.close()  # stops its thread also when the run fails before the end of the read
    restore_keys(ctx.conn, keys)
    result.rows_rejected = write_rejects(ctx, stream.name, rejects)
    result.rows_read = result.rows_written + result.rows_rejected
    result.mark_after = json_util.dumps(token)
    result.status = "succeeded"
    result.notes.append("snapshot, then the change stream")
    write_state(ctx, stream, result.mark_after, None, generation)


def _changes(
    ctx: RunContext, stream: Stream, result: StreamResult, db: Any, mark: str, generation: str | None
) -> None:
    coll = db.get_collection(stream.source, codec_options=DECODE)
    extracted = [c.name for c in stream.columns if c.name not in SPECIAL]
    names = [*SPECIAL, *extracted, "_softcart_op", "_softcart_source_pos", "_softcart_committed_at"]
    statement = sql.SQL("copy {} ({}) from stdin").format(
        table_ident(stream), sql.SQL(", ").join(ident(n) for n in [*names, "_softcart_run_id"])
    )
    checks, encode = fast_checks(stream), json_encoder()
    rejects: list[Reject] = []
    token = json_util.loads(mark)
    blank = (None,) * (len(extracted) + 1)
    with (
        coll.watch(
            full_document="updateLookup", resume_after=token, max_await_time_ms=AWAIT_MS
        ) as stream_changes,
        ctx.conn.cursor() as cur,
        cur.copy(statement) as cp,
    ):
        while result.rows_read < stream.batch_rows and (event := stream_changes.try_next()) is not None:
            op = OPS.get(event.get("operationType", ""))
            if op is None:  # drop, rename, invalidate: the collection itself went
                raise SourceError(
                    f"MongoDB {stream.source}: change stream event {event.get('operationType')!r}: the"
                    f" collection was dropped or renamed; re-snapshot: {resnapshot_command(stream)}"
                )
            key = event["documentKey"]["_id"]
            pos = json_util.dumps(event["_id"])
            at = event.get("clusterTime")
            committed = at.as_datetime() if at is not None else None
            result.rows_read += 1
            if op == "d":
                row: tuple[Any, ...] = (str(key), *blank)
            else:
                doc = event.get("fullDocument")
                if doc is None:  # deleted since (a later delete event follows): nothing to land
                    continue
                row, reject = document_row(stream, checks, encode, extracted, doc, len(json_util.dumps(doc)))
                if reject is not None:
                    rejects.append(reject)
                    # not landed as it is now: the key leaves the current state
                    op, row = "d", (str(key), *blank)
            cp.write_row((*row, op, pos, committed, ctx.run_id))
            result.rows_written += 1
            if result.rows_read == 1:
                crash_point(ctx.settings, "extract")
        new_token = stream_changes.resume_token
    result.rows_written -= len(rejects)
    result.rows_rejected = write_rejects(ctx, stream.name, rejects)
    result.mark_after = json_util.dumps(new_token) if new_token is not None else mark
    result.status = "succeeded" if result.rows_read else "unchanged"
    write_state(ctx, stream, result.mark_after, None, generation)
