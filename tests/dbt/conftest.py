"""Fixtures of the dbt tests: a production warehouse (production.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from softcart.core.settings import Settings
from tests.dbt.production import build_production


@pytest.fixture
def production(isolated: Settings, tmp_path: Path) -> Iterator[Settings]:
    yield build_production(isolated, tmp_path / "dataset")
