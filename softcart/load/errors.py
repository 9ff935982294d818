"""The one error type of the loader: its message names the file, the line and the field."""

from __future__ import annotations


class LoadError(Exception):
    """A dataset file (or a target) that cannot be loaded; nothing was written when it is raised."""


def located(file: str, line: int | None, field: str | None, problem: str) -> LoadError:
    """``file:line: field 'x': problem`` (line and field only when known)."""
    where = file if line is None else f"{file}:{line}"
    what = problem if field is None else f"field '{field}': {problem}"
    return LoadError(f"{where}: {what}")


MAX_SHOWN = 20  # defects listed in one error; the rest are counted


class Defects:
    """The defects of one file, collected line by line so that a load reports all of them (the
    first ``MAX_SHOWN`` in full, the rest counted), not just the first."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.messages: list[str] = []
        self.count = 0

    def add(self, error: LoadError) -> None:
        self.count += 1
        if len(self.messages) < MAX_SHOWN:
            self.messages.append(str(error))

    def raise_if_any(self) -> None:
        if not self.count:
            return
        if self.count == 1:
            raise LoadError(self.messages[0])
        more = f", the first {len(self.messages)} shown" if self.count > len(self.messages) else ""
        raise LoadError("\n".join([*self.messages, f"{self.file}: {self.count:,} defective lines{more}"]))
