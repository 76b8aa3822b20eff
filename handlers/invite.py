"""/invite UNIT ROLE (/moi): the Office creates a one-time registration code for a unit."""

from __future__ import annotations

from bot.app import telegram_link
from bot.channels.base import Reply
from bot.domain.model import Role
from handlers.base import CommandContext
from handlers.render import local_time, role_name

#: Role words the Office may type, in English or Vietnamese without diacritics.
ROLE_WORDS = {
    "office": Role.OFFICE,
    "vanphong": Role.OFFICE,
    "iso": Role.ISO,
    "leader": Role.LEADER,
    "lanhdao": Role.LEADER,
    "head": Role.HEAD,
    "truongphong": Role.HEAD,
    "member": Role.MEMBER,
    "canbo": Role.MEMBER,
}


async def handle(ctx: CommandContext) -> Reply:
    _ = ctx._
    args = ctx.command.args
    usage = _(
        "Type: /invite UNIT ROLE, for example: /invite Phòng Giáo dục Trung học head\n"
        "Roles: office, iso, leader, head, member."
    )
    if len(args) < 2:
        return Reply(usage)
    role = ROLE_WORDS.get(args[-1].casefold())
    if role is None:
        return Reply(_("“{value}” is not a role.", value=args[-1][:40]) + "\n" + usage)
    unit = " ".join(args[:-1])
    invite = await ctx.services.invite(unit, role, created_by=ctx.registered.name)
    text = _(
        "Invitation code for {unit} ({role}): {code}\nValid until {when}. The invited person "
        "types: /start {code}",
        unit=invite.unit,
        role=role_name(invite.role, ctx.tr),
        code=invite.code,
        when=local_time(invite.expires, ctx.tr),
    )
    link = telegram_link(ctx.services.config, invite.code)
    if link:
        text += "\n" + _("Or opens this link on Telegram: {link}", link=link)
    return Reply(text)
