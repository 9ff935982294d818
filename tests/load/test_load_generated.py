"""A generated dataset (scale 0.001) loads with the same loaders, every row accounted for."""

from __future__ import annotations

import json
from pathlib import Path

from softcart.core.settings import Settings
from softcart.generate import generate_dataset
from tests.load.load_helpers import load, mongo_collection, mysql_rows


def test_generated_dataset_loads_with_every_row(isolated: Settings, tmp_path: Path) -> None:
    dataset = tmp_path / "generated"
    generated = generate_dataset(dataset, 0.001, 7, progress=False)
    loaded = load(isolated, dataset, replace=True)
    assert loaded == generated

    assert mysql_rows(isolated, "SELECT COUNT(*) FROM sales_data")[0][0] == generated["oltpdata.csv"]
    assert mysql_rows(isolated, "SELECT COUNT(*) FROM customers")[0][0] == generated["customers.csv"]
    # the initial stock: one row per catalog product
    assert mysql_rows(isolated, "SELECT COUNT(*) FROM inventory")[0][0] == generated["inventory.csv"]
    # every sale's customer is a loaded customer
    orphans = mysql_rows(
        isolated,
        "SELECT COUNT(*) FROM sales_data s LEFT JOIN customers c USING (customer_id) WHERE c.customer_id IS NULL",
    )
    assert orphans[0][0] == 0
    collection = mongo_collection(isolated)
    try:
        assert collection.count_documents({}) == generated["catalog.json"]
        catalog_ids = set(collection.distinct("product_id"))
    finally:
        collection.database.client.close()
    sold = {r[0] for r in mysql_rows(isolated, "SELECT DISTINCT product_id FROM sales_data")}
    assert sold <= catalog_ids

    manifest = json.loads((isolated.landing_dir / "manifest.json").read_text())
    registered = {e["file"]: e["rows"] for e in manifest["files"]}
    assert registered == {k: v for k, v in generated.items() if k in registered}
    assert set(registered) == set(generated) - {
        "oltpdata.csv",
        "customers.csv",
        "inventory.csv",
        "catalog.json",
    }
