"""/tasks (/viec): my unit's tasks across the followed plans: the tasks it leads with their time,
state and the command that confirms each, then the ones it supports in one short list (a
supporting unit is never overdue: `Phối hợp`, or `Đã báo cáo` once it has confirmed)."""

from __future__ import annotations

from bot.channels.base import Reply
from bot.domain.model import AssignmentRole
from handlers.base import CommandContext
from handlers.render import support_line, task_block


async def handle(ctx: CommandContext) -> Reply:
    return Reply(await unit_tasks_text(ctx))


async def unit_tasks_text(ctx: CommandContext) -> str:
    contact = ctx.registered
    statuses = await ctx.services.statuses()
    sections: list[str] = []
    # A person acting for several units sees each unit's tasks under its own heading.
    for unit, status in ((unit, status) for unit in contact.units for status in statuses):
        mine = status.for_unit(unit)
        if not mine:
            continue
        parts = [
            ctx._(
                "Tasks of {unit} in plan {plan} ({count}):",
                unit=unit,
                plan=status.number,
                count=len(mine),
            )
        ]
        supported: list[str] = []
        for task in mine:
            part = task.for_unit(unit)
            assert part is not None
            if part.role is AssignmentRole.LEAD:
                parts.append(task_block(task, ctx.tr, part))
            else:
                supported.append(support_line(task, ctx.tr, part))
        if supported:
            heading = ctx._("Supporting ({count}):", count=len(supported))
            parts.append(heading + "\n" + "\n".join(supported))
        sections.append("\n\n".join(parts))
    if not sections:
        if len(statuses) == 1:
            return ctx._(
                "{unit} has no part in plan {plan}. If this is wrong, please tell the Office.",
                unit=", ".join(contact.units),
                plan=statuses[0].number,
            )
        return ctx._(
            "{unit} has no part in the plans being followed. If this is wrong, please tell "
            "the Office.",
            unit=", ".join(contact.units),
        )
    return "\n\n".join(sections)
