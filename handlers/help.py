"""/help (/trogiup): the commands this person may use, each with an example."""

from __future__ import annotations

from bot.channels.base import Reply
from handlers.base import CommandContext


async def handle(ctx: CommandContext) -> Reply:
    from handlers import HANDLERS  # the registry imports this module

    _ = ctx._
    if ctx.contact is None:
        return Reply(
            _(
                "You are not registered yet. Ask the Office (Văn phòng Sở) for an invitation "
                "code, then type: /start CODE"
            )
        )
    lines = [_("Commands (the Vietnamese name works too):")]
    for spec in HANDLERS.values():
        if ctx.contact.roles & spec.roles and spec.name != "start":
            lines.append(f"{ctx.tr.gettext(spec.usage)} — {ctx.tr.gettext(spec.summary)}")
    lines.append("")
    lines.append(_("Example: /done 6 đã họp xong — confirms task 6 with a note."))
    return Reply("\n".join(lines))
