"""Airflow fixtures: one migrated SQLite metadata database per test session.

``airflow_home``: an AIRFLOW_HOME whose metadata database is migrated once (``airflow db migrate``
takes about 15 s); every Airflow command of the session passes it to
``softcart.stack.airflow`` (``home=``), whatever data dir its settings name.
``airflow_settings``: settings with a throwaway data dir and the suite's test ports, for DAG tests
that need no database servers.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from softcart.core.settings import Settings, load_settings
from tests.airflow.airflow_testenv import make_test_env


@pytest.fixture(scope="session")
def airflow_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    from softcart.stack.airflow import migrate

    home = tmp_path_factory.mktemp("airflow-home")
    settings = load_settings(make_test_env(tmp_path_factory.mktemp("airflow-migrate")))
    done = migrate(settings, home=home)
    assert done.returncode == 0, f"airflow db migrate failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    yield home


@pytest.fixture(scope="session")
def airflow_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return load_settings(make_test_env(tmp_path_factory.mktemp("airflow-data")))
