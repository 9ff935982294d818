"""Fixtures of the Spark area: one Spark session for the whole run, and small marts in PostgreSQL."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import marts_data
import pytest

from softcart.settings import Settings, load_settings

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


@pytest.fixture(scope="session")
def spark(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SparkSession]:
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


@pytest.fixture
def marts() -> marts_data.Marts:
    return marts_data.build()


@pytest.fixture
def warehouse(isolated: Settings, marts: marts_data.Marts) -> Settings:
    """Settings of a fresh database holding the small marts; the lake in the test's data dir."""
    marts_data.create(isolated, marts)
    return isolated


def with_lake(settings: Settings, lake: Path) -> Settings:
    return dataclasses.replace(settings, lake_url=str(lake))
