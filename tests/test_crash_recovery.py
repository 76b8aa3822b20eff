"""A process killed halfway through a fan-out and started again sends every remaining message once.

`nhacviec tick --at 2022-08-01T08:00` runs as a real process, its Telegram pointed at the fake Bot
API in this process. Sixty department heads are registered; at that moment each of them is owed
one merged message (tasks 4, 5 and 9 open a new month). When the fake has taken half of them it
holds every further send and drops it: the request reached the server but is neither answered
nor carried out, a message still in the network. The process is killed (SIGKILL) then, so the
kill cannot land between Telegram accepting a message and the outbox recording it (a window no
sender can close; `bench/fanout.py` measures it). `tick` is started again: the dead process's
claim on the held person's rows is released after `[reminders] claim_timeout_seconds`, and
everyone ends up with exactly one message.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.app import open_services
from bot.bundled import ensure_plan
from bot.channels.base import Sender
from bot.config import load_config
from bot.domain.model import Role
from bot.domain.units import DEPARTMENTS
from bot.store.models import Contact, OutboxItem
from tests.conftest import REPO
from tests.fakes.telegram_server import FakeTelegramServer, SentMessage

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is a POSIX signal")

UNITS = [f"Phòng số {n:02d}" for n in range(1, 61)]
CHATS = [8_200_000 + n for n in range(len(UNITS))]
KILL_AFTER = len(UNITS) // 2  # messages the fake takes before it holds one
AT = "2022-08-01T08:00"
HOLD = 600.0  # the held send outlives the test: the killed process never learns its fate
TIMEOUT = 60.0


def write_config(tmp_path: Path, tg: FakeTelegramServer) -> Path:
    members = ", ".join(f'"{unit}"' for unit in UNITS)
    path = tmp_path / "config.toml"
    path.write_text(
        f'[database]\nurl = "sqlite+aiosqlite:///{tmp_path / "nhacviec.db"}"\n\n'
        f'[telegram]\nenabled = true\ntoken = "{tg.token}"\nbase_url = "{tg.base_url}"\n\n'
        "[reminders]\nlease_seconds = 1\nclaim_timeout_seconds = 2\n\n"
        f'[units.groups]\n"{DEPARTMENTS}" = [{members}]\n',
        "utf-8",
    )
    return path


async def prepare(config: Path) -> None:
    """What `nhacviec init` does, and each department head registered on Telegram."""
    services = await open_services(load_config(config))
    try:
        await ensure_plan(services)
        for unit, chat in zip(UNITS, CHATS, strict=True):
            invite = await services.invite(unit, Role.HEAD, created_by="test")
            await services.register(Sender("telegram", str(chat), str(chat), unit), invite.code)
    finally:
        await services.db.dispose()


async def outbox_rows(config: Path) -> list[tuple[str, int]]:
    """(status, chat id) of every outbox row."""
    services = await open_services(load_config(config), upgrade=False)
    try:
        async with services.db.session() as session:
            rows = await session.execute(
                select(OutboxItem.status, Contact.chat_id).join(
                    Contact, Contact.id == OutboxItem.contact_id
                )
            )
            return [(status, int(chat)) for status, chat in rows]
    finally:
        await services.db.dispose()


async def start_tick(config: Path, at: str) -> asyncio.subprocess.Process:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NHACVIEC_")}
    return await asyncio.create_subprocess_exec(
        sys.executable,
        *("-m", "bot.cli", "--config", str(config), "tick", "--at", at),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        cwd=REPO,
        env=env,
    )


async def held_sends(
    process: asyncio.subprocess.Process, tg: FakeTelegramServer, config: Path
) -> set[int]:
    """Wait until the process has a send in flight that the fake holds: a message not delivered.

    Returns the chats whose rows the process had claimed (status `sending`) at that moment.
    """
    waiting = asyncio.ensure_future(process.wait())
    held = asyncio.ensure_future(tg.wait_for_held(1, timeout=TIMEOUT))
    done, _ = await asyncio.wait({waiting, held}, return_when=asyncio.FIRST_COMPLETED)
    if waiting in done:
        held.cancel()
        _, err = await process.communicate()
        pytest.fail(f"tick ended before the held send: {err.decode()[-2000:]}")
    waiting.cancel()
    held.result()
    return {chat for status, chat in await outbox_rows(config) if status == "sending"}


@pytest.mark.parametrize(
    "restart_at",
    [
        pytest.param("2022-08-01T08:00:05", id="restarted-moments-later"),
        pytest.param(
            AT,
            id="restarted-at-the-same-time",
        ),
    ],
)
async def test_a_fan_out_killed_halfway_sends_each_remaining_message_once_on_restart(
    tmp_path: Path, restart_at: str
) -> None:
    def hold_the_rest(message: SentMessage) -> None:
        if len(tg.sent) == KILL_AFTER:
            tg.hang_next(len(UNITS), seconds=HOLD, methods={"sendMessage"}, drop=True)

    processes: list[asyncio.subprocess.Process] = []
    async with FakeTelegramServer(enforce_limits=True, on_sent=hold_the_rest) as tg:
        config = write_config(tmp_path, tg)
        await prepare(config)
        try:
            first = await start_tick(config, AT)
            processes.append(first)
            held = await held_sends(first, tg, config)
            delivered_before_kill = len(tg.sent)
            first.send_signal(signal.SIGKILL)
            await first.wait()
            tg.clear_faults()  # the held requests stay held; new ones are answered
            # Restarted 5 s later by the tick's clock, the claim (1 s) is stale; restarted at the
            # same --at it can only be once claims age on the wall clock: wait more than 1 s.
            await asyncio.sleep(1.5)

            second = await start_tick(config, restart_at)
            processes.append(second)
            out, err = await asyncio.wait_for(second.communicate(), TIMEOUT)
        finally:
            for process in processes:
                if process.returncode is None:
                    with contextlib.suppress(ProcessLookupError):
                        process.kill()
                    await process.wait()
        rows = await outbox_rows(config)
        sent = [m for m in tg.sent if m.method == "sendMessage"]

    assert first.returncode == -signal.SIGKILL
    assert delivered_before_kill == KILL_AFTER
    assert second.returncode == 0, err.decode()[-3000:]
    assert "Traceback" not in err.decode(), err.decode()[-3000:]
    per_chat = Counter(m.chat_id for m in sent)
    missing = sorted(set(CHATS) - set(per_chat))
    doubled = {chat: n for chat, n in per_chat.items() if n > 1}
    assert not missing, f"never reached: {missing} (held: {held})\n{out.decode()[-1500:]}"
    assert not doubled, f"sent more than once: {doubled}"
    assert set(per_chat) == set(CHATS)
    assert all(m.text.count("Nhắc việc ngày 01/08/2022") == 1 for m in sent), "one merged each"
    assert all(per_chat[chat] == 1 for chat in held)
    assert Counter(status for status, _ in rows) == {"sent": len(rows)}
    assert {chat for _, chat in rows} == set(CHATS)
