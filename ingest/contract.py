"""The raw layer's contract, ``ingest/streams.yml``, in the forms other layers read.

``streams.yml`` is the one definition of the raw tables and their columns (docs/architecture.md,
"The raw layer"). What is written from it:

    python -m ingest.contract db2-ddl > sql_bootstrap/db2/020_raw.sql

The PostgreSQL raw tables are created from it at run time (``ingest.warehouse.create_raw_table``);
the copies that cannot import ``ingest`` (the file checks of ``softcart.load``, the lake's raw zone,
the dbt sources, the Db2 load script) are held to it by tests/contract/test_raw_contract.py.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from ingest.config import Column, ConfigError, Stream, load_streams
from ingest.sources.csv_file import LINE_COLUMN
from ingest.warehouse import AUDIT_COLUMNS, CHANGE_COLUMNS
from softcart.core.settings import load_settings

DB2_DDL_FILE = "sql_bootstrap/db2/020_raw.sql"
DB2_DDL_COMMAND = f"python -m ingest.contract db2-ddl > {DB2_DDL_FILE}"

# PostgreSQL type -> Db2 type, where one maps to one (text and jsonb need a length: `db2:` in
# streams.yml). timestamptz: Db2 has no time zone type; load_raw_from_postgres.sh exports UTC.
_DB2_TYPES = {
    "bigint": "BIGINT",
    "integer": "INTEGER",
    "smallint": "SMALLINT",
    "date": "DATE",
    "timestamp": "TIMESTAMP",
    "timestamptz": "TIMESTAMP",
    "double precision": "DOUBLE",
    "boolean": "BOOLEAN",
}
# column names Db2 would reject or upper-case unquoted and the dbt models quote (with every name
# that starts with an underscore): created quoted, in lower case
DB2_QUOTED_KEYWORDS = frozenset({"timestamp", "date"})

_DB2_HEADER = f"""\
-- The raw layer on Db2: the same tables and columns as PostgreSQL's `raw` (ingest/streams.yml),
-- filled by load_raw_from_postgres.sh. Column names that Db2 would upper-case or reject unquoted
-- (a leading underscore, the keywords "timestamp" and "date") are created quoted and lower-case,
-- exactly as the dbt models quote them; the others are ordinary (upper-case) identifiers.
-- Generated from ingest/streams.yml, do not edit by hand:
--   {DB2_DDL_COMMAND}
"""


def file_columns(stream: Stream) -> tuple[str, ...]:
    """The columns a stream's CSV file holds, in order: the raw columns but the line number."""
    return tuple(c.name for c in stream.columns if c.name != LINE_COLUMN)


def db2_quoted(name: str) -> bool:
    """Whether the raw column ``name`` is a quoted (lower-case) identifier on Db2 and in dbt."""
    return name.startswith("_") or name in DB2_QUOTED_KEYWORDS


def db2_ident(name: str) -> str:
    return f'"{name}"' if db2_quoted(name) else name


def db2_type(stream: Stream, column: Column) -> str:
    """The Db2 type of a raw column: the stream's ``db2:`` entry, else the one-to-one mapping."""
    if column.name in stream.db2:
        return stream.db2[column.name]
    scale = column.numeric_scale
    if scale:
        return f"DECIMAL({scale[0]}, {scale[1]})"
    try:
        return _DB2_TYPES[column.type]
    except KeyError:
        raise ConfigError(
            f"streams.yml: stream {stream.name!r}, column {column.name!r}: a {column.type} column needs"
            " its Db2 type under `db2:` (VARCHAR(n) or CLOB(n))"
        ) from None


def _db2_audit_type(pg_type: str) -> str:
    # the audit columns as ingest creates them (ingest.warehouse.AUDIT_COLUMNS), by their type only:
    # on Db2 they are nullable (LOAD REPLACE writes them from PostgreSQL; there is no default)
    return _DB2_TYPES[pg_type.split()[0]]


def db2_raw_ddl(streams: Sequence[Stream]) -> str:
    """``sql_bootstrap/db2/020_raw.sql``: one CREATE TABLE per stream, a change log's change columns
    after the row's, audit columns last."""
    tables = []
    for stream in streams:
        lines = []
        for col in stream.columns:
            not_null = " NOT NULL PRIMARY KEY" if col.name == stream.raw_key else ""
            lines.append(f"    {db2_ident(col.name)} {db2_type(stream, col)}{not_null}")
        if stream.cdc:
            lines += [f'    "{name}" {db2}' for name, _, db2 in CHANGE_COLUMNS]
        lines += [f'    "{name}" {_db2_audit_type(t)}' for name, t in AUDIT_COLUMNS]
        comments = [
            f"-- {col.name}: JSON text (jsonb in PostgreSQL; read with JSON_VALUE, Db2 11.1.4.4+)\n"
            for col in stream.columns
            if col.type == "jsonb"
        ]
        tables.append("".join(comments) + f"CREATE TABLE {stream.target} (\n" + ",\n".join(lines) + "\n);\n")
    return _DB2_HEADER + "\n".join(tables)


OUTPUTS = {"db2-ddl": db2_raw_ddl}


def main(argv: Sequence[str]) -> int:
    if len(argv) != 1 or argv[0] not in OUTPUTS:
        print(f"usage: python -m ingest.contract {{{'|'.join(OUTPUTS)}}}", file=sys.stderr)
        return 2
    sys.stdout.write(OUTPUTS[argv[0]](load_streams(load_settings())))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
