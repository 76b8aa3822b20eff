"""How domain values read to people: states, periods, dates. Shared by chat and documents."""

from __future__ import annotations

from datetime import datetime

from bot.clock import LOCAL_TZ
from bot.domain.model import Role, Schedule, ScheduleKind, State, StateKind
from bot.domain.periods import Period
from bot.domain.states import due_date
from bot.i18n import N_, Translator, chat_date


def state_label(state: State, tr: Translator) -> str:
    """The e-office name of a state: Chưa đến hạn, Quá hạn 3 ngày, Hoàn thành đúng hạn…"""
    if state.kind is StateKind.NOT_DUE:
        return tr.gettext("Not yet due")
    if state.kind is StateKind.DUE_SOON:
        return tr.gettext("Due soon")
    if state.kind is StateKind.OVERDUE:
        return tr.ngettext("Overdue {count} day", "Overdue {count} days", state.days)
    if state.kind is StateKind.DONE_ON_TIME:
        return tr.gettext("Done on time")
    if state.kind is StateKind.DONE_LATE:
        return tr.gettext("Done late")
    if state.kind is StateKind.AWAITING:
        return tr.gettext("Awaiting verification")
    return tr.gettext("No deadline yet")


STATE_COLOURS = {
    StateKind.DONE_ON_TIME: "#2e7d32",  # green
    StateKind.NOT_DUE: "#1565c0",  # blue: in progress
    StateKind.DUE_SOON: "#1565c0",
    StateKind.DONE_LATE: "#ef6c00",  # orange
    StateKind.OVERDUE: "#c62828",  # red
    StateKind.NO_DATE: "#757575",  # grey
    StateKind.AWAITING: "#6a1b9a",  # purple: the unit is done, the Office has yet to check
}


def schedule_dates(schedule: Schedule) -> str:
    """The computed date(s) of a schedule as chat shows them, or '' when there are none."""
    if schedule.kind is ScheduleKind.WINDOW and schedule.start and schedule.end:
        return f"{chat_date(schedule.start)} – {chat_date(schedule.end)}"
    if schedule.due is not None:
        return chat_date(schedule.due)
    return ""


ROLE_NAMES = {
    Role.OFFICE: N_("Office (follow-up)"),
    Role.ISO: N_("ISO board"),
    Role.LEADER: N_("Leadership"),
    Role.HEAD: N_("Head of unit"),
    Role.MEMBER: N_("Unit member"),
}

CONTENT_PREVIEW = 90


def role_name(role: Role, tr: Translator) -> str:
    return tr.gettext(ROLE_NAMES[role])


def local_time(moment: datetime, tr: Translator) -> str:
    """`10:30 ngày 15/07/2022`, in Vietnam's time whatever the server's."""
    local = moment.astimezone(LOCAL_TZ)
    return tr.gettext("{time} on {date}", time=local.strftime("%H:%M"), date=chat_date(local))


def period_label(period: Period | str, tr: Translator) -> str:
    """A recurring period as officials say it: tháng 8/2022, quý III/2022, 6 tháng cuối năm."""
    key = period.key if isinstance(period, Period) else period
    if not key:
        return ""
    year, _, part = key.partition("-")
    if not part:
        return tr.gettext("year {year}", year=year)
    if part.startswith("W"):
        return tr.gettext("week {week}/{year}", week=int(part[1:]), year=year)
    if part.startswith("Q"):
        roman = ("I", "II", "III", "IV")[int(part[1:]) - 1]
        return tr.gettext("quarter {quarter}/{year}", quarter=roman, year=year)
    if part == "H1":
        return tr.gettext("first half of {year}", year=year)
    if part == "H2":
        return tr.gettext("second half of {year}", year=year)
    return tr.gettext("month {month}/{year}", month=int(part), year=year)


def shorten(text: str, limit: int = CONTENT_PREVIEW) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def when_line_for(when: str, schedule: Schedule, period: Period | None, tr: Translator) -> str:
    """The plan's own time text, then the computed date(s) and the period for recurring tasks."""
    computed = schedule_dates(schedule)
    due = due_date(schedule, period)
    if schedule.kind is not ScheduleKind.WINDOW and period is None and due is not None:
        computed = tr.gettext("due {date}", date=chat_date(due))
    if period is not None and due is not None:
        computed = tr.gettext(
            "{period}, due {date}", period=period_label(period, tr), date=chat_date(due)
        )
    if computed and computed != when:
        return f"{when} ({computed})"
    return when


def mark_task(text: str, address: str, mark: str) -> str:
    """Add `mark` under task `address`'s block of a message (a pressed button's answer).

    Blocks are separated by a blank line and begin with the task's address as shown (`6. …` or
    `187.6. …`, perhaps under a `Kế hoạch …:` line); `187.6` also finds `6.` in a message that
    shows bare numbers. A task not found leaves the text as it was.
    """
    wanted = [f"{address}. "]
    if "." in address:
        wanted.append(f"{address.rsplit('.', 1)[1]}. ")
    blocks = text.split("\n\n")
    for prefix in wanted:
        for index, block in enumerate(blocks):
            lines = block.split("\n")
            if any(line.startswith(prefix) for line in lines[:2]):
                blocks[index] = block + "\n   " + mark
                return "\n\n".join(blocks)
    return text
