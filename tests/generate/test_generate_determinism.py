"""Same seed, same bytes; another seed, other bytes; the scale sets the row counts."""

from __future__ import annotations

import hashlib
from pathlib import Path

from softcart.generate import FILE_FORMATS, generate_dataset
from softcart.generate.sizes import sizes_for


def digests(folder: Path) -> dict[str, str]:
    return {name: hashlib.sha256((folder / name).read_bytes()).hexdigest() for name in FILE_FORMATS}


def line_count(path: Path, has_header: bool) -> int:
    data = path.read_bytes()
    lines = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
    return lines - (1 if has_header else 0)


def test_same_seed_gives_the_same_bytes(small_dataset: Path, tmp_path: Path) -> None:
    generate_dataset(tmp_path / "again", 0.001, 7, progress=False)
    assert digests(tmp_path / "again") == digests(small_dataset)


def test_another_seed_gives_other_bytes(small_dataset: Path, tmp_path: Path) -> None:
    generate_dataset(tmp_path / "other", 0.001, 8, progress=False)
    ours, theirs = digests(small_dataset), digests(tmp_path / "other")
    for name in (
        "oltpdata.csv",
        "catalog.json",
        "customers.csv",
        "inventory.csv",
        "FactSales.csv",
        "searchterms.csv",
    ):
        assert ours[name] != theirs[name], name
    # the fixed dimensions do not depend on the seed
    assert ours["DimDate.csv"] == theirs["DimDate.csv"]


def test_returned_row_counts_match_the_files(small_dataset: Path, small_rows: dict[str, int]) -> None:
    assert set(small_rows) == set(FILE_FORMATS)
    for name, rows in small_rows.items():
        assert line_count(small_dataset / name, FILE_FORMATS[name].header is not None) == rows, name


def test_scale_sets_the_row_counts(small_rows: dict[str, int], tmp_path: Path) -> None:
    rows = generate_dataset(tmp_path, 0.05, 7, progress=False)
    assert (small_rows["oltpdata.csv"], rows["oltpdata.csv"]) == (1_000, 50_000)
    assert (small_rows["FactSales.csv"], rows["FactSales.csv"]) == (300, 15_000)
    assert (small_rows["ecommerce.csv"], rows["ecommerce.csv"]) == (100, 3_500)  # 100: the floor
    assert (small_rows["catalog.json"], rows["catalog.json"]) == (40, 250)  # 40: the floor
    assert (small_rows["customers.csv"], rows["customers.csv"]) == (100, 5_000)
    assert (small_rows["inventory.csv"], rows["inventory.csv"]) == (40, 250)  # one per product
    assert (small_rows["searchterms.csv"], rows["searchterms.csv"]) == (300, 500)
    assert (small_rows["accesslog.txt"], rows["accesslog.txt"]) == (300, 500)
    assert rows["DimDate.csv"] == small_rows["DimDate.csv"] == 1461


def test_scale_one_is_a_million_sales_rows() -> None:
    sizes = sizes_for(1)
    assert (sizes.sales, sizes.facts, sizes.ecommerce) == (1_000_000, 300_000, 70_000)
    assert 1_000 <= sizes.products <= 10_000
    assert sizes.searches == sizes.log_lines == 10_000
    small = sizes_for(0.0001)
    assert (small.sales, small.products, small.searches, small.log_lines) == (100, 40, 300, 300)
