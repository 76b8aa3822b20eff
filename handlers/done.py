"""/done N [note] (/xong): confirm my unit's part of task N; a file sent with it is evidence."""

from __future__ import annotations

from bot.channels.base import Reply
from bot.commands import parse_task_number
from bot.i18n import chat_date
from handlers.base import CommandContext
from handlers.render import period_label


async def handle(ctx: CommandContext) -> Reply:
    _ = ctx._
    no = task_number_or_none(ctx)
    if no is None:
        return Reply(bad_number_text(ctx, "done"))
    note = ctx.command.rest.partition(" ")[2].strip()
    confirmed = await ctx.services.confirm(
        ctx.registered, no, note=note, attachment=ctx.message.attachment
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


def task_number_or_none(ctx: CommandContext) -> int | None:
    return parse_task_number(ctx.command.args[0]) if ctx.command.args else None


def bad_number_text(ctx: CommandContext, command: str) -> str:
    """Why the task number is missing or wrong, with the right form to type."""
    if not ctx.command.args:
        return ctx._(
            "Please add the task number, for example: /{command} 6. Type /tasks to see the "
            "numbers.",
            command=command,
        )
    return ctx._(
        "“{value}” is not a task number. For example: /{command} 6. Type /tasks to see the "
        "numbers.",
        value=ctx.command.args[0][:40],
        command=command,
    )
