"""Build the one Spark session of a job from the settings."""

from __future__ import annotations

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


def session_conf(settings: Settings, lake_root: str | None = None) -> dict[str, str]:
    """The Spark configuration the settings ask for (master, memory, shuffle partitions, quiet logs,
    the driver's address)."""
    conf = {
        "spark.master": settings.spark_master,
        "spark.driver.memory": settings.spark_driver_memory,
        "spark.sql.shuffle.partitions": str(settings.spark_shuffle_partitions),
        "spark.sql.session.timeZone": "UTC",
        # fast, quiet start: no web UI, no progress bars, our log4j config
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.driver.extraJavaOptions": " ".join(
            (f"-Dlog4j2.configurationFile={LOG4J_CONFIG.as_uri()}", *DRIVER_JVM_OPTIONS)
        ),
        # small local jobs: adaptive execution coalesces the shuffle partitions
        "spark.sql.adaptive.enabled": "true",
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

    wanted = {**session_conf(settings, lake_root), **(extra or {})}
    if submitted:
        SparkContext._ensure_initialized()  # attach to the JVM spark-submit started; loads its conf
        given = SparkConf()
        wanted = {k: v for k, v in wanted.items() if not given.contains(k)}
    builder = SparkSession.builder.appName(app_name)
    for key, value in wanted.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("WARN")
    return spark
