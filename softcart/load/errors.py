"""The one error type of the loader: its message names the file, the line and the field."""

from __future__ import annotations


class LoadError(Exception):
    """A dataset file (or a target) that cannot be loaded; nothing was written when it is raised."""


def located(file: str, line: int | None, field: str | None, problem: str) -> LoadError:
    """``file:line: field 'x': problem`` (line and field only when known)."""
    where = file if line is None else f"{file}:{line}"
    what = problem if field is None else f"field '{field}': {problem}"
    return LoadError(f"{where}: {what}")
