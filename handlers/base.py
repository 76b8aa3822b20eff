"""What every command handler receives and how handlers are declared.

A handler is channel-neutral: it gets the parsed command and the sender's contact, calls a service
and returns the reply text. It never imports a chat library.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.channels.base import IncomingMessage, Reply
from bot.commands import Command
from bot.domain.model import Role
from bot.i18n import Translator
from bot.services.facade import BotServices
from bot.services.registry import ContactInfo

OVERSIGHT = frozenset({Role.OFFICE, Role.ISO, Role.LEADER})
OFFICE_ONLY = frozenset({Role.OFFICE})
OFFICE_AND_ISO = frozenset({Role.OFFICE, Role.ISO})
EVERYONE = frozenset(Role)


@dataclass(frozen=True)
class CommandContext:
    services: BotServices
    message: IncomingMessage
    command: Command
    contact: ContactInfo | None
    tr: Translator

    def _(self, message: str, **values: object) -> str:
        return self.tr.gettext(message, **values)

    @property
    def registered(self) -> ContactInfo:
        """The sender's contact; the dispatcher guarantees it for commands that need one."""
        assert self.contact is not None
        return self.contact


Handler = Callable[[CommandContext], Awaitable[Reply]]


@dataclass(frozen=True)
class HandlerSpec:
    """A command: its handler, who may use it, and its one-line help (an English msgid)."""

    name: str
    handler: Handler
    summary: str
    usage: str
    roles: frozenset[Role] = EVERYONE
    needs_registration: bool = True
