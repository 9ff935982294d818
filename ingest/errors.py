"""Errors that end a run with a clear message (and a non-zero exit), never a traceback."""

from __future__ import annotations


class IngestError(Exception):
    """A run cannot go on; nothing of it is published."""


class SourceError(IngestError):
    """A source cannot be read: server down, table missing, wrong password, extract died."""


class WarehouseError(IngestError):
    """The warehouse refused the data (e.g. rows past the mark already in the raw table)."""
