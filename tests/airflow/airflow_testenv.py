"""The environment of the Airflow tests (imported by conftest.py and the test modules)."""

from __future__ import annotations

import os
from pathlib import Path

TEST_PORTS = {"MYSQL": 23306, "POSTGRES": 25432, "MONGO": 27117}
# the API server's port in the tests' Airflow environment (dags test starts no server)
TEST_API_PORT = 28081


def make_test_env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SOFTCART_", "AIRFLOW"))}
    offset = int(os.environ.get("SOFTCART_TEST_PORT_OFFSET", "0"))
    for name, port in TEST_PORTS.items():
        env[f"SOFTCART_{name}_PORT"] = str(port + offset)
    env["SOFTCART_DATA_DIR"] = str(data_dir)
    env.update(extra)
    return env
