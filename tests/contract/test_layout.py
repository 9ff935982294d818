"""The repository's layout rules that no linter checks (docs/architecture.md, "Packages and data files").

- ``tests/`` is a package, every folder of it too: pytest then imports ``tests.ingest.test_*`` with the
  repository root on ``sys.path``, and ``tests/ingest/`` can never take the name of the ``ingest``
  package it tests (as rootdir-less folders they were namespace packages ahead of the editable install).
- Inside the test run, each top-level package of the project is the project's own folder, its
  ``__init__`` run and its package data found by name.
- The installed top-level packages are exactly those of ``pyproject.toml``, each a folder of the
  design card's top level or ``softcart``.
"""

from __future__ import annotations

import importlib
import importlib.resources
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TOP_LEVEL = ("softcart", "ingest", "spark")


def test_every_test_folder_is_a_package() -> None:
    folders = {p.parent for p in (ROOT / "tests").rglob("*.py") if "__pycache__" not in p.parts}
    missing = sorted(str(f.relative_to(ROOT)) for f in folders if not (f / "__init__.py").is_file())
    assert not missing, f"test folders without __init__.py (they would shadow a package): {missing}"


def test_the_projects_packages_are_its_folders_inside_the_test_run() -> None:
    for name in TOP_LEVEL:
        module = importlib.import_module(name)
        assert module.__file__ is not None, f"{name} is a namespace package here, not the project's"
        assert Path(module.__file__) == ROOT / name / "__init__.py"
        assert Path(str(importlib.resources.files(name))) == ROOT / name
    assert (importlib.resources.files("ingest") / "streams.yml").is_file()


def test_installed_top_level_packages_are_the_design_cards_folders() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    include = config["tool"]["setuptools"]["packages"]["find"]["include"]
    assert sorted(pattern.rstrip("*") for pattern in include) == sorted(TOP_LEVEL)
    assert sorted(config["tool"]["importlinter"]["root_packages"]) == sorted(TOP_LEVEL)
    assert sorted(config["tool"]["mypy"]["packages"]) == sorted(TOP_LEVEL)
