"""Buttons under reminders, over real HTTP: engine → TelegramChannel → fake Bot API → a press.

Nothing between the person and the database is mocked: the engine sends through the real channel
(python-telegram-bot on the fake server's `base_url`), the fake hands a `callback_query` back
through long polling, and the real dispatcher and services answer it. The clock is the conftest's
ManualClock (Monday 01/08/2022, 09:00): task 6 of plan 187 (Ban ISO Sở and Lãnh đạo Sở, due
30/07) is overdue, task 7's window opens today.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest_asyncio
from sqlalchemy import select

from bot.channels.base import Sender
from bot.channels.ratelimit import SendLimiter
from bot.channels.telegram import TelegramChannel
from bot.clock import LOCAL_TZ
from bot.dispatch import Dispatcher
from bot.domain.model import Role
from bot.services.facade import BotServices
from bot.store.models import Assignment, AuditEntry, Task, Unit
from scheduler.engine import ReminderEngine
from tests.fakes.telegram_server import FakeTelegramServer, SentMessage
from tests.test_telegram_story import confirmation_rows, snapshot

ISO, LEADER, OFFICE = 2002, 4004, 1001

SECOND_PLAN = """\
Số: 45/KH-SGDĐT

Hưng Yên, ngày 03 tháng 3 năm 2022

KẾ HOẠCH

Triển khai ứng dụng công nghệ thông tin và chuyển đổi số năm 2022

TT\tNội dung\tĐơn vị chủ trì\tĐơn vị phối hợp\tThời gian thực hiện
1\tCập nhật cơ sở dữ liệu ngành\tPhòng Kế hoạch - Tài chính\tVăn phòng Sở\tTrước 15/9/2022
2\tTập huấn chữ ký số cho công chức\tVăn phòng Sở\tThanh tra Sở\tTrước 30/9/2022
"""


@pytest_asyncio.fixture
async def tg() -> AsyncIterator[FakeTelegramServer]:
    async with FakeTelegramServer() as server:
        yield server


@pytest_asyncio.fixture
async def bot(tg: FakeTelegramServer, services: BotServices) -> AsyncIterator[TelegramChannel]:
    channel = TelegramChannel(
        tg.token,
        base_url=tg.base_url,
        limiter=SendLimiter(per_chat_interval=0.0, margin=0.0),
        poll_timeout=5,
    )
    await channel.start(Dispatcher(services).handle)
    yield channel
    await channel.stop()


async def register(services: BotServices, user_id: int, unit: str, role: Role) -> None:
    invite = await services.invite(unit, role, created_by="test")
    sender = Sender("telegram", str(user_id), str(user_id), f"Người {user_id}")
    await services.register(sender, invite.code)


def at(day: str, time: str = "08:00") -> datetime:
    return datetime.fromisoformat(f"{day}T{time}").replace(tzinfo=LOCAL_TZ)


def reminders_to(tg: FakeTelegramServer, chat: int) -> list[SentMessage]:
    return [m for m in tg.sent if m.chat_id == chat and m.text.startswith("Nhắc việc")]


async def press(
    tg: FakeTelegramServer, user: int, message: SentMessage, data: str
) -> dict[str, Any]:
    """Press a button (or forge one) under `message`; return the press's answer's parameters."""
    update = tg.push_press(user, message.message_id, data, chat_id=int(message.chat_id))
    query_id = update["callback_query"]["id"]
    await tg.wait_for_call(
        "answerCallbackQuery", lambda call: call.params.get("callback_query_id") == query_id
    )
    return tg.answers[query_id]


async def test_a_reminder_carries_a_done_and_a_later_button_per_task(
    tg: FakeTelegramServer, bot: TelegramChannel, services: BotServices
) -> None:
    await register(services, ISO, "Ban ISO Sở", Role.ISO)
    await register(services, OFFICE, "Văn phòng Sở", Role.OFFICE)
    await ReminderEngine(services, {"telegram": bot}).tick(at("2022-08-01"))

    (reminder,) = reminders_to(tg, ISO)
    assert tg.buttons_of(tg.message(ISO, reminder.message_id)) == [
        [("✅ Xong 1", "done 187.1"), ("⏰ Nhắc lại sau", "snooze 187.1")],
        [("✅ Xong 6", "done 187.6"), ("⏰ Nhắc lại sau", "snooze 187.6")],
        [("✅ Xong 7", "done 187.7"), ("⏰ Nhắc lại sau", "snooze 187.7")],
    ]
    # The Office's own rows: tasks 4, 5, 9 it owes; nothing for task 10, which it only oversees
    # (a date to set) nor for task 1's escalation.
    (office,) = reminders_to(tg, OFFICE)
    rows = tg.buttons_of(tg.message(OFFICE, office.message_id))
    assert [row[0][1] for row in rows] == ["done 187.4", "done 187.5", "done 187.9"]
    assert "Đặt hạn: /hanchot 10 dd/mm/yyyy" in office.text


async def test_a_press_confirms_and_edits_the_message_in_place(
    tg: FakeTelegramServer, bot: TelegramChannel, services: BotServices
) -> None:
    await register(services, ISO, "Ban ISO Sở", Role.ISO)
    await ReminderEngine(services, {"telegram": bot}).tick(at("2022-08-01"))
    (reminder,) = reminders_to(tg, ISO)

    answer = await press(tg, ISO, reminder, "done 187.6")
    assert answer["text"].startswith("Đã ghi nhận")
    assert not answer.get("show_alert")
    ((no, unit, row),) = await confirmation_rows(services)
    assert (no, unit, row.by_name) == (6, "Ban ISO Sở", f"Người {ISO}")

    (edit,) = await tg.wait_for_call("editMessageText")
    assert edit.status == 200
    message = tg.message(ISO, reminder.message_id)
    block = next(b for b in message["text"].split("\n\n") if b.startswith("6. "))
    assert block.endswith("\n   ✅ Đã ghi nhận lúc 09:00 01/08/2022")
    assert message["text"].replace("\n   ✅ Đã ghi nhận lúc 09:00 01/08/2022", "") == (
        reminder.text
    )
    # Task 6's buttons are gone; the others stay.
    assert [row[0][1] for row in tg.buttons_of(message)] == ["done 187.1", "done 187.7"]
    assert [m for m in tg.sent if m.chat_id == ISO] == [reminder]  # no extra message


async def test_a_forged_press_changes_nothing(
    tg: FakeTelegramServer, bot: TelegramChannel, services: BotServices
) -> None:
    await register(services, ISO, "Ban ISO Sở", Role.ISO)
    await register(services, LEADER, "Lãnh đạo Sở", Role.LEADER)
    engine = ReminderEngine(services, {"telegram": bot})
    await engine.tick(at("2022-08-01"))
    (leader_reminder,) = reminders_to(tg, LEADER)
    (iso_reminder,) = reminders_to(tg, ISO)
    before = await snapshot(services)

    # A button forged for task 1, which the leadership has no part in: refused, as if typed.
    answer = await press(tg, LEADER, leader_reminder, "done 187.1")
    assert answer["show_alert"] is True
    assert answer["text"] == (
        "Lãnh đạo Sở không tham gia nhiệm vụ 1. Gõ /viec để xem việc của đơn vị."
    )
    answer = await press(tg, LEADER, leader_reminder, "snooze 187.1")
    assert answer["text"].startswith("Lãnh đạo Sở không tham gia nhiệm vụ 1.")
    # A button typing what no button types (the Office's /invite): a notice, nothing run.
    answer = await press(tg, LEADER, leader_reminder, "invite Văn phòng Sở office")
    assert answer["text"] == "Nút này không còn dùng được. Gõ /viec để xem việc của đơn vị."
    # Someone else pressing Ban ISO's button (a group, a shared phone): not registered.
    answer = await press(tg, 9009, iso_reminder, "done 187.6")
    assert answer["text"].startswith("Anh/chị chưa đăng ký.")

    assert await snapshot(services) == before
    assert await confirmation_rows(services) == []
    assert not [c for c in tg.calls if c.method.startswith("edit")]
    assert tg.message(LEADER, leader_reminder.message_id)["text"] == leader_reminder.text


async def test_a_stale_button_answers_a_notice_and_changes_nothing(
    tg: FakeTelegramServer, bot: TelegramChannel, services: BotServices
) -> None:
    await register(services, ISO, "Ban ISO Sở", Role.ISO)
    await ReminderEngine(services, {"telegram": bot}).tick(at("2022-08-01"))
    (reminder,) = reminders_to(tg, ISO)
    await press(tg, ISO, reminder, "done 187.6")
    await tg.wait_for_call("editMessageText")
    before = await snapshot(services)

    # The same button pressed again (an old copy of the message on another phone).
    answer = await press(tg, ISO, reminder, "done 187.6")
    assert answer["show_alert"] is True
    assert answer["text"].startswith("Nhiệm vụ 6 đã được Người 2002 xác nhận lúc 09:00")
    # A snooze of a task already done: the same notice.
    answer = await press(tg, ISO, reminder, "snooze 187.6")
    assert answer["text"].startswith("Nhiệm vụ 6 đã được Người 2002 xác nhận")
    assert await snapshot(services) == before
    # The Office closes the plan: its buttons answer so and do nothing.
    await services.set_plan_closed("187", True, actor="test")
    before = await snapshot(services)
    answer = await press(tg, ISO, reminder, "done 187.7")
    assert answer["text"].startswith("Kế hoạch 187 đã được Văn phòng Sở đóng")

    assert await snapshot(services) == before
    assert len([c for c in tg.calls if c.method.startswith("edit")]) == 1


async def test_snooze_holds_the_units_reminders_and_not_the_escalation(
    tg: FakeTelegramServer, bot: TelegramChannel, services: BotServices
) -> None:
    await register(services, ISO, "Ban ISO Sở", Role.ISO)
    await register(services, OFFICE, "Văn phòng Sở", Role.OFFICE)
    engine = ReminderEngine(services, {"telegram": bot})
    await engine.tick(at("2022-08-01"))
    (reminder,) = reminders_to(tg, ISO)

    answer = await press(tg, ISO, reminder, "snooze 187.6")
    # Three working days from Monday 01/08: Tuesday to Thursday.
    assert answer["text"].startswith(
        "Đã tạm hoãn nhắc nhiệm vụ số 6 của Ban ISO Sở đến hết ngày 04/08/2022"
    )
    await tg.wait_for_call("editMessageText")
    message = tg.message(ISO, reminder.message_id)
    assert "\n   ⏰ Tạm hoãn nhắc đến 04/08/2022" in message["text"]
    # The Later button is gone, the Done button stays.
    assert ("✅ Xong 6", "done 187.6") in tg.buttons_of(message)[1]
    assert ("⏰ Nhắc lại sau", "snooze 187.6") not in tg.buttons_of(message)[1]
    async with services.db.session() as session:
        held = await session.scalar(
            select(Assignment.snoozed_until)
            .join(Unit, Unit.id == Assignment.unit_id)
            .join(Task, Task.id == Assignment.task_id)
            .where(Unit.name == "Ban ISO Sở", Task.no == 6)
        )
        audit = await session.scalar(select(AuditEntry).where(AuditEntry.action == "snooze"))
    assert held == date(2022, 8, 4)
    assert audit.detail["until"] == "2022-08-04" and "Ban ISO Sở" in audit.actor

    for day in ("2022-08-02", "2022-08-03", "2022-08-04"):
        await engine.tick(at(day))
    held_days = [m for m in reminders_to(tg, ISO) if m is not reminder]
    # Ban ISO hears nothing of its own task 6 while it is held…
    assert all("/xong 6" not in m.text for m in held_days)
    # …but the escalation of task 6 (three working days overdue) still goes out, to the Office
    # and to Ban ISO, naming the units that owe it.
    (escalation,) = [m for m in reminders_to(tg, OFFICE) if "\n6. " in m.text]
    owing = escalation.text.split("Còn thiếu: ")[1].split("\n")[0]
    assert sorted(owing.split(", ")) == ["Ban ISO Sở", "Lãnh đạo Sở"]
    assert escalation.text.startswith("Nhắc việc ngày 03/08/2022")
    assert any("\n6. " in m.text and "Chi tiết: /tinhhinh 6" in m.text for m in held_days)

    # The snooze over, the rhythm goes on: Friday is the fifth overdue working day.
    await engine.tick(at("2022-08-05"))
    (friday,) = [m for m in reminders_to(tg, ISO) if "05/08/2022" in m.text.splitlines()[0]]
    assert "Khi xong: /xong 6" in friday.text


async def test_an_ambiguous_number_offers_its_candidates_as_buttons(
    tg: FakeTelegramServer, bot: TelegramChannel, services: BotServices, tmp_path: Path
) -> None:
    second = tmp_path / "45-KH-SGDDT-2022.txt"
    second.write_text(SECOND_PLAN, "utf-8")
    await services.import_plan(services.read_plan(second))
    await register(services, OFFICE, "Văn phòng Sở", Role.OFFICE)
    tg.push_text(OFFICE, "/xong 2")
    (reply,) = await tg.wait_for_sent(lambda m: m.chat_id == OFFICE)
    assert reply.text.startswith("Số 2 có thể là nhiệm vụ: 187.2, 45.2.")
    rows = tg.buttons_of(tg.message(OFFICE, reply.message_id))
    assert rows == [[("187.2", "done 187.2")], [("45.2", "done 45.2")]]

    answer = await press(tg, OFFICE, reply, "done 45.2")
    assert answer["text"].startswith("Đã ghi nhận")
    (edit,) = await tg.wait_for_call("editMessageReplyMarkup")
    assert edit.status == 200
    assert tg.buttons_of(tg.message(OFFICE, reply.message_id)) == [[("187.2", "done 187.2")]]
    ((no, unit, _),) = await confirmation_rows(services)
    assert (no, unit) == (2, "Văn phòng Sở")
