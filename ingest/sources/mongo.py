"""MongoDB streams: documents after the ``_id`` mark, kept whole as JSONB beside the declared fields.

A reader thread pulls raw BSON batches from the server (ingest/sources/mongo_read.py) while the main
thread checks, encodes and COPYs them, so the server's scan and PostgreSQL's write overlap. Keys only
some documents have, keys with spaces and keys that appear later are all fine: the document column
holds them as they are. A document that cannot be landed (too large, a declared field of the wrong type, NaN, NUL) is
rejected with its reason.
"""

from __future__ import annotations

import base64
import json
import math
from datetime import datetime
from decimal import Decimal
from typing import Any, cast

import bson
import orjson
from bson.codec_options import CodecOptions
from bson.decimal128 import Decimal128
from bson.objectid import ObjectId
from psycopg import sql
from pymongo.errors import PyMongoError

from ingest.config import Stream
from ingest.context import RunContext, StreamResult
from ingest.crash import crash_point
from ingest.errors import SourceError
from ingest.rejects import Reject, write_rejects
from ingest.sources.mongo_read import RAW, CollectionRead, mongo_client, source_generation
from ingest.state import drop_state, read_state, replaced_reason, write_state
from ingest.warehouse import ident, table_ident

DECODE: CodecOptions[dict[str, Any]] = CodecOptions(tz_aware=True)
SPECIAL = ("_id", "document")
INT64 = 2**63


def json_default(value: Any) -> Any:
    if isinstance(value, ObjectId):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal128):
        return str(value.to_decimal())
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    return str(value)


def type_error(expected: str, value: Any) -> str | None:
    """Why ``value`` is not an ``expected`` (None when it is, or when it is missing/null)."""
    if value is None:
        return None
    if expected in ("number", "numeric", "double precision") or expected.startswith("numeric("):
        ok = isinstance(value, int | float | Decimal128) and not isinstance(value, bool)
        if ok and isinstance(value, float) and not math.isfinite(value):
            return "is not a finite number"
        return None if ok else f"expected a number, got {type(value).__name__} {_short(value)}"
    if expected in ("integer", "bigint", "smallint"):
        if isinstance(value, int) and not isinstance(value, bool):
            limit = {"smallint": 2**15, "integer": 2**31, "bigint": INT64}[expected]
            return None if -limit <= value < limit else f"{value} out of range for {expected}"
        return f"expected an integer, got {type(value).__name__} {_short(value)}"
    if expected == "text":
        return (
            None if isinstance(value, str) else f"expected text, got {type(value).__name__} {_short(value)}"
        )
    return None


def check_document(stream: Stream, doc: dict[str, Any], size: int) -> tuple[str | None, str]:
    """(why the document cannot be landed or None, its JSON text)."""
    if size > stream.max_document_bytes:
        return f"document is {size:,} bytes, more than max_document_bytes {stream.max_document_bytes:,}", ""
    for field, expected in checks_of(stream):
        why = type_error(expected, doc.get(field))
        if why:
            return f"{field}: {why}", ""
    try:
        text = json.dumps(
            doc, default=json_default, ensure_ascii=False, allow_nan=False, separators=(",", ":")
        )
    except ValueError:
        return "document holds a NaN or infinite number", ""
    if "\\u0000" in text:
        return "document holds a NUL character", ""
    return None, text


def checks_of(stream: Stream) -> list[tuple[str, str]]:
    """(field, expected type): the ``validate`` entries, then the extracted columns."""
    return list(stream.validate.items()) + [(c.name, c.type) for c in stream.columns if c.name not in SPECIAL]


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def run_mongo_stream(ctx: RunContext, stream: Stream, result: StreamResult) -> None:
    """Documents with ``_id`` above the mark, in the server's natural order (no sort: SecantusDB and
    MongoDB without a covering plan pay for one); the new mark is the largest ``_id`` read, and it
    commits with the documents. A ``mode: cdc`` stream reads the change stream instead
    (ingest/sources/mongo_cdc.py)."""
    if stream.cdc:
        from ingest.sources.mongo_cdc import run_mongo_cdc_stream

        run_mongo_cdc_stream(ctx, stream, result)
        return
    settings = ctx.settings
    client = mongo_client(settings)
    where = f"MongoDB {settings.mongo.redacted} {settings.mongo_database}.{stream.source}"
    read: CollectionRead | None = None
    try:
        try:
            db = client[settings.mongo_database]
            if stream.source not in db.list_collection_names():
                raise SourceError(f"{where}: collection not found")
            coll = db.get_collection(stream.source, codec_options=RAW)
            generation = source_generation(db)
            state = None if ctx.full_refresh else read_state(ctx, stream)
            result.mark_before = state.mark if state else None
            # a replaced collection gets new (greater) ObjectIds: its generation tells, not its keys
            if state is not None and (why := replaced_reason(state, generation, False)):
                result.notes.append(why)
                state = None
            mark = ObjectId(state.mark) if state and state.mark else None
            fresh = result.refreshed = state is None
            if fresh:
                drop_state(ctx, stream)
                ctx.conn.execute(b"truncate " + table_ident(stream).as_bytes(ctx.conn))
            read = CollectionRead(coll, {"_id": {"$gt": mark}} if mark is not None else {})
            rejects, top = _copy_documents(ctx, stream, read, result)
        except PyMongoError as exc:
            raise SourceError(f"{where}: {exc}") from None
        result.rows_rejected = write_rejects(ctx, stream.name, rejects)
        result.rows_read = result.rows_written + result.rows_rejected
        new_mark = top if top is not None and (mark is None or top > mark) else mark
        result.mark_after = str(new_mark) if new_mark is not None else None
        result.status = "succeeded" if result.rows_read or fresh else "unchanged"
        if result.rows_read or fresh:
            write_state(ctx, stream, result.mark_after, None, generation)
    finally:
        if read is not None:
            read.close()
        client.close()


def fast_checks(stream: Stream) -> list[tuple[str, str, tuple[type, ...], int | None]]:
    """(field, expected, accepted Python types, integer limit) for the per-document loop."""
    out: list[tuple[str, str, tuple[type, ...], int | None]] = []
    for field, expected in checks_of(stream):
        if expected in ("integer", "bigint", "smallint"):
            limit = {"smallint": 2**15, "integer": 2**31, "bigint": INT64}[expected]
            out.append((field, expected, (int,), limit))
        elif expected == "text":
            out.append((field, expected, (str,), None))
        elif expected in ("number", "numeric", "double precision") or expected.startswith("numeric("):
            out.append((field, expected, (int, float, Decimal128), None))
    return out


def _copy_documents(
    ctx: RunContext,
    stream: Stream,
    read: CollectionRead,
    result: StreamResult,
    freeze: bool = False,
    track_top: bool = True,
) -> tuple[list[Reject], ObjectId | None]:
    """COPY the documents of ``read`` (``freeze``: into a table emptied in this transaction); and
    with ``track_top`` the largest ObjectId ``_id`` read (an append stream's next mark).

    A batch is decoded at once (``bson.decode_all``); a document gets its row from
    :func:`quick_row`, or when that cannot tell, its row or its reject from :func:`document_row`."""
    extracted = [c.name for c in stream.columns if c.name not in SPECIAL]
    targets = sql.SQL(", ").join([ident(n) for n in (*SPECIAL, *extracted, "_softcart_run_id")])
    statement = sql.SQL("copy {} ({}) from stdin{}").format(
        table_ident(stream), targets, sql.SQL(" with (freeze)" if freeze else "")
    )
    run_id = str(ctx.run_id)
    rejects: list[Reject] = []
    checks = fast_checks(stream)
    quick = quick_checks(stream)
    encode = json_encoder()
    max_bytes = stream.max_document_bytes
    top: ObjectId | None = None
    first = True
    with ctx.conn.cursor() as cur, cur.copy(statement) as cp:
        for data in read.batches():
            docs = bson.decode_all(data, DECODE)
            # every document of a batch no larger than the limit is within it
            sizes = document_sizes(data) if len(data) > max_bytes else None
            for i, doc in enumerate(docs):
                if track_top:
                    oid = doc.get("_id")
                    if type(oid) is ObjectId and (top is None or oid > top):
                        top = oid
                size = sizes[i] if sizes is not None else 0
                row = quick_row(quick, extracted, doc) if size <= max_bytes else None
                if row is None:
                    row, reject = document_row(stream, checks, encode, extracted, doc, size)
                    if reject is not None:
                        rejects.append(reject)
                        continue
                cp.write_row((*row, run_id))
                result.rows_written += 1
            ctx.progress(None, len(docs))
            if first:
                first = False
                crash_point(ctx.settings, "extract")
    return rejects, top


def document_sizes(data: bytes) -> list[int]:
    """The sizes of the BSON documents laid back to back in ``data`` (each starts with its int32 size)."""
    sizes: list[int] = []
    at = 0
    while at < len(data):
        size = int.from_bytes(data[at : at + 4], "little")
        sizes.append(size)
        at += size
    return sizes


def quick_checks(stream: Stream) -> list[tuple[str, frozenset[type], int | None]]:
    """(field, the Python types that pass at once, integer limit): the common case of
    :func:`fast_checks` in a few operations; anything else takes the exact path. An extracted
    column without a check of its own passes at once only as a plain value (never a Decimal128,
    which its column gets as a Decimal: :func:`_scalar`)."""
    none = type(None)
    out: list[tuple[str, frozenset[type], int | None]] = []
    for field, expected, _, limit in fast_checks(stream):
        if expected == "text":
            out.append((field, frozenset({str, none}), None))
        elif limit is not None:
            out.append((field, frozenset({int, none}), limit))
        else:
            out.append((field, frozenset({int, float, none}), None))
    checked = {field for field, _, _ in out}
    for c in stream.columns:
        if c.name not in SPECIAL and c.name not in checked:
            out.append((c.name, frozenset({str, int, float, bool, none}), None))
    return out


def quick_row(
    quick: list[tuple[str, frozenset[type], int | None]], extracted: list[str], doc: dict[str, Any]
) -> tuple[Any, ...] | None:
    """The row of a plain document, what :func:`document_row` gives it (the JSON by orjson, which
    writes the same values: JSONB reads both the same), or None: the document needs the exact path
    (a check that does not pass at once, a null, which is also how orjson writes NaN and infinite
    numbers, a NUL, anything orjson does not take).

    An ObjectId ``_id`` is replaced in ``doc`` by its text, what :func:`json_default` writes for
    it, so that orjson needs no call back into Python per document (the exact path then sees
    the same document). Every extracted field passed a check of its own here (text or a number,
    never a Decimal128): the values go as they are."""
    for field, types, limit in quick:
        v = doc.get(field)
        if type(v) not in types:
            return None
        if limit is not None and v is not None and not -limit <= v < limit:
            return None
    oid = doc.get("_id")
    key = str(oid)
    if type(oid) is ObjectId:
        doc["_id"] = key
    try:
        data = orjson.dumps(doc, default=json_default, option=orjson.OPT_PASSTHROUGH_DATETIME)
    except orjson.JSONEncodeError:
        return None
    if b"null" in data or b"\\u0000" in data:
        return None
    return (key, data.decode(), *map(doc.get, extracted))


def json_encoder() -> Any:
    return json.JSONEncoder(
        default=json_default, ensure_ascii=False, allow_nan=False, separators=(",", ":"), check_circular=False
    ).encode


def document_row(
    stream: Stream,
    checks: list[tuple[str, str, tuple[type, ...], int | None]],
    encode: Any,
    extracted: list[str],
    doc: dict[str, Any],
    size: int,
) -> tuple[tuple[Any, ...], Reject | None]:
    """The raw row of a document (``_id``, document JSON, the extracted fields), or why it cannot
    be landed (a reject)."""
    key = str(doc.get("_id"))
    max_bytes = stream.max_document_bytes
    if size > max_bytes:
        reason = f"document is {size:,} bytes, more than max_document_bytes {max_bytes:,}"
        return (), Reject(key, reason, {"_id": key, "bytes": size, "keys": list(doc)[:50]})
    for field, expected, types, limit in checks:
        v = doc.get(field)
        if v is None:
            continue
        if (
            type(v) is bool
            or not isinstance(v, types)
            or (limit is not None and not -limit <= cast(int, v) < limit)
            or (type(v) is float and not math.isfinite(v))
        ):
            return (), Reject(key, f"{field}: {type_error(expected, v)}", safe_payload(doc))
    try:
        text = encode(doc)
    except ValueError:
        return (), Reject(key, "document holds a NaN or infinite number", safe_payload(doc))
    if "\\u0000" in text:
        return (), Reject(key, "document holds a NUL character", safe_payload(doc))
    return (key, text, *[_scalar(doc.get(n)) for n in extracted]), None


def safe_payload(value: Any) -> Any:
    """``value`` made storable as JSONB: non-finite numbers and NUL characters become text."""
    if isinstance(value, dict):
        return {str(k).replace("\x00", "\\0"): safe_payload(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [safe_payload(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, str):
        return value.replace("\x00", "\\0")
    if isinstance(value, bool | int | float) or value is None:
        return value
    return safe_payload(json_default(value))


def _scalar(value: Any) -> Any:
    if isinstance(value, Decimal128):
        return value.to_decimal()
    return value
