"""/start [CODE]: register with the Office's one-time code (the Telegram deep link carries it)."""

from __future__ import annotations

from bot.channels.base import Reply
from handlers.base import CommandContext
from handlers.render import role_name


async def handle(ctx: CommandContext) -> Reply:
    _ = ctx._
    if not ctx.command.args:
        if ctx.contact is not None:
            return Reply(
                _(
                    "You are registered for {unit} ({role}).\nType /tasks to see your unit's "
                    "tasks, /help for all commands.",
                    unit=ctx.contact.unit,
                    role=role_name(ctx.contact.role, ctx.tr),
                )
            )
        return Reply(
            _(
                "Hello! This is nhacviec, the Office's reminder assistant for the yearly plan.\n"
                "To register, ask the Office (Văn phòng Sở) for an invitation code, then type: "
                "/start CODE"
            )
        )
    registration = await ctx.services.register(ctx.message.sender, ctx.command.args[0])
    if registration.linked:
        text = _(
            "This channel is now linked: reminders for {unit} will reach you here too.",
            unit=registration.unit,
        )
    else:
        text = _(
            "Registered: {name}, {unit}, role {role}.\nFrom now on you will receive reminders "
            "here. Type /tasks to see your unit's tasks, /help for all commands.",
            name=ctx.message.sender.name or "?",
            unit=registration.unit,
            role=role_name(registration.role, ctx.tr),
        )
    return Reply(text)
