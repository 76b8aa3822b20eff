"""/extend N dd/mm/yyyy [@UNIT] [reason] (/giahan): the Office moves a dated task's due date.

For every unit of the task, or with `@UNIT` for one; the original date is kept and `/status N`
shows both.
"""

from __future__ import annotations

from bot.channels.base import Reply
from bot.domain.plans import parse_task_ref
from bot.i18n import chat_date
from handlers.base import CommandContext


def usage(ctx: CommandContext) -> str:
    return ctx._(
        "Type: /extend NUMBER dd/mm/yyyy [@UNIT] [reason], for example: "
        "/extend 6 15/12/2022 @KH-TC chờ số liệu quý IV"
    )


async def handle(ctx: CommandContext) -> Reply:
    _ = ctx._
    args = ctx.command.args
    if len(args) < 2:
        return Reply(usage(ctx))
    ref = parse_task_ref(args[0])
    if ref is None:
        return Reply(_("“{value}” is not a task number.", value=args[0][:40]) + "\n" + usage(ctx))
    words = ctx.command.rest.split(None, 2)[2] if len(args) > 2 else ""
    result = await ctx.services.extend(ctx.registered, ref, args[1], words)
    if result.unit is None:
        text = _(
            "Task {no} extended to {due} for every unit (original deadline {original}). "
            "Reminders will follow the new date.",
            no=result.task_no,
            due=chat_date(result.due),
            original=chat_date(result.original),
        )
    else:
        text = _(
            "Task {no} extended to {due} for {unit} (original deadline {original}). "
            "Reminders to this unit will follow the new date.",
            no=result.task_no,
            due=chat_date(result.due),
            unit=result.unit,
            original=chat_date(result.original),
        )
    lines = [text]
    if result.reason:
        lines.append(_("Reason: {reason}", reason=result.reason))
    lines.append(_("Type /status {no} to check.", no=result.task_no))
    return Reply("\n".join(lines))
