"""/deadline N dd/mm/yyyy (/hanchot): the Office gives a task without a date its date.

For tasks "as regulated" and tasks whose time the importer did not understand; a date without a
year lands in the plan's span; `15/12/2022`, `15-12-2022` and `15.12.2022` all work.
"""

from __future__ import annotations

from bot.channels.base import Reply
from bot.domain.plans import parse_task_ref
from bot.i18n import chat_date
from handlers.base import CommandContext


def usage(ctx: CommandContext) -> str:
    return ctx._("Type: /deadline NUMBER dd/mm/yyyy, for example: /deadline 10 15/12/2022")


async def handle(ctx: CommandContext) -> Reply:
    _ = ctx._
    args = ctx.command.args
    if len(args) < 2:
        return Reply(usage(ctx))
    ref = parse_task_ref(args[0])
    if ref is None:
        return Reply(_("“{value}” is not a task number.", value=args[0][:40]) + "\n" + usage(ctx))
    result = await ctx.services.set_deadline(ctx.registered, ref, args[1])
    return Reply(
        _(
            "Deadline of task {no} set to {date}. Reminders will follow this date.\n"
            "Type /status {no} to check.",
            no=result.task_no,
            date=chat_date(result.due),
        )
    )
