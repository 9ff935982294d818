"""The course's file formats, quirks included, and a writer that reproduces them byte for byte.

Each course file has its own habits (checked on ``../shared/capstone/``): some start with a UTF-8
BOM, some end without a newline, ``oltpdata.csv`` has no header. :data:`FILE_FORMATS` records them
and :class:`DatasetFileWriter` applies them, so generated files and real files parse the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class FileFormat:
    name: str
    header: str | None  # None: the file has no header line
    bom: bool  # starts with a UTF-8 byte order mark
    trailing_newline: bool  # the last line ends with "\n"


# the order here is the order of the summary table
FILE_FORMATS: dict[str, FileFormat] = {
    f.name: f
    for f in (
        FileFormat("oltpdata.csv", None, bom=False, trailing_newline=False),
        FileFormat("catalog.json", None, bom=False, trailing_newline=False),
        FileFormat("customers.csv", "customer_id,country", bom=False, trailing_newline=True),
        FileFormat("inventory.csv", "product_id,on_hand,reorder_level", bom=False, trailing_newline=True),
        FileFormat(
            "DimDate.csv",
            "dateid,date,Year,Quarter,QuarterName,Month,Monthname,Day,Weekday,WeekdayName",
            bom=False,
            trailing_newline=True,
        ),
        FileFormat("DimCategory.csv", "categoryid,category", bom=False, trailing_newline=False),
        FileFormat("DimCountry.csv", "countryid,country", bom=True, trailing_newline=True),
        FileFormat(
            "FactSales.csv", "orderid,dateid,countryid,categoryid,amount", bom=False, trailing_newline=True
        ),
        FileFormat(
            "ecommerce.csv", "day,month,quarter,year,category,item,price", bom=False, trailing_newline=True
        ),
        FileFormat("searchterms.csv", "day,month,year,searchterm", bom=True, trailing_newline=False),
        FileFormat("accesslog.txt", None, bom=False, trailing_newline=True),
    )
}


def csv_lines(columns: Sequence[pa.Array]) -> bytes:
    """Columns as CSV lines, each ending with "\\n", no header, never quoted.

    A value holding a comma, quote or newline raises (the course's CSV files are never quoted,
    and neither are ours).
    """
    table = pa.Table.from_arrays(list(columns), names=[f"c{i}" for i in range(len(columns))])
    sink = pa.BufferOutputStream()
    pacsv.write_csv(table, sink, pacsv.WriteOptions(include_header=False, quoting_style="none"))
    return sink.getvalue().to_pybytes()


def string_array_bytes(strings: pa.Array) -> bytes:
    """The UTF-8 bytes of all values of a string array, back to back (no separator added)."""
    if strings.null_count:
        raise ValueError("string array holds nulls")
    _, offsets_buffer, data_buffer = strings.buffers()
    offsets = np.frombuffer(offsets_buffer, dtype=np.int32)[
        strings.offset : strings.offset + len(strings) + 1
    ]
    if data_buffer is None or len(offsets) < 2:
        return b""
    return data_buffer.to_pybytes()[int(offsets[0]) : int(offsets[-1])]


class DatasetFileWriter:
    """Writes one dataset file: BOM and header as its format says, then lines in chunks.

    Every chunk passed to :meth:`write` is whole lines, each ending with "\\n"; on close the last
    newline is dropped when the format says the file ends without one.
    """

    def __init__(self, folder: Path, name: str) -> None:
        self.format = FILE_FORMATS[name]
        self.path = folder / name
        self.rows = 0
        self._file: BinaryIO = self.path.open("wb")
        if self.format.bom:
            self._file.write(BOM)
        if self.format.header is not None:
            self._file.write(self.format.header.encode() + b"\n")

    def write(self, lines: bytes, rows: int) -> None:
        if lines and not lines.endswith(b"\n"):
            raise ValueError(f"{self.path.name}: a chunk must end with a newline")
        self._file.write(lines)
        self.rows += rows

    def close(self) -> None:
        if not self.format.trailing_newline:
            end = self._file.tell()
            if end:
                self._file.seek(end - 1)
                self._file.truncate()
        self._file.close()

    def __enter__(self) -> DatasetFileWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.close()
        else:
            self._file.close()
