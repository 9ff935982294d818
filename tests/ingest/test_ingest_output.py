"""What `softcart ingest` prints: rich on a terminal, plain text elsewhere (logs, CI, Airflow), where
rich is not even imported (issue 17: its import and one table were a sixth of a no-op run's CPU)."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest

from ingest.cli import SUMMARY_COLUMNS, _summary, summary_table
from ingest.context import StreamResult
from ingest.runner import RunOutcome
from softcart.core.plain_text import is_terminal, plain, table
from softcart.core.settings import Settings
from tests.ingest.ingest_helpers import insert_sales, sales_rows


def test_plain_table_aligns_columns_and_refuses_a_ragged_row() -> None:
    text = table("title", [("name", "left"), ("n", "right")], [["a", "1,000"], ["longer", "2"]])
    assert text.splitlines() == ["title", "name        n", "------  -----", "a       1,000", "longer      2"]
    with pytest.raises(ValueError, match="a row of 1 cells in a table of 2 columns"):
        table("t", [("a", "left"), ("b", "left")], [["x"]])
    assert plain(["run 3: ", ("failed", "red"), " (why)"]) == "run 3: failed (why)"


@pytest.mark.parametrize(
    ("env", "expected"),
    [({"TTY_COMPATIBLE": "1"}, True), ({"TTY_COMPATIBLE": "0", "FORCE_COLOR": "1"}, False),
     ({"FORCE_COLOR": "1"}, True), ({"FORCE_COLOR": ""}, False), ({}, False)],
)  # fmt: skip
def test_terminal_is_decided_as_rich_decides(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], expected: bool
) -> None:
    for name in ("TTY_COMPATIBLE", "FORCE_COLOR"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert is_terminal(open("/dev/null")) is expected  # noqa: SIM115 (closed with the test's garbage)
    from rich.console import Console

    assert Console(file=open("/dev/null")).is_terminal is expected  # noqa: SIM115


def test_the_terminal_table_and_the_plain_one_show_the_same_cells() -> None:
    start = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
    result = StreamResult(
        "mysql_sales__sales_data", status="succeeded", rows_read=12, rows_written=10, rows_rejected=2,
        started_at=start, ended_at=start + timedelta(seconds=0.5), notes=["a note"],
    )  # fmt: skip
    title, rows = _summary(RunOutcome(7, results=[result]))
    assert plain(title) == "ingest run 7: succeeded"
    assert rows == [
        ["mysql_sales__sales_data", "succeeded", "12", "10", "2", "-", "-", "0.50", "20", "a note"]
    ]
    rich_table = summary_table(RunOutcome(7, results=[result]))
    assert [c.header for c in rich_table.columns] == [name for name, _ in SUMMARY_COLUMNS]
    assert [list(c.cells) for c in rich_table.columns] == [[cell] for cell in rows[0]]


def test_ingest_into_a_pipe_prints_plain_text_without_importing_rich(isolated: Settings) -> None:
    insert_sales(isolated, sales_rows(3))
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "softcart.cli", "ingest", "-s", "mysql_sales__sales_data"],
        env={k: v for k, v in isolated.env.items() if k not in ("FORCE_COLOR", "TTY_COMPATIBLE")},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("ingest run ") and lines[0].endswith(": succeeded")
    assert lines[1].split() == [w for name, _ in SUMMARY_COLUMNS for w in name.split()]
    assert lines[3].split()[:5] == ["mysql_sales__sales_data", "succeeded", "3", "3", "0"]
    assert lines[-1].startswith("moved 3 rows, rejected 0")
    assert not any(ch in done.stdout for ch in "│┃━─")  # no box drawing: plain text
    imported = {line.split("|")[-1].strip() for line in done.stderr.splitlines() if "import time:" in line}
    assert "ingest.cli" in imported and "rich" not in imported and "rich.console" not in imported
