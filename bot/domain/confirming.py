"""Reading what the Office and the units type after a task: several tasks, a past period, a date.

`/xong 4 5 9` and `/xong 4,5,9` confirm three tasks; `/xong 4 tháng 3` a past month of a recurring
task; `/giahan 6 15-12` a date that lands in the plan's span. Pure, so the chat and the tests
read them the same way.
"""

from __future__ import annotations

import re
from datetime import date

from bot.domain.model import Every
from bot.domain.periods import Period, periods_between
from bot.domain.plans import TaskRef, parse_task_ref
from bot.domain.text import tidy, unify_dashes

_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
_YEAR = r"(?:\s*(?:/|-|\.|\s)\s*(?:năm\s+)?(?P<year>\d{4}))?"
_PERIOD_WORDS = (
    ("month", re.compile(rf"^tháng\s+(?P<n>\d{{1,2}}){_YEAR}(?=\s|$|[,.;:])", re.IGNORECASE)),
    (
        "quarter",
        re.compile(rf"^qu[ýí]\s+(?P<n>iv|iii|ii|i|[1-4]){_YEAR}(?=\s|$|[,.;:])", re.IGNORECASE),
    ),
    (
        "half",
        re.compile(
            rf"^6\s+tháng\s+(?P<n>đầu|cuối)(?:\s+năm)?{_YEAR}(?=\s|$|[,.;:])", re.IGNORECASE
        ),
    ),
    ("year", re.compile(r"^năm\s+(?P<year>\d{4})(?=\s|$|[,.;:])", re.IGNORECASE)),
)
_DATE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})(?:[/.-](\d{4}))?$")


def task_list(args: tuple[str, ...] | list[str]) -> list[TaskRef] | None:
    """The tasks of `/xong 4 5 9` or `/xong 4,5,9`; None unless every argument names a task.

    A single task is not a list (`/xong 4` is the plain form).
    """
    parts = [part for arg in args for part in arg.split(",") if part.strip()]
    if len(parts) < 2:
        return None
    refs = [parse_task_ref(part) for part in parts]
    if any(ref is None for ref in refs):
        return None
    return list(dict.fromkeys(ref for ref in refs if ref is not None))


def split_period(text: str) -> tuple[tuple[int, int, int | None] | None, str]:
    """Split a leading period (`tháng 3`, `quý I/2022`, `6 tháng đầu năm`) off `text`.

    Return ((first month, months, year or None), the rest), or (None, text) when `text` does not
    begin with a period.
    """
    cleaned = unify_dashes(tidy(text))
    for kind, pattern in _PERIOD_WORDS:
        match = pattern.match(cleaned)
        if match is None:
            continue
        year = int(match["year"]) if match["year"] else None
        rest = cleaned[match.end() :].lstrip(" ,.;:-")
        if kind == "year":
            return (1, 12, year), rest
        number = match["n"].casefold()
        if kind == "month":
            month = int(number)
            if not 1 <= month <= 12:
                return None, text
            return (month, 1, year), rest
        if kind == "quarter":
            quarter = _ROMAN.get(number) or int(number)
            return (3 * quarter - 2, 3, year), rest
        return (1 if number == "đầu" else 7, 6, year), rest
    return None, text


def period_named(
    span: tuple[int, int, int | None], every: Every, month: int | None, today: date
) -> Period | None:
    """The one period of a recurring task the span names; None when it names several or none.

    Without a year the span is its latest occurrence that has begun by `today`: a past period
    is what people confirm late.
    """
    first_month, months, year = span
    if year is None:
        year = today.year if date(today.year, first_month, 1) <= today else today.year - 1
    start = date(year, first_month, 1)
    after = first_month + months
    end = date(year + (after - 1) // 12, (after - 1) % 12 + 1, 1)
    found = periods_between(every, start, date.fromordinal(end.toordinal() - 1), month)
    return found[0] if len(found) == 1 else None


def chat_date_in_span(text: str, start: date, end: date, today: date) -> date | None:
    """Read `15/12/2022`, `15-12-2022`, `15.12.2022` or `15/12`; None when it is no date.

    A date without a year lands in the plan's span [start, end]: the first such day on or after
    `today`, else the last one before it; outside every year of the span, the start's year.
    """
    match = _DATE.match(text.strip())
    if match is None:
        return None
    day, month = int(match[1]), int(match[2])
    try:
        if match[3]:
            return date(int(match[3]), month, day)
        candidates = []
        for year in range(start.year, end.year + 1):
            try:
                candidate = date(year, month, day)
            except ValueError:  # 29/02 of a common year
                continue
            if start <= candidate <= end:
                candidates.append(candidate)
        if not candidates:
            return date(start.year, month, day)
        upcoming = [c for c in candidates if c >= today]
        return upcoming[0] if upcoming else candidates[-1]
    except ValueError:
        return None
