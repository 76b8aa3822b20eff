"""/channel telegram|zalo|all (/kenh): where reminders go; without a word, the current choice."""

from __future__ import annotations

import unicodedata

from bot.channels.base import Reply
from bot.domain.text import match_key
from bot.i18n import Translator
from bot.services.channels_pref import (
    ALL,
    KNOWN_CHANNELS,
    ChannelChoice,
    NotOnChannel,
    channel_choice,
    set_prefer_channel,
)
from handlers.base import CommandContext

#: What people type for each choice, compared without diacritics, spaces or dashes.
CHOICE_WORDS = {
    "telegram": "telegram",
    "tele": "telegram",
    "tg": "telegram",
    "zalo": "zalo",
    "all": ALL,
    "both": ALL,
    "cahai": ALL,  # ca-hai, cả hai
    "tatca": ALL,  # tất cả
    "hai": ALL,
}
DISPLAY_NAMES = {"telegram": "Telegram", "zalo": "Zalo"}


def choice_key(text: str) -> str:
    """`Cả hai`, `ca-hai`, `CAHAI` → `cahai`: the word without diacritics, spaces or dashes."""
    folded = unicodedata.normalize("NFD", match_key(text).replace("đ", "d"))
    return "".join(ch for ch in folded if ch.isascii() and ch.isalnum())


def parse_choice(text: str) -> str | None:
    """The channel a person asked for ("all", "telegram", "zalo"); None if the word is unknown."""
    return CHOICE_WORDS.get(choice_key(text))


def display_name(channel: str) -> str:
    return DISPLAY_NAMES.get(channel, channel.capitalize())


def display_list(channels: tuple[str, ...] | list[str], tr: Translator) -> str:
    names = [display_name(channel) for channel in channels]
    if len(names) <= 1:
        return "".join(names)
    return tr.gettext("{first} and {last}", first=", ".join(names[:-1]), last=names[-1])


async def handle(ctx: CommandContext) -> Reply:
    contact = ctx.registered
    if not ctx.command.rest:
        async with ctx.services.db.session() as session:
            choice = await channel_choice(session, contact.person_id)
        return Reply(describe(choice, ctx.tr))
    wanted = parse_choice(ctx.command.rest)
    if wanted is None:
        return Reply(
            ctx._(
                "“{value}” is not a channel. Type /channel telegram, /channel zalo or "
                "/channel all.",
                value=ctx.command.rest[:40],
            )
        )
    actor = f"{contact.channel}:{contact.user_id} {contact.name}".strip()
    try:
        async with ctx.services.db.session() as session:
            choice = await set_prefer_channel(
                session, contact.person_id, wanted, now=ctx.services.now(), actor=actor
            )
    except NotOnChannel as refusal:
        return Reply(not_registered_text(refusal, ctx.tr))
    if choice.prefer == ALL:
        return Reply(
            ctx._(
                "From now on your reminders go to every app you are registered on: {channels}.",
                channels=display_list(choice.channels, ctx.tr),
            )
        )
    return Reply(
        ctx._(
            "From now on your reminders go only to {channel}. To get them on every app again, "
            "type /channel all.",
            channel=display_name(choice.prefer),
        )
    )


def describe(choice: ChannelChoice, tr: Translator) -> str:
    """The current choice, the person's channels, and what to type to change or add one."""
    _ = tr.gettext
    if choice.effective == ALL:
        where = _("every app you are registered on")
    else:
        where = _("{channel} only", channel=display_name(choice.effective))
    lines = [
        _("Your reminders go to: {where}.", where=where),
        _("You are registered on: {channels}.", channels=display_list(choice.channels, tr)),
    ]
    missing = [channel for channel in KNOWN_CHANNELS if channel not in choice.channels]
    if len(choice.channels) > 1:
        lines.append(_("To change: /channel telegram, /channel zalo or /channel all."))
    if missing:
        lines.append(
            _(
                "To receive them on {app} too, type /link and follow the steps.",
                app=display_list(missing, tr),
            )
        )
    return "\n".join(lines)


def not_registered_text(refusal: NotOnChannel, tr: Translator) -> str:
    return tr.gettext(
        "You are not registered on {channel} yet, so reminders cannot go there. To link it: "
        "type /link here, then send /start CODE to the bot on {channel}.",
        channel=display_name(refusal.channel),
    )
