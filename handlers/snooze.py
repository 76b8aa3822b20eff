"""/snooze N [days] [@UNIT] (/hoanlai): hold my unit's reminders of task N for a few working days.

`@UNIT` says which of the sender's units, when they act for several with a part in task N.
"""

from __future__ import annotations

from bot.channels.base import Reply
from bot.commands import parse_task_number
from bot.i18n import chat_date
from handlers.address import bad_task_text, task_ref_arg
from handlers.base import CommandContext


async def handle(ctx: CommandContext) -> Reply:
    _ = ctx._
    settings = ctx.services.config.reminder_settings()
    most = settings.snooze_max_days
    ref = task_ref_arg(ctx)
    if ref is None:
        return Reply(bad_task_text(ctx, "hoanlai"))
    days: int | None = None
    wanted, unit = _split_unit(list(ctx.command.args[1:]))
    if wanted and wanted[-1].casefold() == "ngày":
        wanted.pop()  # `/hoanlai 6 5 ngày`
    if wanted:
        days = parse_task_number(wanted[0].casefold().removesuffix("ngày"))
        if days is None or not 1 <= days <= most or len(wanted) > 1:
            return Reply(
                _(
                    "“{value}” is not a number of working days from 1 to {most}. For example: "
                    "/hoanlai {no} 5 holds the reminders of task {no} for 5 working days "
                    "(without a number: {default} days).",
                    value=" ".join(ctx.command.args[1:])[:40],
                    most=most,
                    no=ctx.command.args[0][:20],
                    default=settings.snooze_default_days,
                )
            )
    held = await ctx.services.snooze(ctx.registered, ref, days, unit)
    mark = _("⏰ Reminders held until {date}", date=chat_date(held.until))
    return Reply(
        _(
            "Reminders of task {no} for {unit} are held until {date} ({days} working days). "
            "The deadline does not change. When finished: /done {no}",
            no=held.task_no,
            unit=held.unit,
            date=chat_date(held.until),
            days=held.days,
        ),
        mark=mark,
    )


def _split_unit(args: list[str]) -> tuple[list[str], str]:
    """`5 @Ban ISO`, `@Ban ISO 5` or `@Ban ISO 5 ngày`: the days' words and the `@UNIT` words."""
    at = next((i for i, arg in enumerate(args) if arg.startswith("@")), None)
    if at is None:
        return args, ""
    days, unit = args[:at], args[at:]
    tail = [unit.pop()] if unit and unit[-1].casefold() == "ngày" and len(unit) > 2 else []
    if not days and len(unit) > 1 and unit[-1].casefold().removesuffix("ngày").isdigit():
        days = [unit.pop(), *tail]
    else:
        unit += tail
    return days, " ".join(unit)
