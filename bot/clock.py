"""Time as an injected dependency, so domain code never reads the wall clock."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from bot.domain.model import TIMEZONE

LOCAL_TZ = ZoneInfo(TIMEZONE)


class Clock(Protocol):
    """Anything that tells the current time as an aware datetime."""

    def now(self) -> datetime: ...


class SystemClock:
    """The real clock, in Asia/Ho_Chi_Minh whatever the server's TZ."""

    def now(self) -> datetime:
        return datetime.now(LOCAL_TZ)


class ManualClock:
    """A clock that tests and the demo move by hand."""

    def __init__(self, start: datetime) -> None:
        self._now = as_local(start)

    def now(self) -> datetime:
        return self._now

    def set(self, moment: datetime) -> None:
        self._now = as_local(moment)

    def advance(self, delta: timedelta) -> None:
        self._now = self._now + delta


def as_local(moment: datetime) -> datetime:
    """Attach or convert to local time; a naive datetime is taken as already local."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=LOCAL_TZ)
    return moment.astimezone(LOCAL_TZ)


def local_today(clock: Clock) -> date:
    return clock.now().astimezone(LOCAL_TZ).date()
