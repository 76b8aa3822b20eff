"""The input of every report: plain frozen rows, so the writers need no database to run or test.

The lead's report service builds a `ReportData` from the store; the writers only read it. Keeping
the writers on plain data lets the same sample feed the tests and the images in `docs/`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from bot.domain.model import AssignmentRole, Schedule, State


@dataclass(frozen=True, slots=True)
class EvidenceRow:
    """A file a unit sent with its confirmation, as the reports name and link it."""

    name: str  # as the unit sent it
    size: int | None
    sha256: str | None
    received_at: datetime  # aware
    by: str
    location: Path | None  # the stored copy (absolute); None when it was not downloaded


@dataclass(frozen=True, slots=True)
class AssignmentRow:
    """One unit's part of a task (for a recurring task: of one period) and its confirmation."""

    task_no: int
    unit: str
    role: AssignmentRole
    period: str  # "" for one-off tasks; "2022-08" etc. for a recurring task's period
    due: date | None
    state: State
    confirmed_at: datetime | None  # aware
    confirmed_by: str | None  # the person's name
    note: str | None
    late_days: int  # days late when done late, days overdue when open and overdue, else 0
    evidence: tuple[EvidenceRow, ...] = ()  # files sent with the standing confirmation
    #: The plan's own date when `due` is an extended one (for every unit or this unit alone);
    #: None when the date was never moved. Kept so a report shows both, as `/status` does.
    original_due: date | None = None
    extension_reason: str = ""
    extended_alone: bool = False  # True: the Office extended this unit's date only
    #: The confirmer's unit when the Office confirmed for this unit (`/xong N @UNIT`).
    on_behalf_by: str | None = None
    #: True: checked by the Office or Ban ISO; False: not (yet); None: nothing confirmed.
    verified: bool | None = None
    verified_by: str | None = None
    #: The last confirmation sent back (`/tuchoi`), while no new one stands.
    rejected_reason: str | None = None
    rejected_by: str | None = None
    rejected_at: datetime | None = None  # aware


#: The chart's key of a recurring period a lead unit let end unconfirmed.
MISSED = "missed"


@dataclass(frozen=True, slots=True)
class PeriodCounts:
    """One period of a recurring task as the chart colours it: lead units per state kind
    (`StateKind` values, or "missed" for a period that ended unconfirmed)."""

    due: date
    counts: tuple[tuple[str, int], ...]


@dataclass(frozen=True, slots=True)
class TaskRow:
    """One task of the plan's appendix with its overall state and every assignment."""

    no: int
    content: str
    lead: tuple[str, ...]  # as the plan names them ("Các phòng thuộc Sở" kept as the group)
    support: tuple[str, ...]
    when: str  # the plan's own time text
    schedule: Schedule
    state: State
    done_units: int  # lead assignments done (current period for recurring)
    owed_units: int  # lead assignments owed
    missed_periods: int  # recurring: unit-periods ended unconfirmed
    assignments: tuple[AssignmentRow, ...]
    #: The plan's own date when the Office extended the task for every unit; None otherwise.
    original_due: date | None = None
    extension_reason: str = ""
    #: The chart's cells of a recurring task when the rows are not there (the chat's chart
    #: reads counts, not every unit's row); empty: the chart counts `assignments`.
    periods: tuple[PeriodCounts, ...] = ()


@dataclass(frozen=True, slots=True)
class ReminderLogRow:
    """One reminder from the outbox, as the Office audits it."""

    at: datetime  # when it was sent (aware)
    channel: str
    contact: str
    unit: str
    task_no: int
    kind: str
    slot: date
    status: str  # sent / pending / failed / skipped
    late: bool


@dataclass(frozen=True, slots=True)
class ReportData:
    """Everything a report shows: the issuing agency, the plan, its tasks and the reminder log.

    The signer fields default to empty: the Word report then leaves the signature block blank
    for the Office to fill by hand instead of printing a title nobody configured.
    """

    agency_parent: str  # "UBND TỈNH HƯNG YÊN"; "" when the agency has no governing body line
    agency: str  # "SỞ GIÁO DỤC VÀ ĐÀO TẠO"
    place: str  # "Hưng Yên"
    plan_number: str
    plan_issued: date | None
    plan_title: str
    plan_year: int
    today: date
    tasks: tuple[TaskRow, ...]
    reminders: tuple[ReminderLogRow, ...]
    agency_code: str = ""  # "SGDĐT": the report is "Số: /BC-SGDĐT"; "" gives "Số: /BC"
    signer_title: tuple[str, ...] = ()  # ("KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC")
    signer_name: str = ""
    recipients: tuple[str, ...] = ()  # "Nơi nhận" lines, bare: "Ban ISO Sở", "Lưu: VT, VP"
