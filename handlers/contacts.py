"""/contacts (/danhba) and /revoke N [@UNIT] (/thuhoi): the Office sees and removes registered
people, or one of a person's memberships (`/revoke 12 @Ban ISO`: they stop acting for Ban ISO
only)."""

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
        held = "; ".join(f"{m.unit} — {role_name(m.role, ctx.tr)}" for m in contact.memberships)
        lines.append(
            f"#{contact.contact_id} {contact.name or '?'} — {held} — {contact.channel} — "
            + ctx._("since {date}", date=chat_date(contact.since))
        )
    lines.append(ctx._("To remove one: /revoke NUMBER"))
    if any(contact.several_units for contact in contacts):
        lines.append(ctx._("To remove one unit of a person: /revoke NUMBER @UNIT"))
    return Reply("\n".join(lines))


async def revoke(ctx: CommandContext) -> Reply:
    raw = ctx.command.args[0].lstrip("#") if ctx.command.args else ""
    # ASCII digits only, and few enough for any database's integer ("²" is a digit to Python).
    if not (raw.isascii() and raw.isdigit() and len(raw) <= MAX_ID_DIGITS):
        return Reply(ctx._("Type: /revoke NUMBER (the # shown by /contacts), e.g. /revoke 12"))
    unit_words = " ".join(ctx.command.args[1:])
    if unit_words:
        if not unit_words.startswith("@"):
            return Reply(
                ctx._(
                    "To remove one unit of a person, put @ before the unit: /revoke {id} @UNIT, "
                    "e.g. /revoke {id} @KH-TC. To remove the person: /revoke {id}",
                    id=raw,
                )
            )
        return await _remove_membership(ctx, int(raw), unit_words)
    removed = await ctx.services.revoke(int(raw), actor=ctx.registered.name)
    return Reply(
        ctx._(
            "Removed #{id} {name} ({unit}). They will receive nothing more.",
            id=removed.contact_id,
            name=removed.name or "?",
            unit=removed.unit,
        )
    )


async def _remove_membership(ctx: CommandContext, contact_id: int, unit_words: str) -> Reply:
    """`/revoke 12 @Ban ISO`: the person stops acting for one unit and keeps the others."""
    removed = await ctx.services.remove_membership(
        contact_id, unit_words, actor=ctx.registered.name
    )
    return Reply(
        ctx._(
            "Removed {unit} from #{id} {name}: they no longer act for it and get none of its "
            "reminders. They still act for {units}.",
            unit=removed.unit,
            id=contact_id,
            name=removed.contact.name or "?",
            units=", ".join(removed.contact.units),
        )
    )
