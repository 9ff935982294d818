"""``catalog.json``: JSON Lines, one catalog document a line, keys kept exactly as they are
(``screen size`` with its space). ``_id`` is optional (``{"$oid": ...}`` is understood)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bson import json_util

from softcart.load.errors import Defects, LoadError, located
from softcart.load.textfile import read_lines

Progress = Callable[[int], None]


@dataclass(frozen=True)
class CatalogLines:
    path: Path
    documents: list[dict[str, Any]]
    lines: list[int]


class DuplicateKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object as a dict, refusing a key given twice (json keeps the last one silently)."""
    document = dict(pairs)
    if len(document) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise DuplicateKey(key)
            seen.add(key)
    return document


def _document(name: str, lineno: int, line: str) -> dict[str, Any]:
    """One line's document, checked (a :class:`LoadError` naming the line and field otherwise)."""
    if not line.strip():
        raise located(name, lineno, None, "empty line (expected one JSON object a line)")
    try:
        document = json.loads(line, object_pairs_hook=_unique_keys)
        if '"$' in line:  # MongoDB extended JSON ({"$oid": ...}): bson's reader gives the types
            document = json_util.loads(line)
    except json.JSONDecodeError as exc:
        raise located(name, lineno, None, f"not JSON (column {exc.colno}: {exc.msg})") from None
    except DuplicateKey as exc:
        raise located(name, lineno, exc.key, "the key appears twice in the document") from None
    except ValueError as exc:
        raise located(name, lineno, None, f"not JSON: {exc}") from None
    if not isinstance(document, dict):
        raise located(name, lineno, None, f"a JSON {type(document).__name__}, expected an object")
    for key in document:
        if key.startswith("$") or key == "":
            raise located(name, lineno, key, "not a valid MongoDB field name")
    return document


def parse_catalog(path: Path, progress: Progress | None = None, name: str | None = None) -> CatalogLines:
    text = read_lines(path, name)
    name = text.name
    documents: list[dict[str, Any]] = []
    lines: list[int] = []
    defects = Defects(name)
    for lineno, line in enumerate(text.lines, start=1):
        try:
            document = _document(name, lineno, line)
        except LoadError as exc:
            defects.add(exc)
            continue
        documents.append(document)
        lines.append(lineno)
        if progress is not None and lineno % 10_000 == 0:
            progress(10_000)
    if progress is not None:
        progress(len(documents) % 10_000)
    defects.raise_if_any()
    return CatalogLines(path=path, documents=documents, lines=lines)
