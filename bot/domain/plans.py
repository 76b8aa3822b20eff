"""Plans side by side: their keys, task addresses, span and state (DESIGN: Plans, keys and
task addresses).

An Office follows a dozen plans at once, and people type `187.6` on a phone: the key must be short,
stable and unique, and a bare `6` may be used only where it cannot mean two tasks. Everything here
is pure so the importer, the services and the chat agree on one reading.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from bot.domain.model import Schedule, ScheduleKind
from bot.domain.text import match_key

#: Characters a key may hold: what people can type on a phone keyboard without switching layout.
_KEY_CHARS = re.compile(r"[^0-9A-Za-z-]+")
_KEY = re.compile(r"^[0-9A-Za-z][0-9A-Za-z-]{0,31}$")
#: `187.6`, `187/6`, `05-2023.3`, `6`: an optional key, a separator, then the task number.
_ADDRESS = re.compile(r"^(?:(?P<key>[0-9A-Za-z][0-9A-Za-z-]*)[./])?(?P<no>[0-9]{1,6})$")
_SCHOOL_YEAR = re.compile(r"năm học (\d{4})\s*-\s*(\d{4})")


class PlanState(StrEnum):
    """Where a plan is in its life: reminded, past its end, or stopped by the Office."""

    ACTIVE = "active"
    ENDED = "ended"
    CLOSED = "closed"


def key_base(number: str) -> str:
    """The key a plan number suggests: its part up to the first `/` (`187/KH-SGDĐT` → `187`)."""
    head = number.split("/", 1)[0].strip()
    return _KEY_CHARS.sub("-", head).strip("-")[:24] or "kh"


def choose_key(number: str, issued: date | None, taken: Iterable[str]) -> str:
    """The key of a newly stored plan: the number's head, with `-YYYY` when another plan has it.

    The later plan is the one that gets the year, so an existing plan's key never changes under
    the people who already type it.
    """
    used = {key.casefold() for key in taken}
    base = key_base(number)
    if base.casefold() not in used:
        return base
    year = issued.year if issued else None
    candidate = f"{base}-{year}" if year else base
    suffix = 2
    while candidate.casefold() in used:
        candidate = f"{base}-{year}-{suffix}" if year else f"{base}-{suffix}"
        suffix += 1
    return candidate


def is_valid_key(key: str) -> bool:
    """A key the Office may choose with `--key`: letters, digits and `-`, at most 32."""
    return bool(_KEY.match(key))


@dataclass(frozen=True, slots=True)
class TaskRef:
    """A task as typed: `187.6` names plan 187; a bare `6` leaves the plan to be worked out."""

    key: str | None
    no: int


def parse_task_ref(text: str) -> TaskRef | None:
    """Read `187.6`, `187/6`, `6`, `#6`, `TT6`; None when it is not a task address."""
    cleaned = text.strip().lstrip("#")
    if cleaned[:2].casefold() == "tt":
        cleaned = cleaned[2:]
    cleaned = cleaned.rstrip(".:,;")
    match = _ADDRESS.match(cleaned)
    if match is None:
        return None
    return TaskRef(match["key"], int(match["no"]))


def address(key: str, no: int, *, several_plans: bool) -> str:
    """How a task is shown: a bare number while one plan is followed, `KEY.NO` with several."""
    return f"{key}.{no}" if several_plans else str(no)


def file_name_part(number: str) -> str:
    """A plan's number as part of a file name (`187/KH-SGDĐT` → `187-KH-SGDĐT`): no slash."""
    return number.replace("/", "-")


def schedule_reach(schedule: Schedule) -> date | None:
    """The latest day a task's own schedule names (None: it names none)."""
    if schedule.kind is ScheduleKind.RECURRING:
        return schedule.end
    if schedule.kind is ScheduleKind.WINDOW:
        return schedule.end
    return schedule.due


def derive_end(issued: date | None, year: int, title: str, schedules: Iterable[Schedule]) -> date:
    """The last day of a plan: the latest date any task reaches, and never before the end of its
    issue year (or, for a school-year plan, 31/05 of the school year's second year)."""
    floor = date(year, 12, 31)
    school = _SCHOOL_YEAR.search(match_key(title or ""))
    if school and int(school[2]) == int(school[1]) + 1:
        floor = max(floor, date(int(school[2]), 5, 31))
    reaches = [day for day in (schedule_reach(s) for s in schedules) if day is not None]
    end = max([floor, *reaches])
    if issued is not None and end < issued:
        end = date(issued.year, 12, 31)
    return end


def plan_state(closed: bool, end: date, today: date) -> PlanState:
    """A plan is closed by the Office, ended once its last day has passed, otherwise active."""
    if closed:
        return PlanState.CLOSED
    return PlanState.ENDED if today > end else PlanState.ACTIVE
