"""The console channel: try every command in a terminal, and watch the demo's reminders.

A console person is registered through the same invitation flow as everyone else, so what works
here works on Telegram and Zalo.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from itertools import count
from typing import TextIO

from bot.channels.base import Buttons, IncomingMessage, MessageHandler, OutgoingFile, Sender
from bot.config import Config
from bot.domain.model import Role

CONSOLE = "console"


class ConsoleChannel:
    """Prints what the bot sends, prefixed with who receives it."""

    name = CONSOLE
    max_text_length = 100_000

    def __init__(self, out: TextIO | None = None, *, label: Callable[[str], str] | None = None):
        self.out = out or sys.stdout
        self.label = label or (lambda chat_id: chat_id)
        self._ids = count(1)

    async def start(self, on_message: MessageHandler) -> None:
        self.on_message = on_message

    async def stop(self) -> None:
        return None

    async def send_text(self, chat_id: str, text: str, buttons: Buttons = ()) -> str:
        """Print the text; a terminal has no buttons, and the text says what to type instead."""
        self.out.write(f"→ {self.label(chat_id)}\n{_indent(text)}\n\n")
        self.out.flush()
        return str(next(self._ids))

    async def send_file(self, chat_id: str, file: OutgoingFile) -> str:
        self.out.write(f"→ {self.label(chat_id)}: [{file.kind}] {file.path}\n\n")
        return str(next(self._ids))


def _indent(text: str) -> str:
    return "\n".join(f"  {line}" for line in text.splitlines())


def console_sender(name: str) -> Sender:
    return Sender(channel=CONSOLE, user_id=name, chat_id=name, name=name)


async def run_console_chat(config: Config, unit: str, role: str, name: str) -> int:
    """Read commands from the terminal as a person of `unit`, print the bot's replies."""
    from bot.app import open_services
    from bot.dispatch import Dispatcher

    services = await open_services(config)
    try:
        if not await services.has_plan():
            print("No plan is loaded yet: run `nhacviec init` first.", file=sys.stderr)
            return 1
        sender = console_sender(name or f"{unit} ({role})")
        if await services.find_contact(sender) is None:
            invite = await services.invite(unit, Role(role), created_by="console")
            await services.register(sender, invite.code)
        dispatcher = Dispatcher(services)
        print(f"Chatting as {sender.name} — {unit}. Type /help; Ctrl-D or /quit to leave.")
        for message_no in count(1):
            line = await asyncio.to_thread(_read_line)
            if line is None or line.strip() in ("/quit", "/thoat"):
                return 0
            if not line.strip():
                continue
            message = IncomingMessage(sender, line, str(message_no), datetime.now(UTC))
            reply = await dispatcher.handle(message)
            if reply is not None:
                print(reply.text + "\n")
        return 0
    finally:
        await services.db.dispose()


def _read_line() -> str | None:
    try:
        return input("> ")
    except EOFError:
        return None
