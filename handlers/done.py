"""/done N [note] (/xong): confirm my unit's part of task N; a file sent with it is evidence."""

from __future__ import annotations

from bot.channels.base import Reply
from bot.i18n import chat_date
from handlers.address import bad_task_text, task_ref_arg
from handlers.base import CommandContext
from handlers.render import period_label


async def handle(ctx: CommandContext) -> Reply:
    _ = ctx._
    ref = task_ref_arg(ctx)
    if ref is None:
        return Reply(bad_task_text(ctx, "done"))
    note = ctx.command.rest.partition(" ")[2].strip()
    confirmed = await ctx.services.confirm(
        ctx.registered, ref, note=note, attachment=ctx.message.attachment
    )
    lines = [
        _(
            "Recorded: {unit} has finished task {no} on {date}.",
            unit=confirmed.unit,
            no=confirmed.task_no,
            date=chat_date(confirmed.on),
        )
    ]
    if confirmed.period:
        lines.append(_("Period: {period}.", period=period_label(confirmed.period, ctx.tr)))
    if note:
        lines.append(_("Note: {note}", note=note))
    if ctx.message.attachment is not None:
        lines.append(_("The attached file is kept as evidence."))
    lines.append(_("If this was a mistake, type /undo {no}.", no=confirmed.task_no))
    return Reply("\n".join(lines))
