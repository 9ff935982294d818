"""Unit tests of the web-log pipeline's pure functions (softcart.orchestration.weblog), on small files."""

from __future__ import annotations

import tarfile
from pathlib import Path

import pytest

from softcart.orchestration import weblog

GOOD = (
    '83.149.9.216 - - [17/May/2015:10:05:03 +0000] "GET /a.png HTTP/1.1" 200 203023 '
    '"http://semicomplete.com/" "Mozilla/5.0"'
)
DROPPED = '198.46.149.143 - - [17/May/2015:10:05:04 +0000] "GET /b HTTP/1.1" 200 12 "-" "curl"'
UNTERMINATED = (
    '46.118.127.106 - - [20/May/2015:12:05:17 +0000] "GET /c.py HTTP/1.1" 200 235 "-" "Mozilla/5.0 (compat'
)
COMMON_FORMAT = '10.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326'
NO_IP = "garbage line without an address"


def write_log(path: Path, lines: list[str], trailing_newline: bool = True) -> Path:
    path.write_text("\n".join(lines) + ("\n" if trailing_newline else ""), encoding="utf-8")
    return path


def test_classify_line() -> None:
    assert weblog.classify_line(GOOD) == ("83.149.9.216", None)
    assert weblog.classify_line(COMMON_FORMAT) == ("10.0.0.1", None)
    ip, problem = weblog.classify_line(UNTERMINATED)
    assert ip == "46.118.127.106"
    assert problem == "malformed: unterminated quote"
    ip, problem = weblog.classify_line(NO_IP)
    assert ip is None
    assert problem is not None and "not an IP address" in problem
    assert weblog.classify_line('2001:db8::1 - - [x] "GET / HTTP/1.1" 200 1')[0] == "2001:db8::1"


def test_extract_counts_malformed_and_skips_lines_without_ip(tmp_path: Path) -> None:
    log = write_log(
        tmp_path / "access.log", [GOOD, DROPPED, UNTERMINATED, NO_IP, GOOD], trailing_newline=False
    )
    out = tmp_path / "out"
    report = weblog.extract_ips(log, out)
    assert (out / weblog.EXTRACTED_FILE).read_text() == (
        "83.149.9.216\n198.46.149.143\n46.118.127.106\n83.149.9.216\n"
    )
    assert (report.lines_read, report.ips_written, report.malformed, report.skipped) == (5, 4, 1, 1)
    assert [(p.line, p.reason.split(":")[0]) for p in report.problems] == [
        (3, "malformed"),
        (4, "first field is not an IP address"),
    ]
    assert report.as_dict()["problems"][0]["line"] == 3


def test_drop_ip_keeps_exact_matches_only(tmp_path: Path) -> None:
    (tmp_path / weblog.EXTRACTED_FILE).write_text("198.46.149.143\n198.46.149.14\n1.2.3.4\n198.46.149.143\n")
    report = weblog.drop_ip(tmp_path)
    assert (tmp_path / weblog.TRANSFORMED_FILE).read_text() == "198.46.149.14\n1.2.3.4\n"
    assert (report.lines_read, report.lines_written, report.lines_dropped) == (4, 2, 2)


def test_archive_is_reproducible_and_holds_the_transformed_file(tmp_path: Path) -> None:
    (tmp_path / weblog.TRANSFORMED_FILE).write_text("1.2.3.4\n5.6.7.8\n")
    weblog.archive(tmp_path)
    first = (tmp_path / weblog.ARCHIVE_FILE).read_bytes()
    weblog.archive(tmp_path)
    assert (tmp_path / weblog.ARCHIVE_FILE).read_bytes() == first
    with tarfile.open(tmp_path / weblog.ARCHIVE_FILE) as tar:
        assert tar.getnames() == [weblog.TRANSFORMED_FILE]
        member = tar.extractfile(weblog.TRANSFORMED_FILE)
        assert member is not None and member.read() == b"1.2.3.4\n5.6.7.8\n"


def test_rerun_gives_same_outputs_and_leaves_no_temporary_files(tmp_path: Path) -> None:
    log = write_log(tmp_path / "access.log", [GOOD, DROPPED, GOOD])
    out = tmp_path / "out"
    outputs = []
    for _ in range(2):
        weblog.extract_ips(log, out)
        weblog.drop_ip(out)
        weblog.archive(out)
        outputs.append({p.name: p.read_bytes() for p in sorted(out.iterdir())})
    assert outputs[0] == outputs[1]
    assert sorted(outputs[0]) == sorted([weblog.ARCHIVE_FILE, weblog.EXTRACTED_FILE, weblog.TRANSFORMED_FILE])


def test_failed_write_keeps_previous_output(tmp_path: Path) -> None:
    target = tmp_path / "f.txt"
    target.write_text("old\n")
    with pytest.raises(RuntimeError), weblog.atomic_text_writer(target) as handle:
        handle.write("half")
        raise RuntimeError("killed")
    assert target.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["f.txt"]


def test_missing_inputs_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(weblog.WeblogError, match="no such file"):
        weblog.extract_ips(tmp_path / "missing.log", tmp_path / "out")
    with pytest.raises(weblog.WeblogError, match="run transform_data first"):
        weblog.archive(tmp_path)
