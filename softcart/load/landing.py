"""Registering file inputs: an atomic copy into ``<data dir>/landing/`` (same names) and a manifest.

``landing/manifest.json``::

    {"load": {"load_id": "...", "dataset": "/path/to/dataset", "fingerprint": "...", "replaced": true},
     "files": [{"file": "DimDate.csv", "bytes": 51852, "sha256": "...", "rows": 1096,
                "registered_at": "2026-11-27T15:00:00+00:00", "dataset": "/path/to/dataset"}, ...]}

``rows`` counts data rows (lines without the header). ``load`` is the record of the load that
published the folder (softcart/load/records.py): which dataset the landing folder holds. A file registered again replaces the earlier
copy and its manifest entry; ``--replace`` also removes files registered from an earlier dataset.
Files are first copied to hidden temporary names, then renamed into place once every source has
committed.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from softcart.load.file_inputs import FILE_INPUTS, FileInput

MANIFEST = "manifest.json"


@dataclass(frozen=True)
class StagedFile:
    name: str
    tmp: Path
    entry: dict[str, Any]


def read_manifest(landing: Path) -> dict[str, dict[str, Any]]:
    """The manifest's entries by file name (empty when nothing is registered yet)."""
    path = landing / MANIFEST
    if not path.exists():
        return {}
    return {e["file"]: e for e in json.loads(path.read_text(encoding="utf-8")).get("files", [])}


def read_load(landing: Path) -> dict[str, Any] | None:
    """The record of the load that last published the landing folder (``None``: none)."""
    path = landing / MANIFEST
    if not path.exists():
        return None
    load = json.loads(path.read_text(encoding="utf-8")).get("load")
    return load if isinstance(load, dict) else None


def stage(landing: Path, inputs: list[FileInput], dataset: Path) -> list[StagedFile]:
    """Copy each file to a hidden name in ``landing`` (with its checksum); nothing is left on failure."""
    landing.mkdir(parents=True, exist_ok=True)
    staged: list[StagedFile] = []
    try:
        for item in inputs:
            staged.append(_stage_one(landing, item, dataset))
    except BaseException:
        discard(staged)
        raise
    return staged


def _stage_one(landing: Path, item: FileInput, dataset: Path) -> StagedFile:
    name = item.path.name
    tmp = landing / f".{name}.{os.getpid()}.tmp"
    digest = hashlib.sha256()
    size = 0
    try:
        with item.path.open("rb") as src, tmp.open("wb") as dst:
            while chunk := src.read(1 << 20):
                digest.update(chunk)
                dst.write(chunk)
                size += len(chunk)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    entry = {
        "file": name,
        "bytes": size,
        "sha256": digest.hexdigest(),
        "rows": item.rows,
        "registered_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "dataset": str(dataset.resolve()),
    }
    return StagedFile(name=name, tmp=tmp, entry=entry)


def publish(
    landing: Path, staged: list[StagedFile], *, replace: bool, load: dict[str, Any] | None = None
) -> None:
    entries = {} if replace else read_manifest(landing)
    if replace:
        kept = {s.name for s in staged}
        for name in FILE_INPUTS:
            if name not in kept:
                (landing / name).unlink(missing_ok=True)
    for item in staged:
        os.replace(item.tmp, landing / item.name)
        entries[item.name] = item.entry
    if not staged and not replace:
        return
    landing.mkdir(parents=True, exist_ok=True)
    tmp = landing / f".{MANIFEST}.{os.getpid()}.tmp"
    body: dict[str, Any] = {"files": [entries[k] for k in sorted(entries)]}
    if load is not None:
        body = {"load": load, **body}
    tmp.write_text(json.dumps(body, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, landing / MANIFEST)


def discard(staged: list[StagedFile]) -> None:
    for item in staged:
        item.tmp.unlink(missing_ok=True)
