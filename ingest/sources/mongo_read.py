"""Reading a MongoDB collection: a thread pulls the server's batches (raw BSON, nothing decoded) into
a queue from the moment the read starts, while the caller goes on with its own work.

Imports neither pymongo (until a read starts: ``prepare_pymongo`` first) nor psycopg, so that
``softcart ingest --full-refresh`` can start the snapshot read of a MongoDB change-capture stream
(the run's first) before it imports the rest of the run and sets up the warehouse
(:func:`start_snapshot_reads`):
SecantusDB answers a scan's first batch only once it has read the whole collection (0.26-0.3 s at
30,000 documents), and that wait now overlaps the run's start instead of following it.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any

from bson.codec_options import CodecOptions
from bson.raw_bson import RawBSONDocument

from ingest.config import ConfigError, load_streams, select_streams
from softcart.core.connections import prepare_pymongo
from softcart.core.settings import Settings

RAW: CodecOptions[RawBSONDocument] = CodecOptions(document_class=RawBSONDocument, tz_aware=True)
BATCH = 2000  # documents per server batch: the first COPY starts after one batch
QUEUED = 4  # batches read ahead of the COPY (the memory a read holds)


def mongo_client(settings: Settings) -> Any:
    """The ingest's client (``MongoClient[RawBSONDocument]``)."""
    prepare_pymongo(settings)
    from pymongo import MongoClient

    return MongoClient(settings.mongo.raw, serverSelectionTimeoutMS=5000, connectTimeoutMS=5000)


def source_generation(db: Any) -> str | None:
    """The id of the newest load that replaced the catalog (softcart/load/records.py: the
    ``softcart_loads`` collection), ``None`` when softcart never replaced it."""
    docs = list(db["softcart_loads"].find({"replaced": True}, {"load_id": 1}).sort("loaded_at", -1).limit(1))
    return str(docs[0]["load_id"]) if docs else None


def resume_token(coll: Any) -> Any:
    """The resume token of the collection's change stream now."""
    with coll.watch(full_document="updateLookup") as changes:
        return changes.resume_token


@dataclass(frozen=True)
class SnapshotStart:
    """What a change-capture snapshot takes before its scan."""

    found: bool  # the collection exists
    generation: str | None  # the catalog's generation (:func:`source_generation`)
    token: Any  # the change stream's resume token: what changes during the scan is replayed from it


def snapshot_start(coll: Any) -> SnapshotStart:
    db = coll.database
    return SnapshotStart(coll.name in db.list_collection_names(), source_generation(db), resume_token(coll))


class CollectionRead:
    """The documents ``query`` finds in ``coll``, read by a thread as the server's raw batches (the
    BSON documents back to back). ``before``: what the thread takes first (it talks to the server
    before the scan: SecantusDB answers other requests slowly while it scans), given by
    :meth:`before`. ``close`` stops the thread (and closes ``client``, a read's own)."""

    def __init__(
        self, coll: Any, query: dict[str, Any], *, before: Callable[[], Any] | None = None, client: Any = None
    ) -> None:
        self.client = client
        self._before_value: Any = None
        self._error: BaseException | None = None
        self._before_taken = threading.Event()
        self._out: queue.Queue[Any] = queue.Queue(maxsize=QUEUED)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._read, args=(coll, query, before), daemon=True)
        self._thread.start()

    def _read(self, coll: Any, query: dict[str, Any], before: Callable[[], Any] | None) -> None:
        try:
            if before is not None:
                self._before_value = before()
        except BaseException as exc:  # handed to the caller
            self._error = exc
            self._before_taken.set()
            self._out.put(exc)
            return
        self._before_taken.set()
        try:
            for batch in coll.find_raw_batches(query, batch_size=BATCH):
                if self._stop.is_set():
                    return
                self._out.put(batch)
            self._out.put(None)
        except BaseException as exc:  # handed to the caller
            self._out.put(exc)

    def before(self) -> Any:
        """What the thread took before the scan (waits for it; raises what prevented it)."""
        self._before_taken.wait()
        if self._error is not None:
            raise self._error
        return self._before_value

    def batches(self) -> Iterator[bytes]:
        """The server's batches in order; raises what stopped the read."""
        while True:
            item = self._out.get()
            if item is None:
                return
            if isinstance(item, BaseException):
                raise item
            yield item

    def close(self) -> None:
        """Stop the thread (a read not consumed to its end included) and close the read's client."""
        self._stop.set()
        while True:  # the thread puts at most its current batch and its end after the stop
            try:
                self._out.get_nowait()
            except queue.Empty:
                break
        if self.client is not None:
            self.client.close()


def start_snapshot_reads(
    settings: Settings, names: list[str], full_refresh: bool
) -> dict[str, CollectionRead]:
    """For ``softcart ingest --full-refresh`` whose first stream is a MongoDB change-capture
    stream: its read (:func:`snapshot_start`, then the scan), started now with its own client. The
    run hands it to its stream (``RunContext.reads``) and closes it if the stream does not take it
    (ingest/runner.py). Nothing for other runs: behind another stream the read would gain nothing
    and keep a cursor open on the server while that stream runs; nothing either when the selection
    is not valid (the run says why)."""
    if not full_refresh:
        return {}
    try:
        streams = select_streams(load_streams(settings), names)
    except ConfigError:
        return {}
    if not streams or streams[0].kind != "mongo" or not streams[0].cdc:
        return {}
    stream = streams[0]
    client = mongo_client(settings)
    coll = client[settings.mongo_database].get_collection(stream.source, codec_options=RAW)
    return {stream.name: CollectionRead(coll, {}, before=partial(snapshot_start, coll), client=client)}
