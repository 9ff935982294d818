"""Fixtures of the BI tests: the project's Superset on the test stack, a warehouse built by the
pipeline (the browser and its pages: tests/conftest.py).

``superset``: the stack's settings with the BI server on (the suite's stack leaves it off: it takes
a minute or two to set up); started once per test run, stopped at its end.
``bi_warehouse``: a fresh warehouse filled by ``softcart run`` (up, load, ingest, reconcile, dbt, bi)
from a small generated dataset whose ecommerce.csv is the course's own file, published to that
Superset; module scope, as the browser tests read it in turn.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Page

from softcart.core.credentials import superset_admin
from softcart.core.settings import Settings, load_settings
from tests.softcart_cli import softcart

# softcart run without the lake and Spark (tests/pipeline runs those)
PIPELINE_STEPS = ("up", "load", "ingest", "reconcile", "dbt", "bi")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(scope="session")
def superset(stack: Settings) -> Iterator[Settings]:
    from softcart.stack.superset import Superset

    settings = load_settings({**stack.env, "SOFTCART_SUPERSET_ENABLED": "1"})
    server = Superset(settings)
    try:
        server.ensure_started()
        yield settings
    finally:
        server.stop()


def bi_env(superset: Settings) -> dict[str, str]:
    """What other settings need to use that Superset: its URL (so they do not start their own) and
    its admin (generated into the stack's data dir)."""
    user, password = superset_admin(superset)
    return {
        "SOFTCART_SUPERSET_ENABLED": "1",
        "SOFTCART_SUPERSET_URL": superset.superset.raw,
        "SOFTCART_SUPERSET_ADMIN_USER": user,
        "SOFTCART_SUPERSET_ADMIN_PASSWORD": password,
    }


@dataclass(frozen=True)
class BiWarehouse:
    settings: Settings
    first_run: str  # what `softcart run` printed


@pytest.fixture(scope="module")
def bi_warehouse(
    isolated_factory: Callable[[Path], Settings],
    superset: Settings,
    capstone: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[BiWarehouse]:
    from softcart.generate import generate_dataset

    base = tmp_path_factory.mktemp("bi")
    dataset = base / "dataset"
    generate_dataset(dataset, scale=0.001, seed=11, progress=False)
    # the course's Module 4 history: its own ecommerce.csv, never copied into the project
    (dataset / "ecommerce.csv").unlink()
    (dataset / "ecommerce.csv").symlink_to(capstone / "ecommerce.csv")
    isolated = isolated_factory(base / "data")
    settings = load_settings({**isolated.env, **bi_env(superset)})
    done = softcart(settings, "run", "--dataset", str(dataset), *(f"--step={s}" for s in PIPELINE_STEPS))
    assert done.returncode == 0, done.stderr[-4000:]
    yield BiWarehouse(settings, done.stderr)
    shutil.rmtree(base, ignore_errors=True)


def screenshot(page: Page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path), full_page=True)
    return path
