"""Reading a task address from a command's first argument, and saying how to type one."""

from __future__ import annotations

from bot.domain.plans import TaskRef, parse_task_ref
from handlers.base import CommandContext


def task_ref_arg(ctx: CommandContext) -> TaskRef | None:
    """The task the first argument names (`6`, `187.6`, `187/6`); None when it names none."""
    return parse_task_ref(ctx.command.args[0]) if ctx.command.args else None


def bad_task_text(ctx: CommandContext, command: str) -> str:
    """Why the task address is missing or wrong, with the right form to type."""
    if not ctx.command.args:
        return ctx._(
            "Please add the task number, for example: /{command} 6 (or /{command} 187.6 for "
            "task 6 of plan 187). Type /tasks to see the numbers.",
            command=command,
        )
    return ctx._(
        "“{value}” is not a task number. For example: /{command} 6, or /{command} 187.6 for "
        "task 6 of plan 187. Type /tasks to see the numbers.",
        value=ctx.command.args[0][:40],
        command=command,
    )
