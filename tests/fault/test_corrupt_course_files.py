"""A corpus of corrupted course files (seeded mutations of ../shared/capstone, made in tmp): each
``softcart load`` either loads every row (exit 0) or names the file and line (``file:line: ``, exit 1)
and changes nothing; never a traceback, never rows silently dropped."""

from __future__ import annotations

import random
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from softcart.core.settings import Settings
from tests.fault.faults import SEED, mongo_catalog, mysql_sales, rounds, softcart_process

FILES = ("oltpdata.csv", "catalog.json", "sales.sql", "DimCountry.csv", "searchterms.csv")


def _lines(data: bytes, rng: random.Random) -> tuple[list[bytes], int]:
    lines = data.split(b"\n")
    return lines, rng.randrange(1, max(len(lines) - 1, 2))


def truncate(data: bytes, rng: random.Random) -> bytes:
    return data[: rng.randrange(len(data) // 3, len(data) - 1)]


def flip_byte(data: bytes, rng: random.Random) -> bytes:
    i = rng.randrange(len(data))
    return data[:i] + bytes([rng.choice(b"\x00\xff,;'\"{}()\r")]) + data[i + 1 :]


def nul_in_a_line(data: bytes, rng: random.Random) -> bytes:
    lines, i = _lines(data, rng)
    lines[i] = lines[i][: len(lines[i]) // 2] + b"\x00" + lines[i][len(lines[i]) // 2 :]
    return b"\n".join(lines)


def bad_utf8(data: bytes, rng: random.Random) -> bytes:
    lines, i = _lines(data, rng)
    lines[i] = lines[i] + b"\xc3\x28"
    return b"\n".join(lines)


def drop_a_delimiter(data: bytes, rng: random.Random) -> bytes:
    lines, i = _lines(data, rng)
    for sep in (b",", b":"):
        if sep in lines[i]:
            lines[i] = lines[i].replace(sep, b"", 1)
            break
    return b"\n".join(lines)


def huge_field(data: bytes, rng: random.Random) -> bytes:
    lines, i = _lines(data, rng)
    lines[i] = lines[i] + b"x" * 300_000
    return b"\n".join(lines)


def empty(data: bytes, rng: random.Random) -> bytes:
    return b""


MUTATIONS: dict[str, Callable[[bytes, random.Random], bytes]] = {
    f.__name__: f for f in (truncate, flip_byte, nul_in_a_line, bad_utf8, drop_a_delimiter, huge_field, empty)
}
CASES = [(file, mutation) for file in FILES for mutation in MUTATIONS]
# CI: one seeded mutation per file and a NUL; the bench (SOFTCART_FAULT_ROUNDS=corpus=N) N of the 35
_rng = random.Random(SEED)
SELECTED = (
    _rng.sample(CASES, min(len(rounds("corpus")), len(CASES)))
    if rounds("corpus")
    else [(file, _rng.choice(list(MUTATIONS))) for file in FILES] + [("oltpdata.csv", "nul_in_a_line")]
)


@pytest.mark.parametrize(("file", "mutation"), SELECTED, ids=[f"{f}-{m}" for f, m in SELECTED])
def test_a_corrupted_course_file_is_named_or_loaded_whole(
    isolated_module: Settings, capstone: Path, tmp_path: Path, file: str, mutation: str
) -> None:
    # one set of databases for the corpus: each load is --replace, and is compared with what was there
    isolated = isolated_module
    folder = tmp_path / "course"
    folder.mkdir()
    for name in FILES:
        shutil.copyfile(capstone / name, folder / name)
    clean = {name: (capstone / name).read_bytes() for name in FILES}
    rng = random.Random(f"{SEED}:{file}:{mutation}")
    (folder / file).write_bytes(MUTATIONS[mutation](clean[file], rng))

    before = mysql_sales(isolated), mongo_catalog(isolated)
    proc = softcart_process(isolated, "load", str(folder), "--replace")
    out, _ = proc.communicate(timeout=600)
    assert "Traceback" not in out, out[-3000:]
    if proc.returncode != 0:
        assert proc.returncode == 1, out[-2000:]
        # the file and line (an empty file has none: it says so)
        assert re.search(rf"{re.escape(file)}:(\d+: | empty)", out), (
            f"{file}:line not named in: {out[-2000:]}"
        )
        assert (mysql_sales(isolated), mongo_catalog(isolated)) == before  # nothing changed
        return
    # loaded: every row of the files is there (a mutation that keeps a line valid keeps its count)
    oltp_lines = sum(1 for line in (folder / "oltpdata.csv").read_bytes().splitlines() if line.strip())
    sql_rows = 13836 if file != "sales.sql" else None
    catalog_lines = sum(1 for line in (folder / "catalog.json").read_bytes().splitlines() if line.strip())
    rows = mysql_sales(isolated)[0]
    if sql_rows is not None:
        assert rows == sql_rows + oltp_lines, out[-2000:]
    assert mongo_catalog(isolated) == catalog_lines, out[-2000:]
