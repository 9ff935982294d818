"""The generated files have the course files' exact formats: names, headers, BOMs, line endings,
column counts, and they parse with the same simple parsers as the real files."""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
from pathlib import Path

import pytest

from softcart.generate import FILE_FORMATS

# every course file the generator also writes (FactSales.csv has no public copy; customers.csv and
# inventory.csv are ours)
COURSE_FILES = [
    "oltpdata.csv",
    "catalog.json",
    "searchterms.csv",
    "accesslog.txt",
    "ecommerce.csv",
    "DimDate.csv",
    "DimCategory.csv",
    "DimCountry.csv",
]
BOM = b"\xef\xbb\xbf"
# Apache combined log format, one line
COMBINED = re.compile(r'^(\S+) (\S+) (\S+) \[([^\]]+)\] "([^"]*)" (\d{3}) (\S+) "([^"]*)" "([^"]*)"$')


def first_line(path: Path) -> bytes:
    return path.read_bytes().split(b"\n", 1)[0]


def csv_records(path: Path) -> list[list[str]]:
    """The simple parser for the course's CSV files: BOM-tolerant, no quoting surprises."""
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.reader(f))


def test_every_dataset_file_is_written(small_dataset: Path) -> None:
    names = {p.name for p in small_dataset.iterdir()}
    assert names == set(FILE_FORMATS)
    assert set(COURSE_FILES) | {"FactSales.csv", "customers.csv", "inventory.csv"} == names


@pytest.mark.parametrize("name", COURSE_FILES)
def test_same_bom_header_and_final_newline_as_the_course_file(
    name: str, small_dataset: Path, capstone: Path
) -> None:
    ours, theirs = (small_dataset / name).read_bytes(), (capstone / name).read_bytes()
    assert ours.startswith(BOM) == theirs.startswith(BOM)
    assert ours.endswith(b"\n") == theirs.endswith(b"\n")
    assert b"\r" not in ours
    if FILE_FORMATS[name].header is not None:
        assert first_line(small_dataset / name) == first_line(capstone / name)


@pytest.mark.parametrize(
    "name",
    ["oltpdata.csv", "searchterms.csv", "ecommerce.csv", "DimDate.csv", "DimCategory.csv", "DimCountry.csv"],
)
def test_csv_files_have_the_course_files_column_count_on_every_line(
    name: str, small_dataset: Path, capstone: Path
) -> None:
    course = csv_records(capstone / name)
    widths = {len(r) for r in course}
    ours = csv_records(small_dataset / name)
    assert len(ours) > 1
    assert {len(r) for r in ours} == widths == {len(course[0])}


def test_oltpdata_has_no_header_and_typed_fields(small_dataset: Path) -> None:
    rows = csv_records(small_dataset / "oltpdata.csv")
    assert len(rows) == 1000
    for product_id, customer_id, price, quantity, timestamp in rows:
        assert int(product_id) > 0 and int(customer_id) > 0 and int(price) > 0
        assert 1 <= int(quantity) <= 5
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", timestamp)
        dt.datetime.strptime(timestamp, "%Y-%m-%d %H:%M:%S")


def test_oltpdata_timestamps_ascend_over_several_years(small_dataset: Path) -> None:
    stamps = [r[4] for r in csv_records(small_dataset / "oltpdata.csv")]
    assert stamps == sorted(stamps)
    assert {s[:4] for s in stamps} == {"2019", "2020", "2021", "2022"}


def test_catalog_is_json_lines_with_the_course_keys(small_dataset: Path) -> None:
    text = (small_dataset / "catalog.json").read_text(encoding="utf-8")
    assert not text.endswith("\n")
    docs = [json.loads(line) for line in text.split("\n")]
    assert len(docs) == 40
    types = {d["type"] for d in docs}
    assert {"laptop", "smart phone", "television"} <= types
    for doc in docs:
        assert "_id" not in doc
        assert isinstance(doc["model"], str) and doc["model"]
        assert isinstance(doc["product_id"], int)
        assert "screen_size" not in doc and "screensize" not in doc
        if "screen size" in doc:
            assert type(doc["screen size"]) in (int, float)
        if doc["type"] != "laptop":
            assert "ram" not in doc and "hard disk" not in doc
    laptops = [d for d in docs if d["type"] == "laptop"]
    assert all(re.fullmatch(r"\d+GB", d["ram"]) for d in laptops if "ram" in d)
    assert all(re.fullmatch(r"\d+(MB|GB|TB)", d["hard disk"]) for d in laptops if "hard disk" in d)
    assert {type(d["screen size"]) for d in docs if "screen size" in d} == {int, float}


def test_catalog_documents_vary_in_keys(tmp_path: Path) -> None:
    from softcart.generate import generate_dataset

    generate_dataset(tmp_path, 0.01, 11, progress=False)  # 50 docs are too few to miss a key
    lines = (tmp_path / "catalog.json").read_text(encoding="utf-8").split("\n")
    key_sets = {tuple(json.loads(line)) for line in lines}
    assert ("type", "model", "screen size", "ram", "hard disk", "product_id") in key_sets
    assert ("type", "model", "product_id") in key_sets  # software, consoles: no screen
    laptop_keys = {k for k in key_sets if "ram" in k or "hard disk" in k}
    assert len(laptop_keys) > 1  # some laptops lack an optional key


def test_searchterms_parse_like_the_course_file(small_dataset: Path, capstone: Path) -> None:
    ours = csv_records(small_dataset / "searchterms.csv")
    assert ours[0] == csv_records(capstone / "searchterms.csv")[0] == ["day", "month", "year", "searchterm"]
    terms = [r[3] for r in ours[1:]]
    assert len(terms) == 300
    assert "gaming laptop" in terms
    for day, month, year, _ in ours[1:]:
        dt.date(int(year), int(month), int(day))


def test_accesslog_has_one_malformed_line_like_the_course_file(small_dataset: Path, capstone: Path) -> None:
    def malformed(path: Path) -> list[str]:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
        return [line for line in lines if not COMBINED.match(line)]

    theirs, ours = malformed(capstone / "accesslog.txt"), malformed(small_dataset / "accesslog.txt")
    assert len(theirs) == len(ours) == 1
    assert ours[0].count('"') % 2 == 1  # an unterminated quote
    assert ours[0].count('"') == theirs[0].count('"')


def test_accesslog_has_the_filtered_ip_and_datetimes(small_dataset: Path) -> None:
    lines = (small_dataset / "accesslog.txt").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 300
    ips = [line.split(" ", 1)[0] for line in lines]
    assert ips.count("198.46.149.143") >= 3
    assert len(set(ips)) > 10
    stamps = [dt.datetime.strptime(m[4], "%d/%b/%Y:%H:%M:%S %z") for m in map(COMBINED.match, lines) if m]
    assert stamps == sorted(stamps)


def test_dim_date_is_a_correct_calendar(small_dataset: Path) -> None:
    rows = csv_records(small_dataset / "DimDate.csv")[1:]
    days = [dt.date.fromisoformat(r[1]) for r in rows]
    assert days[0] == dt.date(2019, 1, 1) and days[-1] == dt.date(2022, 12, 31)
    assert [int(r[0]) for r in rows] == list(range(1, len(rows) + 1))
    for (_, _, year, quarter, qname, month, mname, day, weekday, wname), d in zip(rows, days, strict=True):
        assert (int(year), int(month), int(day)) == (d.year, d.month, d.day)
        assert int(quarter) == (d.month - 1) // 3 + 1 and qname == f"Q{quarter}"
        assert mname == d.strftime("%B") and wname == d.strftime("%A")
        assert int(weekday) == d.isoweekday() % 7 + 1  # Sunday = 1


def test_dim_category_and_country_are_the_course_dimensions(small_dataset: Path, capstone: Path) -> None:
    for name in ("DimCategory.csv", "DimCountry.csv"):
        assert (small_dataset / name).read_bytes() == (capstone / name).read_bytes()


def test_extra_files_have_headers(small_dataset: Path) -> None:
    assert first_line(small_dataset / "customers.csv") == b"customer_id,country"
    assert first_line(small_dataset / "inventory.csv") == b"product_id,on_hand,reorder_level"
    assert first_line(small_dataset / "FactSales.csv") == b"orderid,dateid,countryid,categoryid,amount"
    for row in csv_records(small_dataset / "FactSales.csv")[1:]:
        assert len(row) == 5 and all(v.isdigit() for v in row)
