"""Which of several `nhacviec run` processes ticks: a lease kept in the database.

Any number of processes may run on one database; exactly one of them, the holder of the lease,
ticks the reminder engine and drains the outbox. The others serve chat updates and try for the
lease every few seconds, so when the holder dies its lease runs out (`[reminders] lease_seconds`,
90 s by default) and one of them takes over. A holder that stops cleanly gives the lease back at
once.

The lease is the `engine_state` row named `tick_lease`: who holds it (`holder`) and until when
(`expires_at`). Taking or renewing it is one short transaction that reads the row locked and writes
this process in when the row is free, already ours, or expired:

- PostgreSQL: `SELECT … FOR UPDATE` locks the row, so two processes decide one after the other.
  The time is the database server's (`clock_timestamp()`), so processes on several hosts agree on
  when a lease has run out whatever their own clocks say. (An advisory lock would need one
  connection kept open for the holder's whole life; a row needs none and survives a pool reset.)
- SQLite: `BEGIN IMMEDIATE` (see `bot.store.db`) already holds the database's only write lock for
  the transaction, so the same read-then-write is atomic. All processes share one host and clock.

Why only the holder drains: reminders are merged into one message per person, and a second
drainer would race the holder for the same people and split their messages. Outbox claims still
guarantee that no row is sent by two processes (a conditional UPDATE, with `FOR UPDATE SKIP LOCKED`
on PostgreSQL), and each claim is fenced right before its send (`scheduler.outbox.fence`): a holder
that pauses past its lease and its claims finds, on waking, that the rows it claimed are another's,
and sends none of them. A claim lasts longer than the lease by at least a renewal interval
(`scheduler.settings.claim_floor`), so a new holder never takes back what a live holder claimed in
its time. `nhacviec tick --at …` takes no lease: it is an operator's one-off, safe beside running
processes for the same reason.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.store.db import Database
from bot.store.models import EngineState

log = logging.getLogger(__name__)

TICK_LEASE = "tick_lease"
DEFAULT_LEASE = timedelta(seconds=90)


class Lease:
    """One named lease for one holder (this process's worker id)."""

    def __init__(
        self,
        db: Database,
        holder: str,
        duration: timedelta = DEFAULT_LEASE,
        *,
        name: str = TICK_LEASE,
    ) -> None:
        if duration <= timedelta(0):
            raise ValueError("a lease must last longer than zero seconds")
        self.db = db
        self.holder = holder
        self.duration = duration
        self.name = name
        # Monotonic time until which this process may act as holder. It counts from before the
        # transaction that took the lease began, so it ends no later than the row says.
        self._valid_until = 0.0

    @property
    def held(self) -> bool:
        """Whether this process holds the lease now, as far as its last renewal knows."""
        return time.monotonic() < self._valid_until

    async def acquire(self) -> bool:
        """Take the lease, or renew it when it is ours; False while another live holder has it."""
        started = time.monotonic()
        # On a database error the lease stays as the last renewal left it: nobody else can
        # take it before then either.
        async with self.db.session() as session:
            taken = await self._take(session)
        was_held = self.held
        self._valid_until = started + self.duration.total_seconds() if taken else 0.0
        if taken and not was_held:
            log.warning("lease %s taken by %s", self.name, self.holder)
        elif was_held and not taken:
            log.warning("lease %s lost by %s", self.name, self.holder)
        return taken

    async def release(self) -> None:
        """Give the lease back, so another process need not wait for it to run out."""
        self._valid_until = 0.0
        async with self.db.session() as session:
            await session.execute(
                update(EngineState)
                .where(EngineState.name == self.name, EngineState.holder == self.holder)
                .values(holder=None, expires_at=None)
            )

    async def current(self) -> tuple[str | None, datetime | None]:
        """Who holds the lease and until when (for status displays and tests)."""
        async with self.db.session() as session:
            row = (
                await session.execute(
                    select(EngineState.holder, EngineState.expires_at).where(
                        EngineState.name == self.name
                    )
                )
            ).first()
        return (row.holder, row.expires_at) if row is not None else (None, None)

    async def _take(self, session: AsyncSession) -> bool:
        dialect = session.bind.dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        # The row exists from the first attempt on; creating it twice at once is harmless.
        await session.execute(
            insert(EngineState)
            .values(name=self.name, value="")
            .on_conflict_do_nothing(index_elements=["name"])
        )
        row = (
            await session.execute(
                select(EngineState.holder, EngineState.expires_at)
                .where(EngineState.name == self.name)
                .with_for_update()  # PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises us
            )
        ).one()
        now = await database_now(session)
        free = row.holder is None or row.expires_at is None or row.expires_at <= now
        if not free and row.holder != self.holder:
            return False
        await session.execute(
            update(EngineState)
            .where(EngineState.name == self.name)
            .values(holder=self.holder, expires_at=now + self.duration)
        )
        return True


async def database_now(session: AsyncSession) -> datetime:
    """The database server's time on PostgreSQL, this host's on SQLite; aware, in UTC."""
    if session.bind.dialect.name == "postgresql":
        value = await session.scalar(select(func.clock_timestamp()))
        assert value is not None
        return value.astimezone(UTC)
    return datetime.now(UTC)
