"""/verify N [@UNIT] (/duyet) and /reject N @UNIT reason (/tuchoi): the Office and Ban ISO check
what units confirmed. A rejected confirmation stops counting, the unit is told the reason and
what to do, and its reminders resume."""

from __future__ import annotations

from bot.channels.base import Reply
from handlers.address import bad_task_text, task_ref_arg
from handlers.base import CommandContext
from handlers.render import period_label


def _words(ctx: CommandContext) -> str:
    return ctx.command.rest.partition(" ")[2].strip()


async def handle(ctx: CommandContext) -> Reply:
    ref = task_ref_arg(ctx)
    if ref is None:
        return Reply(bad_task_text(ctx, "verify"))
    result = await ctx.services.verify(ctx.registered, ref, _words(ctx))
    return Reply(
        ctx._(
            "Verified: the confirmation of task {no} by {units}.",
            no=result.task_no,
            units=", ".join(result.units),
        )
    )


async def reject(ctx: CommandContext) -> Reply:
    _ = ctx._
    ref = task_ref_arg(ctx)
    if ref is None:
        return Reply(bad_task_text(ctx, "reject"))
    result = await ctx.services.reject(ctx.registered, ref, _words(ctx))
    lines = [
        _(
            "Rejected: the confirmation of task {no} by {unit} no longer counts; the task is "
            "open again for this unit and its reminders resume.",
            no=result.task_no,
            unit=result.unit,
        )
    ]
    if result.period:
        lines.append(_("Period: {period}.", period=period_label(result.period, ctx.tr)))
    lines.append(_("Reason: {reason}", reason=result.reason))
    if result.notified:
        lines.append(
            _(
                "The unit's {count} registered people will be told the reason.",
                count=result.notified,
            )
        )
    else:
        lines.append(
            _("Nobody of {unit} is registered yet, so nobody can be told.", unit=result.unit)
        )
    return Reply("\n".join(lines))
