"""Crash points for the crash-safety tests: ``SOFTCART_INGEST_CRASH_AT=<point>`` makes the process
die like ``kill -9`` (``os._exit(137)``, no cleanup, no rollback message) when it reaches that point.

Points: ``extract`` (rows sent to COPY, batch not finished), ``between_batches``,
``before_commit``, ``after_commit``. Read from ``settings.ingest_crash_at`` (never ``os.environ``).
"""

from __future__ import annotations

import os

from softcart.core.settings import Settings

POINTS = ("extract", "between_batches", "before_commit", "after_commit")


def crash_point(settings: Settings, point: str) -> None:
    if settings.ingest_crash_at == point:
        os._exit(137)
