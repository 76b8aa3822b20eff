"""Reading a task address from a command's first argument, and saying how to type one."""

from __future__ import annotations

from collections.abc import Callable

from bot.domain.plans import TaskRef, parse_task_ref
from bot.domain.unit_lookup import UnitIndex
from bot.services.acting import own_unit_in, short_names
from bot.services.errors import NotOneOfYours
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


def own_unit_arg(
    ctx: CommandContext, address: str, has_part: Callable[[str], bool], command: str = "status"
) -> str:
    """Which of the sender's units a reading command shows: the `@UNIT` after the task, else the
    one of theirs with a part in it (several: the reply asks for `@UNIT`)."""
    contact = ctx.registered
    catalog = ctx.services.catalog
    words = " ".join(ctx.command.args[1:])
    if words.startswith("@"):
        found = UnitIndex(contact.units, catalog).match_prefix(words)
        if found is None:
            raise NotOneOfYours(words[1:61].strip(), short_names(contact.units, catalog))
        return found.name
    parts = [unit for unit in contact.units if has_part(unit)]
    return own_unit_in(contact, parts, address, catalog=catalog, command=command)
