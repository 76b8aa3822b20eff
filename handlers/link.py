"""/link (/lienket): a one-time code to register the same person on the other app too."""

from __future__ import annotations

from bot.app import telegram_link
from bot.channels.base import Reply
from bot.services.channels_pref import ALL, KNOWN_CHANNELS, channel_choice
from handlers.base import CommandContext
from handlers.channel import display_list, display_name
from handlers.render import local_time


async def handle(ctx: CommandContext) -> Reply:
    _ = ctx._
    contact = ctx.registered
    if ctx.message.sender.is_group_chat:
        # The code stands for this person: whoever types it first becomes them on the other app.
        return Reply(
            _(
                "A linking code is personal: please ask for it in a private chat with the bot, "
                "not in a group."
            )
        )
    async with ctx.services.db.session() as session:
        choice = await channel_choice(session, contact.person_id)
    # Same unit and role; `person_id` makes /start add a channel instead of a new person.
    invite = await ctx.services.invite(
        contact.unit,
        contact.role,
        created_by=f"{contact.channel}:{contact.user_id} {contact.name}".strip(),
        person_id=contact.person_id,
    )
    others = [name for name in KNOWN_CHANNELS if name != contact.channel]
    missing = [name for name in others if name not in choice.channels]
    lines = []
    if not missing:
        lines.append(
            _(
                "You are already registered on {channels}. This code links one more account, "
                "for example a new phone number.",
                channels=display_list(choice.channels, ctx.tr),
            )
        )
    target = missing or others
    app = display_list(target, ctx.tr) if len(target) == 1 else _("Telegram or Zalo")
    lines += [
        _("Your code to link another app: {code}", code=invite.code),
        _("It works once, until {when}.", when=local_time(invite.expires, ctx.tr)),
        "",
        _("Steps:"),
        _(
            "1. Open the nhacviec bot on {app} (the Office can send you its name or QR code).",
            app=app,
        ),
        _("2. Send it: /start {code}", code=invite.code),
        _("3. The bot answers that the app is linked."),
    ]
    link = telegram_link(ctx.services.config, invite.code) if "telegram" in target else None
    if link:
        lines.append(_("On Telegram you can also just open: {link}", link=link))
    lines.append("")
    if choice.effective == ALL:
        lines.append(
            _(
                "After that your reminders reach you on every app you are registered on; to "
                "choose one, type /channel."
            )
        )
    else:
        # Linking does not undo an earlier /channel choice; say so, or the new app stays silent.
        lines.append(
            _(
                "Your reminders now go only to {channel}. After linking, type /channel all to "
                "get them on every app.",
                channel=display_name(choice.effective),
            )
        )
    return Reply("\n".join(lines))
