"""Where the lake is: paths and URLs as pyarrow and Spark see them (pure, no servers)."""

from __future__ import annotations

from pathlib import Path

import pytest

from softcart.lake.store import Lake


def test_local_path_and_file_url_are_the_same_lake(tmp_path: Path) -> None:
    by_path = Lake.from_url(str(tmp_path / "lake"))
    by_url = Lake.from_url((tmp_path / "lake").as_uri())
    assert by_path.root == by_url.root == (tmp_path / "lake").as_posix()
    assert by_path.spark_path("sales", "year=2021") == (tmp_path / "lake").as_uri() + "/sales/year=2021"
    assert by_path.path("raw/searchterms") == f"{tmp_path.as_posix()}/lake/raw/searchterms"
    assert by_path.is_local and not by_path.exists("sales")


def test_unknown_scheme_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="unsupported scheme 'ftp'"):
        Lake.from_url("ftp://example.org/lake")
