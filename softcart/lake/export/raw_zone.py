"""File inputs registered by ``softcart load`` (``settings.landing_dir``) -> the lake's raw zone.

Each file becomes one Parquet file, typed, with its header checked, rewritten only when the file's
bytes changed (sha256 recorded in the manifest).
"""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv


@dataclass(frozen=True)
class RawFile:
    file_name: str
    """Name in the landing folder."""
    table: str
    """Folder in the lake."""
    schema: pa.Schema


# typed as the file streams of ingest/streams.yml (integer: int32, text: string), held equal to it
# by tests/contract (spark may not import ingest)
RAW_FILES = (
    RawFile(
        "searchterms.csv",
        "raw/searchterms",
        pa.schema(
            [("day", pa.int32()), ("month", pa.int32()), ("year", pa.int32()), ("searchterm", pa.string())]
        ),
    ),
)


class RawFileError(ValueError):
    pass


def file_checksum(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return "sha256:" + digest.hexdigest()


def _first_bad_value(path: Path, schema: pa.Schema) -> str:
    """Find where a CSV does not fit its schema (file:line, field, value) for the error message."""
    with path.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.reader(f)
        next(reader, None)
        for row in reader:
            line = reader.line_num
            if len(row) != len(schema):
                return f"{path}:{line}: expected {len(schema)} fields, found {len(row)}"
            for value, field in zip(row, schema, strict=True):
                if pa.types.is_integer(field.type):
                    try:
                        int(value)
                    except ValueError:
                        return f"{path}:{line}: field {field.name!r}: not an integer: {value!r}"
    return f"{path}: unreadable"


def read_raw_file(path: Path, spec: RawFile) -> pa.Table:
    """Read a landed CSV (UTF-8, optional BOM, header line) into a typed Arrow table."""
    with path.open(encoding="utf-8-sig", newline="") as f:
        header = next(csv.reader(f), [])
    header = [h.strip() for h in header]
    if header != spec.schema.names:
        raise RawFileError(
            f"{path}:1: header is {','.join(header)!r}, expected {','.join(spec.schema.names)!r}"
        )
    try:
        return pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(skip_rows=1, column_names=spec.schema.names),
            convert_options=pacsv.ConvertOptions(
                column_types={f.name: f.type for f in spec.schema}, strings_can_be_null=False
            ),
        ).cast(spec.schema)
    except pa.ArrowInvalid as exc:
        raise RawFileError(_first_bad_value(path, spec.schema) + f" ({exc})") from exc
