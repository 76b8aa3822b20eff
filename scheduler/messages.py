"""The words of a reminder: all of one person's reminders of one morning, merged into one message.

Every item quotes the task number, its content, the plan's own time text and the computed date,
its state, and ends with the command that confirms it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.domain.periods import parse_period_key
from bot.domain.states import assignment_state, due_date
from bot.i18n import Translator, chat_date
from bot.presentation import period_label, shorten, state_label, when_line_for
from scheduler.facts import TaskInfo
from scheduler.policy import ReminderKind


@dataclass(frozen=True, slots=True)
class ReminderItem:
    """One outbox row as the message needs it."""

    kind: ReminderKind
    slot: date
    task: TaskInfo
    unit: str | None
    period: str
    days: int
    owing_units: tuple[str, ...]
    late: bool
    #: A rejection notice: the reason and who sent the confirmation back.
    detail: str = ""
    detail_by: str = ""


def compose(
    items: list[ReminderItem],
    *,
    recipient_unit: str,
    today: date,
    send_time: str,
    tr: Translator,
    due_soon_days: int = 7,
) -> str:
    """One message for one person: a heading, then each plan's tasks, most urgent kinds first.

    With one plan the heading names it; with several, each plan's tasks come under its own line,
    the plans in the order of their most urgent reminder.
    """
    _ = tr.gettext
    by_plan: dict[str, list[ReminderItem]] = {}
    for item in sorted(items, key=_urgency):
        by_plan.setdefault(item.task.plan_number, []).append(item)
    if len(by_plan) == 1:
        heading = _(
            "Reminder of {date} — {unit}\n(Plan {plan})",
            date=chat_date(today),
            unit=recipient_unit,
            plan=next(iter(by_plan)),
        )
    else:
        heading = _("Reminder of {date} — {unit}", date=chat_date(today), unit=recipient_unit)
    late = [item for item in items if item.late]
    blocks = [heading]
    if late:
        oldest = min(item.slot for item in late)
        blocks.append(
            _(
                "(Sent late: this reminder was due at {time} on {date}.)",
                time=send_time,
                date=chat_date(oldest),
            )
        )
    for plan_number, plan_items in by_plan.items():
        by_task: dict[int, list[ReminderItem]] = {}
        for item in plan_items:
            by_task.setdefault(item.task.task_id, []).append(item)
        tasks = [_task_block(group, today, tr, due_soon_days) for group in by_task.values()]
        if len(by_plan) > 1:
            tasks[0] = _("Plan {plan}:", plan=plan_number) + "\n" + tasks[0]
        blocks.extend(tasks)
    return "\n\n".join(blocks)


def _urgency(item: ReminderItem) -> tuple[int, str, int]:
    return (_KIND_ORDER.index(item.kind), item.task.plan_key, item.task.no)


_KIND_ORDER = [
    ReminderKind.REJECTED,
    ReminderKind.ESCALATION,
    ReminderKind.OVERDUE,
    ReminderKind.DUE_TODAY,
    ReminderKind.UPCOMING,
    ReminderKind.PERIOD_CLOSING,
    ReminderKind.OPENS,
    ReminderKind.PERIOD_OPEN,
    ReminderKind.NEEDS_DEADLINE,
]
_OVERSIGHT_KINDS = (ReminderKind.ESCALATION, ReminderKind.NEEDS_DEADLINE)


def _task_block(items: list[ReminderItem], today: date, tr: Translator, due_soon_days: int) -> str:
    """One task: its number, content and time, what is happening, its state and what to type.

    A person who both owes a task and oversees it (Ban ISO) gets one block, not two.
    """
    _ = tr.gettext
    task = items[0].task
    period_key = next((item.period for item in items if item.period), "")
    period = parse_period_key(period_key) if period_key else None
    shown = task.address or str(task.no)
    lines = [
        f"{shown}. {shorten(task.content, 160)}",
        _("   Time: {when}", when=when_line_for(task.when, task.schedule, period, tr)),
    ]
    if task.original_due is not None and task.schedule.due is not None:
        extended = _(
            "Original deadline {original} · extended to {due}",
            original=chat_date(task.original_due),
            due=chat_date(task.schedule.due),
        )
        lines.append("   " + extended)
    state = assignment_state(
        task.schedule, None, today, due_soon_days=due_soon_days, period=period
    )
    due = due_date(task.schedule, period)
    lines.extend("   " + _what_happens(item, tr, today, due) for item in items)
    for item in items:
        if item.kind is ReminderKind.ESCALATION:
            lines.append(_("   Still owing: {units}", units=", ".join(item.owing_units)))
    if all(item.kind in _OVERSIGHT_KINDS for item in items):
        if items[0].kind is ReminderKind.ESCALATION:
            lines.append(_("   Details: /status {no}", no=shown))
        else:
            lines.append(_("   Set it: /deadline {no} dd/mm/yyyy", no=shown))
        return "\n".join(lines)
    lines.append(_("   State: {state}", state=state_label(state, tr)))
    lines.append(_("   When finished: /done {no}", no=shown))
    return "\n".join(lines)


def _what_happens(item: ReminderItem, tr: Translator, today: date, due: date | None) -> str:
    """What the reminder says, counted from the day it goes out (it may go out late)."""
    _ = tr.gettext
    kind = item.kind
    if kind is ReminderKind.REJECTED:
        return _(
            "Your unit's confirmation was sent back by {by}: “{reason}”. Please complete what "
            "is missing and confirm again.",
            by=item.detail_by or "?",
            reason=item.detail,
        )
    days_left = (due - today).days if due is not None else item.days
    if kind in (ReminderKind.UPCOMING, ReminderKind.DUE_TODAY) and days_left > 0:
        return tr.ngettext(
            "{count} day left until the deadline.",
            "{count} days left until the deadline.",
            days_left,
        )
    if kind in (ReminderKind.UPCOMING, ReminderKind.DUE_TODAY) and days_left == 0:
        return _("Today is the deadline.")
    if kind is ReminderKind.OPENS and item.slot < today:
        return _("The time for this task started on {date}.", date=chat_date(item.slot))
    if kind is ReminderKind.OPENS:
        return _("The time for this task starts today.")
    if kind in (ReminderKind.UPCOMING, ReminderKind.DUE_TODAY, ReminderKind.OVERDUE):
        return tr.ngettext(
            "Overdue by {count} day: please finish it and confirm.",
            "Overdue by {count} days: please finish it and confirm.",
            -days_left,
        )
    if kind is ReminderKind.ESCALATION:
        return tr.ngettext(
            "Overdue by {count} day and still not finished by every lead unit.",
            "Overdue by {count} days and still not finished by every lead unit.",
            -days_left,
        )
    label = period_label(item.period, tr) if item.period else ""
    if kind is ReminderKind.PERIOD_OPEN:
        return _("A new period starts: {period}.", period=label)
    if kind is ReminderKind.PERIOD_CLOSING:
        return _("The period {period} ends soon and your unit has not confirmed it.", period=label)
    return _("This task has no deadline yet; the Office should set one.")
