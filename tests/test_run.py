"""`nhacviec run` as people start it: a real process against the fake Bot API in this process.

The process reads a config file like any deployment's, with `[telegram] base_url` pointing at the
fake server. Tests talk to it only through Telegram updates, the CLI and the database file, and
stop it with SIGTERM as a service manager would.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import signal
import sys
import time
from collections.abc import AsyncIterator, Callable
from datetime import date, datetime
from pathlib import Path

import pytest
import pytest_asyncio
from sqlalchemy import select

from bot.app import open_services
from bot.channels.base import Sender
from bot.clock import LOCAL_TZ
from bot.config import load_config
from bot.store.models import EngineState, OutboxItem
from scheduler.calendar import WorkingCalendar
from tests.fakes.telegram_server import FakeTelegramServer, SentMessage

TOKEN = "987654321:AAHrunTestSecret_doNotLeak-xyz123"
STARTUP = 20.0  # generous on a loaded CI machine; a healthy start takes about a second
STOP_WITHIN = 5.0
# APScheduler's INFO line when the reminder job has run (queued and sent what was due).
TICK_JOB = 'Job "BotRunner._tick '
TICK_DONE = "executed successfully"
LEASE_TAKEN = "lease tick_lease taken"
REMINDER_HEADING = re.compile(r"^Nhắc việc ngày \d\d/\d\d/\d{4} — Ban ISO Sở \(Kế hoạch 187")

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGTERM is a POSIX signal")


def write_config(tmp_path: Path, tg: FakeTelegramServer, reminders: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        f'[database]\nurl = "sqlite+aiosqlite:///{tmp_path / "nhacviec.db"}"\n\n'
        f'[telegram]\nenabled = true\ntoken = "{tg.token}"\nbase_url = "{tg.base_url}"\n'
        f'username = "{tg.bot_username}"\n\n'
        f"[reminders]\n{reminders}\n",
        "utf-8",
    )
    return path


def environment() -> dict[str, str]:
    """This process's environment without a token that would override the config's."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NHACVIEC_")}
    env["PYTHONUNBUFFERED"] = "1"
    return env


async def cli(config: Path, *args: str) -> str:
    """Run one `nhacviec` command to completion; return its stdout."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "--config",
        str(config),
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        cwd=config.parent,
        env=environment(),
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, (args, err.decode())
    assert TOKEN not in out.decode() + err.decode()
    return out.decode()


class BotProcess:
    """One `nhacviec run`, its stderr collected as it is written (so the pipe never fills)."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.stderr = bytearray()
        self._written = asyncio.Condition()
        self._reader = asyncio.ensure_future(self._read())

    async def _read(self) -> None:
        assert self.process.stderr is not None
        while chunk := await self.process.stderr.read(4096):
            self.stderr.extend(chunk)
            async with self._written:
                self._written.notify_all()
        async with self._written:
            self._written.notify_all()

    @property
    def errors(self) -> str:
        return self.stderr.decode(errors="replace")

    def ticks(self, after: str = "") -> int:
        """How many reminder ticks have finished (after the first line holding `after`)."""
        text = self.errors
        if after:
            text = text[text.index(after) :] if after in text else ""
        return sum(1 for line in text.splitlines() if TICK_JOB in line and TICK_DONE in line)

    async def wait_for(self, condition: Callable[[], bool], what: str) -> None:
        """Wait until the process's log satisfies `condition` (it runs with -v: INFO and up)."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(STARTUP), self._written:
                await self._written.wait_for(lambda: condition() or self._reader.done())
        if not condition():
            raise AssertionError(f"nhacviec run: no {what} in its log:\n{self.errors}")

    async def stop(self) -> tuple[int, float]:
        """SIGTERM, then wait; return the exit status and how long stopping took."""
        started = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        try:
            status = await asyncio.wait_for(self.process.wait(), STOP_WITHIN * 3)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()
            raise AssertionError(f"nhacviec run ignored SIGTERM; stderr:\n{self.errors}") from None
        await self._reader
        return status, time.monotonic() - started

    async def kill(self) -> None:
        if self.process.returncode is None:
            self.process.kill()
            await self.process.wait()
        with contextlib.suppress(Exception):
            await self._reader


@pytest_asyncio.fixture
async def tg() -> AsyncIterator[FakeTelegramServer]:
    async with FakeTelegramServer(TOKEN) as server:
        yield server


@pytest_asyncio.fixture
async def start_bot(tg: FakeTelegramServer) -> AsyncIterator[Callable[..., object]]:
    """Start `nhacviec run` and wait until it starts polling; kill leftovers at teardown."""
    processes: list[BotProcess] = []

    async def start(config: Path) -> BotProcess:
        # PTB calls deleteWebhook once when polling starts; getUpdates is only recorded when a
        # long poll returns, and a dead process's poll may still be parked on the server.
        starts_before = sum(1 for call in tg.calls if call.method == "deleteWebhook")
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot.cli",
            "--config",
            str(config),
            "--verbose",  # INFO logs: more chances for a token to leak, and the ticks show
            "run",
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
            cwd=config.parent,
            env=environment(),
        )
        bot = BotProcess(process)
        processes.append(bot)
        polling = asyncio.ensure_future(
            tg.wait_for_call("deleteWebhook", count=starts_before + 1, timeout=STARTUP)
        )
        exited = asyncio.ensure_future(process.wait())
        await asyncio.wait({polling, exited}, return_when=asyncio.FIRST_COMPLETED)
        if not polling.done():
            polling.cancel()
            await bot.kill()
            raise AssertionError(f"nhacviec run exited at start; stderr:\n{bot.errors}")
        exited.cancel()
        polling.result()  # an AssertionError naming the calls seen, if it never started
        return bot

    yield start
    for bot in processes:
        await bot.kill()


def private(user_id: int) -> Callable[[SentMessage], bool]:
    return lambda message: message.chat_id == user_id


async def says(tg: FakeTelegramServer, user_id: int, text: str, name: str = "Hoa") -> str:
    seen = len([m for m in tg.sent if m.chat_id == user_id])
    tg.push_text(user_id, text, first_name=name)
    # `run` paces replies to one chat a second apart, as Telegram asks.
    sent = await tg.wait_for_sent(private(user_id), count=seen + 1, timeout=10)
    return sent[seen].text


async def test_run_answers_over_telegram_and_stops_cleanly_on_sigterm(
    tmp_path: Path, tg: FakeTelegramServer, start_bot
) -> None:
    config = write_config(tmp_path, tg, "enabled = false")
    await cli(config, "init")
    invite = json.loads(await cli(config, "invite", "Ban ISO", "--role", "iso", "--json"))
    assert set(invite) == {"code", "unit", "role", "expires", "link"}
    assert (invite["unit"], invite["role"]) == ("Ban ISO Sở", "iso")
    assert invite["link"] == f"https://t.me/nhacviec_bot?start={invite['code']}"

    bot = await start_bot(config)
    assert dict(tg.commands)["done"] == "xác nhận đã hoàn thành nhiệm vụ N"

    assert (await says(tg, 5005, "/help")).startswith("Anh/chị chưa đăng ký.")
    welcome = await says(tg, 5005, f"/start {invite['code']}")
    assert welcome.startswith("Đăng ký thành công: Hoa, Ban ISO Sở, vai trò thành viên Ban ISO.")
    commands = await says(tg, 5005, "/help")
    assert commands.startswith("Các lệnh (tên tiếng Anh trong ngoặc cũng dùng được):")
    assert "/xong N [ghi chú] (/done) — xác nhận đã hoàn thành nhiệm vụ N" in commands
    done = await says(tg, 5005, "/done 6 đã đánh giá xong")
    assert done.startswith("Đã ghi nhận Ban ISO Sở hoàn thành nhiệm vụ số 6 (ngày ")

    status, took = await bot.stop()
    assert status == 0, bot.errors
    assert took < STOP_WITHIN, f"stopping took {took:.1f} s"
    assert TOKEN not in bot.errors and TOKEN.split(":")[1] not in bot.errors
    assert "Traceback" not in bot.errors, bot.errors
    assert "nhacviec running: telegram; reminders off" in bot.errors
    # Polling stopped for good: the last getUpdates confirmed what was handled.
    assert tg.pending_updates == []

    # The CLI reports what happened in the chat, in DESIGN's JSON shapes.
    report = json.loads(await cli(config, "status", "--json"))
    assert set(report) == {"as_of", "plans"}
    [plan] = report["plans"]
    assert {"key", "number", "title", "state", "tasks"} <= set(plan)
    assert [task["no"] for task in plan["tasks"]] == list(range(1, 11))
    for task in plan["tasks"]:
        assert {"no", "label", "state", "due", "assignments"} <= set(task)
        for assignment in task["assignments"]:
            assert set(assignment) >= {"unit", "role", "done", "done_at", "by", "note", "verified"}
    iso6 = next(a for a in plan["tasks"][5]["assignments"] if a["unit"] == "Ban ISO Sở")
    assert (iso6["role"], iso6["done"], iso6["by"], iso6["note"]) == (
        "lead",
        True,
        "Hoa",
        "đã đánh giá xong",
    )
    assert datetime.fromisoformat(iso6["done_at"]).tzinfo is not None

    (contact,) = json.loads(await cli(config, "contacts", "--json"))
    assert set(contact) >= {"channel", "unit", "role", "name", "since"}
    assert (contact["channel"], contact["unit"], contact["role"], contact["name"]) == (
        "telegram",
        "Ban ISO Sở",
        "iso",
        "Hoa",
    )


async def last_tick(config: Path) -> str | None:
    services = await open_services(load_config(config), upgrade=False)
    try:
        async with services.db.session() as session:
            row = await session.get(EngineState, "last_tick")
            return row.value if row is not None else None
    finally:
        await services.db.dispose()


async def outbox_statuses(config: Path) -> list[str]:
    services = await open_services(load_config(config), upgrade=False)
    try:
        async with services.db.session() as session:
            return list(await session.scalars(select(OutboxItem.status)))
    finally:
        await services.db.dispose()


def reminder_settings_for_now() -> str:
    """Tick every second, and make now a send moment: reminders go at 00:00, and today works."""
    today = datetime.now(LOCAL_TZ).date()
    lines = ["enabled = true", "tick_seconds = 1", 'send_time = "00:00"']
    if not WorkingCalendar().is_working_day(today):
        lines.append(f'extra_working_days = ["{today.isoformat()}"]')
    return "\n".join(lines)


async def test_run_sends_one_merged_reminder_on_its_own_and_never_repeats_it(
    tmp_path: Path, tg: FakeTelegramServer, start_bot
) -> None:
    config = write_config(tmp_path, tg, reminder_settings_for_now())
    await cli(config, "init")
    # The plan runs to today: reminders of a plan stop 30 days after its end.
    await cli(config, "plan", "187", "--end", datetime.now(LOCAL_TZ).strftime("%d/%m/%Y"))
    invite = json.loads(await cli(config, "invite", "Ban ISO", "--role", "iso", "--json"))
    services = await open_services(load_config(config))
    try:
        await services.register(Sender("telegram", "6006", "6006", "Trần Thị Hoa"), invite["code"])
    finally:
        await services.db.dispose()

    # The process runs on today's real clock: every task of the 2022 plan is long overdue.
    bot = await start_bot(config)
    (reminder,) = await tg.wait_for_sent(private(6006), timeout=15)
    assert REMINDER_HEADING.match(reminder.text), reminder.text
    assert "quá hạn" in reminder.text and "Khi xong: /xong 1" in reminder.text
    assert reminder.text.count("Nhắc việc ngày") == 1  # one message for the whole morning
    first_tick = await last_tick(config)
    assert first_tick is not None
    assert date.fromisoformat(first_tick[:10]) == datetime.now(LOCAL_TZ).date()

    # Two more whole ticks of the same process ([reminders] tick_seconds = 1): nothing new.
    ticked = bot.ticks()
    await bot.wait_for(lambda: bot.ticks() >= ticked + 3, "three more ticks")

    # A tick from the CLI beside the running process, on the same database: nothing new.
    now = datetime.now(LOCAL_TZ).isoformat()
    second = json.loads(await cli(config, "tick", "--at", now, "--json"))
    assert (second["queued"], second["sent"], second["failed"]) == (0, 0, 0)

    # A restart takes the tick lease and ticks at once; the outbox remembers what went out.
    status, _ = await bot.stop()
    assert status == 0, bot.errors
    assert TOKEN not in bot.errors
    restarted = await start_bot(config)
    await restarted.wait_for(lambda: restarted.ticks(after=LEASE_TAKEN) >= 2, "tick as holder")
    status, _ = await restarted.stop()
    assert status == 0, restarted.errors
    assert TOKEN not in restarted.errors

    reminders = [m for m in tg.sent if m.chat_id == 6006]
    assert [m.text for m in reminders] == [reminder.text], "the reminder was sent twice"
    statuses = await outbox_statuses(config)
    assert statuses and "pending" not in statuses and "sending" not in statuses
    assert "sent" in statuses
