"""The plan's closing summary: once a plan's last day has passed, the Office hears it once.

A plan does not stop at its end: overdue tasks are still reminded for `overdue_days_after_end`
days. The Office should know that the plan is over, what is still open, and until when the bot
keeps chasing it, so it can close the plan or extend it. The summary rides on the outbox like any
reminder, keyed to the plan's first task, so it is sent once whatever restarts in between.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence, Set
from dataclasses import dataclass
from datetime import date, timedelta

from bot.i18n import Translator, chat_date
from scheduler.calendar import WorkingCalendar
from scheduler.policy import Audience, DueReminder, ReminderKind
from scheduler.settings import ReminderSettings


@dataclass(frozen=True, slots=True)
class EndedPlan:
    """What the summary needs of one followed plan."""

    anchor_task_id: int  # the plan's first task: the outbox row's subject
    key: str
    end: date
    task_ids: frozenset[int]


def closing_summaries(
    plans: Iterable[EndedPlan],
    owed: Set[int],
    addresses: Mapping[int, str],
    calendar: WorkingCalendar,
    settings: ReminderSettings,
    today: date,
    late_until: date,
) -> list[DueReminder]:
    """One summary per plan whose end has passed, due on the first working day after it.

    It is offered until reminders of the plan stop altogether; the outbox sends it once.
    `owing_units` carries the addresses of the plan's dated tasks some lead unit still owes
    (`owed`: their ids, `scheduler.facts.load_owed_tasks`; `addresses`: task id → the address
    shown).
    """
    out: list[DueReminder] = []
    for plan in plans:
        slot = calendar.on_or_after(plan.end + timedelta(days=1))
        last = plan.end + timedelta(days=settings.overdue_days_after_end)
        if not slot <= today <= max(slot, last):
            continue
        open_tasks = tuple(
            addresses[task_id] for task_id in sorted(plan.task_ids) if task_id in owed
        )
        out.append(
            DueReminder(
                kind=ReminderKind.PLAN_ENDED,
                slot=slot,
                task_id=plan.anchor_task_id,
                task_no=0,
                assignment_id=None,
                unit=None,
                audience=Audience.OFFICE,
                period="",
                days=(slot - plan.end).days,
                owing_units=open_tasks,
                late=slot <= late_until,
            )
        )
    return out


def summary_block(
    plan_number: str,
    key: str,
    slot: date,
    days: int,
    open_tasks: Sequence[str],
    reminded_days: int,
    tr: Translator,
) -> str:
    """The summary's words, for the Office's morning message; `days` counts back to the end."""
    _ = tr.gettext
    end = slot - timedelta(days=days)
    lines = [_("Plan {plan} ended on {date}.", plan=plan_number, date=chat_date(end))]
    if open_tasks:
        lines.append(
            _(
                "Tasks still open: {tasks}. Overdue ones are reminded until {date}.",
                tasks=", ".join(open_tasks),
                date=chat_date(end + timedelta(days=reminded_days)),
            )
        )
    else:
        lines.append(_("Every dated task has been reported done."))
    lines.append(
        _(
            "Progress: /status {key} · report: /report {key} · to stop every reminder: "
            "/plans close {key}",
            key=key,
        )
    )
    return "\n".join(lines)
