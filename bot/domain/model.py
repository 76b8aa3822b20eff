"""Domain types of a plan: what the Office's document says, independent of any storage or channel.

Everything here is plain data so the parser, the importer, the reminder policy and the reports can
share it without importing a database or a chat library.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

TIMEZONE = "Asia/Ho_Chi_Minh"


class ScheduleKind(StrEnum):
    """How a task's "thời gian thực hiện" was understood."""

    DEADLINE = "deadline"
    WINDOW = "window"
    RECURRING = "recurring"
    AS_REGULATED = "as_regulated"
    UNKNOWN = "unknown"


class Every(StrEnum):
    """The period of a recurring task; each period is confirmed once."""

    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"
    HALF_YEAR = "half_year"
    YEAR = "year"


@dataclass(frozen=True, slots=True)
class Schedule:
    """A parsed time expression; `due` is the last day that still counts as on time."""

    kind: ScheduleKind
    due: date | None = None
    start: date | None = None
    end: date | None = None
    every: Every | None = None
    #: Recurring only: the month a yearly task falls in (`Tháng 12 hằng năm` → 12); its period
    #: is that month of each year. `start`/`end` of a recurring schedule are its `from`/`until`.
    month: int | None = None

    @classmethod
    def deadline(cls, due: date) -> Schedule:
        return cls(ScheduleKind.DEADLINE, due=due)

    @classmethod
    def window(cls, start: date, end: date) -> Schedule:
        return cls(ScheduleKind.WINDOW, due=end, start=start, end=end)

    @classmethod
    def recurring(
        cls,
        every: Every,
        *,
        start: date | None = None,
        end: date | None = None,
        month: int | None = None,
    ) -> Schedule:
        """A task confirmed once per period; `start`/`end` bound it when the plan says so."""
        return cls(ScheduleKind.RECURRING, start=start, end=end, every=every, month=month)

    @classmethod
    def as_regulated(cls, due: date | None = None) -> Schedule:
        return cls(ScheduleKind.AS_REGULATED, due=due)

    @classmethod
    def unknown(cls) -> Schedule:
        return cls(ScheduleKind.UNKNOWN)

    @property
    def has_date(self) -> bool:
        """True when reminders can count days to a due date (an as_regulated task once set)."""
        return self.due is not None and self.kind is not ScheduleKind.RECURRING

    def to_json(self) -> dict[str, Any]:
        """Render in the CLI contract's `schedule` form (DESIGN.md)."""
        if self.kind is ScheduleKind.DEADLINE:
            return {"kind": "deadline", "due": _iso(self.due)}
        if self.kind is ScheduleKind.WINDOW:
            return {"kind": "window", "start": _iso(self.start), "end": _iso(self.end)}
        if self.kind is ScheduleKind.RECURRING:
            out: dict[str, Any] = {"kind": "recurring", "every": str(self.every)}
            if self.start is not None:
                out["from"] = _iso(self.start)
            if self.end is not None:
                out["until"] = _iso(self.end)
            if self.month is not None:
                out["month"] = self.month
            return out
        if self.kind is ScheduleKind.AS_REGULATED:
            out = {"kind": "as_regulated"}
            if self.due is not None:
                out["due"] = _iso(self.due)
            return out
        return {"kind": "unknown"}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Schedule:
        kind = ScheduleKind(data["kind"])
        if kind is ScheduleKind.DEADLINE:
            return cls.deadline(date.fromisoformat(data["due"]))
        if kind is ScheduleKind.WINDOW:
            return cls.window(date.fromisoformat(data["start"]), date.fromisoformat(data["end"]))
        if kind is ScheduleKind.RECURRING:
            return cls.recurring(
                Every(data["every"]),
                start=_from_iso(data.get("from")),
                end=_from_iso(data.get("until")),
                month=data.get("month"),
            )
        if kind is ScheduleKind.AS_REGULATED:
            due = data.get("due")
            return cls.as_regulated(date.fromisoformat(due) if due else None)
        return cls.unknown()


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _from_iso(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


@dataclass(frozen=True, slots=True)
class ParsedTask:
    """One row of the plan's appendix, as read from the document.

    `no` counts task rows 1..N in document order (what people type: `/xong 6`); `label` is the
    plan's own numbering made unique (`II.3`, `1.1`, `II.1b`), and `section` the heading the
    task stands under, so the Office can find the row in the printed plan.
    """

    no: int
    content: str
    lead: tuple[str, ...]
    support: tuple[str, ...]
    when: str
    schedule: Schedule
    label: str = ""
    section: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "no": self.no,
            "label": self.label,
            "section": self.section,
            "content": self.content,
            "lead": list(self.lead),
            "support": list(self.support),
            "when": self.when,
            "schedule": self.schedule.to_json(),
        }


@dataclass(frozen=True, slots=True)
class ParsedPlan:
    """A whole plan document: metadata, tasks and what the reader could not understand."""

    number: str
    issued: date | None
    title: str
    tasks: tuple[ParsedTask, ...]
    warnings: tuple[str, ...] = field(default=())

    @property
    def year(self) -> int | None:
        return self.issued.year if self.issued else None

    def to_json(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "issued": _iso(self.issued),
            "title": self.title,
            "tasks": [task.to_json() for task in self.tasks],
            "warnings": list(self.warnings),
        }


class Role(StrEnum):
    """What a registered contact may do (DESIGN: Roles)."""

    OFFICE = "office"
    ISO = "iso"
    LEADER = "leader"
    HEAD = "head"
    MEMBER = "member"

    @property
    def sees_everything(self) -> bool:
        return self in (Role.OFFICE, Role.ISO, Role.LEADER)


class AssignmentRole(StrEnum):
    """Whether a unit leads a task (is reminded, must confirm) or supports it."""

    LEAD = "lead"
    SUPPORT = "support"


class StateKind(StrEnum):
    """An assignment's or task's state, named as Vietnamese e-office systems name them."""

    NOT_DUE = "not_due"  # Chưa đến hạn
    DUE_SOON = "due_soon"  # Sắp đến hạn (within 7 days)
    OVERDUE = "overdue"  # Quá hạn N ngày
    DONE_ON_TIME = "done_on_time"  # Hoàn thành đúng hạn
    DONE_LATE = "done_late"  # Hoàn thành quá hạn
    NO_DATE = "no_date"  # Chưa có hạn (as_regulated without a date, or unknown)
    #: Chờ duyệt: confirmed, waiting for the Office or Ban ISO (`[workflow] verify = true`);
    #: not done yet, but nobody owes anything until it is rejected.
    AWAITING = "awaiting_verification"

    @property
    def is_done(self) -> bool:
        return self in (StateKind.DONE_ON_TIME, StateKind.DONE_LATE)


@dataclass(frozen=True, slots=True)
class State:
    """A state with its day count: days overdue, days late, or days left."""

    kind: StateKind
    days: int = 0
