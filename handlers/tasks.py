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
    """Read from the sender's units' own assignments only: the plans' other units cost nothing.

    A person acting for several units sees each unit's tasks under its own heading."""
    contact = ctx.registered
    found, followed = await ctx.services.unit_tasks(contact.units)
    sections: list[str] = []
    for unit, plan in found:
        parts = [
            ctx._(
                "Tasks of {unit} in plan {plan} ({count}):",
                unit=unit,
                plan=plan.number,
                count=len(plan.parts),
            )
        ]
        supported: list[str] = []
        for task, part in plan.parts:
            if part.role is AssignmentRole.LEAD:
                parts.append(task_block(task, ctx.tr, part))
            else:
                supported.append(support_line(task, ctx.tr, part))
        if supported:
            heading = ctx._("Supporting ({count}):", count=len(supported))
            parts.append(heading + "\n" + "\n".join(supported))
        sections.append("\n\n".join(parts))
    if not sections:
        if len(followed) == 1:
            return ctx._(
                "{unit} has no part in plan {plan}. If this is wrong, please tell the Office.",
                unit=", ".join(contact.units),
                plan=followed[0],
            )
        return ctx._(
            "{unit} has no part in the plans being followed. If this is wrong, please tell "
            "the Office.",
            unit=", ".join(contact.units),
        )
    return "\n\n".join(sections)
