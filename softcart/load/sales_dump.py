"""``sales.sql``: a MySQL dump of ``sales_data`` (the course's phpMyAdmin dump, or ``datadump.sh`` output).

The dump is never executed: its ``CREATE TABLE`` carries a MySQL 8 collation MariaDB rejects and its
``DROP``/``CREATE``/``ALTER`` would replace our schema. Only the rows of its ``INSERT INTO sales_data``
statements are taken, checked value by value, and bulk-loaded keeping their ``rowid``.

Everything between those statements is read by a small SQL tokenizer (quotes, ``--``/``#`` and
``/* */`` comments, ``;``): it must be statements a dump holds (SET, CREATE, DROP, ALTER, LOCK,
COMMIT, ...), each starting on a line of its own. So a ``;`` inside the data, which would end an
INSERT early and leave its remaining rows outside any statement, and a statement injected after a
row (``...); DROP TABLE sales_data; --``) are errors naming the line, never rows silently dropped.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from softcart.load.errors import LoadError, located
from softcart.load.sales_csv import check_decimal, check_int, check_timestamp

TABLE_COLUMNS = ("rowid", "product_id", "customer_id", "price", "quantity", "timestamp")
REQUIRED = ("rowid", "product_id", "customer_id", "quantity")
NULLABLE = ("price", "timestamp")

_INSERT = re.compile(
    r"INSERT\s+(?:IGNORE\s+)?INTO\s+(?:`?\w+`?\.)?`?(\w+)`?\s*(?:\(([^)]*)\))?\s*VALUES\s*", re.I
)
_VALUE = r"(?:NULL|-?\d+(?:\.\d+)?|'(?:[^'\\]|\\.|'')*')"
_TUPLE = re.compile(r"\(\s*(" + _VALUE + r"(?:\s*,\s*" + _VALUE + r")*)\s*\)\s*([,;])\s*", re.I | re.S)
_SPLIT = re.compile(_VALUE, re.I | re.S)
_FAST_VALUE = {
    "price": r"(\d{1,10}(?:\.\d{1,2})?|NULL)",
    "timestamp": r"(?:'(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)'|(NULL))",
}


def _fast_tuple(columns: tuple[str, ...]) -> re.Pattern[str]:
    """A pattern for the common row (plain values, in range) that needs no further checks but dates."""
    parts = [_FAST_VALUE.get(c, r"(\d{1,9})") for c in columns]
    return re.compile(r"\(\s*" + r"\s*,\s*".join(parts) + r"\s*\)\s*([,;])\s*")


Progress = Callable[[int], None]

# the statements a dump holds besides its INSERTs (mysqldump, phpMyAdmin); none is ever executed
DUMP_STATEMENTS = frozenset(
    {"SET", "START", "BEGIN", "COMMIT", "CREATE", "DROP", "ALTER", "LOCK", "UNLOCK", "USE", "DELIMITER"}
)


def _statements(text: str, start: int, end: int) -> list[tuple[int, str]]:
    """The statements in ``text[start:end]`` (offset of each, its text without comments), split on
    ``;`` outside quotes and comments."""
    found: list[tuple[int, str]] = []
    parts: list[str] = []
    begin: int | None = None
    i = start
    while i < end:
        ch = text[i]
        if ch == "-" and text.startswith("--", i) and (i + 2 >= end or text[i + 2] in " \t\r\n"):
            i = text.find("\n", i)
            i = end if i < 0 or i > end else i
            continue
        if ch == "#":
            i = text.find("\n", i)
            i = end if i < 0 or i > end else i
            continue
        if ch == "/" and text.startswith("/*", i):
            close = text.find("*/", i + 2)
            i = end if close < 0 or close + 2 > end else close + 2
            continue
        if ch == ";":
            if begin is not None:
                found.append((begin, "".join(parts).strip()))
            parts, begin = [], None
            i += 1
            continue
        if ch in "'\"`":
            j = i + 1
            while j < end and text[j] != ch:
                j += 2 if text[j] == "\\" else 1
            if begin is None:
                begin = i
            parts.append(text[i : j + 1])
            i = j + 1
            continue
        if not ch.isspace() and begin is None:
            begin = i
        parts.append(ch)
        i += 1
    if begin is not None:
        found.append((begin, "".join(parts).strip()))
    return found


def _check_between(name: str, text: str, start: int, end: int, line_at: Callable[[int], int]) -> None:
    """What lies between two INSERTs (or before the first, after the last): dump statements only."""
    for offset, statement in _statements(text, start, end):
        line = line_at(offset)
        if statement.startswith("("):
            raise located(
                name,
                line,
                None,
                f"a row outside any INSERT statement: {statement[:40]!r} (did a ';' in the data end the INSERT early?)",
            )
        word = statement.split(None, 1)[0].upper() if statement else ""
        if word not in DUMP_STATEMENTS:
            raise located(
                name, line, None, f"unexpected statement {statement[:40]!r} in a dump of sales_data"
            )


def _check_rest_of_line(name: str, text: str, pos: int, line: int) -> None:
    """After an INSERT's closing ``;`` a dump starts a new line: anything but a comment there is a
    statement smuggled in behind the data."""
    eol = text.find("\n", pos)
    rest = _statements(text, pos, len(text) if eol < 0 else eol)
    if rest:
        raise located(
            name, line, None, f"{rest[0][1][:40]!r} after the end of the INSERT statement, on the same line"
        )


@dataclass(frozen=True)
class SalesDump:
    path: Path
    columns: tuple[str, ...]
    rows: list[tuple[str | None, ...]]  # values as text, None for NULL, in ``columns`` order
    lines: list[int]  # the file line of each row

    def line_of_rowid(self, rowid: int) -> int | None:
        at = self.columns.index("rowid")
        for values, line in zip(self.rows, self.lines, strict=True):
            if values[at] == str(rowid):
                return line
        return None


def _columns(name: str, line: int, raw: str | None, width: int) -> tuple[str, ...]:
    if raw is None:
        if width == len(TABLE_COLUMNS):
            return TABLE_COLUMNS
        raise located(
            name, line, None, f"INSERT without a column list must give all {len(TABLE_COLUMNS)} columns"
        )
    columns = tuple(c.strip().strip("`").lower() for c in raw.split(","))
    unknown = [c for c in columns if c not in TABLE_COLUMNS]
    if unknown:
        raise located(name, line, unknown[0], f"not a column of sales_data ({', '.join(TABLE_COLUMNS)})")
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        raise located(name, line, missing[0], "missing from the INSERT column list")
    return columns


def _unquote(value: str) -> str | None:
    if value.upper() == "NULL":
        return None
    if value.startswith("'"):
        return value[1:-1].replace("''", "'").replace("\\'", "'").replace("\\\\", "\\")
    return value


def _check(name: str, line: int, columns: tuple[str, ...], values: list[str | None]) -> None:
    for column, value in zip(columns, values, strict=True):
        if value is None:
            if column not in NULLABLE:
                raise located(name, line, column, "NULL in a NOT NULL column")
        elif column == "price":
            check_decimal(name, line, column, value)
        elif column == "timestamp":
            check_timestamp(name, line, column, value)
        else:
            check_int(name, line, column, value)


def _after_semicolon(text: str, row: re.Match[str]) -> int:
    """The offset just after a row's closing ``;`` (the row's match also took the blanks after it)."""
    return text.index(";", row.start(row.lastindex or 0)) + 1


def _first_bad_byte(data: bytes) -> int:
    try:
        data.decode("utf-8")  # a BOM is valid UTF-8: offsets count from the file's first byte
    except UnicodeDecodeError as exc:
        return exc.start
    return 0


def parse_sales_dump(path: Path, progress: Progress | None = None, name: str | None = None) -> SalesDump:
    name = name or path.name
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:  # named by its line, as every other defect (found by tests/fault's corpus)
        start = _first_bad_byte(data)
        raise located(
            name, data.count(b"\n", 0, start) + 1, None, f"not UTF-8 (byte {data[start]:#04x})"
        ) from None
    if not text.strip():
        raise LoadError(f"{name}: empty file")
    columns: tuple[str, ...] | None = None
    rows: list[tuple[str | None, ...]] = []
    lines: list[int] = []
    seen: dict[str, int] = {}
    pos, counted, line = 0, 0, 1
    rowid_at = 0
    ts_at: int | None = None

    def line_at(offset: int) -> int:
        nonlocal counted, line
        line += text.count("\n", counted, offset)
        counted = offset
        return line

    while True:
        statement = _INSERT.search(text, pos)
        _check_between(name, text, pos, statement.start() if statement else len(text), line_at)
        if statement is None:
            break
        at = line_at(statement.start())
        table = statement.group(1)
        if table.lower() != "sales_data":
            raise located(name, at, None, f"INSERT into `{table}`: only sales_data rows can be loaded")
        pos = statement.end()
        these: tuple[str, ...] | None = None
        fast: re.Pattern[str] | None = None
        while True:
            row_line = line_at(pos)
            if fast is not None:
                quick = fast.match(text, pos)
                if quick is not None:
                    groups = quick.groups()
                    values = [None if g == "NULL" else g for g in groups[:-1]]
                    if ts_at is not None:
                        stamp = values[ts_at]
                        values[ts_at + 1 : ts_at + 2] = []  # the NULL alternative's group
                        if stamp is not None:
                            check_timestamp(name, row_line, "timestamp", stamp)
                    rowid = values[rowid_at]
                    assert rowid is not None
                    if rowid in seen:
                        raise located(name, row_line, "rowid", f"{rowid} repeats line {seen[rowid]}")
                    seen[rowid] = row_line
                    rows.append(tuple(values))
                    lines.append(row_line)
                    if progress is not None and len(rows) % 50_000 == 0:
                        progress(50_000)
                    pos = quick.end()
                    if groups[-1] == ";":
                        _check_rest_of_line(name, text, _after_semicolon(text, quick), row_line)
                        break
                    continue
            row = _TUPLE.match(text, pos)
            if row is None:
                snippet = text[pos : pos + 40].split("\n")[0]
                raise located(name, row_line, None, f"malformed row {snippet!r} (truncated statement?)")
            values = [_unquote(v) for v in _SPLIT.findall(row.group(1))]
            if these is None:
                these = _columns(name, at, statement.group(2), len(values))
                if columns is not None and these != columns:
                    raise located(name, at, None, "INSERT statements with different column lists")
                columns = these
                fast = _fast_tuple(these)
                rowid_at = these.index("rowid")
                ts_at = these.index("timestamp") if "timestamp" in these else None
            if len(values) != len(these):
                field = these[len(values)] if len(values) < len(these) else None
                raise located(name, row_line, field, f"{len(values)} values, expected {len(these)}")
            _check(name, row_line, these, values)
            rowid = values[these.index("rowid")]
            assert rowid is not None
            if rowid in seen:
                raise located(name, row_line, "rowid", f"{rowid} repeats line {seen[rowid]}")
            seen[rowid] = row_line
            rows.append(tuple(values))
            lines.append(row_line)
            if progress is not None and len(rows) % 50_000 == 0:
                progress(50_000)
            pos = row.end()
            if row.group(2) == ";":
                _check_rest_of_line(name, text, _after_semicolon(text, row), row_line)
                break
    if columns is None:
        raise LoadError(f"{name}: no INSERT INTO sales_data statement (empty dump?)")
    if progress is not None:
        progress(len(rows) % 50_000)
    return SalesDump(path=path, columns=columns, rows=rows, lines=lines)
