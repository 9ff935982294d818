"""The export manifest: what the lake holds after an export, and where it came from.

``<lake>/manifests/export-<id>.json`` is written by each export, then copied to
``<lake>/manifests/latest.json`` (a temporary file renamed over it: the export's commit point),
which readers follow and the next export compares against. Shape::

    {"export_id": "...", "started_at": "...", "finished_at": "...", "source_run_id": 7,
     "lake_url": "...", "rows_written": 123, "seconds": 1.2,
     "tables": {"sales": {"source": "marts.fct_sales", "partition_by": ["year", "month"], "rows": 3,
                          "partitions": {"year=2021/month=1": {"rows": 3, "checksum": "...",
                                                               "export_id": "<the export that wrote it>",
                                                               "file": "part-<that export id>.parquet"}},
                          "written": ["year=2021/month=1"], "removed": []}}}

An unpartitioned table has one partition, ``""``.
"""

from __future__ import annotations

import json
from typing import Any

from softcart.lake.store import LATEST, MANIFESTS, Lake, latest_manifest


def load_latest(lake: Lake) -> dict[str, Any]:
    return latest_manifest(lake)


def _write_json(lake: Lake, path: str, data: dict[str, Any]) -> None:
    tmp = path.rsplit("/", 1)[0] + "/.tmp-" + path.rsplit("/", 1)[1]
    with lake.fs.open_output_stream(tmp) as f:
        f.write(json.dumps(data, indent=2, sort_keys=True, default=str).encode("utf-8"))
    lake.fs.move(tmp, path)


def write(lake: Lake, manifest: dict[str, Any]) -> str:
    """Write this export's manifest and make it the latest. Returns its path."""
    lake.fs.create_dir(lake.path(MANIFESTS), recursive=True)
    path = lake.path(MANIFESTS, f"export-{manifest['export_id']}.json")
    _write_json(lake, path, manifest)
    _write_json(lake, lake.path(MANIFESTS, LATEST), manifest)
    return path


def previous_partitions(previous: dict[str, Any], table: str) -> dict[str, dict[str, Any]]:
    partitions = previous.get("tables", {}).get(table, {}).get("partitions", {})
    return partitions if isinstance(partitions, dict) else {}
