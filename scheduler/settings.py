"""The reminder policy's knobs, read from the config's `[reminders]` table.

Every number in DESIGN's "Reminder policy" lives here with its default, so an agency can change
when and how often it is reminded without touching code. A mistake in the table stops start-up
with one line naming the key and what it expects: a wrong reminder schedule is worse than none.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from datetime import date, time
from typing import Any

from bot.domain.model import Every
from scheduler.calendar import WorkingCalendar

_HH_MM = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


@dataclass(frozen=True, slots=True)
class ReminderSettings:
    """When reminders go out and to whom; the defaults are DESIGN's policy."""

    send_time: time = time(8, 0)
    before_days: tuple[int, ...] = (14, 7, 3, 1)
    due_soon_days: int = 7
    escalate_after_working_days: int = 3
    period_closing_days: int = 3
    #: Overdue: every working day for this many working days after the due day, then on the
    #: first working day of each week; and never later than this many days after the plan's end.
    overdue_daily_working_days: int = 5
    overdue_days_after_end: int = 30
    #: A task without a date: the Office is asked when the plan is imported, then on the first
    #: working day of each period of this kind.
    needs_deadline_every: Every = Every.MONTH
    #: `/hoanlai N [ngày]` and the button hold an assignment's reminders this many working days.
    snooze_default_days: int = 3
    snooze_max_days: int = 10
    remind_support: bool = False
    #: The period of a bare "Thường xuyên" task: each period is confirmed once.
    routine_every: Every = Every.QUARTER
    late_grace_minutes: int = 15
    extra_days_off: tuple[date, ...] = ()
    extra_working_days: tuple[date, ...] = ()
    enabled: bool = True
    #: How often `nhacviec run` ticks, and, with several processes, how long the ticking one's
    #: lease lasts without renewal and after how long a dead sender's claimed rows are sent again.
    tick_seconds: int = 60
    lease_seconds: int = 90
    claim_timeout_seconds: int = 120

    @classmethod
    def from_toml(cls, table: Mapping[str, Any]) -> ReminderSettings:
        """Read a `[reminders]` table; raise ValueError naming the first bad key."""
        known = {field.name for field in fields(cls)}
        values: dict[str, Any] = {}
        for key, value in table.items():
            if key in _REPLACED:
                raise ValueError(f"[reminders] {key} is no longer read; {_REPLACED[key]}")
            if key not in known:
                expected = ", ".join(sorted(known))
                raise ValueError(f"[reminders] unknown key {key!r}; known keys: {expected}")
            values[key] = _READERS[key](key, value)
        both = set(values.get("extra_days_off", ())) & set(values.get("extra_working_days", ()))
        if both:
            listed = ", ".join(sorted(day.isoformat() for day in both))
            raise ValueError(
                f"[reminders] extra_days_off and extra_working_days both list {listed}"
            )
        settings = cls(**values)
        if settings.claim_timeout_seconds < claim_floor(settings.lease_seconds):
            raise ValueError(
                f"[reminders] claim_timeout_seconds ({settings.claim_timeout_seconds}) must be at"
                f" least {claim_floor(settings.lease_seconds)}: a third longer than"
                f" lease_seconds ({settings.lease_seconds}), so that a claim outlives the lease"
                " it was made under"
            )
        if settings.snooze_default_days > settings.snooze_max_days:
            raise ValueError(
                f"[reminders] snooze_default_days ({settings.snooze_default_days}) must not"
                f" exceed snooze_max_days ({settings.snooze_max_days})"
            )
        return settings

    def rules_fingerprint(self) -> str:
        """A digest of everything that shapes the reminder timelines (not how a process ticks).

        Stored next-reminder days are valid only under the rules they were computed with: when
        this changes, every day is worked out again (`bot.services.reminder_dates.sync_rules`).
        The holiday data's version is part of it, for an update may move a day off.
        """
        import holidays

        process = {"tick_seconds", "lease_seconds", "claim_timeout_seconds", "enabled"}
        shaping = [
            f"{field.name}={getattr(self, field.name)!r}"
            for field in fields(self)
            if field.name not in process
        ]
        text = ";".join([*shaping, f"holidays={holidays.__version__}"])
        return hashlib.sha256(text.encode()).hexdigest()[:32]

    def calendar(self) -> WorkingCalendar:
        """Build the working calendar with this config's extra days off and working days."""
        return WorkingCalendar(self.extra_days_off, self.extra_working_days)


def claim_floor(lease_seconds: int) -> int:
    """The shortest claim timeout allowed with this lease: the lease and one renewal interval.

    The holder renews its lease every third of it, so a row it claimed while holding the lease
    stays its own for at least a third of a lease after a new holder could take over: the new
    holder never takes back what a live holder claimed in its time, and a holder that was
    paused finds, on waking, its claims already fenced (`scheduler.outbox.fence`).
    """
    return -(-lease_seconds * 4 // 3)


def _fail(key: str, expected: str, value: object) -> ValueError:
    shown = f'"{value}"' if isinstance(value, str) else repr(value)
    return ValueError(f"[reminders] {key} must be {expected}, got {shown}")


def _time(key: str, value: object) -> time:
    # TOML has a local-time type (08:00:00); a quoted "08:00" is what people usually write.
    if isinstance(value, time):
        return value.replace(second=0, microsecond=0)
    if isinstance(value, str) and (match := _HH_MM.match(value.strip())):
        return time(int(match[1]), int(match[2]))
    raise _fail(key, '"HH:MM"', value)


def _int(low: int, high: int | None = None) -> Callable[[str, object], int]:
    """Make a reader for a whole number in [low, high]."""
    if high is None:
        expected = f"a whole number, at least {low}"
    else:
        expected = f"a whole number from {low} to {high}"

    def read(key: str, value: object) -> int:
        # bool is an int in Python; `true` for a day count is a mistake, not 1.
        if isinstance(value, bool) or not isinstance(value, int):
            raise _fail(key, expected, value)
        if value < low or (high is not None and value > high):
            raise _fail(key, expected, value)
        return value

    return read


def _bool(key: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise _fail(key, "true or false", value)
    return value


def _days_before(key: str, value: object) -> tuple[int, ...]:
    expected = "a list of whole numbers of days, each at least 1 (e.g. [14, 7, 3, 1])"
    if not isinstance(value, list | tuple) or any(
        isinstance(item, bool) or not isinstance(item, int) or item < 1 for item in value
    ):
        raise _fail(key, expected, value)
    return tuple(sorted(set(value), reverse=True))


def _every(key: str, value: object) -> Every:
    names = ", ".join(f'"{every}"' for every in Every)
    try:
        return Every(value)
    except ValueError:
        raise _fail(key, f"one of {names}", value) from None


def _dates(key: str, value: object) -> tuple[date, ...]:
    expected = 'a list of dates "YYYY-MM-DD"'
    if not isinstance(value, list | tuple):
        raise _fail(key, expected, value)
    days: list[date] = []
    for item in value:
        # TOML's bare 2027-02-08 arrives as a date; a quoted one as a string.
        if isinstance(item, date) and not hasattr(item, "hour"):
            days.append(item)
            continue
        try:
            days.append(date.fromisoformat(item))
        except (TypeError, ValueError):
            raise _fail(key, expected, item) from None
    return tuple(sorted(set(days)))


#: Keys an older config may still hold, with what to write instead.
_REPLACED = {
    "needs_deadline_weekday": (
        "the Office is asked for a missing date on the first working day of each"
        ' needs_deadline_every (default "month"); remove the key'
    ),
}

_READERS = {
    "send_time": _time,
    "before_days": _days_before,
    "due_soon_days": _int(0),
    "escalate_after_working_days": _int(1),
    "period_closing_days": _int(0),
    "overdue_daily_working_days": _int(0, 366),
    "overdue_days_after_end": _int(0, 3660),
    "needs_deadline_every": _every,
    "snooze_default_days": _int(1, 366),
    "snooze_max_days": _int(1, 366),
    "remind_support": _bool,
    "routine_every": _every,
    "late_grace_minutes": _int(0),
    "extra_days_off": _dates,
    "extra_working_days": _dates,
    "enabled": _bool,
    "tick_seconds": _int(1, 3600),
    "lease_seconds": _int(1, 3600),
    "claim_timeout_seconds": _int(1, 86_400),
}
