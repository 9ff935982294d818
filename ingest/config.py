"""The streams of ``ingest/streams.yml``, parsed and checked once into small dataclasses."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped]

from softcart.core.settings import Settings, package_file
from softcart.core.yaml_files import load_yaml

# package data (pyproject.toml, [tool.setuptools.package-data]): found in an installed copy too
STREAMS_FILE = package_file(__spec__, "streams.yml")
KINDS = ("mysql", "mongo", "file")
# write dispositions (dlt's and sling's names): cdc = a change log of every insert, update and
# delete; append = new keys past a high-water mark; replace = the whole source, when it changed
MODES = ("append", "cdc", "replace")
MODES_OF_KIND = {"mysql": ("cdc", "append"), "mongo": ("cdc", "append"), "file": ("replace",)}
# the key of a change log's raw table: the change's order in the stream (docs/ingestion.md)
CHANGE_SEQ = "_softcart_seq"
_TYPE = re.compile(
    r"^(bigint|integer|smallint|text|date|timestamp|timestamptz|jsonb|double precision|boolean|bytea)$"
)
_NUMERIC = re.compile(r"^numeric\((\d+),\s*(\d+)\)$")
_DB2_TYPE = re.compile(r"^(VARCHAR\(\d+\)|CLOB\(\d+[KMG]?\))$")


class ConfigError(ValueError):
    """``streams.yml`` (or a stream name asked for) is wrong."""


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # a PostgreSQL type, as declared

    @property
    def numeric_scale(self) -> tuple[int, int] | None:
        """(precision, scale) of a ``numeric(p,s)`` column, else None."""
        m = _NUMERIC.match(self.type)
        return (int(m.group(1)), int(m.group(2))) if m else None


@dataclass(frozen=True)
class Stream:
    name: str
    kind: str
    source: str
    target: str  # schema.table
    primary_key: str
    cursor: str | None
    columns: tuple[Column, ...]
    mode: str = "append"
    validate: dict[str, str] = field(default_factory=dict)
    seed: str | None = None
    db2: dict[str, str] = field(default_factory=dict)  # column -> Db2 type, where the type needs a length
    batch_rows: int = 1_000_000
    max_document_bytes: int = 1_048_576

    @property
    def cdc(self) -> bool:
        return self.mode == "cdc"

    @property
    def raw_key(self) -> str:
        """The raw table's primary key: the source key, or for a change log the change's sequence."""
        return CHANGE_SEQ if self.cdc else self.primary_key

    @property
    def schema(self) -> str:
        return self.target.split(".", 1)[0]

    @property
    def table(self) -> str:
        return self.target.split(".", 1)[1]

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)


def _check_type(stream: str, column: str, type_: str) -> str:
    type_ = " ".join(str(type_).lower().split())
    if not (_TYPE.match(type_) or _NUMERIC.match(type_)):
        raise ConfigError(f"streams.yml: stream {stream!r}, column {column!r}: unsupported type {type_!r}")
    return type_


def _stream(raw: dict[str, Any], defaults: dict[str, Any], settings: Settings) -> Stream:
    name = str(raw.get("name") or "")
    if not re.match(r"^[a-z][a-z0-9_]*$", name):
        raise ConfigError(f"streams.yml: stream name {name!r} must be lower_snake_case")
    for key in ("kind", "source", "target", "primary_key", "columns"):
        if key not in raw:
            raise ConfigError(f"streams.yml: stream {name!r} lacks {key!r}")
    kind = str(raw["kind"])
    if kind not in KINDS:
        raise ConfigError(f"streams.yml: stream {name!r}: kind must be one of {KINDS}, got {kind!r}")
    target = str(raw["target"])
    if not re.match(r"^[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*$", target):
        raise ConfigError(f"streams.yml: stream {name!r}: target must be schema.table, got {target!r}")
    columns = tuple(Column(str(c), _check_type(name, str(c), t)) for c, t in dict(raw["columns"]).items())
    names = [c.name for c in columns]
    if raw["primary_key"] not in names:
        raise ConfigError(f"streams.yml: stream {name!r}: primary_key {raw['primary_key']!r} not a column")
    mode = str(raw.get("mode") or MODES_OF_KIND[kind][0])
    if mode not in MODES_OF_KIND[kind]:
        raise ConfigError(
            f"streams.yml: stream {name!r}: mode must be one of {MODES_OF_KIND[kind]} for a {kind} stream,"
            f" got {mode!r}"
        )
    cursor = raw.get("cursor")
    if mode == "append" and cursor is None:
        raise ConfigError(f"streams.yml: stream {name!r}: an append stream needs a cursor")
    if cursor is not None and cursor not in names:
        raise ConfigError(f"streams.yml: stream {name!r}: cursor {cursor!r} not a column")
    db2 = {str(k): " ".join(str(v).upper().split()) for k, v in dict(raw.get("db2") or {}).items()}
    for col, db2_type in db2.items():
        if col not in names:
            raise ConfigError(f"streams.yml: stream {name!r}: db2 column {col!r} not a column")
        if not _DB2_TYPE.match(db2_type):
            raise ConfigError(
                f"streams.yml: stream {name!r}, db2 column {col!r}: {db2_type!r} is not VARCHAR(n) or CLOB(n)"
            )
    source = str(raw["source"]).replace("${mongo_collection}", settings.mongo_collection)
    return Stream(
        name=name,
        kind=kind,
        source=source,
        target=target,
        primary_key=str(raw["primary_key"]),
        cursor=str(cursor) if cursor is not None else None,
        columns=columns,
        mode=mode,
        validate={str(k): str(v) for k, v in dict(raw.get("validate") or {}).items()},
        seed=str(raw["seed"]) if raw.get("seed") else None,
        db2=db2,
        batch_rows=int(raw.get("batch_rows", defaults.get("batch_rows", 1_000_000))),
        max_document_bytes=int(raw.get("max_document_bytes", defaults.get("max_document_bytes", 1_048_576))),
    )


def load_streams(settings: Settings, path: Path = STREAMS_FILE) -> list[Stream]:
    """Every stream of ``streams.yml``, in file order.

    ``settings.ingest_batch_rows`` (``SOFTCART_INGEST_BATCH_ROWS``) overrides the batch size, for
    tests that need several batches from a small table.
    """
    try:
        doc = load_yaml(path.read_text(encoding="utf-8")) or {}  # every run, even an idle one, reads it
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from None
    defaults = dict(doc.get("defaults") or {})
    override = settings.ingest_batch_rows
    if override:
        defaults["batch_rows"] = override
    streams = [_stream(dict(s), defaults, settings) for s in doc.get("streams") or []]
    if override:
        streams = [_with_batch(s, override) for s in streams]
    seen: set[str] = set()
    for s in streams:
        if s.name in seen:
            raise ConfigError(f"{path}: stream {s.name!r} declared twice")
        seen.add(s.name)
    return streams


def _with_batch(stream: Stream, batch_rows: int) -> Stream:
    from dataclasses import replace

    return replace(stream, batch_rows=batch_rows)


def select_streams(all_streams: list[Stream], names: list[str]) -> list[Stream]:
    """The streams asked for (all when ``names`` is empty), in declaration order."""
    if not names:
        return list(all_streams)
    known = {s.name for s in all_streams}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ConfigError(f"unknown stream(s): {', '.join(unknown)} (known: {', '.join(sorted(known))})")
    return [s for s in all_streams if s.name in names]
