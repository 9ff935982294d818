"""The world's calendar: DimDate rows and day-index helpers (day 0 = FIRST_DAY)."""

from __future__ import annotations

import datetime as dt

import numpy as np

from softcart.generate.world import FIRST_DAY, MONTH_NAMES, N_DAYS, WEEKDAY_NAMES

EPOCH = np.datetime64(FIRST_DAY.isoformat(), "D")


def day_dates() -> np.ndarray:
    """datetime64[D] of every day of the world, day index order."""
    return EPOCH + np.arange(N_DAYS)


def day_parts(day_index: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(year, month, day of month) of each day index, as int arrays."""
    dates = EPOCH + day_index.astype("timedelta64[D]")
    years = dates.astype("datetime64[Y]").astype(np.int64) + 1970
    months = dates.astype("datetime64[M]").astype(np.int64) % 12 + 1
    days = (dates - dates.astype("datetime64[M]")).astype(np.int64) + 1
    return years, months, days


def weekday_sunday_one(day: dt.date) -> int:
    """DimDate's Weekday: Sunday = 1 ... Saturday = 7."""
    return (day.weekday() + 1) % 7 + 1


def dim_date_lines() -> bytes:
    """DimDate.csv's data lines (dateid = day index + 1).

    Unlike the course's file (which gives the 12 quarter-end dates the next quarter), quarters
    here are correct.
    """
    lines = []
    for i in range(N_DAYS):
        day = FIRST_DAY + dt.timedelta(days=i)
        quarter = (day.month - 1) // 3 + 1
        weekday = weekday_sunday_one(day)
        lines.append(
            f"{i + 1},{day.isoformat()},{day.year},{quarter},Q{quarter},{day.month},"
            f"{MONTH_NAMES[day.month - 1]},{day.day},{weekday},{WEEKDAY_NAMES[weekday - 1]}\n"
        )
    return "".join(lines).encode()
