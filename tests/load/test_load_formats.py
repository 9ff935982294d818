"""File variants the loader accepts (BOM, CRLF, a header, dumps with and without a column list)."""

from __future__ import annotations

from pathlib import Path

from softcart.core.settings import Settings
from softcart.load.sales_dump import parse_sales_dump
from tests.load.load_helpers import DatasetMaker, load, mongo_collection, mysql_rows

ROWS = ["6739,76305,230,1,2020-09-05 16:20:03", "7460,81008,1455.5,4,2020-09-05 16:20:04"]


def test_oltpdata_with_bom_crlf_and_header_loads_like_the_plain_file(
    isolated: Settings, make_dataset: DatasetMaker
) -> None:
    variant = "\ufeffproduct_id,customer_id,price,quantity,timestamp\r\n" + "\r\n".join(ROWS) + "\r\n"
    assert load(isolated, make_dataset(oltpdata__csv=variant)) == {"oltpdata.csv": 2}
    rows = mysql_rows(
        isolated, "SELECT rowid, product_id, customer_id, price, quantity, timestamp FROM sales_data"
    )
    assert [tuple(str(v) for v in r) for r in rows] == [
        ("1", "6739", "76305", "230.00", "1", "2020-09-05 16:20:03"),
        ("2", "7460", "81008", "1455.50", "4", "2020-09-05 16:20:04"),
    ]


def test_catalog_with_bom_and_given_ids(isolated: Settings, make_dataset: DatasetMaker) -> None:
    text = '\ufeff{"_id": {"$oid": "5f00000000000000000000aa"}, "type": "laptop", "hard disk": "2TB"}\r\n'
    assert load(isolated, make_dataset(catalog__json=text)) == {"catalog.json": 1}
    collection = mongo_collection(isolated)
    try:
        document = collection.find_one({})
    finally:
        collection.database.client.close()
    assert document is not None
    assert str(document["_id"]) == "5f00000000000000000000aa" and document["hard disk"] == "2TB"


def test_dump_without_column_list_and_with_nulls(tmp_path: Path) -> None:
    dump = tmp_path / "sales.sql"
    dump.write_text(
        "DROP TABLE IF EXISTS `sales_data`;\nLOCK TABLES `sales_data` WRITE;\n"
        "INSERT INTO `sales_data` VALUES (1,5,6,NULL,2,NULL),(2,7,8,9.50,1,'2021-01-02 03:04:05');\n"
        "INSERT INTO `sales_data` VALUES (3,5,6,12,2,NULL);\nUNLOCK TABLES;\n"
    )
    parsed = parse_sales_dump(dump)
    assert parsed.columns == ("rowid", "product_id", "customer_id", "price", "quantity", "timestamp")
    assert parsed.rows == [
        ("1", "5", "6", None, "2", None),
        ("2", "7", "8", "9.50", "1", "2021-01-02 03:04:05"),
        ("3", "5", "6", "12", "2", None),
    ]
    assert parsed.lines == [3, 3, 4]


def test_course_dump_rows_and_lines(capstone: Path) -> None:
    parsed = parse_sales_dump(capstone / "sales.sql")
    assert parsed.columns == ("rowid", "product_id", "customer_id", "quantity")
    assert len(parsed.rows) == 13836
    assert parsed.rows[0] == ("104", "8972", "58516", "5") and parsed.lines[0] == 42
    assert parsed.rows[-1][0] == "13939"
