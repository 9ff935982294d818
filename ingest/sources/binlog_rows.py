"""Decoding of binlog row images (WRITE/UPDATE/DELETE rows events), faster than the library's.

``mysql-replication`` reads every value with its own chain of Python calls (a ``packet.read`` per
value, the decimal and datetime built from strings and bit slices): about 1,500 row changes/s on
the project's machine, 92 % of the capture's time (docs/ingestion.md, "Change data capture"). Here
the library still connects, frames the events, parses the table maps and keeps the positions; the
row images of one event are decoded from the event's body in one pass: per table map and per
pattern of NULLs, the fixed-width runs of columns are one precompiled ``struct`` each, and only
decimals, dates and strings get a conversion of their own.

The values are the library's (same Python types and values: ``tests/ingest/test_binlog_rows.py``
holds the two to each other on real events), with one deliberate difference: a zero or invalid
date, datetime or timestamp is :data:`BAD_DATE` (the library gives ``None`` or 1970-01-01), which
the change log rejects as the snapshot does; an empty binary string is ``b""`` (the library: ``""``).

A table with a column type not decoded here (TIME, ENUM, SET, BIT, JSON, GEOMETRY), a row image
that is not FULL (``binlog_row_image=MINIMAL``) or an event of a kind not known here raises
:class:`Unsupported`: the caller then uses the library's own decoding (``event.rows``) for it.
"""

from __future__ import annotations

import codecs
import struct
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from pymysql.charset import charset_by_name


class Unsupported(Exception):
    """This event or table is not decoded here: use the library's decoding."""


class _BadDate:
    """A zero or invalid date: not a value PostgreSQL can hold (the snapshot rejects it too)."""

    def __repr__(self) -> str:
        return "BAD_DATE"


BAD_DATE: Any = _BadDate()

# MySQL field types (pymysqlreplication.constants.FIELD_TYPE; the binlog format's numbers)
TINY, SHORT, LONG, FLOAT, DOUBLE, TIMESTAMP, LONGLONG, INT24 = 1, 2, 3, 4, 5, 7, 8, 9
DATE, DATETIME, YEAR, VARCHAR, TIMESTAMP2, DATETIME2 = 10, 12, 13, 15, 17, 18
NEWDECIMAL, BLOB, STRING = 246, 252, 254

_INT_FORMATS = {TINY: "b", SHORT: "h", LONG: "i", LONGLONG: "q", FLOAT: "f", DOUBLE: "d"}
_DIG2BYTES = (0, 1, 1, 2, 2, 3, 3, 4, 4, 4)
_EPOCH = datetime(1970, 1, 1)

Convert = Callable[[Any], Any]


def _decimal(precision: int, scale: int) -> tuple[int, Convert]:
    """(bytes, bytes -> Decimal) of MySQL's binary DECIMAL(precision, scale): groups of 9 digits
    in 4 bytes big-endian, the partial groups in fewer; the first bit is the sign (1: positive),
    and a negative number has every bit inverted."""
    intg = precision - scale
    lead, full_i = _DIG2BYTES[intg % 9], intg // 9
    full_f, tail = scale // 9, _DIG2BYTES[scale % 9]
    size = lead + 4 * full_i + 4 * full_f + tail
    mask = (1 << (8 * size)) - 1
    sign_bit = 1 << (8 * size - 1)
    # bit offsets (from the right) and bases of the groups, most significant first
    groups: list[tuple[int, int, int]] = []  # (shift, mask, digits of the group)
    shift = 8 * size
    for nbytes, digits in [(lead, intg % 9)] + [(4, 9)] * full_i + [(4, 9)] * full_f + [(tail, scale % 9)]:
        if nbytes:
            shift -= 8 * nbytes
            groups.append((shift, (1 << (8 * nbytes)) - 1, digits))
    int_groups = (1 if lead else 0) + full_i

    def convert(raw: bytes) -> Decimal:
        value = int.from_bytes(raw, "big")
        negative = not value & sign_bit
        value = (value ^ mask if negative else value) & ~sign_bit
        integral = fraction = 0
        for i, (at, m, digits) in enumerate(groups):
            g = (value >> at) & m
            if i < int_groups:
                integral = integral * 1_000_000_000 + g
            else:
                fraction = fraction * 10**digits + g
        text = f"{'-' if negative else ''}{integral}"
        return Decimal(f"{text}.{fraction:0{scale}d}" if scale else text)

    return size, convert


def _fsp_bytes(fsp: int) -> int:
    return (fsp + 1) // 2


def _fraction(fsp: int, raw: int) -> int:
    """Microseconds of a fractional part stored in ``_fsp_bytes(fsp)`` bytes (the library's rule)."""
    if fsp % 2:
        raw //= 10
    return raw * 10 ** (6 - fsp)


def _datetime2(fsp: int) -> tuple[int, Convert]:
    """DATETIME2: 5 bytes big-endian (sign, year*13+month, day, hour, minute, second), then the
    fraction in big-endian bytes."""
    frac = _fsp_bytes(fsp)

    def convert(raw: bytes) -> Any:
        v = int.from_bytes(raw[:5], "big")
        ym = (v >> 22) & 0x1FFFF
        try:
            at = datetime(ym // 13, ym % 13, (v >> 17) & 31, (v >> 12) & 31, (v >> 6) & 63, v & 63)
        except ValueError:
            return BAD_DATE
        if frac:
            micro = _fraction(fsp, int.from_bytes(raw[5:], "big", signed=True))
            if micro > 0:
                at = at.replace(microsecond=micro)
        return at

    return 5 + frac, convert


def _timestamp2(fsp: int) -> tuple[int, Convert]:
    frac = _fsp_bytes(fsp)

    def convert(raw: bytes) -> Any:
        seconds = int.from_bytes(raw[:4], "big", signed=True)
        if seconds == 0:  # '0000-00-00 00:00:00'
            return BAD_DATE
        at = _EPOCH + timedelta(seconds=seconds)
        if frac:
            micro = _fraction(fsp, int.from_bytes(raw[4:], "big", signed=True))
            if micro > 0:
                at = at.replace(microsecond=micro)
        return at

    return 4 + frac, convert


def _date(raw: bytes) -> Any:
    v = int.from_bytes(raw, "little")
    try:
        return date(v >> 9, (v >> 5) & 15, v & 31)
    except ValueError:
        return BAD_DATE


def _datetime(v: int) -> Any:
    """The old DATETIME: the decimal digits YYYYMMDDhhmmss in a little-endian 8-byte integer."""
    d, t = divmod(v, 1_000_000)
    try:
        return datetime(d // 10000, d // 100 % 100, d % 100, t // 10000, t // 100 % 100, t % 100)
    except ValueError:
        return BAD_DATE


def _timestamp(v: int) -> Any:
    return BAD_DATE if v == 0 else _EPOCH + timedelta(seconds=v)


def _int24(unsigned: bool) -> Convert:
    return lambda raw: int.from_bytes(raw, "little", signed=not unsigned)


def _encoding(column: Any) -> str | None:
    """The Python codec of a string column (None: bytes, as the library gives them)."""
    name = getattr(column, "character_set_name", None)
    if name is None:
        return "utf-8"
    charset = charset_by_name(name)
    encoding = charset.encoding if charset else name
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        return None


# one column: a fixed part (struct format, converter) or a variable one (length bytes, codec)
Fixed = tuple[str, Convert | None]
Var = tuple[int, str | None]


def _column_part(column: Any) -> Fixed | Var:
    t = column.type
    unsigned = bool(getattr(column, "unsigned", False))
    if t in _INT_FORMATS:
        fmt = _INT_FORMATS[t]
        return (fmt.upper() if unsigned and t not in (FLOAT, DOUBLE) else fmt), None
    if t == INT24:
        return "3s", _int24(unsigned)
    if t == YEAR:
        return "B", lambda v: v + 1900
    if t == NEWDECIMAL:
        size, convert = _decimal(column.precision, column.decimals)
        return f"{size}s", convert
    if t == DATETIME2:
        size, convert = _datetime2(column.fsp)
        return f"{size}s", convert
    if t == TIMESTAMP2:
        size, convert = _timestamp2(column.fsp)
        return f"{size}s", convert
    if t == DATE:
        return "3s", _date
    if t == DATETIME:
        return "Q", _datetime
    if t == TIMESTAMP:
        return "I", _timestamp
    if t in (VARCHAR, STRING):
        return (2 if column.max_length > 255 else 1), _encoding(column)
    if t == BLOB:
        return int(column.length_size), _encoding(column)
    raise Unsupported(f"column {column.name!r} of MySQL type {t}")


# (struct of a run of fixed-width columns, (column, converter) per value) or (None, [], (column,
# bytes of the length, codec) of a string)
Step = tuple[struct.Struct | None, list[tuple[int, Convert | None]], tuple[int, int, str | None]]
_NO_VAR = (0, 0, None)


class TableDecoder:
    """The row images of one table map (its columns, in binlog order)."""

    def __init__(self, columns: list[Any]) -> None:
        self.names = [c.name for c in columns]
        if None in self.names:
            raise Unsupported("the table map has no column names (binlog_row_metadata is not FULL)")
        self.names_key = tuple(self.names)
        self.parts = [_column_part(c) for c in columns]
        self.width = len(columns)
        self.null_bytes = (self.width + 7) // 8
        self.plans: dict[bytes, list[Step]] = {}

    def _plan(self, nulls: bytes) -> list[Step]:
        """The steps of a row image whose NULL bitmap is ``nulls``: runs of fixed-width columns
        in one struct, strings one by one."""
        steps: list[Step] = []
        fmt, targets = "<", []  # the run being built
        for i, part in enumerate(self.parts):
            if nulls[i >> 3] & (1 << (i & 7)):
                continue
            if isinstance(part[0], str):
                fmt += part[0]
                targets.append((i, part[1]))
                continue
            if targets:
                steps.append((struct.Struct(fmt), targets, _NO_VAR))
                fmt, targets = "<", []
            length_bytes, codec = part
            steps.append((None, [], (i, length_bytes, codec)))  # type: ignore[arg-type]
        if targets:
            steps.append((struct.Struct(fmt), targets, _NO_VAR))
        return steps

    def images(self, body: bytes | memoryview, per_row: int) -> list[list[Any]]:
        """Every row image of an event's body (after its column bitmaps), in order: values by
        column position, None for NULL. ``per_row`` images per row (2 for an update)."""
        out: list[list[Any]] = []
        off, end = 0, len(body)
        nb, width, plans = self.null_bytes, self.width, self.plans
        while off < end:
            nulls = bytes(body[off : off + nb])
            off += nb
            steps = plans.get(nulls)
            if steps is None:
                steps = plans[nulls] = self._plan(nulls)
            row: list[Any] = [None] * width
            for packer, targets, var in steps:
                if packer is not None:
                    values = packer.unpack_from(body, off)
                    off += packer.size
                    for (i, convert), value in zip(targets, values, strict=True):
                        row[i] = value if convert is None else convert(value)
                else:
                    i, length_bytes, codec = var
                    n = int.from_bytes(body[off : off + length_bytes], "little")
                    off += length_bytes
                    raw = bytes(body[off : off + n])
                    off += n
                    row[i] = raw if codec is None else raw.decode(codec)
            out.append(row)
        if off != end or len(out) % per_row:
            raise Unsupported(f"row images do not fill the event ({off} of {end} bytes)")
        return out


_decoders: dict[tuple[Any, ...], TableDecoder] = {}


def table_decoder(table: Any) -> TableDecoder:
    """The decoder of a table map (the library's ``Table``), compiled once per column layout."""
    cached = getattr(table, "_softcart_decoder", None)
    if cached is not None:
        if isinstance(cached, Unsupported):
            raise cached
        return cached  # type: ignore[no-any-return]
    key = tuple(tuple(sorted((k, repr(v)) for k, v in c.data.items())) for c in table.columns)
    decoder = _decoders.get(key)
    if decoder is None:
        try:
            decoder = TableDecoder(table.columns)
        except Unsupported as exc:
            table._softcart_decoder = exc
            raise
        if len(_decoders) > 256:
            _decoders.clear()
        _decoders[key] = decoder
    table._softcart_decoder = decoder
    return decoder


def event_body(event: Any) -> memoryview:
    """The bytes of a rows event after its header and column bitmaps (the row images), read in
    place from the library's packet without consuming them (``event.rows`` still works)."""
    wrapper = event.packet
    if getattr(wrapper, "_BinLogPacketWrapper__data_buffer", b""):
        raise Unsupported("the library holds unread bytes of this event")
    raw = wrapper.packet
    start = raw._position
    return memoryview(raw._data)[start : start + event.event_size - wrapper.read_bytes]


def event_images(event: Any) -> tuple[TableDecoder, list[list[Any]]]:
    """(the table's decoder, every row image of a WRITE/UPDATE/DELETE rows event).

    A write or delete has one image per row, an update two (before, after). Raises
    :class:`Unsupported` where the library must decode instead.
    """
    if event.event_type not in (23, 24, 25, 30, 31, 32):  # WRITE/UPDATE/DELETE_ROWS v1, v2
        raise Unsupported(f"rows event type {event.event_type}")
    table = event.table_map[event.table_id]
    decoder = table_decoder(table)
    bitmaps = [event.columns_present_bitmap]
    if event.event_type in (24, 31):
        bitmaps.append(event.columns_present_bitmap2)
    every = (1 << decoder.width) - 1
    if event.number_of_columns != decoder.width or any(
        int.from_bytes(bytes(b), "little") & every != every for b in bitmaps
    ):
        raise Unsupported("not a FULL row image (binlog_row_image=MINIMAL or NOBLOB)")
    return decoder, decoder.images(event_body(event), len(bitmaps))
