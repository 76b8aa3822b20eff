"""Engine and sessions: SQLite by default (WAL, busy timeout), PostgreSQL by the same code."""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import re
from collections import deque
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

SQLITE_BUSY_TIMEOUT_MS = 15_000
#: The execution option that marks a `Database.reading` session's connection.
READ_ONLY = "nhacviec_read_only"
#: Every statement planned for the values it is given and the tables as they are now. asyncpg
#: prepares each statement once per connection, and after five executions PostgreSQL may switch
#: to one generic plan for its life: a plan made while the outbox was empty (a sequential scan)
#: then served a long-lived process for days while the table grew, and a tick went from 1 s to
#: 70 s (`bench/pg_long.py`). Planning these short statements each time costs well under a ms.
POSTGRES_SETTINGS = {"plan_cache_mode": "force_custom_plan"}
#: Any fixed 64-bit number, the same in every process: "nhacviec migrates" as an advisory lock.
MIGRATION_LOCK_KEY = 0x6E68_6163_7669_6563 >> 1


class Database:
    """One engine and its session factory; a session per update or per job, opened at the edge."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = url
        self.engine: AsyncEngine = create_engine(url, echo=echo)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self._writers = _Turns() if self.is_sqlite else None

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A session whose transaction commits on success and rolls back on any error.

        On SQLite every session is a writer (BEGIN IMMEDIATE), and the database's busy handler
        lets waiting writers in by polling, not in turn: a chat command could wait seconds while
        a fan-out's senders took the lock again and again. Within a process, sessions therefore
        queue for the lock here, first come first served.
        """
        if self._writers is None:
            async with self.sessions() as session, session.begin():
                yield session
            return
        async with self._writers.turn(), self.sessions() as session, session.begin():
            yield session

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncSession]:
        """A session that only reads: on SQLite a deferred transaction, which no writer waits for.

        WAL gives it a snapshot of the database as of its first read, however long it reads, so
        a tick can load every plan while commands write. Elsewhere it is a plain `session()`.
        """
        if self._writers is None:
            async with self.session() as session:
                yield session
            return
        async with self.sessions() as session:
            await session.connection(execution_options={READ_ONLY: True})
            try:
                yield session
            finally:
                await session.rollback()

    async def upgrade(self) -> None:
        """Create the tables or bring them to the newest migration.

        Several processes may start at once: on PostgreSQL the first takes a transaction-level
        advisory lock and migrates, the others wait for it and then find nothing to do (DDL is
        transactional there). On SQLite, BEGIN IMMEDIATE already lets one writer in at a time.
        """
        if await self.at_head():
            return  # the usual case: Alembic (a tenth of a second to import) is not needed
        from bot.store.migrations_runner import upgrade_to_head

        async with self.engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                await connection.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY}
                )
            await connection.run_sync(upgrade_to_head)

    async def at_head(self) -> bool:
        """Whether the database already has every migration, read without loading Alembic."""
        try:
            async with self.engine.connect() as connection:
                current = set(
                    await connection.scalars(text("SELECT version_num FROM alembic_version"))
                )
        except Exception:  # no table yet (a new database), or no database file yet
            return False
        return bool(current) and current == head_revisions()

    async def dispose(self) -> None:
        await self.engine.dispose()


MIGRATIONS = Path(__file__).resolve().parent / "migrations" / "versions"
_REVISION = re.compile(r"^(down_revision|revision)\s*(?::[^=]*)?=\s*(.+)$", re.MULTILINE)


def head_revisions() -> set[str]:
    """The revisions no migration builds on, read from the scripts' `revision` lines."""
    revisions: set[str] = set()
    below: set[str] = set()
    for script in MIGRATIONS.glob("*.py"):
        for name, value in _REVISION.findall(script.read_text("utf-8")):
            found = set(re.findall(r"[\"']([^\"']+)[\"']", value))
            (revisions if name == "revision" else below).update(found)
    return revisions - below


#: Set while the reminder engine writes (`in_background`): its sessions let others go first.
_BACKGROUND: contextvars.ContextVar[bool] = contextvars.ContextVar("background", default=False)


@contextlib.contextmanager
def in_background() -> Iterator[None]:
    """Sessions opened inside (and in tasks started inside) yield their turn to the others.

    A fan-out's senders take a writer's turn several times per message; a chat command queued
    behind all of them waited up to 140 ms. On SQLite a command now goes before every waiting
    background writer, so it waits at most for the turn being taken.
    """
    token = _BACKGROUND.set(True)
    try:
        yield
    finally:
        _BACKGROUND.reset(token)


class _Turns:
    """A first-come-first-served lock that a task already holding it passes through, in which
    what people wait for (chat commands) goes before background writers (`in_background`).

    A session opened inside another session of the same task goes straight on, as it did before
    sessions took turns (SQLite itself then decides, as always); only other tasks wait.
    """

    def __init__(self) -> None:
        self._owner: asyncio.Task[Any] | None = None
        self._taken = False
        self._foreground: deque[asyncio.Future[None]] = deque()
        self._background: deque[asyncio.Future[None]] = deque()

    @asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        task = asyncio.current_task()
        if task is not None and self._owner is task:
            yield
            return
        await self._take()
        self._owner = task
        try:
            yield
        finally:
            self._owner = None
            self._hand_on()

    async def _take(self) -> None:
        if not self._taken:
            self._taken = True
            return
        waiting = asyncio.get_running_loop().create_future()
        queue = self._background if _BACKGROUND.get() else self._foreground
        queue.append(waiting)
        try:
            await waiting
        except asyncio.CancelledError:
            if waiting.done() and not waiting.cancelled():
                self._hand_on()  # the turn came as the waiter was cancelled: pass it on
            else:
                queue.remove(waiting)
            raise

    def _hand_on(self) -> None:
        """Give the turn to the first foreground waiter, else the first background one."""
        for queue in (self._foreground, self._background):
            while queue:
                waiting = queue.popleft()
                if not waiting.done():
                    waiting.set_result(None)
                    return
        self._taken = False


def create_engine(url: str, *, echo: bool = False) -> AsyncEngine:
    parsed = make_url(url)
    kwargs: dict[str, Any] = {"echo": echo}
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:":
            Path(database).expanduser().resolve().parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
    else:
        kwargs["pool_pre_ping"] = True
        if parsed.get_driver_name() == "asyncpg":
            kwargs["connect_args"] = {"server_settings": dict(POSTGRES_SETTINGS)}
    engine = create_async_engine(url, **kwargs)
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        event.listen(engine.sync_engine, "begin", _sqlite_begin_immediate)
        event.listen(engine.sync_engine, "invalidate", _sqlite_rollback_before_close)
    return engine


def _sqlite_rollback_before_close(dbapi_connection: Any, _record: Any, _error: Any) -> None:
    """Give back the write lock of a connection dropped mid-statement (a cancelled handler).

    SQLAlchemy closes an invalidated connection without a ROLLBACK; sqlite3 would keep BEGIN
    IMMEDIATE's lock until garbage collection, and every other write would wait and fail.
    """
    with contextlib.suppress(Exception):
        dbapi_connection.rollback()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """WAL lets `tick` run beside `run`; the busy timeout waits for a writer instead of failing."""
    # Take over transaction control so that BEGIN IMMEDIATE below is what actually starts it.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin_immediate(connection: Any) -> None:
    """Take the write lock at BEGIN, so two processes never deadlock upgrading read locks."""
    if connection.get_execution_options().get(READ_ONLY):
        connection.exec_driver_sql("BEGIN")  # `Database.reading`: never writes, never upgrades
        return
    connection.exec_driver_sql("BEGIN IMMEDIATE")
