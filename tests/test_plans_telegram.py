"""Two plans whose task numbers collide, over real HTTP: the fake Bot API, python-telegram-bot,
the Telegram channel, the dispatcher and the reminder engine on one database.

Plan 187 (ISO) and plan 05 (administrative reform) both give Ban ISO Sở a task 6. On Monday
01/08/2022 Ban ISO gets one message with both plans' tasks under full addresses; `/done 187.6`
confirms the right one; a bare `/done 6` changes nothing and offers both; closing plan 05 silences
it and leaves plan 187.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from bot.channels.telegram import TelegramChannel
from bot.domain.model import Role
from bot.services.facade import BotServices
from scheduler.engine import ReminderEngine
from tests.fakes.telegram_server import FakeTelegramServer
from tests.test_telegram_story import bot, confirmation_rows, registered, tg

__all__ = ["bot", "tg"]  # the fixtures this module uses from the story

SECOND_PLAN = Path(__file__).parent / "data" / "plans" / "05-KH-SGDDT-2022.txt"


async def test_two_plans_one_message_full_addresses_and_no_guessing(
    tg: FakeTelegramServer, services: BotServices, bot: TelegramChannel
) -> None:
    await services.import_plan(services.read_plan(SECOND_PLAN))
    iso = await registered(services, tg, 4001, "Ban ISO Sở", Role.ISO, "Trần", "Hoa")
    office = await registered(services, tg, 4002, "Văn phòng Sở", Role.OFFICE, "Lê", "Lan")
    engine = ReminderEngine(services, {"telegram": bot})

    await engine.tick(datetime(2022, 8, 1, 8, 0))
    [morning] = [m.text for m in iso.replies()]
    assert morning.startswith("Nhắc việc ngày 01/08/2022 — Ban ISO Sở\n")
    assert "\nKế hoạch 187/KH-SGDĐT:\n187.1. " in morning
    assert "\nKế hoạch 05/KH-SGDĐT:\n05.1. " in morning
    assert "/xong 187.7" in morning and "/xong 05.6" in morning

    offered = await iso.says("/done 6")
    assert offered == (
        "Số 6 có thể là nhiệm vụ: 187.6, 05.6. Vui lòng ghi kèm mã kế hoạch, ví dụ 187.6."
    )
    assert await confirmation_rows(services) == []

    done = await iso.says("/done 187.6 Đã đánh giá nội bộ 9 phòng")
    assert done.startswith(
        "Đã ghi nhận Ban ISO Sở hoàn thành nhiệm vụ số 187.6 (ngày 01/08/2022)."
    )
    [(no, unit, confirmation)] = await confirmation_rows(services)
    assert (no, unit, confirmation.note) == (6, "Ban ISO Sở", "Đã đánh giá nội bộ 9 phòng")
    status = await office.says("/status 187.6")
    assert status.startswith("Nhiệm vụ 187.6: Đánh giá nội bộ")

    closed = await office.says("/kehoach dong 05")
    assert closed.startswith("Đã đóng Kế hoạch 05/KH-SGDĐT (05): không nhắc việc thêm.")
    seen = len(iso.replies())
    await engine.tick(datetime(2022, 8, 8, 8, 0))  # Monday: task 1, weekly now, is due again
    new = [m.text for m in iso.replies()[seen:]]
    assert len(new) == 1
    assert "(Kế hoạch 187/KH-SGDĐT)" in new[0] and "05/KH-SGDĐT" not in new[0]
    # One plan followed again: bare numbers, and a bare 6 is plan 187's.
    assert "\n1. Xây dựng kế hoạch duy trì" in new[0]
    assert (await iso.says("/done 6")).startswith("Nhiệm vụ 6 đã được Trần Hoa xác nhận lúc")
