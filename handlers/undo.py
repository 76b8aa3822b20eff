"""/undo N (/huy): take back my unit's last confirmation of task N."""

from __future__ import annotations

from bot.channels.base import Reply
from bot.i18n import chat_date
from handlers.base import CommandContext
from handlers.done import bad_number_text, task_number_or_none


async def handle(ctx: CommandContext) -> Reply:
    no = task_number_or_none(ctx)
    if no is None:
        return Reply(bad_number_text(ctx, "undo"))
    undone = await ctx.services.undo(ctx.registered, no)
    return Reply(
        ctx._(
            "Taken back: the confirmation of task {no} by {unit} (of {date}) no longer counts.\n"
            "When the task is finished, type /done {no}.",
            no=undone.task_no,
            unit=undone.unit,
            date=chat_date(undone.confirmed_on),
        )
    )
