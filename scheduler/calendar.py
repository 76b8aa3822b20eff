"""Vietnamese working days: when a reminder may go out and where one on a day off moves to.

Working days are Monday to Friday minus public holidays, plus the Saturdays the government swaps
in as make-up working days, as the `holidays` package knows them; the config may add days off
(a local holiday) or working days (a swap the package does not know yet). Each year is built once
into a set of days off, so every later question is a set lookup: the reminder policy asks for
every task on every tick.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

import holidays

_ONE_DAY = timedelta(days=1)
_SATURDAY = 5
# The longest run of days off in Vietnam is Tết with its weekends (about 9 days); a bound this far
# out only matters for a broken config that makes every day a day off.
_MAX_SEARCH_DAYS = 366
EXTRA_DAY_OFF_NAME = "Ngày nghỉ (theo cấu hình)"


class WorkingCalendar:
    """Working days in Vietnam, with a config's own extra days off and extra working days."""

    def __init__(
        self, extra_days_off: Iterable[date] = (), extra_working_days: Iterable[date] = ()
    ) -> None:
        self._extra_off = frozenset(extra_days_off)
        self._extra_working = frozenset(extra_working_days)
        both = self._extra_off & self._extra_working
        if both:
            listed = ", ".join(sorted(day.isoformat() for day in both))
            raise ValueError(f"a day cannot be both a day off and a working day: {listed}")
        self._days_off: dict[int, frozenset[date]] = {}
        self._names: dict[int, dict[date, str]] = {}

    def is_working_day(self, day: date) -> bool:
        """Return True when offices work on `day` (a make-up Saturday counts)."""
        days_off = self._days_off.get(day.year)
        if days_off is None:
            days_off = self._load(day.year)
        return day not in days_off

    def knows(self, year: int) -> bool:
        """Whether `year` is built: every question about it is then a set lookup."""
        return year in self._days_off

    def prepare(self, year: int) -> None:
        """Build `year` now. Building takes tens of milliseconds (the `holidays` package and its
        Vietnamese names): the engine does it in a worker thread, off the event loop."""
        if not self.knows(year):
            self._load(year)

    def on_or_before(self, day: date) -> date:
        """Return `day` if it is a working day, else the working day before it.

        This is where a reminder that falls on a day off goes: early rather than late.
        """
        return self._walk(day, -_ONE_DAY)

    def on_or_after(self, day: date) -> date:
        """Return `day` if it is a working day, else the first working day after it."""
        return self._walk(day, _ONE_DAY)

    def next_working_day(self, day: date) -> date:
        """Return the first working day strictly after `day`."""
        return self._walk(day + _ONE_DAY, _ONE_DAY)

    def add_working_days(self, day: date, count: int) -> date:
        """Return the `count`-th working day after `day` (before it when negative; 0: `day`)."""
        step = _ONE_DAY if count >= 0 else -_ONE_DAY
        for _ in range(abs(count)):
            day = self._walk(day + step, step)
        return day

    def working_days_between(self, first: date, last: date) -> list[date]:
        """Return the working days in [first, last], in order."""
        days: list[date] = []
        day = first
        while day <= last:
            if self.is_working_day(day):
                days.append(day)
            day += _ONE_DAY
        return days

    def holiday_name(self, day: date) -> str | None:
        """Return the Vietnamese name of the holiday on `day`, or None for a working day.

        An ordinary weekend has no name either; a day off from the config is named as such.
        """
        if self.is_working_day(day):
            return None
        if day in self._extra_off:
            return EXTRA_DAY_OFF_NAME
        return self._names[day.year].get(day)

    def _walk(self, day: date, step: timedelta) -> date:
        for _ in range(_MAX_SEARCH_DAYS):
            if self.is_working_day(day):
                return day
            day += step
        raise ValueError(f"no working day within {_MAX_SEARCH_DAYS} days of {day.isoformat()}")

    def _load(self, year: int) -> frozenset[date]:
        """Build one year's days off; the neighbouring years come along for cross-year swaps."""
        # A swap may move a working Saturday into the next or the previous year (2018 gave
        # 05/01/2019 as a make-up day), so the package must know the years on both sides.
        known = holidays.country_holidays("VN", years=(year - 1, year, year + 1), language="vi")
        make_up_days = {d for d in getattr(known, "weekend_workdays", ()) if d.year == year}
        names = {d: name for d, name in known.items() if d.year == year}
        days_off = set(names)
        day = date(year, 1, 1)
        while day.year == year:
            if day.weekday() >= _SATURDAY and day not in make_up_days:
                days_off.add(day)
            day += _ONE_DAY
        days_off |= {d for d in self._extra_off if d.year == year}
        days_off -= self._extra_working
        frozen = frozenset(days_off)
        self._names[year] = names
        self._days_off[year] = frozen
        return frozen
