"""The benchmarks' shared measuring helper (bench/harness.py): pure, no servers, a few seconds."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from harness import Figure, Goal, ProcessFailed, ratio, rounds, run_process  # noqa: E402

# a parent that holds almost nothing and a child that holds 200 MB, both alive together for a while
PARENT_AND_CHILD = """
import subprocess, sys, time
child = subprocess.Popen([sys.executable, "-c",
    "import time; b = bytearray(200 * 1024 * 1024); b[::4096] = b'x' * len(b[::4096]); time.sleep(1.0)"])
child.wait()
"""


def test_peak_memory_counts_the_whole_process_tree() -> None:
    run = run_process([sys.executable, "-c", PARENT_AND_CHILD])
    # the child's 200 MB plus both interpreters; the old harness reported only the largest process,
    # which here is also the child: the tree's sum must exceed it by the parent's own memory
    assert run.peak_mb >= 200
    alone = run_process([sys.executable, "-c", "pass"])
    assert run.peak_mb >= 200 + 0.5 * alone.peak_mb
    assert run.returncode == 0


def test_a_failing_process_is_an_error_with_its_output() -> None:
    with pytest.raises(ProcessFailed, match="boom"):
        run_process([sys.executable, "-c", "import sys; print('boom'); sys.exit(3)"])
    assert run_process([sys.executable, "-c", "raise SystemExit(3)"], check=False).returncode == 3


def test_figure_is_the_median_with_min_and_max() -> None:
    figure = Figure([3.0, 1.0, 10.0])
    assert (figure.median, figure.low, figure.high) == (3.0, 1.0, 10.0)
    assert figure.text() == "3.00 s (1.00-10.00, n=3)"


def test_ratio_pairs_the_runs_of_one_round() -> None:
    assert ratio(Figure([2.0, 4.0, 9.0]), Figure([1.0, 4.0, 3.0])).values == [2.0, 1.0, 3.0]
    with pytest.raises(ValueError):
        ratio(Figure([1.0]), Figure([1.0, 2.0]))


def test_goal_verdicts_on_the_median() -> None:
    at_most = Goal("no-op ingest", 0.5, unit="s")
    assert at_most.verdict(Figure([0.4, 0.45, 2.0])) == "met"
    assert at_most.verdict(Figure([0.4, 0.55, 0.6])) == "NOT MET"
    at_least = Goal("full load vs bound", 0.9, at_most=False)
    assert at_least.verdict(Figure([0.95, 0.91, 0.5], "x")) == "met"
    assert "NOT MET" in at_least.line(Figure([0.85], "x"))
    assert at_least.text() == ">= 0.9x"


def test_rounds_interleave_the_steps() -> None:
    order: list[str] = []

    def step(name: str):  # type: ignore[no-untyped-def]
        def once():  # type: ignore[no-untyped-def]
            order.append(name)
            return run_process([sys.executable, "-c", "pass"])

        return once

    seconds, memory = rounds(2, [("a", step("a")), ("b", step("b"))])
    assert order == ["a", "b", "a", "b"]
    assert len(seconds["a"].values) == 2 and memory["b"].unit == "MB"
