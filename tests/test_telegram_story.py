"""The issue's story over real HTTP: python-telegram-bot → fake Bot API → TelegramChannel → core.

Nothing is mocked between the person and the database: updates go out of the fake server through
PTB's long polling, the real `Dispatcher` and services answer on a temporary SQLite database, and
the replies come back to the fake as `sendMessage` calls. The clock is the conftest's ManualClock
(Monday 01/08/2022, 09:00), so every date in a reply is known.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest_asyncio
from sqlalchemy import func, select

from bot.channels.base import Sender
from bot.channels.ratelimit import SendLimiter
from bot.channels.telegram import TelegramChannel
from bot.config import Config, TelegramConfig
from bot.dispatch import Dispatcher
from bot.domain.model import Role
from bot.i18n import Translator
from bot.runner import build_channels
from bot.services.facade import BotServices
from bot.store.models import (
    Assignment,
    AuditEntry,
    Confirmation,
    Contact,
    Invite,
    Task,
    Unit,
)
from handlers import HANDLERS
from tests.fakes.telegram_server import FakeTelegramServer, SentMessage

HEAD_UNIT = "Phòng Giáo dục Trung học"
NOT_REGISTERED = (
    "Anh/chị chưa đăng ký. Vui lòng đề nghị Văn phòng Sở cấp mã mời, rồi gõ: /start MÃ_MỜI"
)
OFFICE_ONLY = "Lệnh này chỉ dành cho Văn phòng Sở. Gõ /trogiup để xem các lệnh của anh/chị."
CODE = re.compile(r"\b[A-Z2-9]{10}\b")


def vietnamese_menu() -> list[tuple[str, str]]:
    """The menu exactly as `nhacviec run` builds it (bot/runner.py)."""
    tr = Translator("vi")
    return [(name, tr.gettext(spec.summary)) for name, spec in HANDLERS.items()]


@pytest_asyncio.fixture
async def tg() -> AsyncIterator[FakeTelegramServer]:
    async with FakeTelegramServer() as server:
        yield server


@pytest_asyncio.fixture
async def bot(tg: FakeTelegramServer, services: BotServices) -> AsyncIterator[TelegramChannel]:
    """The real channel and dispatcher on the test database; sends paced only by the server."""
    channel = TelegramChannel(
        tg.token,
        base_url=tg.base_url,
        commands=vietnamese_menu(),
        limiter=SendLimiter(per_chat_interval=0.0, margin=0.0),
        poll_timeout=5,
    )
    await channel.start(Dispatcher(services, bare_commands_on=frozenset({"zalo"})).handle)
    yield channel
    await channel.stop()


@dataclass
class TelegramUser:
    """A person typing in a Telegram chat (their own, or a group they share with the bot)."""

    tg: FakeTelegramServer
    user_id: int
    first_name: str
    last_name: str | None = None
    chat_id: int | None = None  # a group's (negative) id; None: the private chat

    @property
    def chat(self) -> int:
        return self.user_id if self.chat_id is None else self.chat_id

    def in_group(self, group_id: int) -> TelegramUser:
        return TelegramUser(self.tg, self.user_id, self.first_name, self.last_name, group_id)

    def replies(self) -> list[SentMessage]:
        return [m for m in self.tg.sent if m.chat_id == self.chat]

    def push(self, text: str) -> None:
        """Type a message without waiting for the answer."""
        self.tg.push_text(
            self.user_id,
            text,
            chat_id=self.chat_id,
            chat_type="private" if self.chat_id is None else "supergroup",
            first_name=self.first_name,
            last_name=self.last_name,
        )

    async def says(self, text: str) -> str:
        """Type a message and return the bot's answer in this chat (one message)."""
        (reply,) = await self.says_all(text, 1)
        return reply.text

    async def says_all(self, text: str, parts: int) -> list[SentMessage]:
        """Type a message and return the `parts` messages of the answer (text, then files)."""
        seen = len(self.replies())
        self.push(text)
        sent = await self.tg.wait_for_sent(lambda m: m.chat_id == self.chat, count=seen + parts)
        return sent[seen:]

    async def sends_document(self, caption: str, file_name: str) -> tuple[str, str]:
        """Send a file with a caption; return the answer and the file id Telegram gave it."""
        seen = len(self.replies())
        update = self.tg.push_document(
            self.user_id, caption, file_name, first_name=self.first_name, chat_id=self.chat_id
        )
        return await self.next_reply(seen), update["message"]["document"]["file_id"]

    async def sends_photo(self, caption: str) -> tuple[str, str]:
        """Send a photo; return the answer and the id of the largest size (what is kept)."""
        seen = len(self.replies())
        update = self.tg.push_photo(self.user_id, caption, first_name=self.first_name)
        return await self.next_reply(seen), update["message"]["photo"][-1]["file_id"]

    async def next_reply(self, seen: int) -> str:
        sent = await self.tg.wait_for_sent(lambda m: m.chat_id == self.chat, count=seen + 1)
        return sent[seen].text


async def count(services: BotServices, column) -> int:
    async with services.db.session() as session:
        return await session.scalar(select(func.count(column)))


async def snapshot(services: BotServices) -> dict[str, int]:
    """Row counts of every table a command could change."""
    return {
        "confirmations": await count(services, Confirmation.id),
        "contacts": await count(services, Contact.id),
        "invites": await count(services, Invite.id),
        "audit": await count(services, AuditEntry.id),
    }


async def confirmation_rows(services: BotServices) -> list[tuple[int, str, Confirmation]]:
    """Every confirmation with its task number and unit name, oldest first."""
    async with services.db.session() as session:
        rows = await session.execute(
            select(Task.no, Unit.name, Confirmation)
            .join(Assignment, Confirmation.assignment_id == Assignment.id)
            .join(Task, Assignment.task_id == Task.id)
            .join(Unit, Assignment.unit_id == Unit.id)
            .order_by(Confirmation.id)
        )
        return [(no, unit, confirmation) for no, unit, confirmation in rows]


async def registered(
    services: BotServices,
    tg: FakeTelegramServer,
    user_id: int,
    unit: str,
    role: Role,
    first_name: str,
    last_name: str | None = None,
) -> TelegramUser:
    """A Telegram user registered for a unit as the Office's code would have done it."""
    user = TelegramUser(tg, user_id, first_name, last_name)
    invite = await services.invite(unit, role, created_by="test")
    full_name = f"{first_name} {last_name}" if last_name else first_name
    await services.register(Sender("telegram", str(user_id), str(user_id), full_name), invite.code)
    return user


async def test_invite_register_done_status_undo_over_telegram(
    tg: FakeTelegramServer, bot: TelegramChannel, services: BotServices
) -> None:
    # The Office itself registers with a code created at the terminal (`nhacviec invite`).
    office = TelegramUser(tg, 1001, "Nguyễn Văn", "Nam")
    office_code = (await services.invite("Văn phòng Sở", Role.OFFICE, created_by="cli")).code
    welcome = await office.says(f"/start {office_code}")
    assert welcome.startswith(
        "Đăng ký thành công: Nguyễn Văn Nam, Văn phòng Sở, vai trò theo dõi, đôn đốc (Văn phòng)."
    )

    invitation = await office.says("/invite Ban ISO iso")
    assert invitation.startswith("Mã mời cho Ban ISO Sở (thành viên Ban ISO): ")
    code = CODE.search(invitation).group(0)
    assert f"Người được mời gõ: /start {code}" in invitation
    assert "Hiệu lực đến 09:00 ngày 08/08/2022." in invitation

    iso = TelegramUser(tg, 2002, "Trần Thị", "Hoa")
    registered_reply = await iso.says(f"/start {code}")
    assert registered_reply == (
        "Đăng ký thành công: Trần Thị Hoa, Ban ISO Sở, vai trò thành viên Ban ISO.\n"
        "Từ nay anh/chị sẽ nhận nhắc việc tại đây. Gõ /viec để xem việc của đơn vị, "
        "/trogiup để xem các lệnh."
    )
    async with services.db.session() as session:
        contact = await session.scalar(select(Contact).where(Contact.user_id == "2002"))
    assert (contact.channel, contact.chat_id, contact.name) == ("telegram", "2002", "Trần Thị Hoa")

    done = await iso.says("/done 6 đã đánh giá xong 5 phòng")
    assert done == (
        "Đã ghi nhận Ban ISO Sở hoàn thành nhiệm vụ số 6 (ngày 01/08/2022).\n"
        "Ghi chú: đã đánh giá xong 5 phòng\n"
        "Nếu xác nhận nhầm, gõ /huy 6 để hủy."
    )
    ((task_no, unit, row),) = await confirmation_rows(services)
    assert (task_no, unit, row.by_name, row.note) == (
        6,
        "Ban ISO Sở",
        "Trần Thị Hoa",
        "đã đánh giá xong 5 phòng",
    )
    assert row.by_contact_id == contact.id and row.undone_at is None

    overview, chart = await office.says_all("/status", 2)
    assert chart.method == "sendPhoto" and chart.file_size
    assert chart.text.startswith("Biểu đồ tình hình thực hiện Kế hoạch 187/KH-SGDĐT")
    overview = overview.text
    assert overview.startswith("Tình hình thực hiện Kế hoạch 187/KH-SGDĐT đến ngày 01/08/2022:")
    assert "\n10 nhiệm vụ: 0 hoàn thành, " in overview  # the summary comes first
    task6 = overview.split("\n• 6. ")[1].split("\n• ")[0]
    assert "Quá hạn 2 ngày (hạn 30/07/2022)" in task6
    assert "Còn thiếu (1/2): Lãnh đạo Sở" in task6
    assert overview.endswith("Chi tiết một nhiệm vụ: /tinhhinh 6 · từng đơn vị: /baocao xlsx")

    detail = await office.says("/status 6")
    assert detail.startswith("Nhiệm vụ 6: Đánh giá nội bộ")
    assert "Thời gian: Từ 01/6 đến 30/7/2022" in detail
    assert (
        "• Ban ISO Sở — Hoàn thành quá hạn, lúc 09:00 ngày 01/08/2022, "
        "người xác nhận: Trần Thị Hoa — ghi chú: “đã đánh giá xong 5 phòng”"
    ) in detail
    assert "• Lãnh đạo Sở — chưa xác nhận (Quá hạn 2 ngày)" in detail
    assert "(có tệp minh chứng)" not in detail

    undone = await iso.says("/undo 6")
    assert undone == (
        "Đã hủy xác nhận nhiệm vụ 6 của Ban ISO Sở (xác nhận ngày 01/08/2022).\n"
        "Khi hoàn thành, gõ /xong 6."
    )
    again = await office.says("/status 6")
    assert "• Ban ISO Sở — chưa xác nhận (Quá hạn 2 ngày)" in again
    assert "Trần Thị Hoa" not in again
    ((_, _, row),) = await confirmation_rows(services)
    assert row.undone_at is not None and row.undone_by

    # Every answer went to the chat it was asked in, and nothing else was sent.
    assert {m.chat_id for m in tg.sent} == {1001, 2002}
    assert [m.method for m in tg.sent].count("sendMessage") == 8
    assert [m for m in tg.sent if m.method != "sendMessage"] == [chart]


async def test_bad_input_over_telegram_gets_a_clear_reply_and_changes_nothing(
    tg: FakeTelegramServer, bot: TelegramChannel, services: BotServices
) -> None:
    head = await registered(services, tg, 3003, HEAD_UNIT, Role.HEAD, "Lê Văn", "Bình")
    leader = await registered(services, tg, 4004, "Lãnh đạo Sở", Role.LEADER, "Phạm", "Hùng")
    stranger = TelegramUser(tg, 9009, "Khách")
    before = await snapshot(services)

    cases = [
        (head, "/done", "Vui lòng ghi số thứ tự nhiệm vụ, ví dụ: /done 6 (hoặc /done 187.6"),
        (head, "/done abc", "“abc” không phải là số thứ tự nhiệm vụ. Ví dụ: /done 6, hoặc"),
        (
            head,
            "/done 99",
            "Kế hoạch không có nhiệm vụ số 99 (các nhiệm vụ đánh số từ 1 đến 10). "
            "Gõ /viec để xem danh sách.",
        ),
        (head, "/xong 0", "Kế hoạch không có nhiệm vụ số 0"),
        (
            leader,
            "/done 1",
            "Lãnh đạo Sở không tham gia nhiệm vụ 1. Gõ /viec để xem việc của đơn vị.",
        ),
        (stranger, "/done 6", NOT_REGISTERED),
        (stranger, "/status", NOT_REGISTERED),
        (stranger, "xin chào", NOT_REGISTERED),
        (head, "/frobnicate 6", "Không có lệnh /frobnicate. Gõ /trogiup để xem các lệnh."),
        (
            head,
            "Báo cáo: phòng đã xong nhiệm vụ 6",
            "Bot chỉ hiểu các lệnh. Ví dụ: /viec để xem việc của đơn vị, /xong 6 để xác nhận "
            "hoàn thành nhiệm vụ 6. Gõ /trogiup để xem tất cả các lệnh.",
        ),
        (head, "/undo 2", "Đơn vị chưa xác nhận nhiệm vụ 2 nên không có gì để hủy."),
    ]
    for person, text, expected in cases:
        reply = await person.says(text)
        assert expected in reply, (text, reply)
        assert "Traceback" not in reply and "Error" not in reply

    assert await snapshot(services) == before
    assert await confirmation_rows(services) == []

    # The bot is still there, and a correct command after all that still works.
    recorded = await head.says("/done 2 đã nộp")
    assert recorded.startswith(
        "Đã ghi nhận Phòng Giáo dục Trung học hoàn thành nhiệm vụ số 2 (ngày 01/08/2022)."
    )
    assert [(no, unit) for no, unit, _ in await confirmation_rows(services)] == [(2, HEAD_UNIT)]
    assert len(tg.sent) == len(cases) + 1


async def test_role_matrix_over_telegram(
    tg: FakeTelegramServer, bot: TelegramChannel, services: BotServices
) -> None:
    people = {
        Role.OFFICE: await registered(services, tg, 101, "Văn phòng Sở", Role.OFFICE, "Văn"),
        Role.ISO: await registered(services, tg, 102, "Ban ISO Sở", Role.ISO, "Iso"),
        Role.LEADER: await registered(services, tg, 103, "Lãnh đạo Sở", Role.LEADER, "Lãnh"),
        Role.HEAD: await registered(services, tg, 104, HEAD_UNIT, Role.HEAD, "Trưởng"),
        Role.MEMBER: await registered(services, tg, 105, "Thanh tra Sở", Role.MEMBER, "Cán"),
    }
    commands = ["/status", "/contacts", "/invite Thanh tra Sở member", "/deadline 10 1/12"]
    # Everyone types at once: chats are served concurrently, each chat's messages in order.
    for person in people.values():
        for command in commands:
            person.push(command)
    overseers = (Role.OFFICE, Role.ISO, Role.LEADER)
    # The overview comes with its chart: one more message for each of those who see everything.
    await tg.wait_for_sent(count=len(people) * len(commands) + len(overseers))

    for role, person in people.items():
        replies = person.replies()
        if role in overseers:
            chart = replies.pop(1)
            assert chart.method == "sendPhoto", role
        status, contacts, invite, deadline = (m.text for m in replies)
        if role in overseers:
            assert status.startswith(
                "Tình hình thực hiện Kế hoạch 187/KH-SGDĐT đến ngày 01/08/2022:"
            ), role
        else:
            unit = HEAD_UNIT if role is Role.HEAD else "Thanh tra Sở"
            assert status.startswith(f"Việc của {unit} theo Kế hoạch 187/KH-SGDĐT ("), role
        if role is Role.OFFICE:
            assert contacts.startswith("Danh sách đã đăng ký (5 người):")
            assert "Trưởng — Phòng Giáo dục Trung học — trưởng đơn vị — telegram" in contacts
            assert invite.startswith("Mã mời cho Thanh tra Sở (cán bộ): ")
            assert deadline.startswith("Đã đặt hạn cho nhiệm vụ 10: 01/12/2022.")
        else:
            assert (contacts, invite, deadline) == (OFFICE_ONLY,) * 3, role

    async with services.db.session() as session:
        assert await session.scalar(select(func.count(Invite.id))) == 6  # 5 above + the Office's
        task10 = await session.scalar(select(Task).where(Task.no == 10))
    assert task10.deadline_set is not None and task10.deadline_set.isoformat() == "2022-12-01"


async def test_a_document_or_photo_with_done_in_its_caption_is_kept_as_evidence(
    tg: FakeTelegramServer, bot: TelegramChannel, services: BotServices
) -> None:
    iso = await registered(services, tg, 2002, "Ban ISO Sở", Role.ISO, "Trần Thị", "Hoa")
    office = await registered(services, tg, 1001, "Văn phòng Sở", Role.OFFICE, "Nam")

    reply, file_id = await iso.sends_document("/done 6", "bien-ban-danh-gia-noi-bo.pdf")
    assert reply == (
        "Đã ghi nhận Ban ISO Sở hoàn thành nhiệm vụ số 6 (ngày 01/08/2022).\n"
        "Tệp đính kèm đã được lưu làm minh chứng.\n"
        "Nếu xác nhận nhầm, gõ /huy 6 để hủy."
    )
    reply, photo_id = await iso.sends_photo("/xong 7 ảnh biên bản họp")
    assert "Ghi chú: ảnh biên bản họp\nTệp đính kèm đã được lưu làm minh chứng." in reply

    (no6, _, document), (no7, _, photo) = await confirmation_rows(services)
    assert (no6, document.attachment_kind, document.attachment_ref) == (6, "document", file_id)
    assert document.attachment_name == "bien-ban-danh-gia-noi-bo.pdf"
    assert (no7, photo.attachment_kind, photo.attachment_ref) == (7, "photo", photo_id)
    assert photo.note == "ảnh biên bản họp"

    detail = await office.says("/status 6")
    assert (
        "• Ban ISO Sở — Hoàn thành quá hạn, lúc 09:00 ngày 01/08/2022, "
        "người xác nhận: Trần Thị Hoa (có tệp minh chứng)"
    ) in detail
    assert "(có tệp minh chứng)" in await office.says("/status 7")

    # A file without a command is not a confirmation; the person is told what to type.
    reply, _ = await iso.sends_document("", "ke-hoach.docx")
    assert reply.startswith("Bot chỉ hiểu các lệnh.")
    assert len(await confirmation_rows(services)) == 2


async def test_a_command_in_a_group_acts_for_the_sender_and_answers_in_the_group(
    tg: FakeTelegramServer, bot: TelegramChannel, services: BotServices
) -> None:
    head = await registered(services, tg, 3003, HEAD_UNIT, Role.HEAD, "Lê Văn", "Bình")
    group = -1001234567890
    in_group = head.in_group(group)
    colleague = TelegramUser(tg, 3999, "Đồng nghiệp", chat_id=group)

    # Talk between people and another bot's command: the bot stays silent in a group.
    in_group.push("Chào cả nhà, phòng mình xong việc tháng này rồi")
    in_group.push("/done@other_bot 4")
    reply = await in_group.says("/done@nhacviec_bot 4 đã rà soát quy trình")
    assert reply.startswith(
        "Đã ghi nhận Phòng Giáo dục Trung học hoàn thành nhiệm vụ số 4 (ngày 01/08/2022).\n"
        "Kỳ: quý III/2022."
    )
    assert [m.text for m in in_group.replies()] == [reply]  # the two before got no answer

    ((no, unit, row),) = await confirmation_rows(services)
    async with services.db.session() as session:
        contact = await session.scalar(select(Contact).where(Contact.user_id == "3003"))
    assert (no, unit, row.by_contact_id, row.by_name) == (4, HEAD_UNIT, contact.id, "Lê Văn Bình")
    assert row.note == "đã rà soát quy trình"
    assert contact.chat_id == "3003"  # reminders still go to his own chat, not the group

    # Someone else in the same group is not the head: the group itself is nobody.
    assert await colleague.says("/done 4") == NOT_REGISTERED
    assert len(await confirmation_rows(services)) == 1
    assert head.replies() == []  # nothing went to his private chat
    assert {m.chat_id for m in tg.sent} == {group}


async def test_the_vietnamese_command_menu_is_registered_at_start(
    tg: FakeTelegramServer, services: BotServices
) -> None:
    config = Config(
        database_url=services.config.database_url,
        telegram=TelegramConfig(enabled=True, token=tg.token, base_url=tg.base_url),
    )
    channel = build_channels(config, services)["telegram"]
    await channel.start(Dispatcher(services).handle)
    try:
        (call,) = await tg.wait_for_call("setMyCommands")
        assert call.status == 200
        menu = dict(tg.commands)
        assert list(menu) == list(HANDLERS)
        assert menu["done"] == "xác nhận đã hoàn thành nhiệm vụ N"
        assert menu["start"] == "đăng ký bằng mã do Văn phòng Sở cấp"
        assert menu["status"] == "tình hình các kế hoạch, một kế hoạch hoặc một nhiệm vụ"
        # Every description is translated: none is the English msgid.
        assert all(menu[name] != spec.summary for name, spec in HANDLERS.items())

        # And the channel `run` builds answers in Vietnamese.
        user = TelegramUser(tg, 77, "Khách")
        assert await user.says("/help") == NOT_REGISTERED
    finally:
        await channel.stop()
