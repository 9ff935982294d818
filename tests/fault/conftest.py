"""Fixtures of the fault suite (its tools are in faults.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from softcart.core.settings import Settings
from tests.fault.faults import ok


@pytest.fixture(scope="session")
def datasets(stack: Settings, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Dataset A (seed 7) and B (seed 8, replacing A): 5,000 MySQL sales rows each, other values."""
    root = tmp_path_factory.mktemp("fault-datasets")
    made = []
    for seed in (7, 8):
        out = root / f"seed-{seed}"
        ok(stack, "generate", "--scale", "0.005", "--seed", str(seed), "--out", str(out))
        made.append(out)
    return made[0], made[1]
