"""The words of the Office's weekly digest: every followed plan, what needs its attention.

Per plan, in this order: overdue tasks with the units still owing them, tasks due in the next 7
days, tasks still without a date, and the lead units that have nobody registered (they never get
a reminder). Plans with the most overdue task come first. However many plans and units, the
digest fits one message: lists are shortened step by step, always saying how many were left
out, and the full lists are one command away (`/tinhhinh KEY`, `/baocao KEY xlsx`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from bot.fit import DEFAULT_LIMIT, capped, length, number_ranges, unit_list
from bot.i18n import Translator, chat_date
from bot.presentation import shorten, state_label
from bot.services.status import PlanStatus
from bot.services.summary import PlanSummary, TaskSummary, as_summary

#: "Tasks due in the next 7 days" (DESIGN).
AHEAD_DAYS = 7
# How much of each list to show, tried in turn until the digest fits: (tasks, units).
_STEPS = ((10, 10), (5, 5), (3, 3), (1, 3), (0, 0))


def digest_text(
    statuses: Sequence[PlanSummary | PlanStatus],
    tr: Translator,
    today: date,
    *,
    limit: int = DEFAULT_LIMIT,
    late_from: date | None = None,
    send_time: str = "08:00",
) -> str:
    """The digest for one Office contact, across `statuses`, in one message of `limit`."""
    _ = tr.gettext
    heading = [_("Weekly digest of {date} for the Office", date=chat_date(today))]
    if late_from is not None:
        heading.append(
            _(
                "(Sent late: this reminder was due at {time} on {date}.)",
                time=send_time,
                date=chat_date(late_from),
            )
        )
    ordered = sorted((as_summary(s) for s in statuses), key=_most_overdue_first)
    text = ""
    for tasks_shown, units_shown in _STEPS:
        blocks = [_plan_block(s, tr, today, tasks_shown, units_shown) for s in ordered]
        text = "\n\n".join(["\n".join(heading), *blocks])
        if length(text) <= limit:
            return text
    return capped(text, limit)  # only a digest of hundreds of plans comes here


def with_digest(
    reminders: str,
    statuses: Sequence[PlanSummary | PlanStatus],
    tr: Translator,
    today: date,
    *,
    late_from: date | None = None,
    send_time: str = "08:00",
    limit: int = DEFAULT_LIMIT,
) -> str:
    """One person's morning message: their reminders (if any), then the digest.

    The digest takes the room the reminders leave in one message of `limit`; when they leave
    less than half, the channel will cut the message anyway, and the digest keeps a whole
    message's worth (the cut falls between lines).
    """
    room = limit - length(reminders) - 2 if reminders else limit
    if room < limit // 2:
        room = limit
    digest = digest_text(statuses, tr, today, late_from=late_from, send_time=send_time, limit=room)
    return f"{reminders}\n\n{digest}" if reminders else digest


def _most_overdue_first(status: PlanSummary) -> tuple[int, str]:
    longest = max((task.state.days for task in status.overdue), default=-1)
    return (-longest, status.key)


def due_ahead(
    status: PlanSummary | PlanStatus, today: date, days: int = AHEAD_DAYS
) -> list[TaskSummary]:
    """Open tasks whose due day is within the next `days` days, the nearest first."""
    last = today + timedelta(days=days)
    found = [
        task
        for task in as_summary(status).tasks
        if task.due is not None
        and today <= task.due <= last
        and not task.state.kind.is_done
        and task.owing
    ]
    return sorted(found, key=lambda task: (task.due, task.no))


def _plan_block(
    status: PlanSummary, tr: Translator, today: date, tasks_shown: int, units_shown: int
) -> str:
    _ = tr.gettext
    several = status.several_plans
    lines = [
        _("Plan {plan}:", plan=status.number)
        if not several
        else _("Plan {plan} ({key}):", plan=status.number, key=status.key)
    ]
    overdue = list(status.overdue)
    ahead = due_ahead(status, today)
    no_date = [task for task in status.no_date if task.owing or not task.lead_count]
    if overdue:
        lines.append(_("Overdue ({count}):", count=len(overdue)))
        for task in overdue[:tasks_shown]:
            lines.append(
                _(
                    "• {no}. {content} — {state}; still owing: {units}",
                    no=task.address,
                    content=shorten(task.content, 50),
                    state=state_label(task.state, tr),
                    units=unit_list(task.owing, tr, at_most=max(units_shown, 1)),
                )
            )
        lines.extend(_more(overdue[tasks_shown:], tr))
    if ahead:
        lines.append(_("Due in the next 7 days ({count}):", count=len(ahead)))
        for task in ahead[:tasks_shown]:
            lines.append(
                _(
                    "• {no}. {content} — due {date}; still owing: {units}",
                    no=task.address,
                    content=shorten(task.content, 50),
                    date=chat_date(task.due) if task.due else "",
                    units=unit_list(task.owing, tr, at_most=max(units_shown, 1)),
                )
            )
        lines.extend(_more(ahead[tasks_shown:], tr))
    if no_date:
        numbers = capped(number_ranges(task.no for task in no_date), 200)
        example = no_date[0].address
        lines.append(
            _(
                "Without a date ({count}): {numbers} — set one: /deadline {no} dd/mm/yyyy",
                count=len(no_date),
                numbers=numbers,
                no=example,
            )
        )
    if status.unregistered_leads:
        lines.append(
            _(
                "Lead units with nobody registered (they get no reminders): {units}",
                units=unit_list(status.unregistered_leads, tr, at_most=max(units_shown, 1)),
            )
        )
    if len(lines) == 1:
        lines.append(_("Nothing overdue, nothing due in the next 7 days."))
        return "\n".join(lines)
    command = "/baocao" if tr.language == "vi" else "/report"
    sheet = f"{command} {status.key} xlsx" if several else f"{command} xlsx"
    lines.append(_("Details: /status {key} · every unit: {sheet}", key=status.key, sheet=sheet))
    return "\n".join(lines)


def _more(rest: list[TaskSummary], tr: Translator) -> list[str]:
    if not rest:
        return []
    return [
        tr.ngettext(
            "… and {count} more: {numbers}",
            "… and {count} more: {numbers}",
            len(rest),
            numbers=capped(number_ranges(task.no for task in rest), 200),
        )
    ]
