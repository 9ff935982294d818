"""The data lake's location: a local folder or a URL (``file://``, ``s3a://``, ``hdfs://``).

Two views of the same place: pyarrow (used by the export, which writes without a JVM) and Spark
(used by the jobs). Paths inside the lake are relative, joined with ``/``.

Zones and layout::

    <lake>/raw/searchterms/part-00000.parquet          file inputs as they landed
    <lake>/sales/year=YYYY/month=M/part-00000.parquet  the wide sales table (fct_sales + dims)
    <lake>/dim_date/part-00000.parquet                 each dimension, one folder
    <lake>/results/<job>/...                           what the Spark jobs compute
    <lake>/models/<name>/                              Spark ML models
    <lake>/manifests/latest.json, export-<id>.json     one manifest per export
    <lake>/_staging/, <lake>/_trash/                   the export's write-aside area (never read)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
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
