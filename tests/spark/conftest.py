"""Fixtures of the Spark area: one Spark session for the whole run, small marts in PostgreSQL, and a
Spark standalone cluster (master + worker on 127.0.0.1) for the module that runs a job on it."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import psycopg
import pytest

from softcart.core.settings import Settings, load_settings
from tests.spark import marts_data
from tests.spark.standalone import Ports, StandaloneCluster, listeners

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


@pytest.fixture(scope="session")
def spark_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SparkSession]:
    """One local Spark session shared by every Spark test (starting one costs seconds)."""
    from spark.session import build_session

    settings = load_settings(
        {
            "SOFTCART_DATA_DIR": str(tmp_path_factory.mktemp("spark-session")),
            "SOFTCART_SPARK_MASTER": "local[2]",
            "SOFTCART_SPARK_SHUFFLE_PARTITIONS": "2",
            "SOFTCART_SPARK_DRIVER_MEMORY": "1g",
        }
    )
    session = build_session(settings, "softcart-tests")
    yield session
    session.stop()


def fresh_warehouse(stack: Settings, data_dir: Path) -> Settings:
    """Settings for a fresh PostgreSQL database (warehouse schemas applied) on the test server and a fresh
    data dir. The Spark area needs only the warehouse, so no MySQL or MongoDB database is made."""
    from ingest.bootstrap import apply_warehouse_schemas

    name = "t_spark_" + uuid.uuid4().hex[:10]
    env = dict(stack.env)
    env.update({"SOFTCART_DATA_DIR": str(data_dir), "SOFTCART_POSTGRES_DATABASE": name})
    settings = load_settings(env)
    pg = settings.postgres
    with psycopg.connect(
        host=pg.host, port=pg.port, user=pg.user, password=pg.password, dbname="postgres", autocommit=True
    ) as conn:
        conn.execute(f'create database "{name}"')
    apply_warehouse_schemas(settings)
    return settings


def drop_warehouse(settings: Settings) -> None:
    pg = settings.postgres
    with psycopg.connect(
        host=pg.host, port=pg.port, user=pg.user, password=pg.password, dbname="postgres", autocommit=True
    ) as conn:
        conn.execute(f'drop database if exists "{pg.database}" with (force)')


@pytest.fixture
def empty_warehouse(stack: Settings, tmp_path: Path) -> Iterator[Settings]:
    """A fresh warehouse database without marts; the lake and landing in the test's data dir."""
    settings = fresh_warehouse(stack, tmp_path / "data")
    yield settings
    drop_warehouse(settings)


@pytest.fixture
def marts() -> marts_data.Marts:
    return marts_data.build()


@pytest.fixture
def warehouse(empty_warehouse: Settings, marts: marts_data.Marts) -> Settings:
    """A fresh warehouse holding the small marts."""
    marts_data.create(empty_warehouse, marts)
    return empty_warehouse


@pytest.fixture(scope="session")
def exported(stack: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[marts_data.Exported]:
    """One warehouse with the small marts, exported once, shared by the Spark job tests (read-only)."""
    from softcart.lake.export import run_export

    settings = fresh_warehouse(stack, tmp_path_factory.mktemp("spark-exported"))
    marts = marts_data.build()
    marts_data.create(settings, marts)
    yield marts_data.Exported(settings, marts, run_export(settings))
    drop_warehouse(settings)


@pytest.fixture(scope="module")
def spark_cluster(
    tmp_path_factory: pytest.TempPathFactory, test_port_offset: int
) -> Iterator[StandaloneCluster]:
    """A Spark standalone master and one worker (1 core, 1g) on 127.0.0.1, ports from the test port
    offset. Both processes are stopped and the cluster's folder (logs, the worker's work dir) removed
    afterwards, also when starting or the test failed."""
    cluster = StandaloneCluster(
        tmp_path_factory.mktemp("spark-cluster"), Ports.with_offset(test_port_offset), cores=1, memory="1g"
    )
    try:
        started = time.monotonic()
        cluster.start()
        print(f"spark cluster up in {time.monotonic() - started:.1f} s")
        yield cluster
    finally:
        pids = cluster.pids()
        cluster.stop()
    # nothing left behind: no process, no listener on the cluster's ports, no folder
    for pid in pids.values():
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
    assert not cluster.root.exists()
    assert not {port for _, port in listeners()} & cluster.all_ports()
