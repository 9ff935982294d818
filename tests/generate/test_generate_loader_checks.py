"""A generated dataset passes the loader's own file checks (the ones `softcart load` runs before
it touches a database), with the same row counts the generator reported."""

from __future__ import annotations

from pathlib import Path

from rich.progress import Progress

from softcart.load.cli import check_dataset


def test_generated_dataset_passes_the_loader_checks(small_dataset: Path, small_rows: dict[str, int]) -> None:
    with Progress(disable=True) as progress:
        checked = check_dataset(small_dataset, progress)
    assert checked.ignored == []
    assert checked.sales_csv is not None and checked.sales_csv.rows == small_rows["oltpdata.csv"]
    assert checked.customers is not None and len(checked.customers.rows) == small_rows["customers.csv"]
    assert checked.inventory is not None and len(checked.inventory.rows) == small_rows["inventory.csv"]
    assert checked.catalog is not None and len(checked.catalog.documents) == small_rows["catalog.json"]
    inputs = {i.path.name: i.rows for i in checked.inputs}
    expected = {
        name: rows
        for name, rows in small_rows.items()
        if name not in ("oltpdata.csv", "customers.csv", "inventory.csv", "catalog.json")
    }
    assert inputs == expected
