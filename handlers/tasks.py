"""/tasks (/viec): my unit's tasks across the followed plans, with state, due date and the
command that confirms each."""

from __future__ import annotations

from bot.channels.base import Reply
from handlers.base import CommandContext
from handlers.render import task_block


async def handle(ctx: CommandContext) -> Reply:
    return Reply(await unit_tasks_text(ctx))


async def unit_tasks_text(ctx: CommandContext) -> str:
    contact = ctx.registered
    statuses = await ctx.services.statuses()
    sections: list[str] = []
    for status in statuses:
        mine = status.for_unit(contact.unit)
        if not mine:
            continue
        blocks = [task_block(task, ctx.tr, task.for_unit(contact.unit)) for task in mine]
        header = ctx._(
            "Tasks of {unit} in plan {plan} ({count}):",
            unit=contact.unit,
            plan=status.number,
            count=len(mine),
        )
        sections.append(header + "\n\n" + "\n\n".join(blocks))
    if not sections:
        if len(statuses) == 1:
            return ctx._(
                "{unit} has no part in plan {plan}. If this is wrong, please tell the Office.",
                unit=contact.unit,
                plan=statuses[0].number,
            )
        return ctx._(
            "{unit} has no part in the plans being followed. If this is wrong, please tell "
            "the Office.",
            unit=contact.unit,
        )
    return "\n\n".join(sections)
