"""Words and numbers shared by the chart, the Word report and the sheet, so the three agree.

A recurring period that ended unconfirmed is shown as "missed" whatever state the service gave it:
DESIGN says such periods are recorded, not nagged, so the reports name them rather than counting
days overdue on them.

A supporting unit owes nothing, so it is never overdue, late or missed in any report: its state is
"Phối hợp" until it reports, then "Đã báo cáo", whatever date the service computed for the task.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.clock import as_local
from bot.domain.model import AssignmentRole, Every, ScheduleKind, StateKind
from bot.domain.periods import parse_period_key
from bot.i18n import N_, Translator
from bot.presentation import STATE_COLOURS, local_time, state_label
from bot.presentation import period_label as chat_period_label
from bot.reports.data import AssignmentRow, ReportData, TaskRow

# "Due soon" gets its own amber in reports: on a chart, blue for both "in progress" and "due
# soon" would hide the rows that need attention this week.
REPORT_COLOURS: dict[StateKind, str] = {**STATE_COLOURS, StateKind.DUE_SOON: "#f9a825"}
MISSED_COLOUR = STATE_COLOURS[StateKind.OVERDUE]
# Supporting units: a quiet blue-grey while they have not reported, green once they have.
SUPPORT_COLOUR = "#78909c"
REPORTED_COLOUR = STATE_COLOURS[StateKind.DONE_ON_TIME]

_ROLE_LABELS = {AssignmentRole.LEAD: N_("Lead"), AssignmentRole.SUPPORT: N_("Support")}

_EVERY_LABELS = {
    Every.WEEK: N_("Weekly"),
    Every.MONTH: N_("Monthly"),
    Every.QUARTER: N_("Quarterly"),
    Every.HALF_YEAR: N_("Every six months"),
    Every.YEAR: N_("Yearly"),
}

# Reminder kinds as the scheduler records them; an unknown kind is shown as stored.
_REMINDER_KINDS = {
    "opens": N_("Window opens"),
    "upcoming": N_("Before the deadline"),
    "due_today": N_("Due today"),
    "overdue": N_("Overdue reminder"),
    "escalation": N_("Escalation"),
    "period_open": N_("Period starts"),
    "period_closing": N_("Period ends soon"),
    "needs_deadline": N_("Deadline needed"),
}

_REMINDER_STATUSES = {
    "sent": N_("Reminder sent"),
    "pending": N_("Reminder pending"),
    "failed": N_("Reminder failed"),
    "skipped": N_("Reminder skipped"),
    "sending": N_("Reminder pending"),
    "undeliverable": N_("Undeliverable"),
    "cancelled": N_("Cancelled (confirmed before sending)"),
}

_CHANNELS = {"telegram": "Telegram", "zalo": "Zalo", "console": "Console"}


def is_support(row: AssignmentRow) -> bool:
    return row.role is AssignmentRole.SUPPORT


def has_reported(row: AssignmentRow) -> bool:
    """A supporting unit has reported once it confirmed, whatever the date."""
    return row.confirmed_at is not None or row.state.kind.is_done


def is_awaiting(row: AssignmentRow) -> bool:
    """Confirmed, but `[workflow] verify` wants the Office or Ban ISO to check it first."""
    return row.state.kind is StateKind.AWAITING


def is_missed(row: AssignmentRow, today: date) -> bool:
    """True for a lead unit's recurring period that ended before `today` unconfirmed.

    A period confirmed but still awaiting verification is not missed: the unit did its part.
    """
    return (
        bool(row.period)
        and not is_support(row)
        and not has_reported(row)
        and row.due is not None
        and (row.due < today)
    )


def support_label(row: AssignmentRow, tr: Translator) -> str:
    """`Phối hợp`, or `Đã báo cáo` once the supporting unit confirmed its part."""
    return tr.gettext("Reported") if has_reported(row) else tr.gettext("Supporting")


def row_state_label(row: AssignmentRow, today: date, tr: Translator) -> str:
    """An assignment's state as the Office reads it; a missed period says so."""
    if is_support(row):
        return support_label(row, tr)
    if is_missed(row, today):
        return tr.gettext("Period missed")
    return state_label(row.state, tr)


def row_colour(row: AssignmentRow, today: date) -> str:
    """The fill of an assignment's state, missed periods in the overdue red."""
    if is_support(row):
        return REPORTED_COLOUR if has_reported(row) else SUPPORT_COLOUR
    return MISSED_COLOUR if is_missed(row, today) else REPORT_COLOURS[row.state.kind]


def row_late_days(row: AssignmentRow) -> int:
    """Days late or overdue for a lead unit; a supporting unit is never late."""
    return 0 if is_support(row) else row.late_days


def confirmer_label(row: AssignmentRow, tr: Translator) -> str:
    """`Nguyễn Thị Lan (Văn phòng Sở xác nhận thay)` when the Office confirmed for the unit."""
    name = row.confirmed_by or ""
    if row.on_behalf_by is None:
        return name
    behalf = tr.gettext("confirmed on its behalf by {unit}", unit=row.on_behalf_by)
    return f"{name} ({behalf})" if name else behalf


def verification_label(row: AssignmentRow, tr: Translator) -> str:
    """`Chờ duyệt`, `Đã duyệt: Trần Thị Hoa`, or why the confirmation was sent back; "" when
    there is nothing to say (nothing confirmed, or verification not asked for)."""
    if is_awaiting(row):
        return state_label(row.state, tr)
    if row.verified:
        if row.verified_by:
            return tr.gettext("Verified by {by}", by=row.verified_by)
        return tr.gettext("Verified")
    if row.rejected_reason is not None and row.rejected_at is not None:
        when = local_time(row.rejected_at, tr)
        if row.rejected_by:
            return tr.gettext(
                "Sent back by {by} at {when}: “{reason}”",
                by=row.rejected_by,
                when=when,
                reason=row.rejected_reason,
            )
        return tr.gettext("Sent back at {when}: “{reason}”", when=when, reason=row.rejected_reason)
    return ""


def extension_label(row: AssignmentRow, tr: Translator) -> str:
    """Whom the extension of `row.due` applies to, and why; "" when the date was never moved."""
    if row.original_due is None:
        return ""
    reason = row.extension_reason.strip()
    if row.extended_alone:
        if reason:
            return tr.gettext("For this unit only: {reason}", reason=reason)
        return tr.gettext("For this unit only")
    if reason:
        return tr.gettext("For every unit: {reason}", reason=reason)
    return tr.gettext("For every unit")


def role_label(role: AssignmentRole, tr: Translator) -> str:
    return tr.gettext(_ROLE_LABELS[role])


def every_label(every: Every | None, tr: Translator) -> str:
    return tr.gettext(_EVERY_LABELS[every]) if every is not None else ""


def period_label(period: str, tr: Translator) -> str:
    """`2022-08` → `08/2022`, the way the Office writes a month in a column; a quarter, half
    year, year or week as chat names it (`quý III/2022`), since "Thường xuyên" is quarterly."""
    year, sep, part = period.partition("-")
    if sep and year.isdigit() and part.isdigit() and len(year) == 4:
        return f"{int(part):02d}/{year}"
    try:
        parse_period_key(period)
    except ValueError:
        return period  # not a key this version knows: shown as stored rather than dropped
    return chat_period_label(period, tr)


def reminder_kind_label(kind: str, tr: Translator) -> str:
    return tr.gettext(_REMINDER_KINDS[kind]) if kind in _REMINDER_KINDS else kind


def reminder_status_label(status: str, tr: Translator) -> str:
    return tr.gettext(_REMINDER_STATUSES[status]) if status in _REMINDER_STATUSES else status


def channel_label(channel: str) -> str:
    return _CHANNELS.get(channel, channel)


def shorten(text: str, limit: int) -> str:
    """Cut at a word boundary and mark the cut, so a label never ends mid-word."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:.-–") + "…"


def local_date(moment: datetime) -> date:
    """The calendar day of a confirmation in the agency's time zone, not the server's."""
    return as_local(moment).date()


def lead_rows(task: TaskRow) -> tuple[AssignmentRow, ...]:
    return tuple(row for row in task.assignments if row.role is AssignmentRole.LEAD)


def is_recurring(task: TaskRow) -> bool:
    return task.schedule.kind is ScheduleKind.RECURRING


@dataclass(frozen=True, slots=True)
class Summary:
    """The counts the report's opening paragraph states."""

    tasks: int
    done_on_time: int  # one-off tasks
    done_late: int
    awaiting: int  # confirmed by every lead unit, some confirmation not verified yet
    still_open: int  # neither done nor awaiting verification
    open_overdue: int  # of still_open
    open_no_date: int  # of still_open
    recurring: int
    missed_periods: int  # unit-periods of recurring tasks that ended unconfirmed


def summarize(data: ReportData) -> Summary:
    """Count one-off tasks by state and recurring tasks by missed periods."""
    one_off = [task for task in data.tasks if not is_recurring(task)]
    kinds = [task.state.kind for task in one_off]
    on_time = kinds.count(StateKind.DONE_ON_TIME)
    late = kinds.count(StateKind.DONE_LATE)
    awaiting = kinds.count(StateKind.AWAITING)
    return Summary(
        tasks=len(data.tasks),
        done_on_time=on_time,
        done_late=late,
        awaiting=awaiting,
        still_open=len(one_off) - on_time - late - awaiting,
        open_overdue=kinds.count(StateKind.OVERDUE),
        open_no_date=kinds.count(StateKind.NO_DATE),
        recurring=len(data.tasks) - len(one_off),
        missed_periods=sum(task.missed_periods for task in data.tasks if is_recurring(task)),
    )
