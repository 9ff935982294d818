"""The project's row-image decoder (ingest/sources/binlog_rows.py) against mysql-replication's own
decoding, on the same real events of the project's MariaDB: every column type the decoder knows,
NULLs, negative and extreme decimals, zero dates, multibyte strings; inserts, updates, deletes."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import pytest

from ingest.credentials import mysql_reader_login
from ingest.sources.binlog_rows import BAD_DATE, Unsupported, event_images
from ingest.sources.mysql import loopback
from softcart.core.connections import mysql_admin_connect
from softcart.core.settings import Settings
from tests.ingest.ingest_helpers import mysql

TYPES = """
    id INT NOT NULL PRIMARY KEY,
    ti TINYINT, tu TINYINT UNSIGNED, si SMALLINT, su SMALLINT UNSIGNED,
    mi MEDIUMINT, mu MEDIUMINT UNSIGNED, i INT, iu INT UNSIGNED, bi BIGINT, bu BIGINT UNSIGNED,
    f FLOAT, d DOUBLE,
    d1 DECIMAL(12, 2), d2 DECIMAL(30, 10), d3 DECIMAL(5, 0), d4 DECIMAL(4, 4), d5 DECIMAL(65, 30),
    d6 DECIMAL(18, 9),
    dt DATE, dtm DATETIME, dtm1 DATETIME(1), dtm3 DATETIME(3), dtm6 DATETIME(6),
    ts TIMESTAMP NULL, ts6 TIMESTAMP(6) NULL, y YEAR,
    v VARCHAR(10), vl VARCHAR(300), c CHAR(5), tx TEXT, lt VARCHAR(10) CHARACTER SET latin1,
    vb VARBINARY(10), bl BLOB
"""
COLUMNS = re.findall(r"(?:^|,)\s*(\w+) [A-Z]", TYPES.strip())

ROWS = [
    # id, ti, tu, si, su, mi, mu, i, iu, bi, bu, f, d, d1..d6, dt, dtm, dtm1, dtm3, dtm6, ts, ts6, y,
    # v, vl, c, tx, lt, vb, bl
    (1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 1.5, 2.25, "1234567890.12", "12345678901234567890.0123456789",
     "12345", "0.1234", "1" * 35 + "." + "9" * 30, "123456789.123456789",
     "2024-02-29", "2024-01-02 03:04:05", "2024-01-02 03:04:05.1", "2024-01-02 03:04:05.123",
     "2024-01-02 03:04:05.123456", "2024-01-02 03:04:05", "2038-01-19 03:14:07.999999", 2024,
     "héllo", "x" * 300, "ab", "text ✓ 😀", "café", b"\x00\x01\xff", b"blob\x00"),
    (2, -128, 255, -32768, 65535, -8388608, 16777215, -2147483648, 4294967295,
     -9223372036854775808, 18446744073709551615, -1.25, -1e300, "-1234567890.12",
     "-0.0000000001", "-99999", "-0.9999", "-" + "9" * 35 + "." + "9" * 30, "-0.000000001",
     "0001-01-01", "9999-12-31 23:59:59", "1000-01-01 00:00:00.9", "2000-01-01 00:00:00.001",
     "1999-12-31 23:59:59.000001", "1970-01-01 00:00:01", "2001-02-03 04:05:06.5", 1901,
     "", "", "", "", "", b"", b""),
    (3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0.0, 0.0, "0.00", "-0.5", "0", "0.0000", "0", "-1.5",
     "0000-00-00", "0000-00-00 00:00:00", "2024-00-10 00:00:00", "2024-05-00 00:00:00",
     "0000-00-00 00:00:00", "0000-00-00 00:00:00", "0000-00-00 00:00:00", 0,
     "a", "b", "c", "d", "e", b"f", b"g"),
]  # fmt: skip


def _reader(settings: Settings, log_file: str, log_pos: int, table: str) -> Any:
    from pymysqlreplication import BinLogStreamReader
    from pymysqlreplication.row_event import DeleteRowsEvent, UpdateRowsEvent, WriteRowsEvent

    login = mysql_reader_login(settings)
    return BinLogStreamReader(
        connection_settings={
            "host": login.host,
            "port": login.port,
            "user": login.user,
            "password": login.password,
            "ssl_disabled": loopback(login.host),
        },
        server_id=987_654,
        blocking=False,
        resume_stream=True,
        log_file=log_file,
        log_pos=log_pos,
        is_mariadb=False,
        only_schemas=[login.database],
        only_tables=[table],
        only_events=[WriteRowsEvent, UpdateRowsEvent, DeleteRowsEvent],
    )


def _binlog_end(settings: Settings) -> tuple[str, int]:
    admin = mysql_admin_connect(settings)  # SHOW MASTER STATUS: BINLOG MONITOR, not the load account's
    try:
        with admin.cursor() as cur:
            cur.execute("SHOW MASTER STATUS")
            file, pos = cur.fetchone()[:2]  # type: ignore[index]
    finally:
        admin.close()
    return str(file), int(pos)


def _write(settings: Settings, table: str, ddl: str, statements: list[tuple[str, Any]]) -> tuple[str, int]:
    conn = mysql(settings)
    try:
        with conn.cursor() as cur:
            cur.execute("SET SESSION sql_mode = '', time_zone = '+00:00'")
            cur.execute(f"CREATE TABLE {table} ({ddl}) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4")
            file, pos = _binlog_end(settings)
            for statement, params in statements:
                if params and isinstance(params[0], tuple):
                    cur.executemany(statement, params)
                else:
                    cur.execute(statement, params)
    finally:
        conn.close()
    return file, pos


def _library_images(event: Any, names: list[str]) -> list[list[Any]]:
    images = []
    for row in event.rows:
        for key in ("before_values", "after_values", "values"):
            if key in row:
                images.append([row[key][n] for n in names])
    return images


def test_the_decoder_gives_the_librarys_values(isolated: Settings) -> None:
    marks = ", ".join(["%s"] * len(COLUMNS))
    null_row = (4,) + (None,) * (len(COLUMNS) - 1)
    half_null = tuple(None if i % 2 else v for i, v in enumerate(ROWS[0]))[1:]
    file, pos = _write(
        isolated,
        "binlog_types",
        TYPES,
        [
            (f"INSERT INTO binlog_types VALUES ({marks})", tuple(ROWS)),
            (f"INSERT INTO binlog_types VALUES ({marks})", null_row),
            (f"INSERT INTO binlog_types VALUES ({marks})", (5, *half_null)),
            # one multi-row update (before and after images), NULLs set and cleared
            ("UPDATE binlog_types SET d1 = -d1, v = NULL, tx = 'new', i = i - 1 WHERE id <= 3", None),
            ("UPDATE binlog_types SET d1 = 7.5, dtm6 = '2020-01-01 00:00:00.5' WHERE id = 4", None),
            ("DELETE FROM binlog_types WHERE id IN (2, 4)", None),
        ],
    )
    reader = _reader(isolated, file, pos, "binlog_types")
    seen: dict[str, int] = {"events": 0, "images": 0, "nulls": 0, "bad dates": 0, "negative d": 0}
    try:
        for event in reader:
            decoder, mine = event_images(event)  # before the library reads the same bytes
            theirs = _library_images(event, decoder.names)
            assert decoder.names == COLUMNS
            assert len(mine) == len(theirs) > 0
            seen["events"] += 1
            for got, want in zip(mine, theirs, strict=True):
                seen["images"] += 1
                for name, g, w in zip(decoder.names, got, want, strict=True):
                    if g is BAD_DATE:  # the library: None, or the epoch for a zero TIMESTAMP
                        seen["bad dates"] += 1
                        assert w is None or w == datetime(1970, 1, 1), (name, w)
                        continue
                    if g == b"" and w == "":  # the library: an empty binary string is str (its codec
                        continue  # "binary" is only looked up for a non-empty value)
                    assert (name, g) == (name, w)
                    assert type(g) is type(w), (name, g, w)
                    seen["nulls"] += g is None
                    seen["negative d"] += name.startswith("d") and g is not None and str(g).startswith("-")
    finally:
        reader.close()
    # 3 inserts (one event each: 3 + 1 + 1 rows), 2 updates (3 + 1 rows, two images each), 1 delete (2)
    assert seen["events"] == 6 and seen["images"] == 5 + 8 + 2, seen
    assert seen["nulls"] > 30 and seen["bad dates"] >= 8 and seen["negative d"] >= 6


def test_a_type_it_does_not_know_is_left_to_the_library(isolated: Settings) -> None:
    file, pos = _write(
        isolated,
        "binlog_other",
        "id INT NOT NULL PRIMARY KEY, t TIME, e ENUM('a', 'b')",
        [("INSERT INTO binlog_other VALUES (1, '01:02:03', 'b')", None)],
    )
    reader = _reader(isolated, file, pos, "binlog_other")
    try:
        events = list(reader)
        assert len(events) == 1
        with pytest.raises(Unsupported, match="column 't'"):
            event_images(events[0])
        assert events[0].rows[0]["values"]["e"] == "b"  # the library still decodes the event
    finally:
        reader.close()
