"""A generated dataset loads with the same loader as the course files (`softcart load`), into the
project's real servers, and its keys still join once loaded."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pymongo
import pymysql

from softcart.core.settings import Settings
from softcart.generate import generate_dataset
from softcart.load.cli import main as load_main


def mysql_rows(settings: Settings, sql: str) -> list[tuple[Any, ...]]:
    my = settings.mysql
    conn = pymysql.connect(
        host=my.host, port=my.port, user=my.user or "root", password=my.password or "", database=my.database
    )
    try:
        with conn.cursor() as cur:
            cur.execute(sql)
            return list(cur.fetchall())
    finally:
        conn.close()


def test_generated_dataset_loads_and_joins(isolated: Settings, tmp_path: Path) -> None:
    dataset = tmp_path / "dataset"
    rows = generate_dataset(dataset, 0.001, 5, progress=False)
    assert load_main(isolated, dataset) == 0

    [(sales, amount)] = mysql_rows(isolated, "SELECT COUNT(*), SUM(price * quantity) FROM sales_data")
    assert sales == rows["oltpdata.csv"]
    expected = sum(
        int(price) * int(quantity)
        for _, _, price, quantity, _ in (
            line.split(",") for line in (dataset / "oltpdata.csv").read_text().split("\n")
        )
    )
    assert amount == expected
    assert mysql_rows(isolated, "SELECT COUNT(*) FROM customers") == [(rows["customers.csv"],)]
    stock = mysql_rows(isolated, "SELECT product_id, on_hand, reorder_level FROM inventory ORDER BY 1")
    assert [
        tuple(map(int, line.split(","))) for line in (dataset / "inventory.csv").read_text().split()[1:]
    ] == [tuple(r) for r in stock]
    orphans = mysql_rows(
        isolated,
        "SELECT COUNT(*) FROM sales_data s LEFT JOIN customers c ON c.customer_id = s.customer_id"
        " WHERE c.customer_id IS NULL",
    )
    assert orphans == [(0,)]
    sold = {r[0] for r in mysql_rows(isolated, "SELECT DISTINCT product_id FROM sales_data")}

    client: pymongo.MongoClient[dict[str, Any]] = pymongo.MongoClient(isolated.mongo.raw)
    try:
        collection = client[isolated.mongo_database][isolated.mongo_collection]
        assert collection.count_documents({}) == rows["catalog.json"]
        assert sold <= {d["product_id"] for d in collection.find({}, {"product_id": 1})}
        assert collection.count_documents({"screen size": {"$exists": True}}) > 0
    finally:
        client.close()
