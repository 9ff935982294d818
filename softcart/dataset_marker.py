"""Which dataset the sources hold: a marker shared by `softcart run` and the Airflow DAG.

Reloading a dataset replaces the sources (MongoDB documents get new ids), so whoever loads one
runs the next ingest and dbt build as a full refresh; loading the dataset the sources already hold
is skipped.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from softcart.settings import Settings


def _marker(settings: Settings) -> Path:
    return settings.data_dir / "last_dataset.json"


def describe(dataset: Path) -> dict[str, str]:
    """The dataset's folder and a fingerprint of its files (names, sizes, modification times)."""
    digest = hashlib.sha256()
    for path in sorted(p for p in dataset.iterdir() if p.is_file()):
        stat = path.stat()
        digest.update(f"{path.name}:{stat.st_size}:{int(stat.st_mtime)}".encode())
    return {"dataset": str(dataset.resolve()), "fingerprint": digest.hexdigest()[:16]}


def last_loaded(settings: Settings) -> dict[str, Any] | None:
    marker = _marker(settings)
    return json.loads(marker.read_text()) if marker.is_file() else None


def is_loaded(settings: Settings, dataset: Path) -> bool:
    """True when the sources already hold exactly this dataset."""
    return last_loaded(settings) == describe(dataset)


def record_loaded(settings: Settings, dataset: Path) -> None:
    """Remember (atomically) that the sources now hold this dataset; call after a successful load."""
    marker = _marker(settings)
    marker.parent.mkdir(parents=True, exist_ok=True)
    tmp = marker.with_suffix(".tmp")
    tmp.write_text(json.dumps(describe(dataset)))
    tmp.replace(marker)
