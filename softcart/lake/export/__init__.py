"""``softcart export``: the warehouse marts and the landed file inputs -> the Parquet data lake.

- ``sales``: ``marts.mart_sales`` (the dbt view: fct_sales with its dimensions' attributes), partitioned ``year=/month=``
- ``dim_date``, ``dim_category``, ``dim_item``, ``dim_country``: whole tables
- ``raw/searchterms``: the landed ``searchterms.csv``

Incremental: each partition's row count and checksum are computed in PostgreSQL (one consistent
snapshot) and compared with the previous manifest; only partitions that differ (or are missing from
the lake) are read and rewritten, each into a new file beside the old one; the new manifest commits
them all at once (:mod:`softcart.lake.export.atomic`). One export at a time per lake: a PostgreSQL
session lock, released when the process ends, however it ends.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
import psycopg
import pyarrow as pa
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from softcart.core.connections import postgres_connect
from softcart.core.settings import Settings
from softcart.lake.export import manifest as manifests
from softcart.lake.export.atomic import Hook, PartitionWriter, collect_garbage, part_file, write_whole
from softcart.lake.export.raw_zone import RAW_FILES, RawFileError, file_checksum, read_raw_file
from softcart.lake.export.tables import MART_TABLES, REQUIRED_RELATIONS, LakeTable
from softcart.lake.export.warehouse import (
    MartsMissing,
    TypedQuery,
    check_relations,
    connect,
    fingerprints,
    latest_ingest_run_id,
    partition_path,
    stream_batches,
    typed_query,
)
from softcart.lake.store import Lake, partition_file

LOCK_SQL = "select pg_try_advisory_lock(hashtext('softcart.export:' || %s))"


class ExportBusy(RuntimeError):
    """Another export is writing the same lake."""


@contextmanager
def export_lock(settings: Settings, lake: Lake, wait_seconds: float = 5.0) -> Iterator[None]:
    """One export at a time per lake: a session lock in the warehouse, released when the process ends
    (a killed export's too: the server notices its closed socket within moments, hence the wait)."""
    with postgres_connect(settings, "softcart-export-lock", autocommit=True) as conn:
        deadline = time.monotonic() + wait_seconds
        while True:
            row = conn.execute(LOCK_SQL, (lake.url,)).fetchone()
            if row and row[0]:
                break
            if time.monotonic() >= deadline:
                raise ExportBusy(
                    f"another `softcart export` is writing the lake {lake.url}; try again when it ends"
                )
            time.sleep(0.2)
        yield


@dataclass
class TableResult:
    name: str
    partitions: int = 0
    written: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    rows: int = 0
    rows_written: int = 0


@dataclass
class ExportResult:
    export_id: str
    manifest_path: str
    lake_url: str
    source_run_id: int | str | None
    tables: list[TableResult]
    seconds: float
    notes: list[str] = field(default_factory=list)

    @property
    def rows_written(self) -> int:
        return sum(t.rows_written for t in self.tables)

    @property
    def partitions_written(self) -> int:
        return sum(len(t.written) for t in self.tables)

    @property
    def rows_per_second(self) -> float:
        return self.rows_written / self.seconds if self.seconds > 0 else 0.0


def _new_export_id() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + "-" + secrets.token_hex(3)


def _runs(batch: pa.RecordBatch, columns: tuple[str, ...]) -> Iterator[tuple[tuple[Any, ...], int, int]]:
    """Consecutive runs of equal partition values in a batch: (values, start, length)."""
    arrays = [batch.column(c).to_numpy(zero_copy_only=False) for c in columns]
    n = batch.num_rows
    change = np.zeros(max(n - 1, 0), dtype=bool)
    for a in arrays:
        change |= a[1:] != a[:-1]
    starts = [0, *(np.flatnonzero(change) + 1).tolist()]
    ends = [*starts[1:], n]
    for start, end in zip(starts, ends, strict=True):
        yield tuple(a[start].item() for a in arrays), start, end - start


def _export_table(
    conn: psycopg.Connection[Any],
    lake: Lake,
    export_id: str,
    table: LakeTable,
    query: TypedQuery,
    changed: list[str],
    all_partitions: int,
    hook: Hook | None,
    advance: Any,
) -> dict[str, int]:
    """Read the changed partitions in one pass and swap each in as it completes. Returns rows written."""
    data_schema = pa.schema([f for f in query.schema if f.name not in table.partition_by])
    written: dict[str, int] = {}
    current: PartitionWriter | None = None
    selection = None if len(changed) == all_partitions else changed
    try:
        for batch in stream_batches(conn, table, query, selection):
            if not table.partition_by:
                if current is None:
                    current = PartitionWriter(lake, export_id, table.name, "", data_schema, hook)
                current.write(batch)
                advance(batch.num_rows)
                continue
            for values, start, length in _runs(batch, table.partition_by):
                path = partition_path(table.partition_by, values)
                if current is not None and current.partition != path:
                    current.commit()
                    written[current.partition] = current.rows
                    current = None
                if current is None:
                    current = PartitionWriter(lake, export_id, table.name, path, data_schema, hook)
                piece = batch.slice(start, length).select(data_schema.names)
                current.write(piece)
                advance(length)
        if current is not None:
            current.commit()
            written[current.partition] = current.rows
            current = None
    except Exception:
        if current is not None:
            current.abort()
        raise
    for path in changed:  # an empty unpartitioned table still gets its (empty) file
        if path not in written and not table.partition_by:
            write_whole(lake, export_id, table.name, data_schema.empty_table(), hook)
            written[path] = 0
    return written


def run_export(
    settings: Settings, *, hook: Hook | None = None, console: Console | None = None
) -> ExportResult:
    """Export the marts and the raw files to the lake; see the module docstring."""
    lake = Lake.from_url(settings.lake_url)
    with export_lock(settings, lake):
        return _export(settings, lake, hook, console or Console(stderr=True, quiet=True))


def _export(settings: Settings, lake: Lake, hook: Hook | None, console: Console) -> ExportResult:
    started = time.perf_counter()
    started_at = datetime.now(UTC).isoformat()
    export_id = _new_export_id()
    previous = manifests.load_latest(lake)
    collect_garbage(lake, previous)  # what a killed export wrote beside the manifest's files
    results: list[TableResult] = []
    tables_manifest: dict[str, Any] = {}
    notes: list[str] = []

    with connect(settings) as conn:
        check_relations(conn, REQUIRED_RELATIONS)
        source_run_id = latest_ingest_run_id(conn)
        conn.autocommit = False
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        with conn.transaction():  # one snapshot: fingerprints and rows agree
            plans = []
            for table in MART_TABLES:
                query = typed_query(conn, table)
                prints = fingerprints(conn, table, query)
                before = manifests.previous_partitions(previous, table.name)
                changed = [
                    path
                    for path, (rows, checksum) in sorted(prints.items())
                    if before.get(path, {}).get("rows") != rows
                    or before.get(path, {}).get("checksum") != checksum
                    or not lake.exists(table.name, path, partition_file(before[path]))
                ]
                removed = sorted(p for p in before if p not in prints)
                plans.append((table, query, prints, before, changed, removed))

            total = sum(prints[p][0] for _, _, prints, _, changed, _ in plans for p in changed)
            with Progress(
                TextColumn("[bold]export[/] {task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=console,
                transient=True,
            ) as progress:
                task = progress.add_task("rows", total=total)

                def advance(n: int) -> None:
                    progress.advance(task, n)

                for table, query, prints, before, changed, removed in plans:
                    progress.update(task, description=table.name)
                    written = (
                        _export_table(
                            conn, lake, export_id, table, query, changed, len(prints), hook, advance
                        )
                        if changed
                        else {}
                    )
                    for path in changed:
                        if written.get(path) != prints[path][0]:
                            raise RuntimeError(
                                f"{table.name}/{path}: wrote {written.get(path)} rows, "
                                f"the warehouse has {prints[path][0]}"
                            )
                    # removed partitions: out of the new manifest; their files go after the commit
                    partitions = {
                        path: {
                            "rows": rows,
                            "checksum": checksum,
                            "export_id": export_id
                            if path in written
                            else before.get(path, {}).get("export_id", export_id),
                            "file": part_file(export_id) if path in written else partition_file(before[path]),
                        }
                        for path, (rows, checksum) in sorted(prints.items())
                    }
                    result = TableResult(
                        table.name,
                        partitions=len(prints),
                        written=sorted(written),
                        removed=removed,
                        rows=sum(r for r, _ in prints.values()),
                        rows_written=sum(written.values()),
                    )
                    results.append(result)
                    tables_manifest[table.name] = {
                        "source": table.source,
                        "partition_by": list(table.partition_by),
                        "rows": result.rows,
                        "partitions": partitions,
                        "written": result.written,
                        "removed": removed,
                    }

    for spec in RAW_FILES:
        source = settings.landing_dir / spec.file_name
        if not source.is_file():
            notes.append(f"{spec.file_name}: not in {settings.landing_dir} (nothing landed), skipped")
            continue
        checksum = file_checksum(source)
        landed_before: dict[str, Any] = manifests.previous_partitions(previous, spec.table).get("", {})
        rows = int(landed_before.get("rows", 0))
        written_raw: list[str] = []
        if landed_before.get("checksum") != checksum or not lake.exists(
            spec.table, partition_file(landed_before)
        ):
            data = read_raw_file(source, spec)
            write_whole(lake, export_id, spec.table, data, hook)
            rows = data.num_rows
            written_raw = [""]
        results.append(TableResult(spec.table, 1, written_raw, [], rows, rows if written_raw else 0))
        tables_manifest[spec.table] = {
            "source": str(source),
            "partition_by": [],
            "rows": rows,
            "partitions": {
                "": {
                    "rows": rows,
                    "checksum": checksum,
                    "export_id": export_id if written_raw else landed_before.get("export_id", export_id),
                    "file": part_file(export_id) if written_raw else partition_file(landed_before),
                }
            },
            "written": written_raw,
            "removed": [],
        }

    if hook is not None:
        hook("before-commit", "", "")
    seconds = time.perf_counter() - started
    manifest = {
        "export_id": export_id,
        "started_at": started_at,
        "finished_at": datetime.now(UTC).isoformat(),
        "source_run_id": source_run_id,
        "lake_url": settings.lake_url,
        "rows_written": sum(t.rows_written for t in results),
        "seconds": round(seconds, 3),
        "tables": tables_manifest,
        "notes": notes,
    }
    manifest_path = manifests.write(lake, manifest)  # the commit: readers now see this export
    collect_garbage(lake, manifest)  # the files no manifest names any more
    return ExportResult(export_id, manifest_path, settings.lake_url, source_run_id, results, seconds, notes)


def print_summary(result: ExportResult, console: Console) -> None:
    table = Table(title=f"export {result.export_id} -> {result.lake_url}")
    for col in ("table", "partitions", "written", "removed", "rows", "rows written"):
        table.add_column(col, justify="left" if col == "table" else "right")
    for t in result.tables:
        table.add_row(
            t.name,
            str(t.partitions),
            str(len(t.written)),
            str(len(t.removed)),
            f"{t.rows:,}",
            f"{t.rows_written:,}",
        )
    console.print(table)
    for note in result.notes:
        console.print(f"[yellow]note:[/] {note}")
    console.print(
        f"{result.partitions_written} partitions, {result.rows_written:,} rows written in {result.seconds:.2f} s "
        f"({result.rows_per_second:,.0f} rows/s); source run id {result.source_run_id}; "
        f"manifest {result.manifest_path}"
    )


def main(settings: Settings) -> int:
    """``softcart export``."""
    console = Console()
    try:
        result = run_export(settings, console=console)
    except (MartsMissing, RawFileError, ValueError, ExportBusy) as exc:
        console.print(f"[red]export failed:[/] {exc}")
        return 1
    except psycopg.OperationalError as exc:
        console.print(
            f"[red]export failed:[/] cannot reach PostgreSQL at {settings.postgres.redacted}: {exc}"
        )
        return 1
    print_summary(result, console)
    return 0
