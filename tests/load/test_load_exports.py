"""The course's exports: datadump.sh (mysqldump of sales_data) and export-catalog (mongoexport CSV)."""

from __future__ import annotations

import csv
import os
import subprocess
from pathlib import Path

import pymysql

from softcart.core.settings import Settings, load_settings
from softcart.load.catalog_export import main as export_catalog
from softcart.load.sales_dump import parse_sales_dump
from softcart.stack.accounts import mysql_accounts
from tests.load.load_helpers import DatasetMaker, load, mongo_collection, mysql_rows

DATADUMP = Path(__file__).resolve().parents[2] / "scripts" / "datadump.sh"


def _run_datadump(settings: Settings, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(DATADUMP), *args],
        cwd=cwd,
        env=dict(settings.env),
        capture_output=True,
        text=True,
        timeout=120,
    )


def _restore(settings: Settings, dump: Path, database: str) -> list[tuple[object, ...]]:
    my = settings.mysql
    # a database of its own, owned by the load account as the sales database is
    mysql_accounts(load_settings(dict(settings.env, SOFTCART_MYSQL_DATABASE=database)))
    admin = pymysql.connect(host=my.host, port=my.port, user=my.user or "root", password=my.password or "")
    try:
        client = [
            "mariadb",
            f"--host={my.host}",
            f"--port={my.port}",
            f"--user={my.user or 'root'}",
            database,
        ]
        with dump.open("rb") as stdin:
            env = dict(os.environ, MYSQL_PWD=my.password or "")
            subprocess.run(client, stdin=stdin, check=True, capture_output=True, timeout=120, env=env)
        with admin.cursor() as cur:
            cur.execute(f"SELECT * FROM `{database}`.sales_data ORDER BY rowid")
            return list(cur.fetchall())
    finally:
        with admin.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS `{database}`")
        admin.close()


def test_datadump_output_restores_to_the_same_rows(
    isolated: Settings, make_dataset: DatasetMaker, tmp_path: Path
) -> None:
    load(isolated, make_dataset("sales.sql", "oltpdata.csv"))
    rows = mysql_rows(isolated, "SELECT * FROM sales_data ORDER BY rowid")
    assert len(rows) == 13836 + 2605

    result = _run_datadump(isolated, tmp_path)  # default name, in the current directory
    assert result.returncode == 0, result.stderr
    dump = tmp_path / "sales_data.sql"
    assert dump.exists()
    assert _restore(isolated, dump, f"{isolated.mysql.database}_restored") == rows

    # and `softcart load` takes the dump back as a sales.sql, rowids kept
    assert len(parse_sales_dump(dump).rows) == len(rows)
    load(isolated, make_dataset(sales__sql=dump.read_bytes()), replace=True)
    assert mysql_rows(isolated, "SELECT * FROM sales_data ORDER BY rowid") == rows


def test_datadump_takes_an_output_path(
    isolated: Settings, make_dataset: DatasetMaker, tmp_path: Path
) -> None:
    load(isolated, make_dataset("oltpdata.csv"))
    out = tmp_path / "exports" / "my_dump.sql"
    result = _run_datadump(isolated, tmp_path, str(out))
    assert result.returncode == 0, result.stderr
    assert "CREATE TABLE `sales_data`" in out.read_text()
    assert len(parse_sales_dump(out).rows) == 2605


def test_datadump_fails_clearly_when_mysql_is_down(isolated: Settings, tmp_path: Path) -> None:
    env = dict(isolated.env)
    env["SOFTCART_MYSQL_URL"] = "mysql://root@127.0.0.1:1/sales"
    result = subprocess.run(
        ["bash", str(DATADUMP), str(tmp_path / "x.sql")], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0
    assert "127.0.0.1" in result.stderr
    assert not (tmp_path / "x.sql").exists()


def test_export_catalog_writes_mongoexport_csv(
    isolated: Settings, make_dataset: DatasetMaker, tmp_path: Path
) -> None:
    load(isolated, make_dataset("catalog.json"))
    out = tmp_path / "electronics.csv"
    assert export_catalog(isolated, out, ["_id", "type", "model"]) == 0
    with out.open(newline="") as f:
        records = list(csv.reader(f))
    assert records[0] == ["_id", "type", "model"]
    assert len(records) == 1 + 438
    collection = mongo_collection(isolated)
    try:
        expected = {(str(d["_id"]), d["type"], d["model"]) for d in collection.find()}
    finally:
        collection.database.client.close()
    assert {tuple(r) for r in records[1:]} == expected
    assert all(len(r[0]) == 24 for r in records[1:])  # ObjectId hex

    assert export_catalog(isolated, out, ["type", "screen size", "ram"]) == 0
    with out.open(newline="") as f:
        rows = list(csv.DictReader(f))
    phones = [r for r in rows if r["type"] == "smart phone"]
    laptops = [r for r in rows if r["type"] == "laptop"]
    assert phones and all(r["ram"] == "" for r in phones)  # a missing field is an empty cell
    assert laptops and all(r["ram"].endswith("GB") for r in laptops)
    assert {r["screen size"] for r in phones} >= {"6", "5.5"}


def test_export_catalog_refuses_empty_fields(isolated: Settings, tmp_path: Path) -> None:
    assert export_catalog(isolated, tmp_path / "x.csv", [""]) == 1
    assert not (tmp_path / "x.csv").exists()
