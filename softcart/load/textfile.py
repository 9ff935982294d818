"""Reading a dataset's text file the way the course ships them: UTF-8, maybe a BOM, LF or CRLF,
maybe no trailing newline."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from softcart.load.errors import LoadError, located

BOM = "\ufeff"


@dataclass(frozen=True)
class TextLines:
    name: str
    lines: list[str]  # without line terminators; no trailing empty line
    had_bom: bool
    crlf: bool
    nbytes: int

    @property
    def normalized(self) -> bool:
        """True when the bytes on disk are already plain LF without a BOM."""
        return not self.had_bom and not self.crlf


def read_lines(path: Path, name: str | None = None) -> TextLines:
    """All lines of ``path``. An empty file, or one that is not UTF-8, is a :class:`LoadError`."""
    name = name or path.name
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise LoadError(f"{name}: cannot read: {exc.strerror or exc}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise located(name, line, None, f"not UTF-8 (byte {data[exc.start]:#04x})") from None
    had_bom = text.startswith(BOM)
    if had_bom:
        text = text[1:]
    if not text.strip():
        raise LoadError(f"{name}: empty file")
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    crlf = lines[0].endswith("\r")
    if crlf:
        lines = [line[:-1] if line.endswith("\r") else line for line in lines]
    return TextLines(name=name, lines=lines, had_bom=had_bom, crlf=crlf, nbytes=len(data))


def normalize_header(fields: list[str]) -> list[str]:
    """``rowid, product_id`` and ``Year`` compare equal to ``rowid,product_id`` and ``year``."""
    return [f.strip().lower() for f in fields]
