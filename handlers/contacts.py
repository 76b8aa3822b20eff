"""/contacts (/danhba) and /revoke N (/thuhoi): the Office sees and removes registered people."""

from __future__ import annotations

from bot.channels.base import Reply
from bot.i18n import chat_date
from handlers.base import CommandContext
from handlers.render import role_name

MAX_ID_DIGITS = 9


async def handle(ctx: CommandContext) -> Reply:
    contacts = await ctx.services.contacts()
    if not contacts:
        return Reply(ctx._("Nobody is registered yet. Create a code with /invite UNIT ROLE."))
    lines = [ctx._("Registered contacts ({count}):", count=len(contacts))]
    for contact in contacts:
        lines.append(
            f"#{contact.contact_id} {contact.name or '?'} — {contact.unit} — "
            f"{role_name(contact.role, ctx.tr)} — {contact.channel} — "
            + ctx._("since {date}", date=chat_date(contact.since))
        )
    lines.append(ctx._("To remove one: /revoke NUMBER"))
    return Reply("\n".join(lines))


async def revoke(ctx: CommandContext) -> Reply:
    raw = ctx.command.args[0].lstrip("#") if ctx.command.args else ""
    # ASCII digits only, and few enough for any database's integer ("²" is a digit to Python).
    if not (raw.isascii() and raw.isdigit() and len(raw) <= MAX_ID_DIGITS):
        return Reply(ctx._("Type: /revoke NUMBER (the # shown by /contacts), e.g. /revoke 12"))
    removed = await ctx.services.revoke(int(raw), actor=ctx.registered.name)
    return Reply(
        ctx._(
            "Removed #{id} {name} ({unit}). They will receive nothing more.",
            id=removed.contact_id,
            name=removed.name or "?",
            unit=removed.unit,
        )
    )
