"""The real course files load exactly as they are, with the right counts, indexes and keys."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pymysql
import pytest

from softcart.core.credentials import reader_password
from softcart.core.settings import Settings
from softcart.load.bootstrap import apply_source_schemas
from tests.load.load_helpers import DatasetMaker, load, mongo_collection, mysql_rows


def test_oltpdata_loads_2605_rows_in_file_order(isolated: Settings, make_dataset: DatasetMaker) -> None:
    rows = load(isolated, make_dataset("oltpdata.csv"))
    assert rows == {"oltpdata.csv": 2605}
    count, first, last = mysql_rows(isolated, "SELECT COUNT(*), MIN(rowid), MAX(rowid) FROM sales_data")[0]
    assert (count, first, last) == (2605, 1, 2605)
    head = mysql_rows(
        isolated,
        "SELECT product_id, customer_id, price, quantity, timestamp FROM sales_data"
        " WHERE rowid IN (1, 2605) ORDER BY rowid",
    )
    assert [tuple(str(v) for v in r) for r in head] == [
        ("6739", "76305", "230.00", "1", "2020-09-05 16:20:03"),
        ("8711", "63757", "3391.00", "2", "2020-09-05 17:03:27"),
    ]


def test_sales_data_has_the_timestamp_index(isolated: Settings) -> None:
    indexes = mysql_rows(isolated, "SHOW INDEX FROM sales_data")
    assert any(r[4] == "timestamp" and r[3] == 1 for r in indexes)  # Column_name, Seq_in_index


def test_catalog_loads_438_documents_keys_as_they_are(isolated: Settings, make_dataset: DatasetMaker) -> None:
    assert load(isolated, make_dataset("catalog.json")) == {"catalog.json": 438}
    collection = mongo_collection(isolated)
    try:
        assert collection.count_documents({}) == 438
        assert collection.count_documents({"type": "laptop"}) > 0
        assert collection.count_documents({"screen size": {"$exists": True}}) == 438
        assert collection.find_one({"model": "platina"}, {"_id": 0}) == {
            "type": "smart phone",
            "model": "platina",
            "screen size": 5.5,
        }
        keys = [list(info["key"]) for info in collection.index_information().values()]
        assert [("type", 1)] in keys
    finally:
        collection.database.client.close()


def test_sales_sql_loads_13836_rows_keeping_rowids(isolated: Settings, make_dataset: DatasetMaker) -> None:
    assert load(isolated, make_dataset("sales.sql")) == {"sales.sql": 13836}
    row = mysql_rows(
        isolated,
        "SELECT COUNT(*), MIN(rowid), MAX(rowid), SUM(price IS NULL), SUM(timestamp IS NULL) FROM sales_data",
    )[0]
    assert tuple(int(v) for v in row) == (13836, 104, 13939, 13836, 13836)
    assert mysql_rows(isolated, "SELECT * FROM sales_data WHERE rowid = 105")[0][:5] == (
        105,
        7905,
        59794,
        None,
        2,
    )


def test_whole_course_folder_loads_and_registers_its_files(isolated: Settings, capstone: Path) -> None:
    rows = load(isolated, capstone, replace=True)
    assert rows["sales.sql"] == 13836 and rows["oltpdata.csv"] == 2605 and rows["catalog.json"] == 438
    # the dump keeps its rowids; oltpdata.csv continues after them
    assert mysql_rows(isolated, "SELECT COUNT(*), MIN(rowid), MAX(rowid) FROM sales_data")[0] == (
        16441,
        104,
        16544,
    )
    manifest = json.loads((isolated.landing_dir / "manifest.json").read_text())
    entries = {e["file"]: e for e in manifest["files"]}
    expected_rows = {
        "searchterms.csv": 10000,
        "accesslog.txt": 10000,
        "ecommerce.csv": 68003,
        "DimDate.csv": 1096,
        "DimCategory.csv": 5,
        "DimCountry.csv": 56,
        "sales.csv": 12186,
    }
    assert {name: e["rows"] for name, e in entries.items()} == expected_rows
    for name, entry in entries.items():
        landed = (isolated.landing_dir / name).read_bytes()
        assert landed == (capstone / name).read_bytes()  # byte for byte, BOMs included
        assert entry["bytes"] == len(landed)
        assert entry["sha256"] == hashlib.sha256(landed).hexdigest()
    assert rows["DimCountry.csv"] == 56


def test_appending_the_same_dump_twice_is_refused(isolated: Settings, make_dataset: DatasetMaker) -> None:
    from softcart.load.errors import LoadError

    dataset = make_dataset("sales.sql")
    load(isolated, dataset)
    with pytest.raises(LoadError, match=r"sales\.sql:42: field 'rowid': 104 is already in sales_data"):
        load(isolated, dataset)
    assert mysql_rows(isolated, "SELECT COUNT(*) FROM sales_data")[0][0] == 13836
    load(isolated, dataset, replace=True)
    assert mysql_rows(isolated, "SELECT COUNT(*) FROM sales_data")[0][0] == 13836


def test_replace_empties_the_sources_and_restarts_rowids(
    isolated: Settings, make_dataset: DatasetMaker
) -> None:
    load(isolated, make_dataset("oltpdata.csv", "catalog.json"))
    load(isolated, make_dataset("oltpdata.csv"))  # append: rowids continue
    # append: new rowids come after the old ones (InnoDB may leave a gap between two loads)
    assert mysql_rows(isolated, "SELECT COUNT(*) FROM sales_data")[0][0] == 5210
    second = mysql_rows(
        isolated, "SELECT rowid, product_id FROM sales_data WHERE rowid > 2605 ORDER BY rowid"
    )
    first = mysql_rows(
        isolated, "SELECT rowid, product_id FROM sales_data WHERE rowid <= 2605 ORDER BY rowid"
    )
    assert [p for _, p in second] == [p for _, p in first]  # same file, same order
    load(isolated, make_dataset("oltpdata.csv"), replace=True)
    assert mysql_rows(isolated, "SELECT COUNT(*), MIN(rowid), MAX(rowid) FROM sales_data")[0] == (
        2605,
        1,
        2605,
    )
    collection = mongo_collection(isolated)
    try:
        assert collection.count_documents({}) == 0  # replace: the sources hold exactly this dataset
        keys = [list(info["key"]) for info in collection.index_information().values()]
        assert [("type", 1)] in keys
    finally:
        collection.database.client.close()
    # no staging table left behind; softcart_loads records the three loads, the last one replacing
    tables = sorted(r[0] for r in mysql_rows(isolated, "SHOW TABLES"))
    assert tables == ["customers", "inventory", "sales_data", "softcart_loads"]
    replaced = mysql_rows(isolated, "SELECT replaced FROM softcart_loads ORDER BY seq")
    assert [r[0] for r in replaced] == [0, 0, 1]


def test_apply_source_schemas_twice_is_harmless(isolated: Settings, make_dataset: DatasetMaker) -> None:
    load(isolated, make_dataset("oltpdata.csv", "catalog.json"))
    apply_source_schemas(isolated)
    apply_source_schemas(isolated)
    assert mysql_rows(isolated, "SELECT COUNT(*) FROM sales_data")[0][0] == 2605
    indexes = mysql_rows(isolated, "SHOW INDEX FROM sales_data")
    assert sum(1 for r in indexes if r[4] == "timestamp") == 1
    collection = mongo_collection(isolated)
    try:
        assert collection.count_documents({}) == 438
        assert len(collection.index_information()) == 2  # _id and type
    finally:
        collection.database.client.close()


def test_the_reader_account_can_select_but_not_write(isolated: Settings, make_dataset: DatasetMaker) -> None:
    load(isolated, make_dataset("oltpdata.csv"))
    my = isolated.mysql
    conn = pymysql.connect(
        host=my.host,
        port=my.port,
        user=isolated.mysql_reader_user,
        password=reader_password(isolated),
        database=my.database,
    )
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT COUNT(*) FROM sales_data")
            assert cur.fetchone() == (2605,)
            # refused twice over: no DELETE right, and the local server is --read-only for it
            with pytest.raises(pymysql.err.MySQLError, match="denied|read-only"):
                cur.execute("DELETE FROM sales_data")
    finally:
        conn.close()
