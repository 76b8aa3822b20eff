"""/start [CODE]: register with the Office's one-time code (the Telegram deep link carries it)."""

from __future__ import annotations

from bot.channels.base import Reply
from bot.i18n import Translator
from bot.services.registry import ContactInfo
from handlers.base import CommandContext
from handlers.render import role_name


async def handle(ctx: CommandContext) -> Reply:
    _ = ctx._
    if not ctx.command.args:
        if ctx.contact is not None and ctx.contact.several_units:
            return Reply(
                _(
                    "You are registered for {memberships}.\nType /tasks to see your units' "
                    "tasks, /help for all commands.",
                    memberships=memberships_text(ctx.contact, ctx.tr),
                )
            )
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
    if registration.already:
        text = _(
            "You already act for {unit} as {role}: nothing was changed, and the code was not "
            "used. Type /tasks to see your units' tasks.",
            unit=registration.unit,
            role=role_name(registration.role, ctx.tr),
        )
    elif registration.added:
        short = ctx.services.catalog.short_name
        text = _(
            "Added: you now also act for {unit} as {role}, keeping what you had. Your units: "
            "{units}.\nYou receive the reminders of each. A command about a task acts for your "
            "unit that has a part in it; when several of yours do, add the unit after @, for "
            "example /done 6 @{short}.",
            unit=registration.unit,
            role=role_name(registration.role, ctx.tr),
            units=", ".join(registration.units),
            short=short(registration.unit),
        )
    elif registration.linked:
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


def memberships_text(contact: ContactInfo, tr: Translator) -> str:
    """`Văn phòng Sở (Văn phòng), Ban ISO Sở (Ban ISO)`: each unit with the role held in it."""
    return ", ".join(f"{m.unit} ({role_name(m.role, tr)})" for m in contact.memberships)
