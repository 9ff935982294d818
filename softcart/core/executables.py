"""Finding the project's command-line tools: the one installed beside the running interpreter (the
project's venv) first, then the PATH."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path


def bin_dir() -> Path:
    """The folder of the running interpreter: where the venv's ``airflow``, ``dbt``, ``softcart`` are."""
    return Path(sys.executable).parent


def find_executable(name: str, missing: str) -> str:
    """The path of ``name``; ``FileNotFoundError`` with ``missing`` (what to do) when there is none."""
    beside = bin_dir() / name
    if beside.exists():
        return str(beside)
    found = shutil.which(name)
    if found is None:
        raise FileNotFoundError(missing)
    return found
