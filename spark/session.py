"""Build the one Spark session of a job from the settings."""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from softcart.core.settings import Settings, package_file

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

# package data (pyproject.toml): the JVM reads it by path, so a path (an installed package is a folder)
LOG4J_CONFIG = package_file(__spec__, "log4j2.properties").resolve()

# The driver's JVM (in local mode also the executor) is short-lived and shares two cores: measured
# with jstack on the sales job (docs/spark.md, "Where the time goes"), the C2 compiler thread took
# more CPU than the job's tasks. C1 only (TieredStopAtLevel=1) compiles quickly to slower code,
# which wins for a job of seconds; the serial collector has no concurrent GC threads competing
# for the two cores. A ``spark-submit --driver-java-options`` or ``--conf`` replaces them.
DRIVER_JVM_OPTIONS = ("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC")

# Class-data sharing for Spark's own classes (AppCDS, a dynamic archive): a cold session loads and
# verifies some 10,000 classes from Spark's 250 jars; an archive of them, mapped at start, skips the
# parsing and the verification (scale 10, measured: the cold job's CPU 19.1 s -> 14.6 s, session start
# 4.5 s -> 2.6 s on a loaded machine; docs/spark.md). The first session without an archive writes one at
# its JVM's exit (-XX:ArchiveClassesAtExit, a few seconds more, once); later sessions map it
# (-XX:SharedArchiveFile). It is a cache of the installation, kept beside it (settings'
# spark_class_archive_dir: in the Python environment holding pyspark, so every data dir maps the
# same one; never committed), one file per Spark version, Java build and installation: a JVM that
# cannot use it (another build, a moved classpath) ignores it (-Xshare:auto, the default) and runs
# as without it.
_QUIET_CDS = "-Xlog:cds=off,cds+dynamic=off"  # a mismatched archive: ignored, not shouted about


@dataclass(frozen=True)
class ClassArchive:
    """The archive of Spark's classes for this Spark and this Java: ``path`` when made."""

    path: Path

    @property
    def exists(self) -> bool:
        return self.path.is_file()

    def java_options(self, pending: Path | None) -> tuple[str, ...]:
        """Map the archive if made; else write one to ``pending`` at the JVM's exit."""
        if self.exists:
            return (f"-XX:SharedArchiveFile={self.path}", _QUIET_CDS)
        if pending is not None:
            return (f"-XX:ArchiveClassesAtExit={pending}", _QUIET_CDS)
        return ()


def _java_home() -> Path | None:
    """The Java that spark-submit starts: ``$JAVA_HOME``, else ``java`` on the PATH (spark-class)."""
    if os.environ.get("JAVA_HOME"):
        return Path(os.environ["JAVA_HOME"]).resolve()
    java = shutil.which("java")
    return Path(java).resolve().parent.parent if java else None


def class_archive(settings: Settings) -> ClassArchive | None:
    """This installation's archive (made or not); None when no Java is found."""
    import pyspark

    java = _java_home()
    if java is None:
        return None
    release = java / "release"
    version = release.read_text() if release.is_file() else str((java / "bin" / "java").stat().st_mtime)
    # the archive holds the classpath it was made with: the key includes where Spark and Java live
    key = hashlib.sha256(f"{version}\n{java}\n{Path(pyspark.__file__).parent}".encode()).hexdigest()[:12]
    name = f"spark-{pyspark.__version__}-{key}.jsa"
    return ClassArchive(settings.spark_class_archive_dir / name)


def _finish_archive(archive: ClassArchive, pending: Path, proc: subprocess.Popen[bytes] | None) -> None:
    """At this process's exit: end the driver JVM (its stdin closed, as when Python exits), wait for it
    to write ``pending``, and publish it under the archive's name (a rename: a reader never maps a
    half-written file). Only from a JVM that exited normally: a truncated archive makes a JVM that maps
    it crash (SIGBUS, measured), so one from a killed JVM is dropped. Older archives (other versions) go."""
    try:
        if proc is None:
            return
        if proc.stdin is not None:
            proc.stdin.close()
        if proc.wait(timeout=120) == 0 and pending.is_file() and pending.stat().st_size > 0:
            os.replace(pending, archive.path)
            for other in archive.path.parent.glob("*.jsa"):
                if other != archive.path:
                    other.unlink(missing_ok=True)
    except (OSError, subprocess.TimeoutExpired):
        pass
    finally:
        pending.unlink(missing_ok=True)


def _pending_archive(archive: ClassArchive) -> Path:
    """Where this process's JVM writes the archive; stale ones (a killed writer) are removed."""
    archive.path.parent.mkdir(parents=True, exist_ok=True)
    for stale in archive.path.parent.glob("*.jsa.tmp-*"):
        with contextlib.suppress(OSError):
            if stale.stat().st_mtime < time.time() - 3600:
                stale.unlink()
    return archive.path.with_name(f"{archive.path.name}.tmp-{os.getpid()}")


def session_conf(
    settings: Settings, lake_root: str | None = None, java_options: tuple[str, ...] = ()
) -> dict[str, str]:
    """The Spark configuration the settings ask for (master, memory, shuffle partitions, quiet logs,
    the driver's address); ``java_options``: more for the driver's JVM (the class archive's)."""
    conf = {
        "spark.master": settings.spark_master,
        "spark.driver.memory": settings.spark_driver_memory,
        "spark.sql.shuffle.partitions": str(settings.spark_shuffle_partitions),
        "spark.sql.session.timeZone": "UTC",
        # fast, quiet start: no web UI, no progress bars, our log4j config
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.driver.extraJavaOptions": " ".join(
            (f"-Dlog4j2.configurationFile={LOG4J_CONFIG.as_uri()}", *DRIVER_JVM_OPTIONS, *java_options)
        ),
        # small local jobs: adaptive execution coalesces the shuffle partitions
        "spark.sql.adaptive.enabled": "true",
        # the jobs read the files the lake's manifest names, one path each (sales: one per month, 36
        # for three years): above 32 paths Spark lists them with a Spark job of one task per path
        # (parallel discovery, made for thousands of folders on HDFS), a second of a cold session's
        # time; listing a few hundred named files in the driver is quicker, here and on S3/HDFS.
        "spark.sql.sources.parallelPartitionDiscovery.threshold": "1024",
    }
    if settings.spark_driver_host:
        # on a cluster the executors connect back to the driver: at this address (the driver also
        # binds to it, spark.driver.bindAddress defaulting to spark.driver.host). Unset, Spark takes
        # the first non-loopback address of this machine, which is right for most clusters.
        conf["spark.driver.host"] = settings.spark_driver_host
    if lake_root:
        conf["spark.softcart.lake"] = lake_root
    return conf


def build_session(
    settings: Settings,
    app_name: str,
    *,
    submitted: bool = False,
    lake_root: str | None = None,
    extra: dict[str, str] | None = None,
) -> SparkSession:
    """Create (or reuse) the Spark session.

    ``extra``: more Spark configuration (e.g. ``spark.jars``).
    ``submitted``: the job was started by ``spark-submit``, whose options (``--master``,
    ``--driver-memory``, ``--conf``) win over the settings; the settings fill in what it left unset.
    """
    from pyspark import SparkConf, SparkContext
    from pyspark.sql import SparkSession

    archive = None if submitted else class_archive(settings)  # spark-submit started its JVM already
    pending = None
    if archive is not None and not archive.exists and SparkContext._gateway is None:
        pending = _pending_archive(archive)
    java_options = archive.java_options(pending) if archive is not None else ()
    wanted = {**session_conf(settings, lake_root, java_options), **(extra or {})}
    if submitted:
        SparkContext._ensure_initialized()  # attach to the JVM spark-submit started; loads its conf
        given = SparkConf()
        wanted = {k: v for k, v in wanted.items() if not given.contains(k)}
    builder = SparkSession.builder.appName(app_name)
    for key, value in wanted.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("WARN")
    if archive is not None and pending is not None:
        gateway = SparkContext._gateway
        atexit.register(_finish_archive, archive, pending, getattr(gateway, "proc", None))
    return spark


def stop_session(spark: SparkSession) -> None:
    """Stop the session as ``spark.stop()`` does, without waiting up to a second for PySpark's
    accumulator server: ``SparkContext.stop`` shuts it down and waits, and its one handler polls
    the JVM's connection once a second (pyspark/accumulators.py), so every stop took 0.3-1.0 s after
    the JVM's own 0.05-0.1 s (measured: docs/spark.md). The server is told to stop and ends on its
    own (a daemon thread), its port closed when it does."""
    import threading

    context = spark.sparkContext
    server = getattr(context, "_accumulatorServer", None)
    if server is None:
        spark.stop()
        return
    context._accumulatorServer = None  # type: ignore[assignment]  # SparkContext.stop skips the wait
    server.server_shutdown = True  # the handler's poll loop ends at its next wake-up
    spark.stop()
    threading.Thread(target=server.shutdown, name="accumulator-server-stop", daemon=True).start()
