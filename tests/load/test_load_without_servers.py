"""What the loader does without reachable servers: file inputs need none; a source file gets a clear error."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from softcart.core.settings import Settings, load_settings
from softcart.load.errors import LoadError
from tests.load.load_helpers import DatasetMaker, load


def _offline(tmp_path: Path) -> Settings:
    return load_settings(
        {
            "SOFTCART_DATA_DIR": str(tmp_path / "data"),
            "SOFTCART_MYSQL_URL": "mysql://root@127.0.0.1:1/sales",
            "SOFTCART_MONGO_URL": "mongodb://127.0.0.1:1/",
        }
    )


def test_file_inputs_register_without_any_server(tmp_path: Path, make_dataset: DatasetMaker) -> None:
    settings = _offline(tmp_path)
    assert load(settings, make_dataset("DimCountry.csv", "searchterms.csv")) == {
        "searchterms.csv": 10000,
        "DimCountry.csv": 56,
    }
    manifest = json.loads((settings.landing_dir / "manifest.json").read_text())
    assert [e["file"] for e in manifest["files"]] == ["DimCountry.csv", "searchterms.csv"]
    assert not [
        p for p in settings.landing_dir.iterdir() if p.name.startswith(".")
    ]  # no temporary copies left


def test_unreachable_mysql_is_named_and_nothing_is_registered(
    tmp_path: Path, make_dataset: DatasetMaker
) -> None:
    settings = _offline(tmp_path)
    with pytest.raises(
        LoadError,
        match=r"cannot reach MySQL at mysql://root@127\.0\.0\.1:1/sales \(check SOFTCART_MYSQL_URL\)",
    ):
        load(settings, make_dataset("oltpdata.csv", "DimCategory.csv"))
    assert not settings.landing_dir.exists() or not any(settings.landing_dir.iterdir())
