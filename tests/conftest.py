"""Shared fixtures: a database with plan 187 loaded, a hand-moved clock, and a chat harness."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import count
from pathlib import Path

import pytest
import pytest_asyncio

from bot.app import open_services
from bot.channels.base import Attachment, IncomingMessage, Sender
from bot.cli import bundled_plan
from bot.clock import ManualClock
from bot.config import Config
from bot.dispatch import Dispatcher
from bot.domain.model import Role
from bot.importer import read_plan
from bot.services.facade import BotServices

REPO = Path(__file__).resolve().parents[1]


def make_config(tmp_path: Path, **overrides: object) -> Config:
    return Config(database_url=f"sqlite+aiosqlite:///{tmp_path / 'nhacviec.db'}", **overrides)


@pytest.fixture
def clock() -> ManualClock:
    """Monday 01/08/2022, 09:00 in Hưng Yên: task 7's window opens, task 1 is long overdue."""
    return ManualClock(datetime(2022, 8, 1, 9, 0))


@pytest_asyncio.fixture
async def services(tmp_path: Path, clock: ManualClock) -> AsyncIterator[BotServices]:
    config = make_config(tmp_path)
    services = await open_services(config, clock=clock)
    await services.import_plan(read_plan(bundled_plan(), services.catalog))
    yield services
    await services.db.dispose()


@dataclass
class Person:
    """Someone chatting with the bot through the dispatcher, as any channel would deliver it."""

    chat: Chat
    sender: Sender

    async def says(self, text: str, attachment: Attachment | None = None) -> str:
        reply = await self.chat.dispatcher.handle(
            IncomingMessage(
                self.sender, text, str(next(self.chat.ids)), datetime.now(UTC), attachment
            )
        )
        return reply.text if reply is not None else ""


class Chat:
    """Drive the bot's commands as text, channel-neutral (the errbot test-backend habit)."""

    def __init__(self, services: BotServices) -> None:
        self.services = services
        self.dispatcher = Dispatcher(services, bare_commands_on=frozenset({"zalo"}))
        self.ids = count(1)

    def person(self, user_id: str, name: str = "", channel: str = "console") -> Person:
        sender = Sender(channel, user_id, user_id, name or f"Người {user_id}")
        return Person(self, sender)

    async def registered(
        self, user_id: str, unit: str, role: Role, name: str = "", channel: str = "console"
    ) -> Person:
        person = self.person(user_id, name, channel)
        invite = await self.services.invite(unit, role, created_by="test")
        await self.services.register(person.sender, invite.code)
        return person


@pytest.fixture
def chat(services: BotServices) -> Chat:
    return Chat(services)
