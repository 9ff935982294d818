"""Fixtures for the generator's tests: small generated datasets (scale 0.001), made once."""

from __future__ import annotations

from pathlib import Path

import pytest

from softcart.generate import generate_dataset

SMALL_SCALE = 0.001
SEED = 7


@pytest.fixture(scope="session")
def small_dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A dataset at scale 0.001 (1,000 sales rows), seed 7."""
    out = tmp_path_factory.mktemp("generated") / "dataset"
    generate_dataset(out, SMALL_SCALE, SEED, progress=False)
    return out


@pytest.fixture(scope="session")
def small_rows(small_dataset: Path) -> dict[str, int]:
    """The row counts generate_dataset returned for ``small_dataset`` (regenerated: same bytes)."""
    return generate_dataset(small_dataset, SMALL_SCALE, SEED, progress=False)
