"""Three `nhacviec run` processes on one database; the one fanning out is killed; nothing is lost.

The processes are real (`python -m bot.cli run`), on one SQLite file or one PostgreSQL database,
with Telegram pointed at the fake Bot API in this process. Fifty people are registered; the real
clock is years past the 2022 plan, so the first tick owes every one of them one merged message.
When the fake has taken some of them, it holds the next send (so the kill cannot land between
Telegram accepting a message and the database recording it: a window no sender can close), and the
process holding that send gets SIGKILL. Another process must take the lease over, give the dead
process's claim back after the claim timeout, and finish: every person gets exactly one message.

A second test stops the sender with SIGSTOP instead, for longer than its claim lasts, and wakes it
once another process has sent everything: the woken process must send nothing (its claims are
fenced), and only a request it had already sent at the pause may reach someone twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sqlite3
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import pytest_asyncio
from sqlalchemy import select, text

from bot.app import open_services
from bot.bundled import ensure_plan
from bot.channels.base import Sender
from bot.clock import LOCAL_TZ
from bot.config import SAMPLE_DEPARTMENTS, load_config
from bot.domain.model import Role
from bot.store.models import Contact, EngineState, OutboxItem
from scheduler.engine import SENDERS_PER_CHANNEL
from scheduler.lease import TICK_LEASE
from tests.fakes.telegram_server import FakeTelegramServer, SentMessage

TOKEN = "555444333:FAKE-multiprocess-test"  # shorter than a real one, on purpose
PEOPLE = 50
KILL_AFTER = 12  # messages the fake takes before it holds the rest and the sender is killed
PROCESSES = 3
STARTUP = 30.0
DEADLINE = 45.0  # for the whole fan-out, takeover included
HOLD = 600.0  # the held send outlives the test: the dead process never learns its fate
USER_IDS = [7_100_000 + n for n in range(PEOPLE)]

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is a POSIX signal")


def write_config(tmp_path: Path, database_url: str, tg: FakeTelegramServer) -> Path:
    """Short lease, claim timeout and tick; today (and tomorrow) a working day from 00:00."""
    today = datetime.now(LOCAL_TZ).date()
    days = ", ".join(f'"{(today + timedelta(days=n)).isoformat()}"' for n in (0, 1))
    path = tmp_path / "config.toml"
    path.write_text(
        f'[database]\nurl = "{database_url}"\n\n'
        f'[telegram]\nenabled = true\ntoken = "{tg.token}"\nbase_url = "{tg.base_url}"\n\n'
        "[reminders]\nenabled = true\n"
        'send_time = "00:00"\n'
        f"extra_working_days = [{days}]\n"
        "tick_seconds = 2\nlease_seconds = 3\nclaim_timeout_seconds = 4\n",
        "utf-8",
    )
    return path


def roles() -> list[tuple[str, Role]]:
    units = [("Ban ISO Sở", Role.ISO), ("Lãnh đạo Sở", Role.LEADER)]
    for unit in SAMPLE_DEPARTMENTS:
        units.append((unit, Role.OFFICE if unit == "Văn phòng Sở" else Role.HEAD))
    return units


async def prepare(config: Path) -> None:
    """The database the processes find: migrated, plan 187 loaded, fifty people on Telegram."""
    services = await open_services(load_config(config))
    try:
        await ensure_plan(services)
        # Keep the 2022 plan running to today: a plan's overdue reminders stop 30 days after
        # its end, and this test wants every task long overdue and still reminded.
        await services.set_plan_end(None, datetime.now(LOCAL_TZ).date())
        units = roles()
        for n, user_id in enumerate(USER_IDS):
            unit, role = units[n % len(units)]
            invite = await services.invite(unit, role, created_by="test")
            sender = Sender("telegram", str(user_id), str(user_id), f"Người {n}")
            await services.register(sender, invite.code)
    finally:
        await services.db.dispose()


class Bots:
    """The `nhacviec run` processes of one test; their stderr goes to files, read on failure."""

    def __init__(self, config: Path) -> None:
        self.config = config
        self.processes: dict[int, asyncio.subprocess.Process] = {}
        self.logs: dict[int, Path] = {}

    async def start(self, count: int) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("NHACVIEC_")}
        for n in range(count):
            log = self.config.parent / f"run-{n}.log"
            with log.open("wb") as stderr:
                process = await asyncio.create_subprocess_exec(
                    sys.executable,
                    "-m",
                    "bot.cli",
                    "--config",
                    str(self.config),
                    "run",
                    stdout=asyncio.subprocess.DEVNULL,
                    stderr=stderr,
                    cwd=self.config.parent,
                    env=env,
                )
            self.processes[process.pid] = process
            self.logs[process.pid] = log

    def alive(self) -> list[int]:
        return [pid for pid, p in self.processes.items() if p.returncode is None]

    def output(self) -> str:
        return "\n".join(
            f"--- pid {pid}:\n{log.read_text(errors='replace')[-3000:]}"
            for pid, log in self.logs.items()
        )

    async def kill(self, pid: int) -> None:
        self.processes[pid].send_signal(signal.SIGKILL)
        await self.processes[pid].wait()

    async def stop_all(self) -> dict[int, int]:
        for pid in self.alive():
            self.processes[pid].send_signal(signal.SIGTERM)
        statuses: dict[int, int] = {}
        for pid, process in self.processes.items():
            try:
                statuses[pid] = await asyncio.wait_for(process.wait(), 15)
            except TimeoutError:
                process.kill()
                statuses[pid] = await process.wait()
        return statuses


@pytest_asyncio.fixture
async def bots(tmp_path: Path) -> AsyncIterator[list[Bots]]:
    """Whatever a test started is killed at teardown, even when it failed half-way."""
    started: list[Bots] = []
    yield started
    for group in started:
        for pid in group.alive():
            with contextlib.suppress(ProcessLookupError):
                group.processes[pid].kill()
            await group.processes[pid].wait()


async def read_outbox(config: Path) -> tuple[list[tuple[str, str | None, int]], str | None]:
    """(status, claimed_by, chat id) of every outbox row, and the lease holder."""
    services = await open_services(load_config(config), upgrade=False)
    try:
        async with services.db.session() as session:
            rows = (
                await session.execute(
                    select(OutboxItem.status, OutboxItem.claimed_by, Contact.chat_id).join(
                        Contact, Contact.id == OutboxItem.contact_id
                    )
                )
            ).all()
            lease = await session.get(EngineState, TICK_LEASE)
    finally:
        await services.db.dispose()
    holder = lease.holder if lease is not None else None
    return [(status, by, int(chat)) for status, by, chat in rows], holder


def pid_of(worker: str) -> int:
    """The pid inside a worker id, `host:pid:random`."""
    return int(worker.rsplit(":", 2)[1])


async def test_killing_the_sender_mid_fan_out_loses_nothing_and_repeats_nothing(
    tmp_path: Path, database_url: str, bots: list[Bots]
) -> None:
    def hold_the_rest(message: SentMessage) -> None:
        # Every send after these is held and never delivered (a message still in the network):
        # the holder has several sends in flight, and none may be delivered when it is killed.
        if len(tg.sent) == KILL_AFTER:
            tg.hang_next(PEOPLE, seconds=HOLD, methods={"sendMessage"}, drop=True)

    async with FakeTelegramServer(TOKEN, on_sent=hold_the_rest) as tg:
        config = write_config(tmp_path, database_url, tg)
        await prepare(config)
        group = Bots(config)
        bots.append(group)
        started = time.monotonic()
        await group.start(PROCESSES)

        # Wait for the held send: a row claimed ("sending") for someone the fake has not
        # messaged. Its claimer is waiting on the fake; killing it now cannot double a message.
        victim: int | None = None
        async with asyncio.timeout(STARTUP + DEADLINE):
            while victim is None:
                await asyncio.sleep(0.2)
                assert len(group.alive()) == PROCESSES, group.output()
                if len(tg.sent) < KILL_AFTER:
                    continue
                rows, _ = await read_outbox(config)
                messaged = {m.chat_id for m in tg.sent}
                # Each claim has its own token (`host:pid:random#n`): the pid says whose it is.
                held = {pid_of(by) for status, by, _ in rows if status == "sending" and by}
                held_for = {chat for status, _, chat in rows if status == "sending"}
                if held and not held_for & messaged:
                    [victim] = held
        rows, holder = await read_outbox(config)
        owed = {chat for status, _, chat in rows if status != "skipped"}
        assert owed == set(USER_IDS), "the first tick owes everyone a reminder"
        assert holder is not None and pid_of(holder) == victim, "only the holder sends"
        assert victim in group.processes
        sent_before_kill = len(tg.sent)
        assert KILL_AFTER <= sent_before_kill < PEOPLE
        await group.kill(victim)
        tg.clear_faults()  # the next holder's sends are answered
        killed_at = time.monotonic()

        # Another process takes the lease, sends the dead one's claimed rows after the claim
        # timeout and the rest at once; a few more ticks would show anything sent twice.
        await tg.wait_for_sent(lambda m: m.chat_id in owed, count=PEOPLE, timeout=DEADLINE)
        took_over = time.monotonic() - killed_at
        await asyncio.sleep(3)
        rows, holder = await read_outbox(config)
        statuses = await group.stop_all()
        sent = [m for m in tg.sent if m.method == "sendMessage"]

    per_person = Counter(m.chat_id for m in sent)
    doubled = {chat: n for chat, n in per_person.items() if n > 1}
    assert not doubled, f"sent more than once: {doubled}\n{group.output()}"
    assert set(per_person) == owed
    assert all(m.text.count("Nhắc việc ngày") == 1 for m in sent), "one merged message each"
    left = Counter(status for status, _, _ in rows if status != "skipped")
    assert set(left) == {"sent"}, left
    assert holder is not None and pid_of(holder) != victim
    assert statuses[victim] == -signal.SIGKILL
    assert all(status == 0 for pid, status in statuses.items() if pid != victim), statuses
    output = group.output()
    assert "Traceback" not in output, output
    assert TOKEN.split(":")[1] not in output
    assert took_over < DEADLINE and time.monotonic() - started < STARTUP + 2 * DEADLINE


PAUSE_AFTER = 12  # messages the fake takes before the sender is stopped with SIGSTOP


async def in_transaction(config: Path) -> bool:
    """Whether some process holds a write transaction open (the stopped one would keep it).

    A process stopped inside a transaction holds its locks for as long as it is stopped: on
    SQLite the database's only write lock, on PostgreSQL its rows. Nobody can take over then, so
    the test stops the sender again a moment later instead.
    """
    url = load_config(config).database_url
    if url.startswith("sqlite"):
        path = url.split("///", 1)[1]

        def probe() -> bool:
            connection = sqlite3.connect(path, timeout=0.1, isolation_level=None)
            try:
                connection.execute("BEGIN IMMEDIATE")
                connection.execute("ROLLBACK")
                return False
            except sqlite3.OperationalError:
                return True
            finally:
                connection.close()

        return await asyncio.to_thread(probe)
    services = await open_services(load_config(config), upgrade=False)
    try:
        async with services.db.session() as session:
            open_transactions = await session.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                    " AND pid <> pg_backend_pid() AND xact_start IS NOT NULL"
                )
            )
    finally:
        await services.db.dispose()
    return bool(open_transactions)


async def test_a_sender_paused_past_its_claim_sends_nothing_it_no_longer_holds(
    tmp_path: Path, database_url: str, bots: list[Bots]
) -> None:
    async with FakeTelegramServer(TOKEN) as tg:
        config = write_config(tmp_path, database_url, tg)
        await prepare(config)
        group = Bots(config)
        bots.append(group)
        await group.start(PROCESSES)

        # Stop the holder mid fan-out, at a moment it holds no transaction open.
        await tg.wait_for_sent(count=PAUSE_AFTER, timeout=STARTUP + DEADLINE)
        _, holder = await read_outbox(config)
        assert holder is not None
        victim = pid_of(holder)
        paused = group.processes[victim]
        for _ in range(50):
            paused.send_signal(signal.SIGSTOP)
            if not await in_transaction(config):
                break
            paused.send_signal(signal.SIGCONT)
            await asyncio.sleep(0.05)
        else:
            pytest.fail("the sender was always inside a transaction")
        paused_at = time.monotonic()
        rows, _ = await read_outbox(config)
        claimed_by_victim = {chat for status, by, chat in rows if by and pid_of(by) == victim}
        owed = {chat for status, _, chat in rows if status != "skipped"}
        assert owed == set(USER_IDS), "the first tick owes everyone a reminder"
        assert len(tg.sent) < PEOPLE, "stopped before the fan-out ended"

        # Another process takes the lease, gives the stopped one's claims back after the claim
        # timeout, and sends everything; only then does the stopped one wake up.
        async with asyncio.timeout(DEADLINE):
            while True:
                await asyncio.sleep(0.2)
                rows, holder = await read_outbox(config)
                if {m.chat_id for m in tg.sent} == owed and all(
                    status in ("sent", "skipped") for status, _, _ in rows
                ):
                    break
        assert holder is not None and pid_of(holder) != victim
        stopped_for = time.monotonic() - paused_at
        paused.send_signal(signal.SIGCONT)
        resumed_at = time.monotonic()
        await asyncio.sleep(6)  # longer than a tick, a lease and a claim: time to misbehave
        rows, _ = await read_outbox(config)
        statuses = await group.stop_all()
        sent = [m for m in tg.sent if m.method == "sendMessage"]

    assert stopped_for > 4, "stopped for longer than its claim lasts (claim_timeout_seconds)"
    after_resume = [m.chat_id for m in sent if m.time >= resumed_at]
    assert not after_resume, f"sent after waking up: {after_resume}\n{group.output()}"
    per_person = Counter(m.chat_id for m in sent)
    assert set(per_person) == owed
    doubled = {chat for chat, n in per_person.items() if n > 1}
    # Only a request already on its way when the process stopped can be doubled: the rows it
    # claimed, at most one per sender in flight.
    assert len(doubled) <= SENDERS_PER_CHANNEL, doubled
    assert doubled <= claimed_by_victim, (doubled, claimed_by_victim)
    assert all(per_person[chat] == 2 for chat in doubled)
    assert {status for status, _, _ in rows} <= {"sent", "skipped"}
    assert all(status == 0 for status in statuses.values()), statuses
    output = group.output()
    assert "Traceback" not in output, output
