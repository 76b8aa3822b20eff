"""/hoanlai N [ngày] (/snooze) as typed, on any channel, and what /status and /viec show.

The clock is Monday 01/08/2022, 09:00. Task 6 of plan 187 is led by Lãnh đạo Sở and Ban ISO Sở,
due 30/07; every department of the Sở supports it (Các phòng thuộc Sở).
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from bot.domain.model import Role
from bot.services.facade import BotServices
from bot.store.models import Assignment, AuditEntry, Task, Unit
from tests.conftest import Chat

HEAD_UNIT = "Phòng Giáo dục Trung học"


async def held_until(services: BotServices, unit: str, no: int) -> date | None:
    async with services.db.session() as session:
        return await session.scalar(
            select(Assignment.snoozed_until)
            .join(Unit, Unit.id == Assignment.unit_id)
            .join(Task, Task.id == Assignment.task_id)
            .where(Unit.name == unit, Task.no == no)
        )


async def test_hoanlai_holds_for_the_default_or_the_given_working_days(
    chat: Chat, services: BotServices
) -> None:
    iso = await chat.registered("iso", "Ban ISO Sở", Role.ISO, "Trần Thị Hoa")
    reply = await iso.says("/hoanlai 6")
    assert reply == (
        "Đã tạm hoãn nhắc nhiệm vụ số 6 của Ban ISO Sở đến hết ngày 04/08/2022 (3 ngày làm "
        "việc). Hạn hoàn thành không thay đổi. Khi xong: /xong 6"
    )
    assert await held_until(services, "Ban ISO Sở", 6) == date(2022, 8, 4)
    # Ten working days from Monday 01/08: through Monday 15/08. `ngày` may follow the number.
    assert "đến hết ngày 15/08/2022 (10 ngày làm việc)" in await iso.says("/snooze 6 10 ngày")
    assert await held_until(services, "Ban ISO Sở", 6) == date(2022, 8, 15)
    async with services.db.session() as session:
        entries = list(
            await session.scalars(select(AuditEntry).where(AuditEntry.action == "snooze"))
        )
    assert [e.detail["until"] for e in entries] == ["2022-08-04", "2022-08-15"]
    assert entries[1].detail["previous"] == "2022-08-04"

    # The Office's /status 6 shows the hold; the due date and the state do not move.
    office = await chat.registered("office", "Văn phòng Sở", Role.OFFICE)
    detail = await office.says("/status 6")
    assert "• Ban ISO Sở — chưa xác nhận (Quá hạn 2 ngày) — Tạm hoãn nhắc đến 15/08/2022" in detail
    # Nobody is registered for Lãnh đạo Sở: no hold, but the Office is told nobody hears it.
    assert (
        "• Lãnh đạo Sở — chưa xác nhận (Quá hạn 2 ngày) — chưa có ai đăng ký nhận nhắc việc\n"
        in detail
    )


NOT_DAYS = "không phải là số ngày làm việc từ 1 đến 10. Ví dụ: /hoanlai 6 5 để tạm hoãn"


@pytest.mark.parametrize(
    ("unit", "typed", "expected"),
    [
        (HEAD_UNIT, "/hoanlai 6 0", f"“0” {NOT_DAYS}"),
        (HEAD_UNIT, "/hoanlai 6 11", f"“11” {NOT_DAYS}"),
        (HEAD_UNIT, "/hoanlai 6 mai", f"“mai” {NOT_DAYS}"),
        (HEAD_UNIT, "/hoanlai 6 3 4", f"“3 4” {NOT_DAYS}"),
        (HEAD_UNIT, "/hoanlai", "Vui lòng ghi số thứ tự nhiệm vụ, ví dụ: /hoanlai 6"),
        (HEAD_UNIT, "/hoanlai sau", "“sau” không phải là số thứ tự nhiệm vụ. Ví dụ: /hoanlai 6"),
        # Task 1 is Ban ISO's, supported by the departments; the leadership has no part in it.
        ("Lãnh đạo Sở", "/hoanlai 1", "Lãnh đạo Sở không tham gia nhiệm vụ 1."),
    ],
)
async def test_bad_input_gets_the_right_form_and_holds_nothing(
    chat: Chat, services: BotServices, unit: str, typed: str, expected: str
) -> None:
    person = await chat.registered("someone", unit, Role.HEAD)
    assert expected in await person.says(typed)
    async with services.db.session() as session:
        held = select(Assignment).where(Assignment.snoozed_until.is_not(None))
        assert await session.scalar(held) is None


async def test_a_finished_task_cannot_be_held(chat: Chat) -> None:
    iso = await chat.registered("iso", "Ban ISO Sở", Role.ISO, "Trần Thị Hoa")
    await iso.says("/xong 6")
    assert (await iso.says("/hoanlai 6")).startswith("Nhiệm vụ 6 đã được Trần Thị Hoa xác nhận")


async def test_viec_lists_lead_tasks_then_supporting_ones_never_overdue(chat: Chat) -> None:
    head = await chat.registered("head", HEAD_UNIT, Role.HEAD)
    await head.says("/xong 6 đã cử cán bộ tham gia")
    text = await head.says("/viec")
    lead, _, supporting = text.partition("Phối hợp (")
    assert lead.startswith("Việc của Phòng Giáo dục Trung học theo Kế hoạch 187/KH-SGDĐT (10 ")
    # Lead tasks (2, 4, 5, 9): two or three lines, the state once, the Vietnamese command.
    assert "\n\n2. Đánh giá kết quả thực hiện mục tiêu chất lượng" in lead
    assert "   Trước 25/8/2022 (hạn 24/08/2022) — Chưa đến hạn\n   Khi xong: /xong 2" in lead
    assert "Tình trạng" not in text and "/done" not in text
    # Supporting tasks in one short list: never overdue, `Đã báo cáo` once confirmed.
    assert supporting.startswith("6 nhiệm vụ):\n• 1. ")
    assert "\n• 6. Đánh giá nội bộ — Đã báo cáo" in supporting
    assert "\n• 7. Tiến hành khắc phục sau đánh giá nội bộ — Phối hợp" in supporting
    assert "Quá hạn" not in supporting
