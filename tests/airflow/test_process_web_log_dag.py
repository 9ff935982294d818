"""`airflow dags test process_web_log` on the course's real access log."""

from __future__ import annotations

import tarfile
from pathlib import Path

from softcart.core.settings import load_settings
from softcart.stack.airflow import dags_test
from tests.airflow.airflow_testenv import make_test_env

DROPPED = "198.46.149.143"


def expected_from(log: Path) -> tuple[list[str], list[str], list[int]]:
    """What the three files must hold, computed here without softcart.orchestration.weblog."""
    lines = log.read_bytes().decode("utf-8").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    ips = [line.split()[0] for line in lines]
    kept = [ip for ip in ips if ip != DROPPED]
    unbalanced = [n for n, line in enumerate(lines, start=1) if line.count('"') % 2]
    return ips, kept, unbalanced


def test_dags_test_process_web_log_on_the_course_log(
    capstone: Path, airflow_home: Path, tmp_path: Path
) -> None:
    log = capstone / "accesslog.txt"
    out = tmp_path / "weblog"
    settings = load_settings(
        make_test_env(tmp_path / "data", SOFTCART_WEBLOG_INPUT=str(log), SOFTCART_WEBLOG_OUTPUT=str(out))
    )
    ips, kept, unbalanced = expected_from(log)
    assert len(ips) == 10_000 and DROPPED in ips and unbalanced  # the course's file, as documented

    done = dags_test(settings, "process_web_log", home=airflow_home, timeout=600)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-5000:]

    extracted = (out / "extracted_data.txt").read_text().splitlines()
    transformed = (out / "transformed_data.txt").read_text().splitlines()
    assert extracted == ips
    assert transformed == kept
    assert len(transformed) == len(ips) - ips.count(DROPPED)
    assert set(transformed) == set(ips) - {DROPPED}

    with tarfile.open(out / "weblog.tar") as tar:
        assert tar.getnames() == ["transformed_data.txt"]
        member = tar.extractfile("transformed_data.txt")
        assert member is not None
        assert member.read() == (out / "transformed_data.txt").read_bytes()

    # the malformed line is reported with its line number, not a crash
    for number in unbalanced:
        assert f"accesslog.txt:{number}: malformed" in output
    assert f"'malformed': {len(unbalanced)}" in output
