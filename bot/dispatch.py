"""From a message to a reply: parse, identify the sender, check the role, run the handler.

Every refusal is a polite reply that says what to type instead; nothing here lets an exception
reach a channel, so one bad message never stops the bot.
"""

from __future__ import annotations

import logging

from bot.channels.base import IncomingMessage, Reply
from bot.commands import parse_command
from bot.domain.model import Role
from bot.i18n import Translator
from bot.services.errors import ServiceError
from bot.services.facade import BotServices
from handlers import HANDLERS
from handlers.base import CommandContext
from handlers.errors import explain
from handlers.evidence import keep_evidence

log = logging.getLogger(__name__)


class Dispatcher:
    def __init__(self, services: BotServices, *, bare_commands_on: frozenset[str] = frozenset()):
        self.services = services
        #: Channels whose people type commands without the slash (Zalo).
        self.bare_commands_on = bare_commands_on

    async def handle(self, message: IncomingMessage) -> Reply | None:
        contact = await self.services.find_contact(message.sender)
        tr = Translator(contact.language if contact else self.services.config.language)
        _ = tr.gettext
        command = parse_command(
            message.text, allow_bare=message.sender.channel in self.bare_commands_on
        )
        if command is None:
            if message.sender.is_group_chat:
                return None  # people talk to each other in groups; only commands are ours
            if contact is None:
                return Reply(
                    _(
                        "You are not registered yet. Ask the Office (Văn phòng Sở) for "
                        "an invitation code, then type: /start CODE"
                    )
                )
            return Reply(
                _(
                    "I only understand commands. For example: /tasks to see your tasks, "
                    "/done 6 to confirm task 6. Type /help for all commands."
                )
            )
        if not command.is_known:
            return Reply(
                _(
                    "There is no command /{name}. Type /help to see the commands.",
                    name=command.typed[:40],
                )
            )
        spec = HANDLERS[command.name]
        if spec.needs_registration and contact is None:
            return Reply(
                _(
                    "You are not registered yet. Ask the Office (Văn phòng Sở) for an "
                    "invitation code, then type: /start CODE"
                )
            )
        if contact is not None and contact.role not in spec.roles:
            if Role.ISO in spec.roles:
                return Reply(
                    _(
                        "Only the Office, Ban ISO and the leadership may do this. Type /help to "
                        "see your commands."
                    )
                )
            return Reply(_("Only the Office may do this. Type /help to see your commands."))
        context = CommandContext(self.services, message, command, contact, tr)
        try:
            reply = await spec.handler(context)
        except ServiceError as error:
            return Reply(explain(error, tr))
        if message.attachment is not None:
            # After the handler: the confirmation is stored whatever becomes of the file.
            reply = await keep_evidence(self.services, message, command.args, reply, tr)
        return reply
