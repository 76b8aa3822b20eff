"""SQLite's writers take turns in a process, and a chat command goes before the fan-out's.

Each SQLite session is a writer; `Database.session` queues them first come first served, except
that what a person waits for (a `/done`) goes before the reminder engine's waiting writers
(`in_background`). The order is observed on a real database file: the order in which sessions
got their turn and wrote a row.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest_asyncio
from sqlalchemy import select

from bot.store.db import Database, in_background
from bot.store.models import AuditEntry

AT = datetime(2022, 8, 1, 1, 0, tzinfo=UTC)


@pytest_asyncio.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'turns.db'}")
    await database.upgrade()
    yield database
    await database.dispose()


async def _until(condition: Callable[[], bool]) -> None:
    """Let the other tasks run until `condition` holds (no wall-clock wait)."""
    for _ in range(1000):
        if condition():
            return
        await asyncio.sleep(0)
    raise AssertionError("the tasks never got there")


async def _write(db: Database, name: str, release: asyncio.Event | None = None) -> None:
    async with db.session() as session:
        session.add(AuditEntry(at=AT, actor=name, action="turn", subject="", detail={}))
        await session.flush()
        if release is not None:
            await release.wait()


async def _order(db: Database) -> list[str]:
    async with db.session() as session:
        return list(await session.scalars(select(AuditEntry.actor).order_by(AuditEntry.id)))


def _waiting(db: Database) -> int:
    turns = db._writers
    assert turns is not None
    return len(turns._foreground) + len(turns._background)


async def test_a_command_goes_before_the_fan_outs_waiting_writers(db: Database) -> None:
    release = asyncio.Event()
    with in_background():
        holder = asyncio.create_task(_write(db, "sender 1", release))
        await _until(lambda: db._writers is not None and db._writers._owner is not None)
        senders = [asyncio.create_task(_write(db, f"sender {n}")) for n in (2, 3)]
    await _until(lambda: _waiting(db) == 2)
    command = asyncio.create_task(_write(db, "/done"))
    await _until(lambda: _waiting(db) == 3)
    release.set()
    await asyncio.gather(holder, *senders, command)
    assert await _order(db) == ["sender 1", "/done", "sender 2", "sender 3"]


async def test_a_waiter_cancelled_in_line_holds_nobody_up(db: Database) -> None:
    release = asyncio.Event()
    holder = asyncio.create_task(_write(db, "first", release))
    await _until(lambda: db._writers is not None and db._writers._owner is not None)
    gone = asyncio.create_task(_write(db, "cancelled"))
    after = asyncio.create_task(_write(db, "second"))
    await _until(lambda: _waiting(db) == 2)
    gone.cancel()
    release.set()
    await asyncio.gather(holder, after)
    assert gone.cancelled()
    assert await _order(db) == ["first", "second"]
