"""Pure unit tests: splitting the client's output, unescaping, CSV checks, type checks, config errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ingest.config import Column, ConfigError, load_streams, select_streams
from ingest.sources.csv_file import checker, normalise_header
from ingest.sources.mongo import type_error
from ingest.sources.mysql import LineSplitter, unescape
from softcart.core.settings import load_settings

NAMES = ["rowid", "note", "timestamp"]


def test_line_splitter_keeps_good_rows_and_splits_off_rejects_across_chunks() -> None:
    out = (
        b"1\ta\\tb\t2021-01-01 00:00:00\t7\n"
        b"2\tx\t0000-00-00 00:00:00\t7!timestamp: zero or invalid date 0000-00-00 00:00:00\n"
        b"3\t\\N\t\\N\t7\n"
    )
    for size in (1, 5, 17, len(out)):
        splitter = LineSplitter(NAMES)
        data = b"".join(splitter.feed(out[i : i + size]) for i in range(0, len(out), size))
        assert data == b"1\ta\\tb\t2021-01-01 00:00:00\t7\n3\t\\N\t\\N\t7\n"
        assert splitter.rows == 3 and splitter.rest == b""
        assert splitter.last_key == 3
        [reject] = splitter.rejects
        assert reject.key == "2"
        assert reject.reason == "timestamp: zero or invalid date 0000-00-00 00:00:00"
        assert reject.payload == {"rowid": "2", "note": "x", "timestamp": "0000-00-00 00:00:00"}


def test_text_with_an_exclamation_mark_is_not_a_reject() -> None:
    splitter = LineSplitter(NAMES)
    data = splitter.feed(b"1\twow!\t\\N\t7\n")
    assert data == b"1\twow!\t\\N\t7\n" and splitter.rejects == []


def test_unescape() -> None:
    assert unescape(b"\\N") is None
    assert unescape(b"a\\tb\\nc\\rd\\\\e") == "a\tb\nc\rd\\e"
    assert unescape("ünï".encode()) == "ünï"


def test_csv_checks() -> None:
    assert checker(Column("x", "integer"))("12") is None
    with pytest.raises(ValueError, match="out of range for integer"):
        checker(Column("x", "integer"))("3000000000")
    with pytest.raises(ValueError, match=r"out of range for numeric\(12,2\)"):
        checker(Column("x", "numeric(12,2)"))("9999999999.999")
    with pytest.raises(ValueError):
        checker(Column("x", "timestamp"))("0000-00-00 00:00:00")
    assert checker(Column("x", "timestamp"))("2017-11-22 03:53:23") is None
    assert normalise_header("\ufeff Timestamp ") == "timestamp"


def test_mongo_type_checks() -> None:
    assert type_error("number", 6.5) is None
    assert type_error("number", None) is None
    assert type_error("number", "6 inch") == "expected a number, got str '6 inch'"
    assert type_error("number", True) is not None
    assert type_error("integer", 2**40) == f"{2**40} out of range for integer"
    assert type_error("text", 5) == "expected text, got int 5"


def test_the_quick_path_lands_what_the_exact_path_lands() -> None:
    """quick_row (orjson, types checked in a few operations) gives a document the row document_row
    gives it, with the same JSON values, or hands it to document_row: never a different row, never a
    row for a document the exact path rejects."""
    import json
    from datetime import UTC, datetime

    import bson
    from bson.code import Code
    from bson.decimal128 import Decimal128
    from bson.int64 import Int64
    from bson.objectid import ObjectId

    from ingest.sources.mongo import (
        DECODE,
        SPECIAL,
        document_row,
        fast_checks,
        json_encoder,
        quick_checks,
        quick_row,
    )

    stream = select_streams(load_streams(load_settings({})), ["mongo_catalog__electronics"])[0]
    extracted = [c.name for c in stream.columns if c.name not in SPECIAL]
    checks, quick, encode = fast_checks(stream), quick_checks(stream), json_encoder()
    base = {"_id": ObjectId(), "type": "laptop", "model": "m1", "screen size": 15.6, "product_id": 7}
    variants: list[dict[str, Any]] = [
        {},
        {"ram": "16GB", "hard disk": "1TB", "spec": {"cpu": "x", "cores": [4, 8], "tags": []}},
        {"screen size": 6, "product_id": Int64(2**40)},  # an integer out of range
        {"screen size": float("nan")},
        {"screen size": float("inf")},
        {"spec": {"weight": float("nan")}},  # NaN outside the checked fields
        {"spec": [1.5, float("-inf")]},
        {"model": "a\x00b"},
        {"note": None},  # a null: the exact path decides
        {"note": 'a backslash \\, a "quote", a tab\t, a new line\n, é, 日本'},
        {"note": "null in a text"},
        {"product_id": True},
        {"screen size": "6 inch"},
        {"screen size": Decimal128("13.3")},
        {"price": Decimal128("1234.50"), "at": datetime(2021, 3, 4, 5, 6, 7, 8000, tzinfo=UTC)},
        {"at": datetime(2021, 3, 4, tzinfo=UTC), "blob": b"\x00\x01", "code": Code("f()")},
        {"big": 2**62, "small": -(2**62), "tiny": 1e-300, "huge": 1e300, "neg": -0.0},
        {"type": 5},
        {"model": Code("a str subclass")},
        {"_id": "a text id\twith a tab"},
        {"_id": 42},
    ]
    quick_rows = 0
    for variant in variants:
        # through BSON, as the documents come: the types a decoded document has
        doc = bson.decode(bson.encode({**base, **variant}), codec_options=DECODE)
        exact, reject = document_row(stream, checks, encode, extracted, doc, 100)
        row = quick_row(quick, extracted, doc)
        # what the quick path left in the document (its _id as text) changes nothing for the exact path
        assert document_row(stream, checks, encode, extracted, doc, 100) == (exact, reject), variant
        if row is None:
            continue
        quick_rows += 1
        assert reject is None, (variant, reject)
        assert (row[0], *row[2:]) == (exact[0], *exact[2:]), variant
        assert json.loads(row[1]) == json.loads(exact[1]), variant
    assert quick_rows >= 8  # the plain ones did take the quick path


def test_config_errors(tmp_path: Path) -> None:
    settings = load_settings({})
    streams = load_streams(settings)
    assert {s.name for s in streams} >= {"mysql_sales__sales_data", "mongo_catalog__electronics"}
    with pytest.raises(ConfigError, match="unknown stream"):
        select_streams(streams, ["nope"])
    bad = tmp_path / "streams.yml"
    bad.write_text(
        "streams:\n  - name: x\n    kind: mysql\n    source: t\n    target: raw.x\n"
        "    primary_key: id\n    cursor: id\n    columns: {id: integr}\n"
    )
    with pytest.raises(ConfigError, match="unsupported type 'integr'"):
        load_streams(settings, bad)


@pytest.mark.parametrize(
    ("statement", "table"),
    [
        ("TRUNCATE sales_data", ("sales", "sales_data")),
        ("truncate table `Sales_Data`", ("sales", "sales_data")),
        ("TRUNCATE TABLE `bench_ingest`.`sales_data`", ("bench_ingest", "sales_data")),
        ("TRUNCATE TABLE sales . sales_data_archive ;", ("sales", "sales_data_archive")),
        ("TRUNCATE `odd``name`", ("sales", "odd`name")),
        ("TRUNCATE /* why */ sales_data", None),  # not understood: the stream assumes it is its own
    ],
)
def test_truncated_table_names_the_database_and_the_exact_table(
    statement: str, table: tuple[str, str] | None
) -> None:
    from ingest.sources.mysql_cdc import truncated_table

    assert truncated_table(statement, "sales") == table
