"""What every benchmark measures the same way (issue 17): whole processes, repeated, with their
memory, and each figure beside its goal.

- :func:`run_process`: one command as a whole process: wall seconds from ``Popen`` to exit, and the
  peak memory of its **whole process tree** (the summed proportional set size of the process and all
  its descendants, sampled every ``interval`` seconds from ``/proc``). Not ``wait4``'s ``ru_maxrss``:
  that is the largest single process, and a child forked from this Python process inherits its
  high-water mark (a 10 MB ``psql`` showed as the benchmark's 60 MB).
- :func:`repeat` / :class:`Figure`: the median of N runs with min and max.
- :class:`Goal`: a goal as text and a test; ``Goal.line`` prints the figure, the goal, met / not met.

Importing this module imports nothing but the standard library (a bench imports it first).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PAGE = os.sysconf("SC_PAGE_SIZE")
MB = 1024 * 1024


# --- the process tree's memory ---------------------------------------------------------------------


def children(pid: int) -> list[int]:
    """The direct children of ``pid`` (``/proc/PID/task/*/children``); [] once it is gone."""
    found: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/children") as f:
                found.extend(int(x) for x in f.read().split())
        except OSError:
            continue
    return found


def tree(pid: int) -> list[int]:
    """``pid`` and all its descendants alive now."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children(p))
    return out


def memory_bytes(pid: int) -> int:
    """The process's proportional set size (``Pss`` of ``/proc/PID/smaps_rollup``): its private pages
    plus its share of the pages it shares, so a tree's sum counts a page shared by a forked child once
    (RSS would count it in both). Falls back to RSS; 0 when the process is gone."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        with open(f"/proc/{pid}/statm") as f:
            return int(f.read().split()[1]) * PAGE
    except (OSError, IndexError, ValueError):
        return 0


def _cmdline(pid: int | str) -> bytes:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read()
    except OSError:
        return b""


OWN_CMDLINE = _cmdline("self")


def tree_bytes(pid: int) -> int:
    """The summed memory of ``pid``'s whole process tree now (0 until ``pid`` has exec'd: a child
    between fork and exec still holds this benchmark's memory, which is not the command's)."""
    if _cmdline(pid) == OWN_CMDLINE:
        return 0
    return sum(memory_bytes(p) for p in tree(pid))


class TreeSampler:
    """Samples the summed memory of a process tree in a thread until stopped; ``peak`` in bytes."""

    def __init__(self, pid: int, interval: float = 0.02) -> None:
        self.pid, self.interval, self.peak, self.samples = pid, interval, 0, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, tree_bytes(self.pid))
            self.samples += 1
            self._stop.wait(self.interval)

    def __enter__(self) -> TreeSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


@dataclass
class Run:
    """One whole-process run."""

    seconds: float
    peak_mb: float
    """peak summed memory (PSS) of the process tree (MB)"""
    output: str
    returncode: int


class ProcessFailed(RuntimeError):
    pass


def run_process(
    cmd: Sequence[str],
    env: Mapping[str, str] | None = None,
    *,
    stdin: Any = None,
    cwd: str | Path | None = None,
    interval: float = 0.02,
    check: bool = True,
) -> Run:
    """Run ``cmd`` as a whole process: wall seconds to its exit and the peak memory of its process tree.

    Raises :class:`ProcessFailed` (with the output's tail) on a non-zero exit when ``check``."""
    with tempfile.TemporaryFile() as out:
        began = time.perf_counter()
        proc = subprocess.Popen(
            list(cmd), env=dict(env) if env is not None else None, stdout=out, stderr=subprocess.STDOUT,
            stdin=stdin, cwd=cwd,
        )  # fmt: skip
        with TreeSampler(proc.pid, interval) as sampler:
            _, status = os.waitpid(proc.pid, 0)
            seconds = time.perf_counter() - began
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read().decode("utf-8", "replace")
    peak = sampler.peak
    if check and proc.returncode != 0:
        raise ProcessFailed(f"{cmd[0]} failed ({proc.returncode}):\n{text[-3000:]}")
    return Run(seconds, peak / MB, text, proc.returncode)


# --- repeated figures ------------------------------------------------------------------------------


@dataclass
class Figure:
    """A measure repeated: the median, with min and max, of ``values``."""

    values: list[float]
    unit: str = "s"

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    @property
    def low(self) -> float:
        return min(self.values)

    @property
    def high(self) -> float:
        return max(self.values)

    def text(self, digits: int = 2) -> str:
        """``12.34 s (11.90-13.10, n=3)``"""
        f = f"{{:.{digits}f}}"
        unit = f" {self.unit}" if self.unit else ""
        if len(self.values) == 1:
            return f"{f.format(self.median)}{unit} (n=1)"
        return f"{f.format(self.median)}{unit} ({f.format(self.low)}-{f.format(self.high)}, n={len(self.values)})"

    def json(self) -> dict[str, Any]:
        return {"median": self.median, "min": self.low, "max": self.high, "n": len(self.values),
                "unit": self.unit, "values": self.values}  # fmt: skip


def ratio(numerator: Figure, denominator: Figure, unit: str = "x") -> Figure:
    """Run-by-run ratios of two figures measured in pairs (the i-th of each in the same round).

    Paired runs on a loaded machine share its load; the median of the ratios is what to compare."""
    if len(numerator.values) != len(denominator.values):
        raise ValueError("ratio of figures with different numbers of runs")
    return Figure([a / b for a, b in zip(numerator.values, denominator.values, strict=True)], unit)


@dataclass
class Series:
    """Named figures gathered round by round (``add(name, value)``), for paired measurements."""

    figures: dict[str, Figure] = field(default_factory=dict)

    def add(self, name: str, value: float, unit: str = "s") -> None:
        self.figures.setdefault(name, Figure([], unit)).values.append(value)

    def add_figure(self, name: str, values: list[float], unit: str = "s") -> None:
        self.figures[name] = Figure(list(values), unit)

    def __getitem__(self, name: str) -> Figure:
        return self.figures[name]

    def __contains__(self, name: str) -> bool:
        return name in self.figures


def repeat(n: int, once: Callable[[], float], unit: str = "s") -> Figure:
    """Call ``once`` n times; its return values as a figure."""
    return Figure([once() for _ in range(n)], unit)


def rounds(n: int, steps: Iterable[tuple[str, Callable[[], Run]]]) -> tuple[Series, Series]:
    """Run every step once per round, n rounds (interleaved, so each round shares the machine's load):
    (seconds, peak MB) series by step name."""
    seconds, memory = Series(), Series()
    steps = list(steps)
    for _ in range(n):
        for name, step in steps:
            run = step()
            seconds.add(name, run.seconds)
            memory.add(name, run.peak_mb, "MB")
    return seconds, memory


# --- goals -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Goal:
    """A goal on a figure's median: ``at_most`` or ``at_least`` ``limit``."""

    what: str
    limit: float
    at_most: bool = True
    unit: str = "x"

    def met(self, value: float) -> bool:
        return value <= self.limit if self.at_most else value >= self.limit

    def text(self) -> str:
        unit = "" if self.unit == "x" else f" {self.unit}"
        limit = f"{self.limit:g}{'x' if self.unit == 'x' else ''}{unit}"
        return f"{'<=' if self.at_most else '>='} {limit}"

    def verdict(self, figure: Figure) -> str:
        return "met" if self.met(figure.median) else "NOT MET"

    def line(self, figure: Figure, digits: int = 2, note: str = "") -> str:
        """``goal <what>: <figure>, goal <= 2x: met``"""
        extra = f"  ({note})" if note else ""
        return f"goal {self.what}: {figure.text(digits)}; goal {self.text()}: {self.verdict(figure)}{extra}"

    def json(self, figure: Figure) -> dict[str, Any]:
        return {
            "what": self.what,
            "goal": self.text(),
            "figure": figure.json(),
            "met": self.met(figure.median),
        }


def bench_parser(doc: str | None, runs: int) -> argparse.ArgumentParser:
    """The command line every scale-driven benchmark shares: ``--scale``, ``--seed``, ``--runs``;
    a benchmark adds its own options to it."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0, help="scale of the generated dataset")
    parser.add_argument("--seed", type=int, default=42, help="seed of the generated dataset")
    parser.add_argument("--runs", type=int, default=runs, help="measured runs (the median of them)")
    return parser


def load_note() -> str:
    """The machine's load average now, to print beside absolute times."""
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} / {five:.1f} (1 / 5 min) on {os.cpu_count()} cores"
