"""``softcart generate``: exit codes, messages, summary, and what it does to the --out folder."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from softcart.generate import FILE_FORMATS
from softcart.generate import dataset as dataset_module
from softcart.generate.cli import main


def test_writes_the_dataset_and_prints_a_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(out=tmp_path / "ds", scale=0.001, seed=1) == 0
    printed = capsys.readouterr().out
    for name in FILE_FORMATS:
        assert (tmp_path / "ds" / name).is_file()
        assert name in printed
    assert "1,000" in printed  # oltpdata.csv rows


@pytest.mark.parametrize("scale", [0.0, -1.0, float("nan"), float("inf"), 1e6])
def test_a_bad_scale_is_refused_before_anything_is_written(
    scale: float, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(out=tmp_path / "ds", scale=scale, seed=1) == 2
    assert "--scale" in capsys.readouterr().err
    assert not (tmp_path / "ds").exists()


def test_a_negative_seed_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(out=tmp_path / "ds", scale=0.001, seed=-1) == 2
    assert "--seed" in capsys.readouterr().err


def test_out_being_a_file_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "taken"
    target.write_text("not a folder")
    assert main(out=target, scale=0.001, seed=1) == 2
    assert "not a folder" in capsys.readouterr().err
    assert target.read_text() == "not a folder"


def test_dataset_files_are_replaced_and_other_files_left_alone(tmp_path: Path) -> None:
    out = tmp_path / "ds"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    (out / "oltpdata.csv").write_text("stale")
    assert main(out=out, scale=0.001, seed=1) == 0
    assert (out / "notes.txt").read_text() == "mine"
    assert (out / "oltpdata.csv").read_text() != "stale"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ds"]  # no staging folder left behind


def test_a_crash_midway_leaves_the_folder_as_it_was(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "ds"
    assert main(out=out, scale=0.001, seed=1) == 0
    before = {p.name: hashlib.sha256(p.read_bytes()).digest() for p in out.iterdir()}

    def crash(*args: object, **kwargs: object) -> bytes:
        raise OSError("disk full")

    # the access log is written last: every other file is already complete in the staging folder
    monkeypatch.setattr(dataset_module, "accesslog_lines", crash)
    assert main(out=out, scale=0.001, seed=2) == 1
    after = {p.name: hashlib.sha256(p.read_bytes()).digest() for p in out.iterdir()}
    assert after == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ds"]
