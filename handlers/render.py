"""Wording shared by several handlers: task lines and the time of a task."""

from __future__ import annotations

from bot.i18n import Translator
from bot.presentation import (
    local_time,
    period_label,
    role_name,
    shorten,
    state_label,
    when_line_for,
)
from bot.services.status import AssignmentStatus, TaskStatus
from handlers.confirm_lines import assignment_extras

__all__ = [
    "local_time",
    "period_label",
    "role_name",
    "shorten",
    "support_line",
    "task_block",
    "when_line",
]


def when_line(task: TaskStatus, tr: Translator) -> str:
    return when_line_for(task.when, task.schedule, task.period, tr)


def task_block(task: TaskStatus, tr: Translator, mine: AssignmentStatus | None = None) -> str:
    """A task as a unit sees it in /tasks: what; when and its state; what to type."""
    state = mine.state if mine is not None else task.state
    lines = [
        f"{task.address}. {shorten(task.content)}",
        f"   {when_line(task, tr)} — {state_label(state, tr)}",
    ]
    if mine is not None:
        # Sent back with a reason, or given a date of its own: the unit sees it here too.
        lines[-1] += assignment_extras(mine, tr)
    if mine is not None and mine.reported:
        lines.append(tr.gettext("   To take it back: /undo {no}", no=task.address))
    elif mine is not None:
        lines.append(tr.gettext("   When finished: /done {no}", no=task.address))
    return "\n".join(lines)


def support_line(task: TaskStatus, tr: Translator, mine: AssignmentStatus) -> str:
    """A task the unit supports, in one line: never overdue, `Phối hợp` or `Đã báo cáo`."""
    state = tr.gettext("Reported") if mine.done else tr.gettext("Supporting")
    return f"• {task.address}. {shorten(task.content, 60)} — {state}"
