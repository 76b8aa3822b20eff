"""Periods of recurring tasks: the unit a "Thường xuyên" or "Hằng quý" task is confirmed in.

A recurring task is never done once and for all: each week, month, quarter, half year or year is
confirmed on its own, and each period is due on its last day. Periods are named by a short key
(`2022-W31`, `2022-08`, `2022-Q3`, `2022-H2`, `2022`) that is stored with a confirmation and shown
to people, so the key must round-trip through `parse_period_key`.

A yearly task tied to one month (`Tháng 12 hằng năm`: `Every.YEAR` with `month=12`) has that
month of each year as its period, keyed like any month (`2025-12`): the key round-trips to the
same period, and `/xong 4 tháng 12` names it the way it names a monthly task's December.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from bot.domain.model import Every

_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
_HALF = re.compile(r"^(\d{4})-H([12])$")
_YEAR = re.compile(r"^(\d{4})$")
_EXAMPLES = "2022-W31, 2022-08, 2022-Q3, 2022-H2 or 2022"


@dataclass(frozen=True, slots=True)
class Period:
    """One period of a recurring task, first and last day inclusive."""

    key: str
    start: date
    end: date

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end


def period_of(every: Every, day: date, month: int | None = None) -> Period:
    """Return the period of kind `every` that contains `day`.

    With `month` (yearly tasks only) the period is that month of `day`'s year, which contains
    `day` only when `day` falls in that month.
    """
    every = Every(every)  # a stored "month" string works as well as the enum
    if month is not None:
        return _month_of_year(every, day.year, month)
    if every is Every.WEEK:
        iso_year, iso_week, iso_weekday = day.isocalendar()
        start = day - timedelta(days=iso_weekday - 1)
        return Period(f"{iso_year}-W{iso_week:02d}", start, start + timedelta(days=6))
    if every is Every.MONTH:
        return _months(day.year, day.month, 1, f"{day.year}-{day.month:02d}")
    if every is Every.QUARTER:
        quarter = (day.month - 1) // 3 + 1
        return _months(day.year, 3 * quarter - 2, 3, f"{day.year}-Q{quarter}")
    if every is Every.HALF_YEAR:
        half = 1 if day.month <= 6 else 2
        return _months(day.year, 6 * half - 5, 6, f"{day.year}-H{half}")
    if every is Every.YEAR:
        return Period(str(day.year), date(day.year, 1, 1), date(day.year, 12, 31))
    raise ValueError(f"unknown period kind: {every!r}")


def periods_between(
    every: Every, first: date, last: date, month: int | None = None
) -> list[Period]:
    """Return every period that overlaps [first, last], in order; empty when last < first.

    With `month` (yearly tasks only) the periods are that month of each year.
    """
    if month is not None:
        years = range(first.year, last.year + 1) if first <= last else range(0)
        in_years = (_month_of_year(every, year, month) for year in years)
        return [p for p in in_years if p.start <= last and p.end >= first]
    periods: list[Period] = []
    day = first
    while day <= last:
        period = period_of(every, day)
        periods.append(period)
        day = period.end + timedelta(days=1)
    return periods


def parse_period_key(key: str) -> Period:
    """Return the period a key names; raise ValueError for anything that is not a period key."""
    text = key.strip()
    try:
        if match := _WEEK.match(text):
            year, week = int(match[1]), int(match[2])
            return period_of(Every.WEEK, date.fromisocalendar(year, week, 1))
        if match := _MONTH.match(text):
            return period_of(Every.MONTH, date(int(match[1]), int(match[2]), 1))
        if match := _QUARTER.match(text):
            return period_of(Every.QUARTER, date(int(match[1]), 3 * int(match[2]) - 2, 1))
        if match := _HALF.match(text):
            return period_of(Every.HALF_YEAR, date(int(match[1]), 6 * int(match[2]) - 5, 1))
        if match := _YEAR.match(text):
            return period_of(Every.YEAR, date(int(match[1]), 1, 1))
    except ValueError as error:  # month 13, week 54, year 0
        raise ValueError(f"not a period key: {key!r} ({error})") from None
    raise ValueError(f"not a period key: {key!r} (expected {_EXAMPLES})")


def _month_of_year(every: Every, year: int, month: int) -> Period:
    """The period of a yearly task tied to `month`: that month of `year`, keyed as a month."""
    if Every(every) is not Every.YEAR:
        raise ValueError(f"a month of the year is for yearly periods only, not {every!r}")
    if not 1 <= month <= 12:
        raise ValueError(f"not a month: {month!r}")
    return _months(year, month, 1, f"{year}-{month:02d}")


def _months(year: int, first_month: int, count: int, key: str) -> Period:
    """A period of `count` whole months starting with `first_month` of `year`."""
    after = first_month + count
    end = date(year + (after - 1) // 12, (after - 1) % 12 + 1, 1) - timedelta(days=1)
    return Period(key, date(year, first_month, 1), end)
