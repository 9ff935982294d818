"""The data lake's location: a local folder or a URL (``file://``, ``s3a://``, ``hdfs://``).

Two views of the same place: pyarrow (used by the export, which writes without a JVM) and Spark
(used by the jobs). Paths inside the lake are relative, joined with ``/``.

Zones and layout::

    <lake>/raw/searchterms/part-<export id>.parquet          file inputs as they landed
    <lake>/sales/year=YYYY/month=M/part-<export id>.parquet  the wide sales table (fct_sales + dims)
    <lake>/dim_date/part-<export id>.parquet                 each dimension, one folder
    <lake>/results/<job>/...                                 what the Spark jobs compute
    <lake>/models/<name>/                                    Spark ML models
    <lake>/manifests/latest.json, export-<id>.json           one manifest per export

The manifest is the lake's table of contents: ``manifests/latest.json`` names, for every table and
partition, the one file that holds it. Readers read those files (:func:`table_files`), never a
folder listing: an export writes its files beside the old ones and commits by replacing
``latest.json`` (an atomic rename), so what the manifest names is always whole and always agrees
with its row counts; files it does not name (an export in progress, or one killed) are ignored and
deleted by the next export.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pyarrow.fs as pafs


@dataclass(frozen=True)
class Lake:
    url: str
    """The lake's root as configured (``settings.lake_url``)."""
    fs: pafs.FileSystem
    """pyarrow file system holding the lake."""
    root: str
    """The lake's root as a path inside :attr:`fs`."""
    spark_root: str
    """The lake's root as a URL Spark understands (``file:///...``, ``s3a://...``, ``hdfs://...``)."""

    @classmethod
    def from_url(cls, url: str) -> Lake:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme in ("", "file") or (len(scheme) == 1 and url[1:3] in (":\\", ":/")):
            local = Path(parts.path if scheme == "file" else url).expanduser().resolve()
            return cls(url, pafs.LocalFileSystem(), local.as_posix(), local.as_uri())
        if scheme in ("s3", "s3a", "s3n"):
            # pyarrow speaks s3://; Spark (hadoop-aws) speaks s3a://. Credentials and endpoint come from
            # the usual AWS variables / config files, read by the S3 client itself.
            fs, path = pafs.FileSystem.from_uri("s3://" + parts.netloc + parts.path)
            return cls(url, fs, path.rstrip("/"), "s3a://" + parts.netloc + parts.path.rstrip("/"))
        if scheme in ("hdfs", "viewfs"):
            # needs libhdfs (HADOOP_HOME, CLASSPATH from `hadoop classpath --glob`) on this machine
            fs, path = pafs.FileSystem.from_uri(url)
            return cls(url, fs, path.rstrip("/"), url.rstrip("/"))
        if scheme in ("gs", "gcs"):
            fs, path = pafs.FileSystem.from_uri("gs://" + parts.netloc + parts.path)
            return cls(url, fs, path.rstrip("/"), "gs://" + parts.netloc + parts.path.rstrip("/"))
        raise ValueError(
            f"lake URL {url!r}: unsupported scheme {scheme!r} (use a path, file://, s3a://, hdfs:// or gs://)"
        )

    def path(self, *parts: str) -> str:
        """A path inside the lake for pyarrow."""
        return "/".join([self.root, *(p.strip("/") for p in parts if p)])

    def spark_path(self, *parts: str) -> str:
        """The same place as a URL for Spark."""
        return "/".join([self.spark_root, *(p.strip("/") for p in parts if p)])

    def exists(self, *parts: str) -> bool:
        return self.fs.get_file_info(self.path(*parts)).type != pafs.FileType.NotFound

    @property
    def is_local(self) -> bool:
        return isinstance(self.fs, pafs.LocalFileSystem)


MANIFESTS = "manifests"
LATEST = "latest.json"
LEGACY_PART_FILE = "part-00000.parquet"  # the one file of a partition written before manifests named it


def latest_manifest(lake: Lake) -> dict[str, Any]:
    """The manifest of the last finished export ({} when there is none)."""
    path = lake.path(MANIFESTS, LATEST)
    if lake.fs.get_file_info(path).type == pafs.FileType.NotFound:
        return {}
    with lake.fs.open_input_stream(path) as f:
        data = json.loads(f.read().decode("utf-8"))
    return data if isinstance(data, dict) else {}


def partition_file(entry: dict[str, Any]) -> str:
    """The file name of one partition in a manifest's ``partitions``."""
    return str(entry.get("file") or LEGACY_PART_FILE)


def table_files(lake: Lake, table: str, manifest: dict[str, Any] | None = None) -> list[str]:
    """The files (paths relative to the table's folder) that hold ``table`` now, as the latest
    manifest names them; [] when no export wrote the table. Readers read these and nothing else."""
    manifest = latest_manifest(lake) if manifest is None else manifest
    partitions = manifest.get("tables", {}).get(table, {}).get("partitions", {})
    return [
        "/".join(p for p in (path, partition_file(entry)) if p) for path, entry in sorted(partitions.items())
    ]
