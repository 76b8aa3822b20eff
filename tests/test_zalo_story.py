"""The Telegram story told on Zalo, against the fake Zalo Bot API, by polling and by webhook.

Invite → `/start CODE` → `done 6` without a slash and `/xong 6` → the Office's `/status 6`; a
wrong webhook secret changes nothing; one person on both apps (linked with `/lienket`) gets each
reminder once on each app, or only where `/kenh` says; a Zalo failure is retried on Zalo only.
"""

from __future__ import annotations

import asyncio
import dataclasses
import re
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
import pytest_asyncio
from sqlalchemy import func, select

from bot.channels.base import IncomingMessage, Sender
from bot.channels.ratelimit import SendLimiter
from bot.channels.telegram import TelegramChannel
from bot.channels.zalo import ZaloChannel
from bot.channels.zalo_client import ZaloBotClient
from bot.config import TelegramConfig
from bot.dispatch import Dispatcher
from bot.domain.model import Role
from bot.services.facade import BotServices
from bot.store.models import AuditEntry, Confirmation, Contact, OutboxItem, Person
from handlers.channel import parse_choice
from scheduler.engine import ReminderEngine
from tests.conftest import Chat
from tests.fakes.telegram_server import FakeTelegramServer
from tests.fakes.zalo_server import FakeZaloServer, text_update

TOKEN = "12345689:abcdefgh-xyz-secret"
SECRET = "webhook-secret-123"
PUBLIC_URL = "https://nhacviec.example.gov.vn/zalo/webhook"
OFFICE_ZALO = "a1b2c3d4e5f6a7b8c9d0"
ISO_ZALO = "e4ea2cd5189df1c3a88c"
ISO_TELEGRAM = 5001
CODE = re.compile(r"\b[A-Z2-9]{10}\b")
ZALO_LIMIT = 2000


async def fast_sleep(seconds: float) -> None:
    """The channel's backoff, shortened: a test waits for events, not for the clock."""
    await asyncio.sleep(min(seconds, 0.005))


def at(day: str, time: str = "08:00") -> datetime:
    return datetime.fromisoformat(f"{day}T{time}")


# ----- the bot on Zalo, in either mode ---------------------------------------------------------


@dataclass
class ZaloUser:
    """Someone writing to the bot on Zalo: through getUpdates, or as Zalo's webhook call."""

    bot: ZaloBot
    user_id: str
    name: str

    def received(self) -> list[str]:
        return [m.text for m in self.bot.server.sent if m.chat_id == self.user_id]

    async def send(self, text: str) -> None:
        update = text_update(self.user_id, text, display_name=self.name)
        if self.bot.mode == "polling":
            await self.bot.server.push_update(update)
            return
        status, _ = await self.bot.server.post_webhook(
            self.bot.channel.webhook_local_url, update, secret=SECRET
        )
        assert status == 200

    async def says(self, text: str) -> str:
        """Send `text` and return the bot's answer (every part of it, joined)."""
        before = len(self.received())
        await self.send(text)
        sent = await self.bot.server.wait_for_sent(
            lambda m: m.chat_id == self.user_id, count=before + 1
        )
        return "\n".join(m.text for m in sent[before:])


@dataclass
class ZaloBot:
    mode: str
    server: FakeZaloServer
    channel: ZaloChannel
    dispatcher: Dispatcher

    def user(self, user_id: str, name: str) -> ZaloUser:
        return ZaloUser(self, user_id, name)


def zalo_channel(
    server: FakeZaloServer, mode: str, limiter: SendLimiter, **options: Any
) -> ZaloChannel:
    webhook = (
        {"webhook_url": PUBLIC_URL, "webhook_listen": "127.0.0.1:0", "secret": SECRET}
        if mode == "webhook"
        else {}
    )
    return ZaloChannel(
        ZaloBotClient(TOKEN, base_url=server.base_url, timeout=5.0),
        mode=mode,  # type: ignore[arg-type]
        limiter=limiter,
        poll_interval=0.0,
        backoff_base=0.01,
        backoff_cap=0.05,
        sleep=fast_sleep,
        **(webhook | options),
    )


@pytest_asyncio.fixture(params=["polling", "webhook"])
async def zalo_bot(
    request: pytest.FixtureRequest, services: BotServices
) -> AsyncIterator[ZaloBot]:
    mode = request.param
    async with FakeZaloServer(TOKEN, max_poll_seconds=0.2) as server:
        # Real pacing, but fast; a limiter given from outside is ours to close.
        limiter = SendLimiter(overall_per_second=1000, per_chat_interval=0, margin=0)
        channel = zalo_channel(server, mode, limiter, send_retries=2)
        dispatcher = Dispatcher(services, bare_commands_on=frozenset({"zalo"}))
        await channel.start(dispatcher.handle)
        try:
            yield ZaloBot(mode, server, channel, dispatcher)
        finally:
            await channel.stop()
            await limiter.close()


@pytest_asyncio.fixture
async def telegram(
    services: BotServices, zalo_bot: ZaloBot
) -> AsyncIterator[tuple[FakeTelegramServer, TelegramChannel]]:
    """The same bot on Telegram, sharing the dispatcher (and so the database) with Zalo."""
    async with FakeTelegramServer() as server:
        channel = TelegramChannel(
            server.token,
            base_url=server.base_url,
            limiter=SendLimiter(per_chat_interval=0.0, margin=0.0),
            poll_timeout=5,
        )
        await channel.start(zalo_bot.dispatcher.handle)
        try:
            yield server, channel
        finally:
            await channel.stop()


async def telegram_says(server: FakeTelegramServer, text: str) -> str:
    before = len(telegram_received(server))
    server.push_text(ISO_TELEGRAM, text, first_name="Hoa", last_name="Trần Thị")
    sent = await server.wait_for_sent(lambda m: m.chat_id == ISO_TELEGRAM, count=before + 1)
    return "\n".join(m.text for m in sent[before:])


def telegram_received(server: FakeTelegramServer) -> list[str]:
    return [m.text for m in server.sent if m.chat_id == ISO_TELEGRAM]


async def active_confirmations(services: BotServices) -> int:
    async with services.db.session() as session:
        return await session.scalar(
            select(func.count(Confirmation.id)).where(Confirmation.undone_at.is_(None))
        )


# ----- the story -------------------------------------------------------------------------------


async def test_invite_register_confirm_and_status_on_zalo(
    zalo_bot: ZaloBot, services: BotServices
) -> None:
    invite = await services.invite("Văn phòng Sở", Role.OFFICE, created_by="test")
    office = zalo_bot.user(OFFICE_ZALO, "Chánh Văn phòng")
    assert "Đăng ký thành công: Chánh Văn phòng, Văn phòng Sở" in await office.says(
        f"/start {invite.code}"
    )

    reply = await office.says("moi Ban ISO head")  # `/invite`, typed the Zalo way
    assert "Mã mời cho Ban ISO Sở" in reply
    code = CODE.search(reply).group(0)

    iso = zalo_bot.user(ISO_ZALO, "Trần Thị Hoa")
    welcome = await iso.says(f"/start {code}")
    assert "Đăng ký thành công: Trần Thị Hoa, Ban ISO Sở" in welcome

    done = await iso.says("done 6 xong")
    assert "Đã ghi nhận Ban ISO Sở hoàn thành nhiệm vụ số 6 (ngày 01/08/2022)." in done
    assert "Ghi chú: xong" in done
    assert "Đã hủy xác nhận nhiệm vụ 6 của Ban ISO Sở" in await iso.says("huy 6")
    again = await iso.says("/xong 6")
    assert "Đã ghi nhận Ban ISO Sở hoàn thành nhiệm vụ số 6 (ngày 01/08/2022)." in again
    assert "Nhiệm vụ 6 đã được" in await iso.says("xong 6")  # once is enough

    detail = await office.says("/status 6")
    assert "Nhiệm vụ 6: Đánh giá nội bộ" in detail
    assert "• Ban ISO Sở — Hoàn thành quá hạn, lúc 09:00 ngày 01/08/2022" in detail
    assert "• Lãnh đạo Sở — chưa xác nhận (Quá hạn 2 ngày)" in detail
    assert "Bot chỉ hiểu các lệnh." in await iso.says("cảm ơn bot nhé")
    assert await active_confirmations(services) == 1

    async with services.db.session() as session:
        contacts = list(await session.execute(select(Contact.channel, Contact.user_id)))
        actions = list(await session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
    assert sorted(contacts) == [("zalo", OFFICE_ZALO), ("zalo", ISO_ZALO)]
    assert actions == ["invite", "register", "invite", "register", "confirm", "undo", "confirm"]
    assert all(len(m.text) <= ZALO_LIMIT for m in zalo_bot.server.sent)


@pytest.mark.parametrize("zalo_bot", ["webhook"], indirect=True)
async def test_a_wrong_webhook_secret_changes_nothing(
    services: BotServices, zalo_bot: ZaloBot
) -> None:
    iso = zalo_bot.user(ISO_ZALO, "Trần Thị Hoa")
    invite = await services.invite("Ban ISO", Role.ISO, created_by="test")
    assert "Đăng ký thành công" in await iso.says(f"/start {invite.code}")
    sent_before = len(zalo_bot.server.sent)

    url = zalo_bot.channel.webhook_local_url
    for secret in ("wrong-secret-456", None, ""):
        status, _ = await zalo_bot.server.post_webhook(
            url, text_update(ISO_ZALO, "done 6 giả mạo"), secret=secret
        )
        assert status == 403, secret
    fresh = await services.invite("Lãnh đạo Sở", Role.LEADER, created_by="test")
    status, _ = await zalo_bot.server.post_webhook(
        url, text_update("intruder-1", f"/start {fresh.code}"), secret="nope-nope-nope"
    )
    assert status == 403

    # A refused call handled anyway would be answered before this one (one chat, in order).
    await iso.says("viec")
    assert len(zalo_bot.server.sent) == sent_before + 1
    assert await active_confirmations(services) == 0
    async with services.db.session() as session:
        assert await session.scalar(select(func.count(Contact.id))) == 1


async def test_a_webhook_at_its_own_path_gets_zalos_calls_answered(
    services: BotServices,
) -> None:
    """`webhook_url = https://host/zalo` behind a proxy that keeps the path: Zalo calls /zalo."""
    with socket.socket() as probe:  # a free port, so that webhook_url can name it
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    url = f"http://127.0.0.1:{port}/zalo"
    async with FakeZaloServer(TOKEN, max_poll_seconds=0.2) as server:
        limiter = SendLimiter(overall_per_second=1000, per_chat_interval=0, margin=0)
        channel = zalo_channel(
            server, "webhook", limiter, webhook_url=url, webhook_listen=f"127.0.0.1:{port}"
        )
        await channel.start(Dispatcher(services, bare_commands_on=frozenset({"zalo"})).handle)
        try:
            invite = await services.invite("Ban ISO", Role.ISO, created_by="test")
            await server.push_text(ISO_ZALO, f"/start {invite.code}", display_name="Trần Thị Hoa")
            await server.push_text(ISO_ZALO, "xong 6")
            assert await server.deliver_webhook() == [200, 200]  # to the URL, as registered
            welcome, done = await server.wait_for_sent(lambda m: m.chat_id == ISO_ZALO, count=2)
        finally:
            await channel.stop()
            await limiter.close()
    assert server.webhook is not None and server.webhook["url"] == url
    assert "Đăng ký thành công" in welcome.text
    assert "Đã ghi nhận" in done.text
    assert await active_confirmations(services) == 1  # the command was carried out, once


# ----- one person, two apps --------------------------------------------------------------------


async def link_iso_on_both(
    services: BotServices, zalo_bot: ZaloBot, tg: FakeTelegramServer
) -> ZaloUser:
    """Ban ISO's officer registers on Telegram, then links Zalo with /lienket."""
    invite = await services.invite("Ban ISO", Role.ISO, created_by="test")
    assert "Đăng ký thành công" in await telegram_says(tg, f"/start {invite.code}")
    steps = await telegram_says(tg, "/lienket")
    assert "Mã liên kết ứng dụng khác của anh/chị:" in steps
    assert "Mở bot Nhắc việc trên Zalo" in steps
    code = CODE.search(steps).group(0)
    assert f"Nhắn cho bot: /start {code}" in steps

    zalo_user = zalo_bot.user(ISO_ZALO, "Trần Thị Hoa")
    linked = await zalo_user.says(f"start {code}")  # no slash: the Zalo way
    assert "Đã liên kết kênh này: nhắc việc của Ban ISO Sở" in linked
    async with services.db.session() as session:
        assert await session.scalar(select(func.count(Person.id))) == 1
        channels = set(await session.scalars(select(Contact.channel)))
    assert channels == {"telegram", "zalo"}
    return zalo_user


def reminders(texts: list[str], day: str) -> list[str]:
    return [text for text in texts if text.startswith(f"Nhắc việc ngày {day}")]


async def test_a_linked_person_gets_each_reminder_once_on_each_app_then_where_chosen(
    services: BotServices, zalo_bot: ZaloBot, telegram
) -> None:
    tg, telegram_channel = telegram
    zalo_user = await link_iso_on_both(services, zalo_bot, tg)
    engine = ReminderEngine(services, {"telegram": telegram_channel, "zalo": zalo_bot.channel})

    report = await engine.tick(at("2022-08-01"))
    assert report.failed == 0 and report.messages == 2
    [on_telegram] = reminders(telegram_received(tg), "01/08/2022")
    [on_zalo] = reminders(zalo_user.received(), "01/08/2022")
    assert on_zalo == on_telegram
    assert "\n7. Tiến hành khắc phục sau đánh giá nội bộ" in on_zalo
    await engine.tick(at("2022-08-01", "08:30"))
    assert len(reminders(telegram_received(tg), "01/08/2022")) == 1
    assert len(reminders(zalo_user.received(), "01/08/2022")) == 1

    shown = await zalo_user.says("kenh")
    assert "Nhắc việc đang gửi đến: mọi ứng dụng anh/chị đã đăng ký." in shown
    assert "Anh/chị đã đăng ký trên: Telegram và Zalo." in shown
    chosen = await zalo_user.says("kenh zalo")
    assert "Từ nay nhắc việc chỉ gửi đến anh/chị trên Zalo." in chosen

    await engine.tick(at("2022-08-02"))
    assert len(reminders(zalo_user.received(), "02/08/2022")) == 1
    assert reminders(telegram_received(tg), "02/08/2022") == []

    assert "mọi ứng dụng đã đăng ký: Telegram và Zalo" in await telegram_says(tg, "/kenh ca-hai")
    await engine.tick(at("2022-08-03"))
    assert len(reminders(zalo_user.received(), "03/08/2022")) == 1
    assert len(reminders(telegram_received(tg), "03/08/2022")) == 1


async def test_a_zalo_failure_is_retried_on_zalo_and_not_resent_on_telegram(
    services: BotServices, zalo_bot: ZaloBot, telegram
) -> None:
    tg, telegram_channel = telegram
    zalo_user = await link_iso_on_both(services, zalo_bot, tg)
    engine = ReminderEngine(services, {"telegram": telegram_channel, "zalo": zalo_bot.channel})
    # A reminder gets one try from the channel: the outbox retries it (replies are retried in
    # the channel, which nobody else would do).
    zalo_bot.server.fail_next("sendMessage", 500)
    sends_before = len(zalo_bot.server.calls_of("sendMessage"))

    report = await engine.tick(at("2022-08-01"))
    assert report.failed > 0 and report.messages == 1
    assert len(reminders(telegram_received(tg), "01/08/2022")) == 1
    assert reminders(zalo_user.received(), "01/08/2022") == []
    assert len(zalo_bot.server.calls_of("sendMessage")) == sends_before + 1
    async with services.db.session() as session:
        statuses = set(
            await session.execute(
                select(Contact.channel, OutboxItem.status).join(
                    Contact, Contact.id == OutboxItem.contact_id
                )
            )
        )
    assert statuses == {("telegram", "sent"), ("zalo", "failed")}

    await engine.drain(at("2022-08-01", "08:00:10"))  # before the backoff: nothing
    assert reminders(zalo_user.received(), "01/08/2022") == []
    await engine.drain(at("2022-08-01", "08:05"))
    await engine.tick(at("2022-08-01", "08:06"))
    assert len(reminders(zalo_user.received(), "01/08/2022")) == 1
    assert len(reminders(telegram_received(tg), "01/08/2022")) == 1


def busy_plan(tasks: int = 12) -> str:
    """A second plan giving Ban ISO many tasks due on 03/10/2022: a long morning's message."""
    rows = "".join(
        f"{no}\tRà soát, cập nhật hồ sơ quy trình số {no} theo tiêu chuẩn TCVN ISO 9001:2015, "
        f"báo cáo kết quả và đề xuất cải tiến\tBan ISO Sở\t\tTrước 04/10/2022\n"
        for no in range(1, tasks + 1)
    )
    return (
        "Số: 51/KH-SGDĐT\n\nHưng Yên, ngày 10 tháng 3 năm 2022\n\nKẾ HOẠCH\n\n"
        "Rà soát quy trình ISO năm 2022\n\n"
        "TT\tNội dung\tĐơn vị chủ trì\tĐơn vị phối hợp\tThời gian thực hiện\n" + rows
    )


async def test_a_long_reminder_reaches_zalo_in_parts_of_at_most_2000_characters(
    services: BotServices, zalo_bot: ZaloBot, telegram, tmp_path
) -> None:
    tg, telegram_channel = telegram
    second = tmp_path / "51-KH-SGDDT-2022.txt"
    second.write_text(busy_plan(), "utf-8")
    await services.import_plan(services.read_plan(second))
    zalo_user = await link_iso_on_both(services, zalo_bot, tg)
    engine = ReminderEngine(services, {"telegram": telegram_channel, "zalo": zalo_bot.channel})
    sent_before = len(zalo_user.received())

    # 04/10/2022: tasks 3 and 8 overdue and escalated, recurring ones open, and twelve tasks of
    # a second plan overdue by a day: a long message, even at two or three lines a task.
    await engine.tick(at("2022-10-04"))
    [on_telegram] = reminders(telegram_received(tg), "04/10/2022")
    parts = zalo_user.received()[sent_before:]
    assert len(on_telegram) > ZALO_LIMIT
    assert len(parts) >= 2
    assert all(len(part) <= ZALO_LIMIT for part in parts)
    assert parts[0].startswith("Nhắc việc ngày 04/10/2022")
    # Cut on line boundaries: every line arrives whole and in order.
    lines = [line for part in parts for line in part.split("\n") if line]
    assert lines == [line for line in on_telegram.split("\n") if line]


# ----- the commands themselves, channel-neutral ------------------------------------------------


def test_channel_words() -> None:
    for word in ("all", "ALL", "ca-hai", "cahai", "cả hai", "Cả hai", "tất cả", "tat ca", "both"):
        assert parse_choice(word) == "all", word
    assert parse_choice("Zalo") == "zalo"
    assert parse_choice("telegram") == parse_choice("tg") == "telegram"
    assert parse_choice("viber") is None


async def test_kenh_refuses_an_app_the_person_is_not_on_and_says_how_to_link(chat: Chat) -> None:
    head = await chat.registered("h1", "Phòng Giáo dục Trung học", Role.HEAD, channel="telegram")
    refused = await head.says("/kenh zalo")
    assert "Anh/chị chưa đăng ký trên Zalo" in refused
    assert "gõ /lienket tại đây, rồi nhắn /start MÃ cho bot trên Zalo" in refused
    shown = await head.says("/channel")
    assert "Nhắc việc đang gửi đến: mọi ứng dụng anh/chị đã đăng ký." in shown
    assert "Anh/chị đã đăng ký trên: Telegram." in shown
    assert "Muốn nhận cả trên Zalo, gõ /lienket" in shown
    assert "không phải là tên kênh" in await head.says("/kenh viber")
    assert "chỉ gửi đến anh/chị trên Telegram" in await head.says("/kenh telegram")
    assert "Nhắc việc đang gửi đến: chỉ Telegram." in await head.says("/kenh")
    assert "Hiện nhắc việc chỉ gửi đến anh/chị trên Telegram." in await head.says("/lienket")
    assert "mọi ứng dụng đã đăng ký: Telegram." in await head.says("/kenh tất cả")
    async with chat.services.db.session() as session:
        prefer = await session.scalar(select(Person.prefer_channel))
        actions = list(await session.scalars(select(AuditEntry.action)))
    assert prefer == "all"
    assert actions.count("channel") == 2


async def test_lienket_gives_a_code_for_the_same_person_unit_and_role(
    services: BotServices,
) -> None:
    chat = Chat(services)
    leader = await chat.registered("l1", "Lãnh đạo Sở", Role.LEADER, "Ông Nam", channel="zalo")
    steps = await leader.says("lienket")
    assert "Mở bot Nhắc việc trên Telegram" in steps
    assert "Mã dùng được một lần, đến 09:00 ngày 08/08/2022." in steps
    code = CODE.search(steps).group(0)

    on_telegram = chat.person("777", "Nam", channel="telegram")
    assert "Đã liên kết kênh này: nhắc việc của Lãnh đạo Sở" in await on_telegram.says(
        f"/start {code}"
    )
    async with services.db.session() as session:
        people = list(await session.execute(select(Person.id, Person.role)))
    assert [role for _, role in people] == ["leader"]
    both = await leader.says("/lienket")
    assert "Anh/chị đã đăng ký trên Telegram và Zalo." in both
    assert "Mã này dùng để liên kết thêm một tài khoản nữa" in both
    assert "đã được sử dụng" in await chat.person("888", channel="telegram").says(f"/start {code}")


async def test_lienket_in_a_group_is_refused_and_the_telegram_link_is_given_when_known(
    services: BotServices,
) -> None:
    chat = Chat(services)
    head = await chat.registered("h1", "Thanh tra Sở", Role.HEAD, channel="zalo")
    in_group = Sender("zalo", "h1", "group-9", "Người h1", is_group_chat=True)
    reply = await chat.dispatcher.handle(
        IncomingMessage(in_group, "/lienket", "g1", services.now())
    )
    assert reply is not None and "không lấy trong nhóm" in reply.text
    assert CODE.search(reply.text) is None

    services.config = dataclasses.replace(
        services.config, telegram=TelegramConfig(username="nhacviec_hy_bot")
    )
    steps = await head.says("/link")
    code = CODE.search(steps).group(0)
    assert f"https://t.me/nhacviec_hy_bot?start={code}" in steps
    services.clock.advance(timedelta(days=8))
    assert "Mã mời đã hết hạn" in await chat.person("t1", channel="telegram").says(
        f"/start {code}"
    )
