"""The reminder engine end to end: policy → outbox → one merged message per person, once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.channels.base import SendError
from bot.config import SAMPLE_DEPARTMENTS
from bot.domain.model import Role
from bot.services.facade import BotServices
from bot.store.models import OutboxItem
from scheduler.engine import ReminderEngine
from tests.conftest import Chat
from tests.fakes.recording import RecordingChannel


@pytest.fixture
def channel() -> RecordingChannel:
    return RecordingChannel()


@pytest.fixture
def engine(services: BotServices, channel: RecordingChannel) -> ReminderEngine:
    return ReminderEngine(services, {"console": channel})


async def register_everyone(chat: Chat) -> None:
    await chat.registered("iso", "Ban ISO Sở", Role.ISO)
    await chat.registered("leader", "Lãnh đạo Sở", Role.LEADER)
    for index, unit in enumerate(SAMPLE_DEPARTMENTS):
        role = Role.OFFICE if unit == "Văn phòng Sở" else Role.HEAD
        await chat.registered(f"dept-{index}", unit, role)


def at(day: str, time: str = "08:00") -> datetime:
    return datetime.fromisoformat(f"{day}T{time}")


async def test_monday_first_of_august(chat: Chat, engine: ReminderEngine, channel) -> None:
    await register_everyone(chat)
    report = await engine.tick(at("2022-08-01"))

    [iso_message] = channel.to("iso")
    assert iso_message.startswith("Nhắc việc ngày 01/08/2022 — Ban ISO Sở")
    assert "\n1. Xây dựng kế hoạch duy trì và áp dụng HTQLCL" in iso_message
    assert "(hạn 09/02/2022) — quá hạn 173 ngày\n" in iso_message
    assert "\n7. Tiến hành khắc phục sau đánh giá nội bộ" in iso_message
    assert "Tháng 01/8 đến 15/9/2022 (01/08/2022 – 15/09/2022)" in iso_message
    assert "(01/08/2022 – 15/09/2022) — bắt đầu từ hôm nay\n" in iso_message
    assert iso_message.rstrip().endswith("Khi xong: /xong 7")
    # Two or three lines a task, and its state said once.
    for block in iso_message.split("\n\n")[2:]:
        assert len(block.splitlines()) <= 3, block
    assert "Tình trạng" not in iso_message and iso_message.count("quá hạn 173") == 1

    for index, unit in enumerate(SAMPLE_DEPARTMENTS):
        [message] = channel.to(f"dept-{index}")
        assert f"— {unit}" in message
        for no in (4, 5, 9):
            assert f"\n{no}. " in message and f"Khi xong: /xong {no}" in message
        # Quarterly by default: the third quarter opened on 01/07, before the first tick.
        assert "Thường xuyên (quý III/2022, hạn 30/09/2022) — bắt đầu kỳ mới\n" in message
    assert report.messages == len(channel.sent)

    # Under each reminder, per task owed: a Done and a Later button, typing the full address.
    iso_buttons = channel.buttons[channel.sent.index(("iso", iso_message))]
    labels = [[button.label for button in row] for row in iso_buttons]
    commands = [[button.command for button in row] for row in iso_buttons]
    assert labels[0] == ["✅ Xong 1", "⏰ Nhắc lại sau"]
    assert commands[0] == ["done 187.1", "snooze 187.1"]
    assert ["done 187.7", "snooze 187.7"] in commands

    again = await engine.tick(at("2022-08-01", "08:01"))
    assert again.queued == [] and again.messages == 0
    assert len(channel.sent) == report.messages


async def test_a_confirmed_task_is_not_reminded(chat: Chat, engine, channel) -> None:
    iso = await chat.registered("iso", "Ban ISO Sở", Role.ISO)
    assert "Đã ghi nhận" in await iso.says("/done 6")
    await engine.tick(at("2022-08-01"))
    await engine.tick(at("2022-08-02"))
    assert all("\n6. " not in text for text in channel.to("iso"))
    assert any("\n1. " in text for text in channel.to("iso"))


async def test_nothing_on_public_holidays_and_early_on_the_working_day_before(
    chat: Chat, engine, channel
) -> None:
    await chat.registered("iso", "Ban ISO Sở", Role.ISO)
    await chat.registered("leader", "Lãnh đạo Sở", Role.LEADER)
    # Tết 2022: 31/01–04/02. National Day 2022: 01/09–02/09.
    for day in ("2022-01-31", "2022-02-01", "2022-02-04", "2022-09-01", "2022-09-02"):
        report = await engine.tick(at(day))
        assert report.queued == [], day
    # Task 3 is due Sunday 04/09; its due-day reminder moves back to Wednesday 31/08.
    await engine.tick(at("2022-08-31"))
    [message] = channel.to("iso")
    assert "\n3. Trên cơ sở mục tiêu chất lượng" in message
    assert "(hạn 04/09/2022) — còn 4 ngày\n" in message


async def test_a_week_of_downtime_gives_one_late_reminder_not_seven(
    chat: Chat, engine, channel, services: BotServices
) -> None:
    await chat.registered("leader", "Lãnh đạo Sở", Role.LEADER)
    await engine.tick(at("2022-08-01"))
    before = len(channel.sent)
    report = await engine.tick(at("2022-08-09", "10:30"))  # back after a week, mid-morning
    new = channel.to("leader")[before:]
    assert len(new) == 1
    # Task 6 was due on 30/07: daily reminders 01/08–05/08, then weekly, so the newest one
    # missed is Monday's, worded for the day it goes out.
    assert "Nhắc bù: tin này lẽ ra được gửi lúc 08:00 ngày 08/08/2022" in new[0]
    assert new[0].count("\n6. ") == 1 and "— quá hạn 10 ngày\n" in new[0]
    assert report.skipped > 0
    async with services.db.session() as session:
        skipped = await session.scalar(
            select(func.count(OutboxItem.id)).where(OutboxItem.status == "skipped")
        )
    assert skipped == report.skipped


async def test_failed_send_stays_pending_and_is_retried_once(
    chat: Chat, engine, channel, services: BotServices
) -> None:
    await chat.registered("iso", "Ban ISO Sở", Role.ISO)
    channel.failures.append(SendError("network down"))
    report = await engine.tick(at("2022-08-01"))
    assert report.failed > 0 and channel.sent == []
    async with services.db.session() as session:
        row = await session.scalar(select(OutboxItem).limit(1))
        assert row.status == "failed" and row.last_error == "network down"
    # Too early for the backoff: nothing yet; after it, exactly one message.
    await engine.drain(at("2022-08-01", "08:00"))
    assert channel.sent == []
    services.clock.set(at("2022-08-01", "08:05"))
    await engine.drain()
    assert len(channel.to("iso")) == 1
    await engine.tick(at("2022-08-01", "08:06"))
    assert len(channel.to("iso")) == 1


async def test_blocked_person_is_marked_undeliverable(chat: Chat, engine, channel, services):
    await chat.registered("iso", "Ban ISO Sở", Role.ISO)
    channel.failures.append(SendError("Forbidden: bot was blocked", permanent=True))
    await engine.tick(at("2022-08-01"))
    services.clock.set(at("2022-08-02", "09:00"))
    await engine.drain()
    async with services.db.session() as session:
        statuses = set(await session.scalars(select(OutboxItem.status)))
    assert "undeliverable" in statuses


async def test_escalation_names_the_units_still_owing(chat: Chat, engine, channel) -> None:
    office = await chat.registered("office", "Văn phòng Sở", Role.OFFICE)
    leader = await chat.registered("leader", "Lãnh đạo Sở", Role.LEADER)
    await leader.says("/done 8")
    # Task 8 is due 29/09/2022; three working days later is 04/10/2022.
    await engine.tick(at("2022-10-04"))
    message = channel.to("office")[-1]
    assert "\n8. Tổ chức họp xem xét của Lãnh đạo" in message
    assert (
        "Còn thiếu: Ban ISO Sở" in message
        and "Lãnh đạo Sở" not in message.split("Còn thiếu")[1].split("\n")[0]
    )
    assert "Chi tiết: /tinhhinh 8" in message
    assert office is not None


def test_the_same_reminders_whatever_the_server_time_zone(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f'[database]\nurl = "sqlite+aiosqlite:///{tmp_path / "n.db"}"\n', "utf-8")
    base = [sys.executable, "-m", "bot.cli", "--config", str(config)]
    subprocess.run([*base, "init"], check=True, capture_output=True)
    # Ban ISO tries the bot in a terminal: a console contact the reminders are addressed to.
    subprocess.run(
        [*base, "chat", "--as", "Ban ISO Sở", "--name", "Trần Văn Minh"],
        input="/quit\n",
        check=True,
        capture_output=True,
        text=True,
    )

    def dry(env_zone: str, moment: str) -> list:
        env = {**os.environ, "TZ": env_zone}
        out = subprocess.run(
            [*base, "tick", "--at", moment, "--dry-run", "--json"],
            check=True,
            capture_output=True,
            text=True,
            env=env,
        ).stdout
        return json.loads(out)["reminders"]

    # Monday 01/08 and Wednesday 31/08 owe Ban ISO reminders; Friday 02/09 is a public holiday.
    for moment in ("2022-08-01T08:00", "2022-08-31T08:00", "2022-09-02T08:00"):
        at_home = dry("Asia/Ho_Chi_Minh", moment)
        assert at_home == dry("UTC", moment) == dry("America/New_York", moment)
        assert bool(at_home) == (moment != "2022-09-02T08:00"), (moment, at_home)
