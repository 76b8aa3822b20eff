"""Read a plan's "thời gian thực hiện" into a `Schedule` (DESIGN: Time expressions → schedule).

The parser is deliberately strict: each accepted form is one anchored pattern, and anything else
is `unknown`. A wrong date sends wrong reminders to a whole department, while an `unknown` one
only produces a warning that the Office fixes with one command. For the same reason nothing here
raises: an impossible date such as 31/02 is `unknown` too.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from datetime import date, timedelta

from bot.domain.model import Every, Schedule
from bot.domain.text import match_key

# Cells longer than this are prose, not a time expression; skipping them bounds the regex work.
_MAX_LENGTH = 300

_DAY_MONTH = r"([0-9]{1,2})/([0-9]{1,2})(?:/([0-9]{4}))?"
_MONTH = r"([0-9]{1,2})"
_YEAR = r"([0-9]{4})"
_UNTIL = r"(?:đến|tới|-|cho đến)(?: hết)?"
_QUARTERS = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_EVERY_WORD = {
    "tuần": Every.WEEK,
    "tháng": Every.MONTH,
    "quý": Every.QUARTER,
    "quí": Every.QUARTER,
    "năm": Every.YEAR,
}
# (first day, last day) of each part of a month; None: the month's last day, or its last week.
_MONTH_PARTS: dict[str, tuple[int | None, int | None]] = {
    "tuần đầu": (1, 7),
    "đầu": (1, 10),
    "giữa": (11, 20),
    "cuối": (21, None),
    "tuần cuối": (None, None),
}
_EVERY_MONTHS = {1: Every.MONTH, 3: Every.QUARTER, 6: Every.HALF_YEAR, 12: Every.YEAR}
_NUMBER_WORDS = {"một": "1", "ba": "3", "sáu": "6", "mười hai": "12"}


_BEFORE = re.compile(rf"(?:hoàn thành |thực hiện )?trước (?:vào )?{_DAY_MONTH}")
_BY = re.compile(
    rf"(?:hoàn thành )?(?:chậm nhất|muộn nhất|hạn chót|hạn cuối|thời hạn|hạn)"
    rf"(?: là| vào| đến)?:? {_DAY_MONTH}"
)
_ON = re.compile(rf"(?:hoàn thành )?(?:trong |vào )?{_DAY_MONTH}")
_DATE_RANGE = re.compile(rf"(?:từ |tháng |trong |thời gian )?{_DAY_MONTH} {_UNTIL} {_DAY_MONTH}")
_MONTH_RANGE = re.compile(
    rf"(?:từ |trong )?tháng {_MONTH}(?:/{_YEAR})? {_UNTIL} (?:tháng )?{_MONTH}(?:/{_YEAR})?"
)
_ONE_MONTH = re.compile(rf"(?:trong |cả )?tháng {_MONTH}(?:/{_YEAR})?")
_QUARTER = re.compile(rf"(?:trong )?qu[ýí] (iv|iii|ii|i|0?[1-4])(?:/{_YEAR})?")
_HALF = re.compile(rf"(?:trong )?0?6 tháng (đầu|cuối) năm(?:[ /]{_YEAR})?")
_WHOLE_YEAR = re.compile(rf"(?:trong |cả )?năm(?: {_YEAR})?|{_YEAR}")
_SCHOOL_YEAR = re.compile(rf"(?:trong )?năm học {_YEAR} - {_YEAR}")
_QUARTER_RANGE = re.compile(
    rf"(?:từ )?qu[ýí] (iv|iii|ii|i|0?[1-4])/{_YEAR} {_UNTIL} qu[ýí] (iv|iii|ii|i|0?[1-4])/{_YEAR}"
)
# "Tuần đầu tháng 4/2023", "Giữa tháng 5", "Cuối tháng 12/2025": a part of one month.
_PART_OF_MONTH = re.compile(
    rf"(?:trong |vào )?(tuần đầu|đầu|giữa|tuần cuối|cuối) tháng {_MONTH}(?:/{_YEAR})?"
)
# "2026 - 2030", "Giai đoạn 2026-2030", "Năm 2025-2030", "Từ năm 2025 đến năm 2030".
_YEARS = re.compile(
    rf"(?:trong )?(?:giai đoạn |năm |từ năm |từ )?{_YEAR} {_UNTIL} (?:năm )?{_YEAR}"
)
_BEFORE_YEAR = re.compile(rf"(?:hoàn thành |thực hiện )?trước năm {_YEAR}")

_ROUTINE = re.compile(r"(?:nhiệm vụ |thực hiện )?thường xuyên(?:,? liên tục)?")
# "Thường xuyên, hằng năm", "Thường xuyên, định kỳ hằng quý báo cáo…": the stated period wins.
_ROUTINE_STATED = re.compile(
    r"thường xuyên(?:,? liên tục)?,? (?:định k[ỳì] )?(?:hằng|hàng|mỗi) (tuần|tháng|qu[ýí]|năm)\b.*"
)
_MONTH_EVERY_YEAR = re.compile(rf"(?:trong |vào )?tháng {_MONTH} (?:hằng|hàng|mỗi) năm")
_EVERY = re.compile(r"(?:định k[ỳì] )?(?:hằng|hàng|mỗi) (tuần|tháng|qu[ýí]|năm)(?: một lần)?")
_PERIODIC = re.compile(r"định k[ỳì] (tuần|tháng|qu[ýí]|năm)")
_EVERY_N_MONTHS = re.compile(
    r"(?:(?:định k[ỳì]|hằng|hàng|mỗi) ([0-9]{1,2}) tháng(?: (?:1|một) lần|/(?:1 )?lần)?"
    r"|([0-9]{1,2}) tháng(?: (?:1|một) lần|/(?:1 )?lần))"
)
_AS_REGULATED = re.compile(
    r"(?:theo (?:quy|qui) định|theo yêu cầu|khi có yêu cầu|đột xuất|theo kế hoạch(?: riêng)?"
    r"|khi có phát sinh)(?:\W.*)?"
    r"|(?:theo lộ trình|theo hướng dẫn|theo chỉ đạo|sau khi)\b.*"
)


#: The period of a bare "Thường xuyên" unless the config says otherwise (`routine_every`).
DEFAULT_ROUTINE_EVERY = Every.QUARTER


def parse_when(
    text: str,
    plan_year: int | None,
    routine_every: Every = DEFAULT_ROUTINE_EVERY,
    *,
    issued: date | None = None,
) -> Schedule:
    """Return the schedule a time expression stands for; `unknown` when it is not understood.

    `plan_year` places a date written without a year (for a range: the end's year); with `None`
    such dates cannot be placed and the result is `unknown`. A bare "Thường xuyên" states no
    period, so the agency chooses one (`[reminders] routine_every`). `issued`, the plan's issue
    date, is the earliest start of a multi-year task (`2025 - 2030` in a plan of November 2025
    starts then, not in January): nobody can owe a period that ended before the plan existed.
    """
    if len(text) > _MAX_LENGTH * 4:  # bound the normalising work too, not just the patterns
        return Schedule.unknown()
    key = _canonical(text)
    if not key or len(key) > _MAX_LENGTH:
        return Schedule.unknown()
    if _ROUTINE.fullmatch(key):
        return Schedule.recurring(routine_every)
    try:
        years = _read_years(key, issued)
    except (ValueError, OverflowError):
        return Schedule.unknown()
    if years is not None:
        return years
    for reader in _READERS:
        try:
            schedule = reader(key, plan_year)
        except (ValueError, OverflowError):
            # An impossible date (31/02, month 13, year 0) or no year to place it in.
            return Schedule.unknown()
        if schedule is not None:
            return schedule
    return Schedule.unknown()


def is_routine(text: str) -> bool:
    """True for a bare "Thường xuyên": its period is the config's, not the plan's."""
    return _ROUTINE.fullmatch(_canonical(text)) is not None


def parse_chat_date(text: str, default_year: int) -> date | None:
    """Read a date typed in chat, `15/12/2022` or `15/12` (then in `default_year`); else None."""
    key = _canonical(text)
    match = re.fullmatch(_DAY_MONTH, key)
    if match is None:
        return None
    try:
        return _day(match.group(1), match.group(2), match.group(3), default_year)
    except (ValueError, OverflowError):
        return None


def _canonical(text: str) -> str:
    """Reduce the many ways of writing one expression to a single spelling the patterns expect."""
    key = match_key(text).strip(" .,;:")
    key = re.sub(r"\s*/\s*", "/", key)
    key = re.sub(r"\s*-\s*", " - ", key)
    key = key.replace("(", " ").replace(")", " ")
    for word, digits in _NUMBER_WORDS.items():
        key = re.sub(rf"\b{word} tháng\b", f"{digits} tháng", key)
    # The document style "ngày 15 tháng 12 năm 2023" becomes "ngày 15/12/2023".
    key = re.sub(r"\bngày ([0-9]{1,2}) tháng ([0-9]{1,2})\b", r"ngày \1/\2", key)
    # "tháng 3 năm 2023", "Quý IV năm 2023", "15/12 năm 2023" put the year after a slash.
    key = re.sub(r"(?<![0-9])([0-9]{1,2}|\b(?:iv|iii|ii|i)) năm ([0-9]{4})\b", r"\1/\2", key)
    key = re.sub(r"\bngày (?=[0-9])", "", key)
    # "Quí IV-2025", "Quý IV.2025": the year after a dash or a dot is the quarter's year.
    key = re.sub(r"\b(qu[ýí] (?:iv|iii|ii|i|0?[1-4]))(?: - |\.)([0-9]{4})\b", r"\1/\2", key)
    return " ".join(key.split())


def _day(day: str, month: str, year: str | None, default_year: int | None) -> date:
    return date(int(year) if year else _require(default_year), int(month), int(day))


class _NoYearError(ValueError):
    """A date written without a year, and no plan year to place it in."""


def _require(year: int | None) -> int:
    if year is None:
        raise _NoYearError
    return year


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _read_deadline(key: str, plan_year: int | None) -> Schedule | None:
    if match := _BEFORE.fullmatch(key):
        return Schedule.deadline(_day(*match.groups(), plan_year) - timedelta(days=1))
    if match := _BY.fullmatch(key) or _ON.fullmatch(key):
        return Schedule.deadline(_day(*match.groups(), plan_year))
    return None


def _read_date_range(key: str, plan_year: int | None) -> Schedule | None:
    match = _DATE_RANGE.fullmatch(key)
    if match is None:
        return None
    d1, m1, y1, d2, m2, y2 = match.groups()
    end_year = int(y2) if y2 else int(y1) if y1 else _require(plan_year)
    end = date(end_year, int(m2), int(d2))
    if y1:
        start = date(int(y1), int(m1), int(d1))
        if not y2 and end < start:  # "Từ 01/12/2022 đến 31/01": the end is in the next year
            end = date(end_year + 1, end.month, end.day)
    else:
        start = date(end_year, int(m1), int(d1))
        if start > end:  # "Từ 01/12 đến 31/01/2023": the start is in the year before
            start = date(end_year - 1, start.month, start.day)
    return _window(start, end)


def _read_months(key: str, plan_year: int | None) -> Schedule | None:
    if match := _MONTH_RANGE.fullmatch(key):
        m1, y1, m2, y2 = match.groups()
        end_year = int(y2) if y2 else int(y1) if y1 else _require(plan_year)
        wraps = int(m1) > int(m2)  # "Từ tháng 11 đến tháng 2/2023" starts the year before
        start_year = int(y1) if y1 else end_year - 1 if wraps else end_year
        if y1 and not y2 and wraps:
            end_year += 1
        return _window(date(start_year, int(m1), 1), _month_end(end_year, int(m2)))
    if match := _ONE_MONTH.fullmatch(key):
        month, year = match.groups()
        year_number = int(year) if year else _require(plan_year)
        return _window(date(year_number, int(month), 1), _month_end(year_number, int(month)))
    return None


def _read_quarter_half_year(key: str, plan_year: int | None) -> Schedule | None:
    if match := _QUARTER.fullmatch(key):
        quarter = _QUARTERS[match.group(1).lstrip("0")]
        year = int(match.group(2)) if match.group(2) else _require(plan_year)
        first = 3 * quarter - 2
        return _window(date(year, first, 1), _month_end(year, first + 2))
    if match := _HALF.fullmatch(key):
        year = int(match.group(2)) if match.group(2) else _require(plan_year)
        if match.group(1) == "đầu":
            return _window(date(year, 1, 1), date(year, 6, 30))
        return _window(date(year, 7, 1), date(year, 12, 31))
    if match := _WHOLE_YEAR.fullmatch(key):
        written = match.group(1) or match.group(2)
        year = int(written) if written else _require(plan_year)
        return _window(date(year, 1, 1), date(year, 12, 31))
    return None


def _read_years(key: str, issued: date | None) -> Schedule | None:
    """Read a span of whole years as a yearly task, from 01/01 (or the issue date) to 31/12."""
    match = _YEARS.fullmatch(key)
    if match is None:
        return None
    first, last = int(match.group(1)), int(match.group(2))
    if first >= last:
        return None
    start, end = date(first, 1, 1), date(last, 12, 31)
    if issued is not None and issued > start:
        start = issued
    if start > end:  # a span over before the plan was issued: nothing left to remind of
        return Schedule.unknown()
    return Schedule.recurring(Every.YEAR, start=start, end=end)


def _read_month_part(key: str, plan_year: int | None) -> Schedule | None:
    if match := _PART_OF_MONTH.fullmatch(key):
        part, month, year = match.groups()
        end = _month_end(int(year) if year else _require(plan_year), int(month))
        first_day, last_day = _MONTH_PARTS[part]
        last = end.day if last_day is None else last_day
        if first_day is None:  # the last seven days
            first_day = end.day - 6
        return _window(end.replace(day=first_day), end.replace(day=last))
    if match := _SCHOOL_YEAR.fullmatch(key):
        first, second = int(match.group(1)), int(match.group(2))
        if second != first + 1:
            return None
        return _window(date(first, 9, 1), date(second, 5, 31))
    if match := _QUARTER_RANGE.fullmatch(key):
        q1, y1, q2, y2 = match.groups()
        first = 3 * _QUARTERS[q1.lstrip("0")] - 2
        last = 3 * _QUARTERS[q2.lstrip("0")]
        return _window(date(int(y1), first, 1), _month_end(int(y2), last))
    if match := _BEFORE_YEAR.fullmatch(key):
        return Schedule.deadline(date(int(match.group(1)) - 1, 12, 31))
    return None


def _read_recurring(key: str, plan_year: int | None) -> Schedule | None:
    if match := _MONTH_EVERY_YEAR.fullmatch(key):
        month = int(match.group(1))
        return Schedule.recurring(Every.YEAR, month=month) if 1 <= month <= 12 else None
    if match := _ROUTINE_STATED.fullmatch(key):
        return Schedule.recurring(_EVERY_WORD[match.group(1)])
    if match := _EVERY.fullmatch(key) or _PERIODIC.fullmatch(key):
        return Schedule.recurring(_EVERY_WORD[match.group(1)])
    if match := _EVERY_N_MONTHS.fullmatch(key):
        every = _EVERY_MONTHS.get(int(match.group(1) or match.group(2)))
        return Schedule.recurring(every) if every else None
    return None


def _read_as_regulated(key: str, plan_year: int | None) -> Schedule | None:
    return Schedule.as_regulated() if _AS_REGULATED.fullmatch(key) else None


def _window(start: date, end: date) -> Schedule | None:
    if start > end:
        raise ValueError("a window that ends before it starts")
    return Schedule.window(start, end)


_READERS: tuple[Callable[[str, int | None], Schedule | None], ...] = (
    _read_date_range,
    _read_deadline,
    _read_month_part,
    _read_months,
    _read_quarter_half_year,
    _read_recurring,
    _read_as_regulated,
)
