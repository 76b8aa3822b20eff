"""From a message to a reply: parse, identify the sender, check the role, run the handler.

Every refusal is a polite reply that says what to type instead; nothing here lets an exception
reach a channel, so one bad message never stops the bot.

A button press takes the same road as the command its button types (`done 187.6`): the presser
is looked up again and their rights checked as if they had typed it, so a button forged or left
over from another day can do nothing its presser could not type.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from bot.channels.base import Button, ButtonPress, IncomingMessage, MessageEdit, Reply
from bot.clock import LOCAL_TZ
from bot.commands import Command, parse_command
from bot.domain.model import Role
from bot.i18n import Translator, chat_date
from bot.presentation import mark_task
from bot.services.errors import AmbiguousTask, ServiceError, WhichUnit
from bot.services.facade import BotServices
from bot.services.registry import ContactInfo
from handlers import HANDLERS
from handlers.base import CommandContext
from handlers.errors import explain
from handlers.evidence import keep_evidence

log = logging.getLogger(__name__)

#: What a button may type: the commands about one task. Anything else pressed is refused.
PRESSABLE = frozenset({"done", "snooze", "undo", "status"})
#: Commands whose ambiguous bare number is answered with one button per candidate.
_CANDIDATE_BUTTONS = PRESSABLE


class Dispatcher:
    def __init__(self, services: BotServices, *, bare_commands_on: frozenset[str] = frozenset()):
        self.services = services
        #: Channels whose people type commands without the slash (Zalo).
        self.bare_commands_on = bare_commands_on

    async def handle(self, message: IncomingMessage | ButtonPress) -> Reply | None:
        if isinstance(message, ButtonPress):
            return await self.press(message)
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
        reply, _ok = await self._run(message, command, contact, tr)
        return reply

    async def press(self, press: ButtonPress) -> Reply:
        """Answer a button press: run its command for the presser and say how the message changes.

        `edit` is set only when the command went through; a refusal (a stale or forged button, a
        person without the right) is a notice and nothing else.
        """
        contact = await self.services.find_contact(press.sender)
        tr = Translator(contact.language if contact else self.services.config.language)
        _ = tr.gettext
        command = parse_command("/" + press.command)
        if command is None or not _pressable(command):
            return Reply(_("This button is no longer valid. Type /tasks to see your tasks."))
        message = IncomingMessage(
            press.sender, "/" + press.command, press.press_id, press.received_at
        )
        reply, ok = await self._run(message, command, contact, tr)
        if reply is None:
            return Reply(_("This button is no longer valid. Type /tasks to see your tasks."))
        if not ok:
            return reply
        if command.name not in ("done", "snooze") or not press.message_text:
            # Done, though nothing to mark (a candidate's /status): the message stays as it is.
            return replace(reply, mark="", edit=MessageEdit(press.message_text))
        task = command.args[0]
        if command.name == "done":
            local = self.services.now().astimezone(LOCAL_TZ)
            mark = reply.mark or _(
                "✅ Recorded at {time} {date}",
                time=local.strftime("%H:%M"),
                date=chat_date(local),
            )
            drop = frozenset({f"done {task}", f"snooze {task}"})
        else:
            mark = reply.mark
            drop = frozenset({f"snooze {task}"})
        text = mark_task(press.message_text, task, mark) if mark else press.message_text
        return replace(reply, mark="", edit=MessageEdit(text, drop))

    async def _run(
        self,
        message: IncomingMessage,
        command: Command,
        contact: ContactInfo | None,
        tr: Translator,
    ) -> tuple[Reply | None, bool]:
        """Check the command against the sender and run it; the reply, and whether it was done."""
        _ = tr.gettext
        if not command.is_known:
            return Reply(
                _(
                    "There is no command /{name}. Type /help to see the commands.",
                    name=command.typed[:40],
                )
            ), False
        spec = HANDLERS[command.name]
        if spec.needs_registration and contact is None:
            return Reply(
                _(
                    "You are not registered yet. Ask the Office (Văn phòng Sở) for an "
                    "invitation code, then type: /start CODE"
                )
            ), False
        if contact is not None and not contact.roles & spec.roles:
            if Role.ISO in spec.roles and Role.LEADER not in spec.roles:
                return Reply(
                    _("Only the Office and Ban ISO may do this. Type /help to see your commands.")
                ), False
            if Role.ISO in spec.roles:
                return Reply(
                    _(
                        "Only the Office, Ban ISO and the leadership may do this. Type /help to "
                        "see your commands."
                    )
                ), False
            return Reply(_("Only the Office may do this. Type /help to see your commands.")), False
        context = CommandContext(self.services, message, command, contact, tr)
        try:
            reply = await spec.handler(context)
        except ServiceError as error:
            return Reply(explain(error, tr), buttons=_candidates(error, command)), False
        if isinstance(message, IncomingMessage) and message.attachment is not None:
            # After the handler: the confirmation is stored whatever becomes of the file.
            reply = await keep_evidence(self.services, message, command.args, reply, tr)
        return reply, True


def _pressable(command: Command) -> bool:
    """A command a button may type: one task (and, for a snooze, its days), and perhaps the
    `@UNIT` it acts for, nothing more."""
    most = 2 if command.name == "snooze" else 1
    args = list(command.args)
    at = next((i for i, arg in enumerate(args) if arg.startswith("@")), len(args))
    return command.name in PRESSABLE and 1 <= len(args[:at]) <= most


def _candidates(error: ServiceError, command: Command) -> tuple[tuple[Button, ...], ...]:
    """One button per plan an ambiguous bare number could mean, or per unit of the sender's that
    has a part in the task, typing the same command."""
    if isinstance(error, WhichUnit) and command.name in _CANDIDATE_BUTTONS and command.args:
        rest = [arg for arg in command.args[1:] if not arg.startswith("@")]
        rest = rest[:1] if command.name == "snooze" else []
        return tuple(
            (Button(f"@{unit}", " ".join((command.name, command.args[0], *rest, f"@{unit}"))),)
            for unit in error.units
        )
    if not isinstance(error, AmbiguousTask) or command.name not in _CANDIDATE_BUTTONS:
        return ()
    rest = command.args[1:] if command.name == "snooze" else ()
    return tuple(
        (Button(address, " ".join((command.name, address, *rest))),) for address in error.addresses
    )
