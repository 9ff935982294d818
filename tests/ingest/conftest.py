"""Fixtures of the ingestion tests (helpers in ingest_helpers.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from softcart.core.settings import Settings
from tests.ingest.ingest_helpers import land, load_course_dump


@pytest.fixture
def course(isolated: Settings, capstone: Path) -> Iterator[Settings]:
    """The course's sync case: MySQL holds sales.sql, the landing dir holds sales.csv."""
    load_course_dump(isolated, capstone)
    land(isolated, capstone / "sales.csv")
    yield isolated
