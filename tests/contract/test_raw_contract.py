"""The raw layer has one definition, ``ingest/streams.yml``: every other copy of its tables and
columns is generated from it (and fresh) or equal to it. Pure: no servers, no Spark."""

from __future__ import annotations

import re
from pathlib import Path

import pyarrow as pa
import pytest
import yaml  # type: ignore[import-untyped]

from ingest.config import ConfigError, Stream, load_streams
from ingest.contract import DB2_DDL_COMMAND, DB2_DDL_FILE, db2_quoted, db2_raw_ddl, file_columns
from ingest.contract import main as contract_main
from ingest.warehouse import AUDIT_COLUMNS, CHANGE_COLUMNS
from softcart.core.settings import load_settings
from softcart.lake.export.raw_zone import RAW_FILES
from softcart.load.file_inputs import FILE_INPUTS

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
    assert ddl.count("CREATE TABLE raw.") == len(streams) == 10
    sales = ddl.split("CREATE TABLE raw.mysql_sales__sales_data (\n", 1)[1].split("\n);", 1)[0]
    assert sales.splitlines() == [  # a change log (mode: cdc): keyed by the change's sequence
        "    rowid BIGINT,",
        "    product_id BIGINT,",
        "    customer_id BIGINT,",
        "    price DECIMAL(12, 2),",
        "    quantity INTEGER,",
        '    "timestamp" TIMESTAMP,',
        '    "_softcart_op" CHAR(1) NOT NULL,',
        '    "_softcart_seq" BIGINT NOT NULL PRIMARY KEY,',
        '    "_softcart_source_pos" VARCHAR(512),',
        '    "_softcart_committed_at" TIMESTAMP,',
        '    "_softcart_run_id" BIGINT,',
        '    "_softcart_loaded_at" TIMESTAMP',
    ]
    assert '    "_id" VARCHAR(64),\n    document CLOB(1M),' in ddl
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


# --- the copies that may not import ingest (the siblings contract): held equal here ---


def test_file_input_headers_are_the_file_streams_columns(streams: list[Stream]) -> None:
    """softcart/load/file_inputs.py checks each registered file's header against these columns."""
    expected: dict[str, tuple[str, ...]] = {}
    for stream in streams:
        if stream.kind == "file":
            expected[stream.source] = file_columns(stream)
        if stream.seed:  # sales.csv: the warehouse's copy of a stream, landed before its first run
            expected[stream.seed] = file_columns(stream)
    with_header = {name: header for name, header in FILE_INPUTS.items() if header is not None}
    assert with_header == expected, (
        "softcart/load/file_inputs.py FILE_INPUTS differs from ingest/streams.yml (file streams and seeds)"
    )
    assert expected["searchterms.csv"] == ("day", "month", "year", "searchterm")  # no _line in the file
    assert [name for name, header in FILE_INPUTS.items() if header is None] == ["accesslog.txt"]


ARROW_TYPES = {"integer": pa.int32(), "bigint": pa.int64(), "text": pa.string(), "date": pa.date32()}


def arrow_type(type_: str) -> pa.DataType:
    m = re.match(r"^numeric\((\d+),(\d+)\)$", type_)
    return pa.decimal128(int(m.group(1)), int(m.group(2))) if m else ARROW_TYPES[type_]


def test_lake_raw_zone_schemas_are_the_file_streams_columns(streams: list[Stream]) -> None:
    """softcart/lake/export/raw_zone.py types the landed files it copies to the lake as streams.yml does."""
    by_file = {s.source: s for s in streams if s.kind == "file"}
    assert RAW_FILES, "the lake's raw zone copies no file"
    for spec in RAW_FILES:
        stream = by_file[spec.file_name]
        expected = pa.schema(
            [(c.name, arrow_type(c.type)) for c in stream.columns if c.name in file_columns(stream)]
        )
        assert spec.schema == expected, (
            f"softcart/lake/export/raw_zone.py {spec.file_name}: {spec.schema} is not {stream.target} of"
            f" ingest/streams.yml ({expected})"
        )


AUDIT = [name for name, _ in AUDIT_COLUMNS]
CHANGE = [name for name, _, _ in CHANGE_COLUMNS]
SOURCES = sorted((ROOT / "dbt_project" / "models" / "staging").glob("*/_*__sources.yml"))


def test_dbt_sources_have_exactly_the_raw_tables_and_columns(streams: list[Stream]) -> None:
    """The sources YAML keep their hand-written descriptions and tests; their tables and columns
    are the raw contract's, in its order (the audit columns optional), quoted as on Db2."""
    assert len(SOURCES) == 3
    by_table = {s.table: s for s in streams}
    seen: list[str] = []
    for path in SOURCES:
        for source in yaml.safe_load(path.read_text(encoding="utf-8"))["sources"]:
            assert source["schema"] == "raw", path
            for table in source["tables"]:
                where = f"{path.relative_to(ROOT)}: {source['name']}.{table['name']}"
                identifier = table.get("identifier", table["name"])
                assert identifier in by_table, f"{where}: raw.{identifier} is not in ingest/streams.yml"
                seen.append(identifier)
                stream = by_table[identifier]
                columns = [c["name"] for c in table.get("columns", [])]
                data = [c for c in columns if c not in AUDIT + CHANGE]
                assert data == [c.name for c in stream.columns], (
                    f"{where}: columns {data} are not {stream.target}'s of ingest/streams.yml"
                    f" {[c.name for c in stream.columns]}"
                )
                assert [c for c in columns if c in AUDIT] in ([], AUDIT), where
                # a change log's sources name its change columns, in order, after the row's
                change = [c for c in columns if c in CHANGE]
                assert change == (CHANGE if stream.cdc else []), f"{where}: change columns {change}"
                for column in table.get("columns", []):
                    assert bool(column.get("quote")) == db2_quoted(column["name"]), (
                        f"{where}.{column['name']}: quote must be {db2_quoted(column['name'])}"
                        " (quoted on Db2 and in the models: ingest/contract.py db2_quoted)"
                    )
    assert sorted(seen) == sorted(by_table), "every raw table is a dbt source, once"


def export_columns(expression: str) -> list[str]:
    """The column names of a `select` list of load_raw_from_postgres.sh (`$ts`: the load time,
    `$cts`: a change's commit time)."""
    items, depth, item = [], 0, ""
    for char in expression:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            items.append(item.strip())
            item = ""
        else:
            item += char
    items.append(item.strip())
    names = []
    for item in items:
        if item in ("$ts", "$cts"):
            names.append("_softcart_loaded_at" if item == "$ts" else "_softcart_committed_at")
            continue
        m = re.fullmatch(r'(?:to_char\()?\\?"?([a-z_][a-z0-9_]*)\\?"?(?:::text|, .*\))?', item)
        assert m, f"load_raw_from_postgres.sh: cannot read the column of {item!r}"
        names.append(m.group(1))
    return names


def test_db2_load_script_copies_every_raw_column(streams: list[Stream]) -> None:
    """sql_bootstrap/db2/load_raw_from_postgres.sh exports each raw table in 020_raw.sql's order."""
    script = (ROOT / "sql_bootstrap" / "db2" / "load_raw_from_postgres.sh").read_text(encoding="utf-8")
    exports = dict(re.findall(r'^  \[([a-z0-9_]+)\]="(.*)"$', script, flags=re.MULTILINE))
    assert sorted(exports) == sorted(s.table for s in streams)
    assert export_columns(exports["mysql_sales__sales_data"])[5:] == ["timestamp", *CHANGE, *AUDIT]
    for stream in streams:
        change = CHANGE if stream.cdc else []
        assert export_columns(exports[stream.table]) == [c.name for c in stream.columns] + change + AUDIT, (
            f"load_raw_from_postgres.sh: {stream.table}'s columns are not ingest/streams.yml's"
        )


def test_architecture_doc_names_every_raw_table(streams: list[Stream]) -> None:
    """docs/architecture.md points to streams.yml for the columns and lists the tables it holds."""
    doc = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    section = doc.split("## The raw layer", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `(raw\.[a-z0-9_]+)` \|", section, flags=re.MULTILINE)
    assert sorted(rows) == sorted(s.target for s in streams)
    assert "ingest/streams.yml" in section


def test_ingestion_doc_names_every_stream(streams: list[Stream]) -> None:
    """docs/ingestion.md's table of streams has each stream of streams.yml, and no other."""
    doc = (ROOT / "docs" / "ingestion.md").read_text(encoding="utf-8")
    section = doc.split("## Streams: `ingest/streams.yml`", 1)[1].split("\n## ", 1)[0]
    rows = [line.split(" | ", 1)[0] for line in section.splitlines() if line.startswith("| `")]
    named = re.findall(r"`([a-z0-9_]+)`", " ".join(rows))
    assert sorted(named) == sorted(s.name for s in streams)


def test_generator_command(capsys: pytest.CaptureFixture[str], streams: list[Stream]) -> None:
    assert contract_main(["db2-ddl"]) == 0
    assert capsys.readouterr().out == db2_raw_ddl(streams)
    assert contract_main(["dbt-sources"]) == 2
    assert "usage: python -m ingest.contract {db2-ddl}" in capsys.readouterr().err
