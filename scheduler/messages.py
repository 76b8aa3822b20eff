"""The words of a reminder: all of one person's reminders of one morning, merged into one message.

Every item quotes the task's address, its content, the plan's own time text and the computed
date, what is happening (once: no state repeated), and ends with the command that confirms it.
On Telegram the message also carries a Done and a Later button per task (`reminder_buttons`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.channels.base import Button, Buttons
from bot.domain.periods import parse_period_key
from bot.domain.states import due_date
from bot.i18n import Translator, chat_date
from bot.presentation import shorten, when_line_for
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
) -> str:
    """One message for one person: a heading, then each plan's tasks, most urgent kinds first.

    Each task is two or three lines: what, when and what is happening, how to confirm. With one
    plan the heading names it; with several, each plan's tasks come under its own line, the
    plans in the order of their most urgent reminder.
    """
    _ = tr.gettext
    by_plan = _by_plan(items)
    if len(by_plan) == 1:
        heading = _(
            "Reminder of {date} — {unit} (plan {plan})",
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
        tasks = [_task_block(group, today, tr) for group in _by_task(plan_items)]
        if len(by_plan) > 1:
            tasks[0] = _("Plan {plan}:", plan=plan_number) + "\n" + tasks[0]
        blocks.extend(tasks)
    return "\n\n".join(blocks)


def reminder_buttons(items: list[ReminderItem], tr: Translator) -> Buttons:
    """Per task the person's unit owes, in the message's order: "✅ Xong 6" and "⏰ Later".

    A button types the command with the task's full address (`done 187.6`), so it keeps its
    meaning when more plans are followed later; its label shows the address as the text does.
    Tasks only overseen (an escalation, a date to set) get none: the Office acts by command.
    """
    rows: list[tuple[Button, ...]] = []
    for plan_items in _by_plan(items).values():
        for group in _by_task(plan_items):
            if not any(item.kind in OWED_KINDS for item in group):
                continue
            task = group[0].task
            full = f"{task.plan_key}.{task.no}" if task.plan_key else str(task.no)
            shown = task.address or str(task.no)
            rows.append(
                (
                    Button(tr.gettext("✅ Done {no}", no=shown), f"done {full}"),
                    Button(tr.gettext("⏰ Remind me later"), f"snooze {full}"),
                )
            )
    return tuple(rows)


def _by_plan(items: list[ReminderItem]) -> dict[str, list[ReminderItem]]:
    by_plan: dict[str, list[ReminderItem]] = {}
    for item in sorted(items, key=_urgency):
        by_plan.setdefault(item.task.plan_number, []).append(item)
    return by_plan


def _by_task(items: list[ReminderItem]) -> list[list[ReminderItem]]:
    by_task: dict[int, list[ReminderItem]] = {}
    for item in items:
        by_task.setdefault(item.task.task_id, []).append(item)
    return list(by_task.values())


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
#: What a unit owes and may confirm or snooze from a button; anything else (an escalation, a date
#: to set, a note about a plan) is for the Office to act on by command.
OWED_KINDS = frozenset(
    {
        ReminderKind.REJECTED,
        ReminderKind.OVERDUE,
        ReminderKind.DUE_TODAY,
        ReminderKind.UPCOMING,
        ReminderKind.PERIOD_CLOSING,
        ReminderKind.OPENS,
        ReminderKind.PERIOD_OPEN,
    }
)


def _task_block(items: list[ReminderItem], today: date, tr: Translator) -> str:
    """One task in two or three lines: what; when and what is happening; what to type.

    A person who both owes a task and oversees it (Ban ISO) gets one block, not two.
    """
    _ = tr.gettext
    task = items[0].task
    period_key = next((item.period for item in items if item.period), "")
    period = parse_period_key(period_key) if period_key else None
    shown = task.address or str(task.no)
    due = due_date(task.schedule, period)
    owed = [item for item in items if item.kind not in _OVERSIGHT_KINDS]
    # Owed and overseen (Ban ISO's own late task): the escalation adds only who still owes.
    happening = "; ".join(
        dict.fromkeys(_what_happens(item, tr, today, due) for item in (owed or items))
    )
    when = when_line_for(task.when, task.schedule, period, tr)
    lines = [f"{shown}. {shorten(task.content, 120)}", f"   {when} — {happening}"]
    if task.original_due is not None and task.schedule.due is not None:
        lines.append(
            "   "
            + _(
                "Original deadline {original} · extended to {due}",
                original=chat_date(task.original_due),
                due=chat_date(task.schedule.due),
            )
        )
    if not owed:
        for item in items:
            if item.kind is ReminderKind.ESCALATION:
                lines.append(_("   Still owing: {units}", units=", ".join(item.owing_units)))
        if items[0].kind is ReminderKind.ESCALATION:
            lines.append(_("   Details: /status {no}", no=shown))
        else:
            lines.append(_("   Set it: /deadline {no} dd/mm/yyyy", no=shown))
        return "\n".join(lines)
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
        return tr.ngettext("{count} day left", "{count} days left", days_left)
    if kind in (ReminderKind.UPCOMING, ReminderKind.DUE_TODAY) and days_left == 0:
        return _("due today")
    if kind is ReminderKind.OPENS and item.slot < today:
        return _("started on {date}", date=chat_date(item.slot))
    if kind is ReminderKind.OPENS:
        return _("starts today")
    if kind in (ReminderKind.UPCOMING, ReminderKind.DUE_TODAY, ReminderKind.OVERDUE):
        return tr.ngettext("overdue by {count} day", "overdue by {count} days", -days_left)
    if kind is ReminderKind.ESCALATION:
        return tr.ngettext(
            "overdue by {count} day, not finished by every lead unit",
            "overdue by {count} days, not finished by every lead unit",
            -days_left,
        )
    # A recurring task's time line already names its period.
    if kind is ReminderKind.PERIOD_OPEN:
        return _("a new period starts")
    if kind is ReminderKind.PERIOD_CLOSING:
        return _("the period ends soon, not yet confirmed")
    return _("no deadline yet; the Office should set one")
