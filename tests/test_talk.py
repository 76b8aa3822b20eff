"""The chat commands as people use them: registration, /done, /undo, /tasks, /status, roles."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select

from bot.domain.model import Role
from bot.store.models import AuditEntry, Confirmation, Contact
from tests.conftest import Chat

HEAD_UNIT = "Phòng Giáo dục Trung học"


async def confirmations(chat: Chat) -> int:
    async with chat.services.db.session() as session:
        return await session.scalar(select(func.count(Confirmation.id)))


async def test_invite_register_confirm_status_undo(chat: Chat) -> None:
    office = await chat.registered("office", "Văn phòng Sở", Role.OFFICE, "Chánh Văn phòng")
    reply = await office.says("/invite Ban ISO head")
    assert "Mã mời cho Ban ISO Sở" in reply
    code = re.search(r"\b[A-Z2-9]{10}\b", reply).group(0)

    iso = chat.person("iso-1", "Trần Thị Hoa")
    welcome = await iso.says(f"/start {code}")
    assert "Đăng ký thành công: Trần Thị Hoa, Ban ISO Sở" in welcome
    assert "/viec" in welcome

    done = await iso.says("/done 6 đã đánh giá xong 5 phòng")
    assert "Đã ghi nhận Ban ISO Sở hoàn thành nhiệm vụ số 6 (ngày 01/08/2022)." in done
    assert "Ghi chú: đã đánh giá xong 5 phòng" in done
    assert done.rstrip().endswith("Nếu xác nhận nhầm, gõ /huy 6 để hủy.")

    overview = await office.says("/status")
    assert "Tình hình thực hiện Kế hoạch 187/KH-SGDĐT đến ngày 01/08/2022" in overview
    task6 = overview.split("\n• 6. ")[1].split("\n• ")[0]
    assert "Quá hạn 2 ngày (hạn 30/07/2022)" in task6
    assert "Còn thiếu (1/2): Lãnh đạo Sở" in task6

    detail = await office.says("/status 6")
    assert "Nhiệm vụ 6: Đánh giá nội bộ" in detail
    assert "• Ban ISO Sở — Hoàn thành quá hạn, lúc 09:00 ngày 01/08/2022" in detail
    assert "Trần Thị Hoa — ghi chú: “đã đánh giá xong 5 phòng”" in detail
    assert "• Lãnh đạo Sở — chưa xác nhận (Quá hạn 2 ngày)" in detail

    undone = await iso.says("/undo 6")
    assert "Đã hủy xác nhận nhiệm vụ 6 của Ban ISO Sở" in undone
    again = await office.says("/status 6")
    assert "• Ban ISO Sở — chưa xác nhận (Quá hạn 2 ngày)" in again

    async with chat.services.db.session() as session:
        actions = list(await session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
    assert actions == ["invite", "register", "invite", "register", "confirm", "undo"]


async def test_recurring_done_confirms_the_current_quarter(chat: Chat) -> None:
    head = await chat.registered("h1", HEAD_UNIT, Role.HEAD)
    reply = await head.says("/xong 4")
    assert "Kỳ: quý III/2022." in reply
    twice = await head.says("/done 4")
    assert "Nhiệm vụ 4 (quý III/2022) đã được" in twice
    chat.services.clock.advance(timedelta(days=62))  # 02/10/2022: the fourth quarter
    next_quarter = await head.says("/done 4")
    assert "Kỳ: quý IV/2022." in next_quarter
    assert await confirmations(chat) == 2


async def test_bad_input_gets_a_clear_reply_and_changes_nothing(chat: Chat) -> None:
    head = await chat.registered("h1", HEAD_UNIT, Role.HEAD)
    cases = {
        "/done": "Vui lòng ghi số thứ tự nhiệm vụ, ví dụ: /done 6 (hoặc /done 187.6 cho",
        "/done abc": "“abc” không phải là số thứ tự nhiệm vụ. Ví dụ: /done 6, hoặc /done 187.6",
        "/done 99": "Kế hoạch không có nhiệm vụ số 99 (các nhiệm vụ đánh số từ 1 đến 10).",
        "/undo 2": "Đơn vị chưa xác nhận nhiệm vụ 2 nên không có gì để hủy.",
        "/frobnicate": "Không có lệnh /frobnicate. Gõ /trogiup để xem các lệnh.",
        "xin chào": "Bot chỉ hiểu các lệnh.",
        "/deadline 10 15/12/2022": "Lệnh này chỉ dành cho Văn phòng Sở.",
        "/invite Ban ISO head": "Lệnh này chỉ dành cho Văn phòng Sở.",
        "/contacts": "Lệnh này chỉ dành cho Văn phòng Sở.",
    }
    for text, expected in cases.items():
        assert expected in await head.says(text), text
    leader = await chat.registered("l1", "Lãnh đạo Sở", Role.LEADER)
    assert "Lãnh đạo Sở không tham gia nhiệm vụ 1. Gõ /viec" in await leader.says("/done 1")
    assert await confirmations(chat) == 0


async def test_unregistered_sender_is_told_how_to_register(chat: Chat) -> None:
    stranger = chat.person("x")
    for text in ("/done 6", "/status", "hello", "/viec"):
        reply = await stranger.says(text)
        assert "Anh/chị chưa đăng ký." in reply and "/start MÃ_MỜI" in reply
    assert "Để đăng ký, vui lòng đề nghị Văn phòng Sở cấp mã mời" in await stranger.says("/start")
    assert await confirmations(chat) == 0


async def test_wrong_used_and_expired_codes_are_refused_then_throttled(chat: Chat) -> None:
    invite = await chat.services.invite("Ban ISO", Role.ISO, created_by="test")
    first = chat.person("a")
    assert "Đăng ký thành công" in await first.says(f"/start {invite.code.lower()}")
    second = chat.person("b")
    assert "Mã mời này đã được sử dụng" in await second.says(f"/start {invite.code}")

    old = await chat.services.invite("Ban ISO", Role.ISO, created_by="test")
    chat.services.clock.advance(timedelta(days=8))
    assert "Mã mời đã hết hạn" in await second.says(f"/start {old.code}")
    for _ in range(4):
        assert "Mã mời không đúng" in await second.says("/start ZZZZZZZZZZ")
    fresh = await chat.services.invite("Ban ISO", Role.ISO, created_by="test")
    throttled = await second.says(f"/start {fresh.code}")
    assert "Anh/chị đã nhập sai mã quá nhiều lần" in throttled
    async with chat.services.db.session() as session:
        assert await session.scalar(select(func.count(Contact.id))) == 1


async def test_role_matrix(chat: Chat) -> None:
    people = {
        role: await chat.registered(f"u-{role}", unit, role)
        for role, unit in (
            (Role.OFFICE, "Văn phòng Sở"),
            (Role.ISO, "Ban ISO Sở"),
            (Role.LEADER, "Lãnh đạo Sở"),
            (Role.HEAD, HEAD_UNIT),
            (Role.MEMBER, "Thanh tra Sở"),
        )
    }
    overview = "Tình hình thực hiện Kế hoạch"
    refused = "Lệnh này chỉ dành cho Văn phòng Sở."
    for role, person in people.items():
        status = await person.says("/status")
        sees_all = role in (Role.OFFICE, Role.ISO, Role.LEADER)
        assert (overview in status) is sees_all, role
        if not sees_all:
            assert status.startswith("Việc của ")
        for office_command in ("/contacts", "/invite Thanh tra Sở member", "/deadline 10 1/12"):
            reply = await person.says(office_command)
            assert (refused in reply) is (role is not Role.OFFICE), (role, office_command)


async def test_office_sets_a_deadline_for_an_as_regulated_task(chat: Chat) -> None:
    office = await chat.registered("o", "Văn phòng Sở", Role.OFFICE)
    assert "Đã đặt hạn cho nhiệm vụ 10: 15/12/2022." in await office.says("/hanchot 10 15/12/2022")
    assert "đã có thời gian thực hiện trong kế hoạch" in await office.says("/deadline 6 1/12/2022")
    assert "không phải là ngày hợp lệ" in await office.says("/deadline 10 31/02/2022")
    detail = await office.says("/status 10")
    assert "Thời gian: Theo quy định (hạn 15/12/2022)" in detail


async def test_english_on_request(chat: Chat) -> None:
    head = await chat.registered("h", HEAD_UNIT, Role.HEAD)
    assert await head.says("/lang en") == "Replies will now be in English."
    assert "is not a task number" in await head.says("/done x")
    assert await head.says("/ngonngu vi") == "Từ nay bot sẽ trả lời bằng tiếng Việt."


async def test_invite_carries_the_telegram_deep_link(chat: Chat) -> None:
    from dataclasses import replace

    config = chat.services.config
    chat.services.config = replace(config, telegram=replace(config.telegram, username="@sogd_bot"))
    office = await chat.registered("o", "Văn phòng Sở", Role.OFFICE)
    reply = await office.says("/moi Thanh tra Sở member")
    code = re.search(r"\b[A-Z2-9]{10}\b", reply).group(0)
    assert f"Hoặc mở đường dẫn này trên Telegram: https://t.me/sogd_bot?start={code}" in reply
