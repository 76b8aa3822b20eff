"""Shared fixtures: a database with plan 187 loaded, a hand-moved clock, and a chat harness."""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import count
from pathlib import Path

import pytest
import pytest_asyncio

from bot.app import open_services
from bot.bundled import bundled_plan
from bot.channels.base import Attachment, IncomingMessage, Sender
from bot.clock import ManualClock
from bot.config import Config
from bot.dispatch import Dispatcher
from bot.domain.model import Role
from bot.services.facade import BotServices
from bot.store.db import Database
from tests import pg
from tests.pg import PgServer, PostgresUnavailable, start_server

REPO = Path(__file__).resolve().parents[1]


def make_config(tmp_path: Path, **overrides: object) -> Config:
    overrides.setdefault("database_url", f"sqlite+aiosqlite:///{tmp_path / 'nhacviec.db'}")
    return Config(**overrides)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """One PostgreSQL server for the session, started on first use; skip (or fail) without one."""
    try:
        server = start_server()
    except PostgresUnavailable as error:
        pg.SESSION_NOTES.append(f"PostgreSQL not available: {error}; its half was skipped")
        if os.environ.get(pg.MODE_ENV, "").lower() == "require":
            pytest.fail(f"PostgreSQL not available: {error}", pytrace=False)
        pytest.skip(f"PostgreSQL not available: {error}")
    pg.SESSION_NOTES.append(f"PostgreSQL {server.version} on {server.host}:{server.port}")
    yield server
    server.stop()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say once whether the PostgreSQL half of the suite ran, and why not."""
    for note in pg.SESSION_NOTES:
        terminalreporter.write_line(note)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to the newest schema once for the session: each test gets a copy
    (running the migrations takes ~0.1 s a test, a copy ~1 ms), as PostgreSQL's tests get a
    database made from a migrated template."""
    path = tmp_path_factory.mktemp("sqlite-template") / "nhacviec.db"

    async def migrate() -> None:
        database = Database(f"sqlite+aiosqlite:///{path}")
        try:
            await database.upgrade()
        finally:
            await database.dispose()  # the last connection checkpoints the WAL into the file

    asyncio.run(migrate())
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The database a test runs on: a SQLite file, or a fresh PostgreSQL database, both already
    at the newest schema."""
    if request.param == "sqlite":
        path = tmp_path / "nhacviec.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite+aiosqlite:///{path}"
        return
    server: PgServer = request.getfixturevalue("pg_server")
    name = server.create_database()
    yield server.url(name)
    server.drop_database(name)


@pytest.fixture
def clock() -> ManualClock:
    """Monday 01/08/2022, 09:00 in Hưng Yên: task 7's window opens, task 1 is long overdue."""
    return ManualClock(datetime(2022, 8, 1, 9, 0))


@pytest.fixture
def reminders() -> dict[str, object]:
    """The config's `[reminders]` table; a test module overrides it to change the rhythm."""
    return {}


@pytest_asyncio.fixture
async def services(
    tmp_path: Path, clock: ManualClock, database_url: str, reminders: dict[str, object]
) -> AsyncIterator[BotServices]:
    config = make_config(tmp_path, database_url=database_url, reminders=reminders)
    services = await open_services(config, clock=clock)
    await services.import_plan(services.read_plan(bundled_plan()))
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
