"""Several processes on one database: one tick lease holder, and no outbox row sent twice.

Every test here runs on SQLite and on PostgreSQL (the `services` fixture is parametrized).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from bot.channels.base import Sender
from bot.channels.ratelimit import Priority, SendLimiter
from bot.channels.retry import Delivery, RetryPolicy, send_guard
from bot.config import SAMPLE_DEPARTMENTS
from bot.domain.model import Role
from bot.services.facade import BotServices
from bot.store.db import Database
from bot.store.models import Contact, EngineState, OutboxItem
from scheduler import outbox
from scheduler.engine import ClaimLapsed, ReminderEngine
from scheduler.lease import TICK_LEASE, Lease
from scheduler.settings import ReminderSettings, claim_floor
from tests.fakes.recording import RecordingChannel

SHORT = timedelta(seconds=0.5)


async def test_one_holder_until_its_lease_runs_out(services: BotServices) -> None:
    first = Lease(services.db, "host:1:aaa", SHORT)
    second = Lease(services.db, "host:2:bbb", SHORT)
    assert await first.acquire() and first.held
    assert not await second.acquire() and not second.held
    assert await first.acquire()  # renewing is taking it again
    holder, expires = await first.current()
    assert holder == "host:1:aaa" and expires is not None and expires.tzinfo is not None

    await asyncio.sleep(0.7)  # the holder died: nobody renewed
    assert not first.held
    assert await second.acquire()
    assert not await first.acquire(), "a holder that came back late must not take it back"


async def test_a_released_lease_is_taken_at_once(services: BotServices) -> None:
    first = Lease(services.db, "host:1:aaa", timedelta(minutes=5))
    second = Lease(services.db, "host:2:bbb", timedelta(minutes=5))
    assert await first.acquire()
    await first.release()
    assert not first.held
    assert await second.acquire()
    async with services.db.session() as session:
        row = await session.get(EngineState, TICK_LEASE)
        assert row is not None and row.holder == "host:2:bbb"


async def test_of_many_contenders_at_once_exactly_one_wins(services: BotServices) -> None:
    # Separate engines: separate connections, as separate processes would have.
    databases = [Database(services.db.url) for _ in range(6)]
    try:
        leases = [Lease(db, f"host:{n}:x", timedelta(minutes=1)) for n, db in enumerate(databases)]
        for _ in range(3):
            won = await asyncio.gather(*(lease.acquire() for lease in leases))
            assert won.count(True) == 1
        assert sum(lease.held for lease in leases) == 1
    finally:
        for db in databases:
            await db.dispose()


async def register(services: BotServices, count: int) -> list[str]:
    units = ["Ban ISO Sở", "Lãnh đạo Sở", *SAMPLE_DEPARTMENTS]
    chats = []
    for n in range(count):
        unit = units[n % len(units)]
        role = Role.ISO if n == 0 else Role.OFFICE if unit == "Văn phòng Sở" else Role.HEAD
        invite = await services.invite(unit, role, created_by="test")
        chat_id = str(5000 + n)
        await services.register(Sender("console", chat_id, chat_id, f"P{n}"), invite.code)
        chats.append(chat_id)
    return chats


async def test_two_drainers_at_once_send_each_row_once(services: BotServices) -> None:
    await register(services, 20)
    moment = datetime(2022, 8, 1, 8, 0)
    quiet = ReminderEngine(services, {}, worker="a")
    await quiet.tick(moment)  # queue only: no channel
    other_db = Database(services.db.url)
    other = BotServices(other_db, services.clock, services.config, services.catalog)
    first, second = RecordingChannel(), RecordingChannel()
    try:
        await asyncio.gather(
            ReminderEngine(services, {"console": first}, worker="a").drain(moment),
            ReminderEngine(other, {"console": second}, worker="b").drain(moment),
        )
    finally:
        await other_db.dispose()
    chats = [chat for chat, _ in first.sent + second.sent]
    assert len(chats) == len(set(chats)) == 20
    async with services.db.session() as session:
        statuses = set(await session.scalars(select(OutboxItem.status)))
    assert statuses <= {"sent", "skipped"}


async def test_a_dead_senders_claims_are_sent_after_the_claim_timeout(
    services: BotServices,
) -> None:
    [chat] = await register(services, 1)
    moment = datetime(2022, 8, 1, 8, 0)
    await ReminderEngine(services, {}, worker="dead").tick(moment)
    claimed = datetime(2022, 8, 1, 8, 0, tzinfo=UTC)
    async with services.db.session() as session:
        await session.execute(
            update(OutboxItem)
            .where(OutboxItem.status == "pending")
            .values(status="sending", claimed_by="dead", claimed_at=claimed)
        )
    channel = RecordingChannel()
    engine = ReminderEngine(services, {"console": channel}, claim_timeout=timedelta(minutes=2))
    services.clock.set(datetime(2022, 8, 1, 15, 1))  # 08:01 UTC: the claim is a minute old
    await engine.drain()
    assert channel.sent == []
    services.clock.set(datetime(2022, 8, 1, 15, 3))
    await engine.drain()
    assert [c for c, _ in channel.sent] == [chat]
    async with services.db.session() as session:
        contact = await session.scalar(select(Contact).where(Contact.chat_id == chat))
        assert contact is not None
        left = await session.scalars(select(OutboxItem.status).where(OutboxItem.status != "sent"))
        assert set(left) <= {"skipped"}


async def test_a_long_display_name_is_cut_not_refused(services: BotServices) -> None:
    invite = await services.invite("Ban ISO", Role.ISO, created_by="x" * 300)
    await services.register(Sender("telegram", "77", "77", "Tên " * 100), invite.code)
    async with services.db.session() as session:
        name = await session.scalar(select(Contact.name).where(Contact.user_id == "77"))
    assert name is not None and len(name) == 255 and name.startswith("Tên Tên")


async def test_a_claim_given_to_another_is_fenced_off(services: BotServices) -> None:
    """The first claimer, back from a pause, can neither renew, give back nor mark the rows."""
    await register(services, 1)
    moment = datetime(2022, 8, 1, 8, 0, tzinfo=UTC)
    await ReminderEngine(services, {}, worker="a").tick(moment)
    async with services.db.session() as session:
        [contact_id] = await outbox.contacts_waiting(session, "console", moment)
        first = await outbox.claim(session, contact_id, "a#1", moment)
    assert first
    later = moment + timedelta(minutes=5)
    async with services.db.session() as session:
        assert await outbox.release_stale_claims(session, later, timedelta(minutes=2))
        second = await outbox.claim(session, contact_id, "b#1", later)
    assert sorted(second) == sorted(first)
    async with services.db.session() as session:
        assert await outbox.fence(session, first, "a#1", later) == []
        await outbox.give_back(session, first, "a#1")
        await outbox.mark(session, first, status="sent", claim_token="a#1", now=later)
        assert sorted(await outbox.fence(session, second, "b#1", later)) == sorted(second)
        rows = (await session.execute(select(OutboxItem.status, OutboxItem.claimed_by))).all()
    assert {(status, by) for status, by in rows} == {("sending", "b#1")}


async def test_a_send_whose_claim_lapsed_in_the_limiter_never_leaves() -> None:
    delivery = Delivery(
        "test", limiter=SendLimiter(), classify=lambda _: None, policy=RetryPolicy()
    )
    calls: list[str] = []

    async def call() -> str:
        calls.append("sent")
        return "1"

    def lapsed() -> None:
        raise ClaimLapsed("paused past the claim")

    token = send_guard.set(lapsed)
    try:
        with pytest.raises(ClaimLapsed):
            await delivery.send("42", call, priority=Priority.REMINDER)
    finally:
        send_guard.reset(token)
    assert calls == []
    assert await delivery.send("42", call, priority=Priority.REMINDER) == "1"


@pytest.mark.parametrize(("lease", "claim"), [(90, 119), (3, 3), (1, 1)])
def test_a_claim_shorter_than_the_lease_and_a_renewal_is_refused(lease: int, claim: int) -> None:
    with pytest.raises(ValueError, match=r"claim_timeout_seconds \(\d+\) must be at least"):
        ReminderSettings.from_toml({"lease_seconds": lease, "claim_timeout_seconds": claim})
    settings = ReminderSettings.from_toml(
        {"lease_seconds": lease, "claim_timeout_seconds": claim_floor(lease)}
    )
    assert settings.claim_timeout_seconds >= lease + lease / 3
