"""Write beside, commit with the manifest: the lake agrees with its manifest at every instant.

Each partition an export rewrites gets a new file named by the export,
``<lake>/<table>/<partition>/part-<export id>.parquet``, written under a hidden temporary name
(``.tmp-part-...``, skipped by every Parquet reader) and renamed when complete. The old file stays
where it is, and the manifest (``manifests/latest.json``) still names it. When every table is
written, the export commits by replacing ``latest.json`` (:mod:`softcart.lake.export.manifest`);
only then does :func:`collect_garbage` delete the files the new manifest no longer names.

So a reader that follows the manifest (:func:`softcart.lake.store.table_files`; Spark's
``read_lake_table``) sees the previous export whole until the commit and the new one whole after it.
An export killed at any point leaves files no manifest names; the next export deletes them before it
writes (and the ``_staging``/``_trash`` folders of earlier versions of this module). On object
stores (s3a://, gs://) the same holds: nothing is renamed into a name the manifest reads.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from softcart.lake.store import Lake, partition_file

# folders of earlier versions (write-aside, then swap): deleted when found
LEGACY_FOLDERS = ("_staging", "_trash")
TMP_PREFIX = ".tmp-"

Hook = Callable[[str, str, str], None]
"""Called as ``hook(event, table, partition)``; events: ``batch-written``, ``partition-written``,
``before-commit`` (table and partition empty: every file written, the manifest not yet replaced).
For tests that simulate a crash (raise from the hook)."""


def part_file(export_id: str) -> str:
    return f"part-{export_id}.parquet"


def _exists(fs: pafs.FileSystem, path: str) -> bool:
    return fs.get_file_info(path).type != pafs.FileType.NotFound


def collect_garbage(lake: Lake, manifest: dict[str, Any]) -> list[str]:
    """Delete every file under the manifest's tables that it does not name (a killed or superseded
    export's), emptied partition folders, and the legacy write-aside folders. Returns what went."""
    removed = []
    for name in LEGACY_FOLDERS:
        path = lake.path(name)
        if _exists(lake.fs, path):
            lake.fs.delete_dir(path)
            removed.append(path)
    for table, spec in manifest.get("tables", {}).items():
        root = lake.path(table)
        if not _exists(lake.fs, root):
            continue
        keep = {
            "/".join(p for p in (root, path, partition_file(entry)) if p)
            for path, entry in spec.get("partitions", {}).items()
        }
        infos = lake.fs.get_file_info(pafs.FileSelector(root, recursive=True))
        for info in infos:
            if info.type == pafs.FileType.File and info.path not in keep:
                lake.fs.delete_file(info.path)
                removed.append(info.path)
        # emptied folders, deepest first (year=YYYY/month=M, then year=YYYY)
        for info in sorted(infos, key=lambda i: i.path.count("/"), reverse=True):
            if info.type == pafs.FileType.Directory and not lake.fs.get_file_info(
                pafs.FileSelector(info.path)
            ):
                lake.fs.delete_dir(info.path)
    return removed


class PartitionWriter:
    """Writes one partition's new file, batch by batch, beside the file the manifest names."""

    def __init__(
        self, lake: Lake, export_id: str, table: str, partition: str, schema: pa.Schema, hook: Hook | None
    ) -> None:
        self.lake = lake
        self.table = table
        self.partition = partition
        self.hook = hook
        self.file_name = part_file(export_id)
        folder = lake.path(table, partition)
        lake.fs.create_dir(folder, recursive=True)
        self.path = f"{folder}/{self.file_name}"
        self.tmp_path = f"{folder}/{TMP_PREFIX}{self.file_name}"
        self._writer = pq.ParquetWriter(self.tmp_path, schema, filesystem=lake.fs, compression="zstd")
        self.rows = 0

    def _event(self, name: str) -> None:
        if self.hook is not None:
            self.hook(name, self.table, self.partition)

    def write(self, batch: pa.RecordBatch | pa.Table) -> None:
        self._writer.write(batch)
        self.rows += batch.num_rows
        self._event("batch-written")

    def commit(self) -> None:
        """The file is complete under its final name; the manifest does not name it yet."""
        self._writer.close()
        self.lake.fs.move(self.tmp_path, self.path)
        self._event("partition-written")

    def abort(self) -> None:
        try:
            self._writer.close()
        finally:
            if _exists(self.lake.fs, self.tmp_path):
                self.lake.fs.delete_file(self.tmp_path)


def write_whole(
    lake: Lake, export_id: str, table: str, data: pa.Table, hook: Hook | None = None, partition: str = ""
) -> str:
    """Write a small table (or one partition) in one go. Returns its file name."""
    writer = PartitionWriter(lake, export_id, table, partition, data.schema, hook)
    try:
        writer.write(data)
        writer.commit()
    except Exception:
        writer.abort()
        raise
    return writer.file_name
