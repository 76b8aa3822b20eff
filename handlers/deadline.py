"""/deadline N dd/mm/yyyy (/hanchot): the Office gives an "as regulated" task its date."""

from __future__ import annotations

from bot.channels.base import Reply
from bot.domain.plans import parse_task_ref
from bot.domain.timeexpr import parse_chat_date
from bot.i18n import chat_date
from handlers.base import CommandContext


async def handle(ctx: CommandContext) -> Reply:
    _ = ctx._
    args = ctx.command.args
    usage = _("Type: /deadline NUMBER dd/mm/yyyy, for example: /deadline 10 15/12/2022")
    if len(args) < 2:
        return Reply(usage)
    ref = parse_task_ref(args[0])
    if ref is None:
        return Reply(_("“{value}” is not a task number.", value=args[0][:40]) + "\n" + usage)
    due = parse_chat_date(args[1], default_year=ctx.services.today().year)
    if due is None:
        return Reply(
            _(
                "“{value}” is not a valid date. Please write it as dd/mm/yyyy, e.g. 15/12/2022.",
                value=args[1][:40],
            )
        )
    result = await ctx.services.set_deadline(ctx.registered, ref, due)
    return Reply(
        _(
            "Deadline of task {no} set to {date}. Reminders will follow this date.\n"
            "Type /status {no} to check.",
            no=result.task_no,
            date=chat_date(result.due),
        )
    )
