"""The raw layer has one definition, ``ingest/streams.yml``: every other copy of its tables and
columns is generated from it (and fresh) or equal to it. Pure: no servers, no Spark."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.config import ConfigError, Stream, load_streams
from ingest.contract import DB2_DDL_COMMAND, DB2_DDL_FILE, db2_raw_ddl
from softcart.settings import load_settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def streams() -> list[Stream]:
    return load_streams(load_settings({}))


def test_db2_raw_ddl_is_generated_from_streams_yml(streams: list[Stream]) -> None:
    checked_in = (ROOT / DB2_DDL_FILE).read_text(encoding="utf-8")
    assert checked_in == db2_raw_ddl(streams), (
        f"{DB2_DDL_FILE} is not what ingest/streams.yml generates now: run `{DB2_DDL_COMMAND}`"
    )


def test_db2_raw_ddl_maps_types_keys_and_quoting(streams: list[Stream]) -> None:
    ddl = db2_raw_ddl(streams)
    assert ddl.count("CREATE TABLE raw.") == len(streams) == 9
    sales = ddl.split("CREATE TABLE raw.mysql_sales__sales_data (\n", 1)[1].split("\n);", 1)[0]
    assert sales.splitlines() == [
        "    rowid BIGINT NOT NULL PRIMARY KEY,",
        "    product_id BIGINT,",
        "    customer_id BIGINT,",
        "    price DECIMAL(12, 2),",
        "    quantity INTEGER,",
        '    "timestamp" TIMESTAMP,',
        '    "_softcart_run_id" BIGINT,',
        '    "_softcart_loaded_at" TIMESTAMP',
    ]
    assert '    "_id" VARCHAR(64) NOT NULL PRIMARY KEY,\n    document CLOB(1M),' in ddl
    assert '    "date" DATE,' in ddl and '    "_line" INTEGER NOT NULL PRIMARY KEY,' in ddl


def write_stream(tmp_path: Path, columns: str, db2: str) -> Path:
    path = tmp_path / "streams.yml"
    path.write_text(
        "streams:\n  - name: x\n    kind: file\n    source: x.csv\n    target: raw.x\n"
        f"    primary_key: id\n    columns: {columns}\n    db2: {db2}\n"
    )
    return path


def test_db2_types_in_streams_yml_are_checked(tmp_path: Path) -> None:
    settings = load_settings({})
    with pytest.raises(ConfigError, match="db2 column 'nope' not a column"):
        load_streams(settings, write_stream(tmp_path, "{id: integer}", "{nope: VARCHAR(10)}"))
    with pytest.raises(ConfigError, match="'VARCHAR' is not VARCHAR"):
        load_streams(settings, write_stream(tmp_path, "{id: integer, t: text}", "{t: varchar}"))
    # a text column without its Db2 length cannot be generated
    no_length = load_streams(settings, write_stream(tmp_path, "{id: integer, t: text}", "{}"))
    with pytest.raises(ConfigError, match="a text column needs its Db2 type"):
        db2_raw_ddl(no_length)
    [stream] = load_streams(settings, write_stream(tmp_path, "{id: integer, t: text}", "{t: clob(2m)}"))
    assert stream.db2 == {"t": "CLOB(2M)"}
    assert "    t CLOB(2M)\n" not in db2_raw_ddl([stream])  # not the last column: audit columns follow
    assert "    t CLOB(2M),\n" in db2_raw_ddl([stream])
