"""Plain-text output for where no terminal reads it (logs, CI, Airflow's task logs, a benchmark's
pipe): the same lines and tables a command shows on a terminal with rich, without rich. Importing
rich and rendering one table with it took 0.12 s of CPU, a sixth of a no-op `softcart ingest` on a
2-core machine (issue 17: every import is start-up time of every run)."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TextIO

# a part of a line: a text, or a text and its style on a terminal (rich's ``Text.assemble`` parts)
Part = str | tuple[str, str]


def plain(parts: Sequence[Part]) -> str:
    """The parts' texts, their styles dropped."""
    return "".join(p if isinstance(p, str) else p[0] for p in parts)


def table(title: str, columns: Sequence[tuple[str, str]], rows: Sequence[Sequence[str]]) -> str:
    """``title``, then the columns (name, ``"left"`` or ``"right"``) and rows aligned with spaces."""
    widths = [len(name) for name, _ in columns]
    for row in rows:
        if len(row) != len(columns):
            raise ValueError(f"a row of {len(row)} cells in a table of {len(columns)} columns")
        widths = [max(w, len(cell)) for w, cell in zip(widths, row, strict=True)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            cell.rjust(w) if justify == "right" else cell.ljust(w)
            for cell, w, (_, justify) in zip(cells, widths, columns, strict=True)
        ).rstrip()

    out = [title, line([name for name, _ in columns]), "  ".join("-" * w for w in widths)]
    return "\n".join([*out, *(line(row) for row in rows)])


def is_terminal(stream: TextIO | None = None) -> bool:
    """Whether ``stream`` (stdout) is a terminal, decided as rich decides it for its console
    (``TTY_COMPATIBLE``, then ``FORCE_COLOR``, then ``isatty``), without importing rich."""
    from os import environ

    compatible = environ.get("TTY_COMPATIBLE", "")
    if compatible in ("0", "1"):
        return compatible == "1"
    force = environ.get("FORCE_COLOR")
    if force is not None:
        return force != ""
    isatty = getattr(stream or sys.stdout, "isatty", None)
    try:
        return False if isatty is None else bool(isatty())
    except ValueError:  # a closed stream
        return False
