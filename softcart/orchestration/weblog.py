"""The course's web-log pipeline (`process_web_log`), as small pure functions.

``extract_ips``   access log -> ``extracted_data.txt``: the IP address (first field) of every line.
``drop_ip``       ``extracted_data.txt`` -> ``transformed_data.txt``: without the lines of one IP.
``archive``       ``transformed_data.txt`` -> ``weblog.tar``.

Every step writes its output atomically (a temporary file in the same folder, then
``os.replace``), so a task that is killed half way leaves the previous output intact and a
re-run produces the same bytes: the tasks are idempotent.

A line that is not in Apache combined log format (the course's ``accesslog.txt`` has one with an
unterminated quote) is *malformed*: it is counted and reported with its line number. Its IP is
still extracted when its first field is an IP address (the course's ``cut -d" " -f1`` does the
same); a line whose first field is not an IP address is *skipped* and counted too.
"""

from __future__ import annotations

import io
import ipaddress
import os
import re
import tarfile
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any

EXTRACTED_FILE = "extracted_data.txt"
TRANSFORMED_FILE = "transformed_data.txt"
ARCHIVE_FILE = "weblog.tar"
DROPPED_IP = "198.46.149.143"
# outputs are ordinary readable files (mkstemp would leave them 0600)
OUTPUT_MODE = 0o644

# how many problem lines a report lists (all of them are counted)
MAX_EXAMPLES = 20

# Apache combined log format: host ident user [time] "request" status bytes "referer" "agent"
# (referer and agent are optional: that is the common log format)
_QUOTED = r'"(?:[^"\\]|\\.)*"'
COMBINED_LOG_LINE = re.compile(
    rf"^(?P<host>\S+) \S+ \S+ \[[^\]]+\] {_QUOTED} (?:\d{{3}}|-) (?:\d+|-)(?: {_QUOTED} {_QUOTED})?\s*$"
)


class WeblogError(Exception):
    """A problem with the inputs of the web-log pipeline (missing file, unreadable line)."""


@dataclass
class LineProblem:
    line: int
    reason: str
    text: str


@dataclass
class ExtractReport:
    input: str
    output: str
    lines_read: int = 0
    ips_written: int = 0
    malformed: int = 0
    skipped: int = 0
    problems: list[LineProblem] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class TransformReport:
    input: str
    output: str
    dropped_ip: str
    lines_read: int = 0
    lines_written: int = 0
    lines_dropped: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class ArchiveReport:
    input: str
    output: str
    member: str
    size_bytes: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def is_ip_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def first_field(line: str) -> str:
    """The first space-separated field of a line (what ``cut -d" " -f1`` prints)."""
    return line.split(" ", 1)[0].strip()


def classify_line(line: str) -> tuple[str | None, str | None]:
    """``(ip, problem)`` for one log line (without its newline).

    ``ip`` is None when the first field is not an IP address; ``problem`` is None for a
    well-formed combined-log line.
    """
    ip = first_field(line)
    if not is_ip_address(ip):
        return None, f"first field is not an IP address: {ip[:60]!r}"
    if COMBINED_LOG_LINE.match(line) is None:
        if line.count('"') % 2:
            return ip, "malformed: unterminated quote"
        return ip, "malformed: not in Apache combined log format"
    return ip, None


def extract_ip_lines(lines: Iterable[str], report: ExtractReport) -> Iterator[str]:
    """Yield the IP address of each line; count malformed and skipped lines in ``report``."""
    for number, raw in enumerate(lines, start=1):
        line = raw.rstrip("\r\n")
        report.lines_read += 1
        ip, problem = classify_line(line)
        if problem is not None:
            if ip is None:
                report.skipped += 1
            else:
                report.malformed += 1
            if len(report.problems) < MAX_EXAMPLES:
                report.problems.append(LineProblem(line=number, reason=problem, text=line[:200]))
        if ip is not None:
            report.ips_written += 1
            yield ip


def keep_lines_without(lines: Iterable[str], ip: str, report: TransformReport) -> Iterator[str]:
    """Yield the lines (IP addresses) that are not exactly ``ip``."""
    for raw in lines:
        line = raw.rstrip("\r\n")
        report.lines_read += 1
        if line == ip:
            report.lines_dropped += 1
            continue
        report.lines_written += 1
        yield line


@contextmanager
def atomic_text_writer(path: Path) -> Iterator[IO[str]]:
    """A text file that appears at ``path`` only when the block succeeds (never half written)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            yield handle
        os.chmod(tmp, OUTPUT_MODE)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _open_input(path: Path) -> IO[str]:
    if not path.is_file():
        raise WeblogError(f"{path}: no such file (set SOFTCART_WEBLOG_INPUT to the access log)")
    # an access log is mostly ASCII; undecodable bytes must not stop the pipeline
    return path.open(encoding="utf-8", errors="replace", newline="")


def extract_ips(input_path: Path, output_dir: Path) -> ExtractReport:
    """``extract_data``: write the IP address of every line of the access log, one a line."""
    output = output_dir / EXTRACTED_FILE
    report = ExtractReport(input=str(input_path), output=str(output))
    with _open_input(input_path) as source, atomic_text_writer(output) as sink:
        for ip in extract_ip_lines(source, report):
            sink.write(ip + "\n")
    return report


def drop_ip(output_dir: Path, ip: str = DROPPED_IP) -> TransformReport:
    """``transform_data``: copy ``extracted_data.txt`` without the lines of ``ip``."""
    source_path = output_dir / EXTRACTED_FILE
    output = output_dir / TRANSFORMED_FILE
    report = TransformReport(input=str(source_path), output=str(output), dropped_ip=ip)
    if not is_ip_address(ip):
        raise WeblogError(f"not an IP address to drop: {ip!r}")
    with _open_input(source_path) as source, atomic_text_writer(output) as sink:
        for line in keep_lines_without(source, ip, report):
            sink.write(line + "\n")
    return report


def archive(output_dir: Path) -> ArchiveReport:
    """``load_data``: archive ``transformed_data.txt`` into ``weblog.tar``.

    The archive is reproducible (fixed owner and mtime), so the same input gives the same bytes.
    """
    source_path = output_dir / TRANSFORMED_FILE
    output = output_dir / ARCHIVE_FILE
    if not source_path.is_file():
        raise WeblogError(f"{source_path}: no such file (run transform_data first)")
    data = source_path.read_bytes()
    info = tarfile.TarInfo(name=TRANSFORMED_FILE)
    info.size = len(data)
    info.mode = 0o644
    info.mtime = 0
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    output.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{output.name}.", suffix=".tmp", dir=output.parent)
    try:
        with (
            os.fdopen(fd, "wb") as handle,
            tarfile.open(fileobj=handle, mode="w", format=tarfile.USTAR_FORMAT) as tar,
        ):
            tar.addfile(info, io.BytesIO(data))
        os.chmod(tmp, OUTPUT_MODE)
        os.replace(tmp, output)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return ArchiveReport(
        input=str(source_path), output=str(output), member=TRANSFORMED_FILE, size_bytes=output.stat().st_size
    )
