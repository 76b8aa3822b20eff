"""/lang vi|en (/ngonngu): the language of replies and reminders for this person."""

from __future__ import annotations

from bot.channels.base import Reply
from bot.i18n import LANGUAGES, Translator
from handlers.base import CommandContext


async def handle(ctx: CommandContext) -> Reply:
    wanted = ctx.command.args[0].casefold() if ctx.command.args else ""
    if wanted not in LANGUAGES:
        return Reply(ctx._("Type /lang vi for Vietnamese or /lang en for English."))
    await ctx.services.set_language(ctx.registered, wanted)
    return Reply(Translator(wanted).gettext("Replies will now be in English."))
