"""/undo N [@UNIT] (/huy): take back my unit's last confirmation of task N.

`@UNIT` says which of the sender's units, when they act for several with a part in task N.
"""

from __future__ import annotations

from bot.channels.base import Reply
from bot.i18n import chat_date
from handlers.address import bad_task_text, task_ref_arg
from handlers.base import CommandContext


async def handle(ctx: CommandContext) -> Reply:
    ref = task_ref_arg(ctx)
    if ref is None:
        return Reply(bad_task_text(ctx, "undo"))
    words = ctx.command.rest.partition(" ")[2].strip()
    undone = await ctx.services.undo(ctx.registered, ref, words)
    return Reply(
        ctx._(
            "Taken back: the confirmation of task {no} by {unit} (of {date}) no longer counts.\n"
            "When the task is finished, type /done {no}.",
            no=undone.task_no,
            unit=undone.unit,
            date=chat_date(undone.confirmed_on),
        )
    )
