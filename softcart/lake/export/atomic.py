"""Write aside, then swap: a partition of the lake appears whole or not at all.

A partition's files are written under ``<lake>/_staging/<export id>/<table>/<partition>/``, which no
reader looks at (Spark and pyarrow skip ``_``-prefixed folders, and nothing reads the lake root).
When the partition is complete, it is swapped in with renames: the old folder (if any) is moved to
``<lake>/_trash/<export id>/...``, the new one is moved to its place, the trash is deleted. On a local
file system and on HDFS a rename is atomic, so a reader sees the old partition, then (after a moment
with neither, if the partition existed) the new one, never a half-written one. An interrupted export
leaves only ``_staging``/``_trash`` folders, which the next export deletes.

On object stores (s3a://, gs://) a "rename" is a copy then a delete: not atomic. There the manifest
is the commit point (see docs/spark.md).
"""

from __future__ import annotations

from collections.abc import Callable

import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from softcart.lake.store import Lake

STAGING = "_staging"
TRASH = "_trash"
PART_FILE = "part-00000.parquet"

Hook = Callable[[str, str, str], None]
"""Called as ``hook(event, table, partition)``; events: ``batch-written``, ``before-swap``,
``swapped``. For tests that simulate a crash (raise from the hook)."""


def _exists(fs: pafs.FileSystem, path: str) -> bool:
    return fs.get_file_info(path).type != pafs.FileType.NotFound


def clean_leftovers(lake: Lake) -> list[str]:
    """Delete what interrupted exports left aside. Returns the deleted folders."""
    removed = []
    for name in (STAGING, TRASH):
        path = lake.path(name)
        if _exists(lake.fs, path):
            lake.fs.delete_dir(path)
            removed.append(path)
    return removed


class PartitionWriter:
    """Writes one partition aside, batch by batch, and swaps it in on :meth:`commit`."""

    def __init__(
        self, lake: Lake, export_id: str, table: str, partition: str, schema: pa.Schema, hook: Hook | None
    ) -> None:
        self.lake = lake
        self.table = table
        self.partition = partition
        self.hook = hook
        self.staging_dir = lake.path(STAGING, export_id, table, partition)
        self.trash_dir = lake.path(TRASH, export_id, table, partition)
        self.target_dir = lake.path(table, partition)
        lake.fs.create_dir(self.staging_dir, recursive=True)
        self._writer = pq.ParquetWriter(
            f"{self.staging_dir}/{PART_FILE}", schema, filesystem=lake.fs, compression="zstd"
        )
        self.rows = 0

    def _event(self, name: str) -> None:
        if self.hook is not None:
            self.hook(name, self.table, self.partition)

    def write(self, batch: pa.RecordBatch | pa.Table) -> None:
        self._writer.write(batch)
        self.rows += batch.num_rows
        self._event("batch-written")

    def commit(self) -> None:
        self._writer.close()
        self._event("before-swap")
        swap_in(self.lake, self.staging_dir, self.target_dir, self.trash_dir)
        self._event("swapped")

    def abort(self) -> None:
        try:
            self._writer.close()
        finally:
            if _exists(self.lake.fs, self.staging_dir):
                self.lake.fs.delete_dir(self.staging_dir)


def swap_in(lake: Lake, staging_dir: str, target_dir: str, trash_dir: str) -> None:
    fs = lake.fs
    parent = target_dir.rsplit("/", 1)[0]
    fs.create_dir(parent, recursive=True)
    if _exists(fs, target_dir):
        fs.create_dir(trash_dir.rsplit("/", 1)[0], recursive=True)
        fs.move(target_dir, trash_dir)
    fs.move(staging_dir, target_dir)
    if _exists(fs, trash_dir):
        fs.delete_dir(trash_dir)


def remove_partition(lake: Lake, export_id: str, table: str, partition: str) -> None:
    """Take a partition out of the lake (its rows are gone from the warehouse)."""
    target = lake.path(table, partition)
    if not _exists(lake.fs, target):
        return
    trash = lake.path(TRASH, export_id, table, partition)
    lake.fs.create_dir(trash.rsplit("/", 1)[0], recursive=True)
    lake.fs.move(target, trash)
    lake.fs.delete_dir(trash)
    parent = target.rsplit("/", 1)[0]
    if parent != lake.path(table) and not lake.fs.get_file_info(pafs.FileSelector(parent)):
        lake.fs.delete_dir(parent)  # e.g. an emptied year=YYYY folder


def write_whole(
    lake: Lake, export_id: str, table: str, data: pa.Table, hook: Hook | None = None, partition: str = ""
) -> None:
    """Write a small table (or one partition) in one go, atomically."""
    writer = PartitionWriter(lake, export_id, table, partition, data.schema, hook)
    try:
        writer.write(data)
        writer.commit()
    except Exception:
        writer.abort()
        raise
