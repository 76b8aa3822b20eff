"""Faults: Telegram failing for a while, the database away, and a restart in the middle of /done.

Telegram's faults come from the fake Bot API's switches (`fail_next`, `hang_next`,
`throttle_for`) and go through the real `TelegramChannel` and `ReminderEngine`. "Minutes" are the
engine's clock (a ManualClock moved by the test) and the send limiter's clock (virtual: a 429's
wait passes at once); the fake refuses until the test lifts the fault.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import signal
import sqlite3
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import pytest_asyncio
from sqlalchemy import delete, event, func, select

from bot.channels.base import IncomingMessage, Reply, Sender
from bot.channels.ratelimit import SendLimiter
from bot.channels.telegram import TelegramChannel
from bot.clock import ManualClock, as_local
from bot.config import Config
from bot.dispatch import Dispatcher
from bot.domain.model import Role
from bot.runner import BotRunner
from bot.services.facade import BotServices
from bot.store.db import Database
from bot.store.models import AuditEntry, Confirmation, OutboxItem
from scheduler.engine import ReminderEngine, TickReport
from tests.conftest import REPO, Chat
from tests.fakes.recording import RecordingChannel
from tests.fakes.telegram_server import FakeTelegramServer, SentMessage

LATE_NOTE = "Nhắc bù"


#: Who gets reminders on Monday 01/08/2022 at 08:00 (tasks 1, 6, 7, and the monthly ones).
@pytest.fixture
def reminders() -> dict[str, object]:
    """Monthly routine tasks: on Monday 01/08/2022 every department is due a reminder on time,
    so the delivery faults below meet a full, punctual fan-out."""
    return {"routine_every": "month"}


PEOPLE = {
    7001: ("Ban ISO Sở", Role.ISO),
    7002: ("Lãnh đạo Sở", Role.LEADER),
    7003: ("Phòng Giáo dục Trung học", Role.HEAD),
    7004: ("Phòng Giáo dục Tiểu học", Role.HEAD),
    7005: ("Thanh tra Sở", Role.MEMBER),
}


def at(day: str, time: str = "08:00") -> datetime:
    return datetime.fromisoformat(f"{day}T{time}")


class VirtualTime:
    """The send limiter's clock: sleeping moves it on at once, so a 429's wait costs nothing."""

    def __init__(self) -> None:
        self.now = 0.0

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += max(seconds, 0.0)
        await asyncio.sleep(0)


@pytest_asyncio.fixture
async def tg() -> AsyncIterator[FakeTelegramServer]:
    async with FakeTelegramServer() as server:
        yield server


@pytest.fixture
def limiter_time() -> VirtualTime:
    return VirtualTime()


@pytest_asyncio.fixture
async def telegram(
    tg: FakeTelegramServer, limiter_time: VirtualTime
) -> AsyncIterator[TelegramChannel]:
    """The real channel, sending only (as `nhacviec tick` uses it); a hang times out at 0.3 s."""
    limiter = SendLimiter(
        per_chat_interval=0.0,
        margin=0.0,
        monotonic=limiter_time.monotonic,
        sleep=limiter_time.sleep,
    )
    channel = TelegramChannel(
        tg.token, base_url=tg.base_url, limiter=limiter, polling=False, request_timeout=0.3
    )
    yield channel
    await channel.stop()


@pytest.fixture
def engine(services: BotServices, telegram: TelegramChannel) -> ReminderEngine:
    return ReminderEngine(services, {"telegram": telegram})


async def register_people(chat: Chat) -> None:
    for user_id, (unit, role) in PEOPLE.items():
        await chat.registered(str(user_id), unit, role, channel="telegram")


def messages(tg: FakeTelegramServer) -> dict[int, list[SentMessage]]:
    """What each person received (successful sends only: the fake records only those)."""
    out: dict[int, list[SentMessage]] = {user: [] for user in PEOPLE}
    for message in tg.sent:
        out.setdefault(int(message.chat_id), []).append(message)
    return out


async def outbox(services: BotServices) -> list[OutboxItem]:
    async with services.db.session() as session:
        return list(await session.scalars(select(OutboxItem).order_by(OutboxItem.id)))


def assert_each_person_got_exactly_one(tg: FakeTelegramServer) -> None:
    received = messages(tg)
    assert {user: len(sent) for user, sent in received.items()} == dict.fromkeys(PEOPLE, 1)


def late_by_policy(report: TickReport) -> set[int]:
    """Who has a reminder the policy queued as late (on the first start: Ban ISO's escalation
    of task 1, due in February)."""
    return {int(item.recipient.chat_id) for item in report.queued if item.reminder.late}


def marked_late(tg: FakeTelegramServer) -> set[int]:
    return {int(m.chat_id) for m in tg.sent if LATE_NOTE in m.text}


# ---- the Bot API failing ----------------------------------------------------------------------


async def test_500s_are_retried_after_the_backoff_and_each_reminder_arrives_once(
    chat, tg, engine, services
):
    await register_people(chat)
    tg.fail_next(3, status=500)

    first = await engine.tick(at("2022-08-01"))
    assert first.failed > 0 and first.messages == len(PEOPLE) - 3
    await engine.tick(at("2022-08-01", "08:00:10"))  # inside the 30 s backoff: nothing is resent
    assert len(tg.sent) == len(PEOPLE) - 3
    for minute in range(1, 6):
        await engine.tick(at("2022-08-01", f"08:{minute:02d}"))

    assert_each_person_got_exactly_one(tg)
    assert [c.status for c in tg.calls if c.method == "sendMessage"].count(500) == 3
    rows = await outbox(services)
    assert {row.status for row in rows} == {"sent"}
    assert sorted({row.attempts for row in rows}) == [0, 1]
    # Queued on time, delivered a minute later: no more "late" than the policy said at 08:00.
    assert marked_late(tg) == late_by_policy(first) == {7001}


async def test_a_send_lost_in_a_hang_times_out_and_is_sent_once_later(chat, tg, engine):
    await register_people(chat)
    tg.hang_next(1, seconds=1.0, drop=True)  # the client gives up at 0.3 s; Telegram drops it

    first = await engine.tick(at("2022-08-01"))
    assert first.failed > 0
    await engine.tick(at("2022-08-01", "08:01"))
    await tg.wait_for_call("sendMessage", lambda c: c.status == 504)  # the hang is over

    assert_each_person_got_exactly_one(tg)


async def test_a_send_telegram_took_after_we_timed_out_is_repeated_never_lost(chat, tg, engine):
    """The one case "exactly once" cannot hold: a timeout does not say whether Telegram took it.

    The Bot API has no idempotency key, so the engine must choose; it resends (at least once)
    rather than risk a reminder nobody receives. Only the person whose send hung gets two.
    """
    await register_people(chat)
    tg.hang_next(1, seconds=1.0)  # answered normally after 1 s: delivered, but we gave up

    await engine.tick(at("2022-08-01"))
    await engine.tick(at("2022-08-01", "08:01"))
    await tg.wait_for_call("sendMessage", lambda c: c.status == 200, count=len(PEOPLE) + 1)

    counts = sorted(len(sent) for sent in messages(tg).values())
    assert counts == [1] * (len(PEOPLE) - 1) + [2]


async def test_429_for_minutes_waits_as_told_then_everything_arrives_once(
    chat, tg, engine, services, limiter_time
):
    await register_people(chat)
    tg.throttle_for(3600, retry_after=60)  # refused until the test lifts it

    first = await engine.tick(at("2022-08-01"))
    for minute in range(1, 11):  # 08:01 … 08:10, one tick a minute as `nhacviec run` does
        report = await engine.tick(at("2022-08-01", f"08:{minute:02d}"))
        assert report.messages == 0
    assert tg.sent == [] and tg.too_many_requests > 0
    assert limiter_time.now >= 60  # the channel obeyed retry_after (on the limiter's clock)
    rows = await outbox(services)
    assert {row.status for row in rows} == {"failed"}
    # Backoff never shorter than Telegram asked, and growing: 08:00, :01, :02, :04, :08 → :16.
    assert {row.attempts for row in rows} == {5}
    assert {row.next_attempt_at for row in rows} == {as_local(at("2022-08-01", "08:16"))}

    tg.clear_faults()
    assert (await engine.tick(at("2022-08-01", "08:15"))).messages == 0  # still backing off
    await engine.tick(at("2022-08-01", "08:16"))
    await engine.tick(at("2022-08-01", "08:17"))

    assert_each_person_got_exactly_one(tg)
    assert {row.status for row in await outbox(services)} == {"sent"}
    assert marked_late(tg) == late_by_policy(first)  # queued on time at 08:00, sent at 08:16


async def test_reminders_queued_late_and_then_throttled_go_out_once_marked_late(chat, tg, engine):
    """The bot starts at 10:30 (it missed 08:00) into a Telegram that refuses for a while."""
    await register_people(chat)
    tg.throttle_for(3600, retry_after=30)
    report = await engine.tick(at("2022-08-01", "10:30"))
    assert report.queued and all(item.reminder.late for item in report.queued)
    tg.clear_faults()
    await engine.tick(at("2022-08-01", "11:00"))

    assert_each_person_got_exactly_one(tg)
    assert marked_late(tg) == set(PEOPLE)
    for user in set(PEOPLE) - {7001}:  # Ban ISO's note names February's escalation instead
        [message] = messages(tg)[user]
        assert "Nhắc bù: tin này lẽ ra được gửi lúc 08:00 ngày 01/08/2022" in message.text


async def test_after_a_two_day_outage_only_the_newest_reminder_of_each_task_goes_out(
    chat, tg, engine
):
    await register_people(chat)
    for day in ("2022-08-01", "2022-08-02"):
        for hour in range(8, 18):
            tg.fail_next(100, status=502)
            await engine.tick(at(day, f"{hour:02d}:00"))
            tg.clear_faults()
    assert tg.sent == []
    await engine.tick(at("2022-08-03"))

    assert_each_person_got_exactly_one(tg)
    [leader] = messages(tg)[7002]
    assert leader.text.count("quá hạn") == 1, leader.text
    assert "bắt đầu từ hôm nay" not in leader.text  # Monday's "window opens", sent on Wednesday


# ---- the database away ------------------------------------------------------------------------


async def test_a_tick_without_its_database_is_logged_the_process_stays_up_and_the_next_works(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
):
    """The SQLite file's folder disappears (an unmounted disk) and comes back a minute later.

    The pool is emptied first, as a database server's restart would close its connections.
    """
    folder = tmp_path / "data"
    config = Config(
        database_url=f"sqlite+aiosqlite:///{folder / 'nhacviec.db'}", reminders={"enabled": False}
    )
    clock = ManualClock(at("2022-08-01"))
    runner = BotRunner(config, clock=clock)
    await runner.start()
    try:
        channel = RecordingChannel()
        runner.engine.channels = {"console": channel}
        invite = await runner.services.invite("Lãnh đạo Sở", Role.LEADER, created_by="test")
        await runner.services.register(Sender("console", "leader", "leader", "L"), invite.code)
        # The scheduler's two jobs, called as APScheduler calls them (every few seconds).
        await runner._hold_lease()
        await runner._tick()
        assert len(channel.to("leader")) == 1

        await runner.services.db.dispose()
        folder.rename(tmp_path / "unmounted")
        clock.set(at("2022-08-02"))
        with caplog.at_level(logging.ERROR, logger="bot.runner"):
            await runner._tick()  # the lease is still ours: the tick runs, fails, is logged
            await runner._hold_lease()  # cannot renew: logged too
            await runner._tick()
        assert "reminder tick failed" in caplog.text
        assert "could not take or renew the tick lease" in caplog.text
        assert "unable to open database file" in caplog.text
        assert len(channel.to("leader")) == 1
        with pytest.raises(Exception, match="unable to open database file"):
            await runner.dispatcher.handle(
                IncomingMessage(Sender("console", "leader", "leader"), "/tasks", "1", clock.now())
            )

        (tmp_path / "unmounted").rename(folder)
        clock.set(at("2022-08-02", "08:01"))
        await runner._hold_lease()
        await runner._tick()
        assert runner.scheduler.running
        later = channel.to("leader")
        assert len(later) == 2 and "Nhắc việc ngày 02/08/2022" in later[1]
        clock.set(at("2022-08-02", "08:02"))
        await runner._hold_lease()
        await runner._tick()
        assert len(channel.to("leader")) == 2  # and never again
    finally:
        if not folder.exists() and (tmp_path / "unmounted").exists():
            (tmp_path / "unmounted").rename(folder)
        await runner.stop()


# ---- a restart in the middle of /done ---------------------------------------------------------

ISO = Sender("console", "iso", "iso", "Trần Thị Hoa")


def done_message() -> IncomingMessage:
    return IncomingMessage(ISO, "/done 6 đã đánh giá xong", "1", datetime.now(UTC))


async def stored(services: BotServices) -> tuple[int, int]:
    """Confirmations in force, and audit entries of confirming."""
    async with services.db.session() as session:
        rows = await session.scalar(
            select(func.count(Confirmation.id)).where(Confirmation.undone_at.is_(None))
        )
        audit = await session.scalar(
            select(func.count(AuditEntry.id)).where(AuditEntry.action == "confirm")
        )
    return rows, audit


async def forget_confirmations(services: BotServices) -> None:
    """Reset between attempts (test only): the next attempt starts from nothing confirmed."""
    async with services.db.session() as session:
        await session.execute(delete(Confirmation))
        await session.execute(delete(AuditEntry).where(AuditEntry.action == "confirm"))


def process(services: BotServices) -> BotServices:
    """A new bot process on the same database: nothing shared but the data."""
    return BotServices(
        Database(services.db.url), services.clock, services.config, services.catalog
    )


async def test_a_done_cut_short_anywhere_is_stored_and_acknowledged_or_neither(
    services: BotServices,
):
    """Cancel the handler at every statement of `/done` (and at COMMIT), then restart.

    Before COMMIT the transaction rolls back: no confirmation, no audit entry, no reply. If the
    cut comes during COMMIT, the database may have committed while the reply is never sent; the
    person, seeing no answer, types `/done 6` again and is told it is already recorded.
    """
    invite = await services.invite("Ban ISO", Role.ISO, created_by="test")
    await services.register(ISO, invite.code)
    outcomes: list[tuple[int, str, str]] = []
    for point in range(1, 60):
        bot = process(services)
        seen: list[str] = []
        tasks: list[asyncio.Task[Reply | None]] = []

        def cut(
            *args: object, point: int = point, seen: list[str] = seen, tasks: list = tasks
        ) -> None:
            statement = args[2] if len(args) > 2 else "COMMIT"
            seen.append(" ".join(str(statement).split()[:3]))
            if len(seen) == point:
                tasks[0].cancel()

        sync_engine = bot.db.engine.sync_engine
        event.listen(sync_engine, "before_cursor_execute", cut)
        event.listen(sync_engine, "commit", cut)
        task = asyncio.create_task(Dispatcher(bot).handle(done_message()))
        tasks.append(task)
        try:
            reply = await task
        except asyncio.CancelledError:
            reply = None
        event.remove(sync_engine, "before_cursor_execute", cut)
        event.remove(sync_engine, "commit", cut)
        # The process is gone, and its connections with it. A cancelled SQLite statement can
        # leave a half-closed connection holding the write lock until the garbage collector
        # finds it (see the next test); a killed process leaves nothing open at all.
        await bot.db.dispose()
        del task, bot
        tasks.clear()
        await gone(services)

        restarted = process(services)
        rows, audit = await stored(restarted)
        assert rows == audit, "the audit entry stands or falls with the confirmation"
        if reply is not None:
            assert "Đã ghi nhận Ban ISO Sở hoàn thành nhiệm vụ số 6" in reply.text
            assert rows == 1, "a reply never goes out for what was not stored"
        again = await Dispatcher(restarted).handle(done_message())
        assert again is not None
        if rows:
            assert "Nhiệm vụ 6 đã được Trần Thị Hoa xác nhận lúc" in again.text
        else:
            assert "Đã ghi nhận" in again.text
        assert await stored(restarted) == (1, 1)
        await forget_confirmations(restarted)
        await restarted.db.dispose()

        where = seen[point - 1] if len(seen) >= point else "(not cut)"
        outcome = "both" if reply else ("stored, acknowledged on retry" if rows else "neither")
        outcomes.append((point, where, outcome))
        if len(seen) < point:
            break

    *cut_points, (_, _, finished) = outcomes
    assert finished == "both"
    commit = max(i for i, (_, where, _) in enumerate(cut_points) if where == "COMMIT")
    assert all(outcome == "neither" for _, _, outcome in cut_points[:commit]), outcomes
    assert cut_points[commit][2] != "both"
    assert len(cut_points) >= 10  # every statement of both transactions was a cut point


async def test_a_cancelled_statement_leaves_no_sqlite_lock_behind(tmp_path: Path):
    """Within one process: a cancelled handler must not keep the database's write lock."""
    services = await make_sqlite_services(tmp_path)
    try:
        invite = await services.invite("Ban ISO", Role.ISO, created_by="test")
        await services.register(ISO, invite.code)
        task: asyncio.Task[Reply | None] | None = None

        def cut(conn: object, cursor: object, statement: str, *args: object) -> None:
            if statement.startswith("SELECT contacts"):
                assert task is not None
                task.cancel()

        event.listen(services.db.engine.sync_engine, "before_cursor_execute", cut)
        task = asyncio.create_task(Dispatcher(services).handle(done_message()))
        with pytest.raises(asyncio.CancelledError):
            await task
        event.remove(services.db.engine.sync_engine, "before_cursor_execute", cut)
        await asyncio.sleep(0.05)
        assert write_lock_is_free(tmp_path / "nhacviec.db")
    finally:
        await services.db.dispose()


async def gone(services: BotServices) -> None:
    """Let the garbage collector close what a cancelled process left (SQLite only)."""
    for _ in range(100):
        await asyncio.sleep(0.01)  # the connection's worker thread finishes its queue first
        gc.collect()
        if not services.db.is_sqlite or write_lock_is_free(sqlite_path(services)):
            return
    raise AssertionError("the SQLite write lock outlived the process that held it")


def sqlite_path(services: BotServices) -> Path:
    return Path(services.db.engine.url.database or "")


def write_lock_is_free(path: Path) -> bool:
    probe = sqlite3.connect(path, timeout=0.2, isolation_level=None)
    try:
        probe.execute("BEGIN IMMEDIATE")
        probe.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        probe.close()


async def make_sqlite_services(tmp_path: Path) -> BotServices:
    from bot.app import open_services
    from bot.bundled import bundled_plan
    from bot.importer import read_plan

    config = Config(database_url=f"sqlite+aiosqlite:///{tmp_path / 'nhacviec.db'}")
    services = await open_services(config, clock=ManualClock(at("2022-08-01", "09:00")))
    await services.import_plan(read_plan(bundled_plan(), services.catalog))
    return services


# A bot process that answers one `/done 6` and is killed (SIGKILL) at a chosen point.
KILLED_CHILD = """
import asyncio, os, signal, sys
from datetime import UTC, datetime
from sqlalchemy import event
from sqlalchemy.orm import Session
from bot.app import open_services
from bot.channels.base import IncomingMessage, Sender
from bot.clock import ManualClock, as_local
from bot.config import Config
from bot.dispatch import Dispatcher
from bot.store.models import Confirmation

url, point = sys.argv[1], sys.argv[2]

def kill(*args):
    os.kill(os.getpid(), signal.SIGKILL)

async def main():
    services = await open_services(
        Config(database_url=url), clock=ManualClock(datetime(2022, 8, 1, 9)), upgrade=False
    )
    engine = services.db.engine.sync_engine
    if point == "insert":
        def before(conn, cursor, statement, *rest):
            if statement.startswith("INSERT INTO confirmations"):
                kill()
        event.listen(engine, "before_cursor_execute", before)
    elif point == "commit":
        event.listen(engine, "commit", kill)
    elif point == "committed":  # after the confirmation's COMMIT, before the reply goes out
        def after_flush(session, context):
            if any(isinstance(row, Confirmation) for row in session.new):
                event.listen(session, "after_commit", kill)
        event.listen(Session, "after_flush", after_flush)
    sender = Sender("console", "iso", "iso", "Trần Thị Hoa")
    reply = await Dispatcher(services).handle(
        IncomingMessage(sender, "/done 6 đã đánh giá xong", "1", datetime.now(UTC))
    )
    print(reply.text, flush=True)

asyncio.run(main())
"""


@pytest.mark.parametrize(
    ("point", "expected"),
    [
        ("insert", "neither"),
        ("commit", "neither"),
        ("committed", "stored, acknowledged on retry"),
        ("none", "both"),
    ],
)
async def test_a_process_killed_during_done_stores_and_acknowledges_or_neither(
    services: BotServices, point: str, expected: str
):
    invite = await services.invite("Ban ISO", Role.ISO, created_by="test")
    await services.register(ISO, invite.code)
    await services.db.dispose()
    process_ = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        KILLED_CHILD,
        services.db.url,
        point,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process_.communicate()
    killed = process_.returncode == -signal.SIGKILL
    assert killed is (point != "none"), err.decode()[-2000:]
    reply = out.decode()

    rows, audit = await stored(services)
    assert rows == audit
    if reply:
        assert "Đã ghi nhận Ban ISO Sở hoàn thành nhiệm vụ số 6" in reply and rows == 1
    outcome = "both" if reply else ("stored, acknowledged on retry" if rows else "neither")
    assert outcome == expected

    again = await Dispatcher(services).handle(done_message())
    assert again is not None
    assert ("đã được Trần Thị Hoa xác nhận" in again.text) is bool(rows)
    assert await stored(services) == (1, 1)
