"""Fixtures for the loader's tests (helpers in load_helpers.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.load.load_helpers import DatasetMaker


@pytest.fixture
def make_dataset(tmp_path: Path, capstone: Path) -> DatasetMaker:
    return DatasetMaker(tmp_path, capstone)
