"""The real TelegramChannel (PTB 22) against the fake Bot API, over loopback HTTP."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from telegram.error import InvalidToken

from bot.channels.base import (
    Attachment,
    IncomingMessage,
    OutgoingFile,
    Reply,
    Sender,
    SendError,
)
from bot.channels.ratelimit import SendLimiter
from bot.channels.telegram import TelegramChannel
from tests.fakes.telegram_server import FakeTelegramServer, SentMessage

COMMANDS = [("help", "Hướng dẫn sử dụng"), ("done", "Báo hoàn thành nhiệm vụ")]
APOLOGY = "Xin lỗi, có lỗi xảy ra."

Handler = Callable[[IncomingMessage], Awaitable[Reply | None]]
StartChannel = Callable[..., Awaitable[TelegramChannel]]


class Recorder:
    """An `on_message` that remembers what came in and echoes it."""

    def __init__(self, answer: Callable[[IncomingMessage], Reply] | None = None) -> None:
        self.received: list[IncomingMessage] = []
        self._answer = answer or (lambda message: Reply(f"Đã nhận: {message.text}"))

    async def __call__(self, message: IncomingMessage) -> Reply | None:
        self.received.append(message)
        return self._answer(message)


def to_chat(chat_id: int) -> Callable[[SentMessage], bool]:
    return lambda message: message.chat_id == chat_id


class VirtualTime:
    """The limiter's clock and the channel's sleep: waiting moves the clock on at once."""

    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        """The channel's back-off: recorded."""
        self.slept.append(seconds)
        await self._pass(seconds)

    async def _pass(self, seconds: float) -> None:
        self.now += max(seconds, 0.0)
        await asyncio.sleep(0)

    def limiter(self) -> SendLimiter:
        return SendLimiter(
            per_chat_interval=0.0, margin=0.0, monotonic=self.monotonic, sleep=self._pass
        )


@pytest_asyncio.fixture
async def tg() -> AsyncIterator[FakeTelegramServer]:
    async with FakeTelegramServer() as server:
        yield server


@pytest_asyncio.fixture
async def start_channel(tg: FakeTelegramServer) -> AsyncIterator[StartChannel]:
    """Start a channel on the fake; tests pace sends only as much as they need."""
    channels: list[TelegramChannel] = []

    async def start(handler: Handler, **kwargs: Any) -> TelegramChannel:
        kwargs.setdefault("limiter", SendLimiter(per_chat_interval=0.0, margin=0.0))
        kwargs.setdefault("commands", COMMANDS)
        channel = TelegramChannel(
            tg.token, base_url=tg.base_url, error_text=APOLOGY, poll_timeout=5, **kwargs
        )
        channels.append(channel)
        await channel.start(handler)
        return channel

    yield start
    for channel in channels:
        await channel.stop()


async def test_a_command_reaches_the_handler_and_the_reply_arrives(tg, start_channel):
    handler = Recorder()
    await start_channel(handler)

    tg.push_text(42, "/help", first_name="Lan", last_name="Nguyễn Thị")

    (reply,) = await tg.wait_for_sent(to_chat(42))
    assert (reply.method, reply.text) == ("sendMessage", "Đã nhận: /help")
    (message,) = handler.received
    assert message.sender == Sender(
        channel="telegram", user_id="42", chat_id="42", name="Lan Nguyễn Thị"
    )
    assert message.text == "/help"
    assert message.attachment is None
    assert isinstance(message.received_at, datetime)
    assert message.received_at.tzinfo is not None


async def test_plain_text_arrives_too(tg, start_channel):
    handler = Recorder()
    await start_channel(handler)

    tg.push_text(42, "Phòng Kế hoạch đã nộp báo cáo")

    await tg.wait_for_sent(to_chat(42))
    assert handler.received[0].text == "Phòng Kế hoạch đã nộp báo cáo"


async def test_group_commands_lose_the_bot_name_and_others_bots_commands_are_ignored(
    tg, start_channel
):
    handler = Recorder()
    await start_channel(handler)

    tg.push_text(7, "/done@other_bot 5", chat_id=-100500, chat_type="supergroup")
    tg.push_text(7, "/done@NhacViec_bot 6", chat_id=-100500, chat_type="supergroup")

    (reply,) = await tg.wait_for_sent(to_chat(-100500))
    assert reply.text == "Đã nhận: /done 6"
    (message,) = handler.received
    assert message.sender == Sender(
        channel="telegram", user_id="7", chat_id="-100500", name="Người dùng", is_group_chat=True
    )


async def test_a_document_with_a_command_caption_arrives_with_its_attachment(tg, start_channel):
    handler = Recorder()
    await start_channel(handler)

    update = tg.push_document(42, "/done 6 đã xong", "minh-chung.pdf")
    tg.push_photo(42, "ảnh hiện trường")

    await tg.wait_for_sent(to_chat(42), count=2)
    document, photo = handler.received
    assert document.text == "/done 6 đã xong"
    file_id = update["message"]["document"]["file_id"]
    assert document.attachment == Attachment("document", file_id, "minh-chung.pdf")
    assert photo.text == "ảnh hiện trường"
    assert photo.attachment is not None
    assert photo.attachment.kind == "photo"


async def test_a_long_reply_is_split_on_line_boundaries_and_arrives_in_order(tg, start_channel):
    lines = [f"{n:03d}. Nhiệm vụ " + "x" * 75 for n in range(100)]
    long_text = "\n".join(lines)
    assert len(long_text) == 8999
    await start_channel(Recorder(lambda message: Reply(long_text)))

    tg.push_text(42, "/status")

    parts = await tg.wait_for_sent(to_chat(42), count=3)
    assert len(parts) == 3
    assert all(len(part.text) <= 4096 for part in parts)
    assert "\n".join(part.text for part in parts) == long_text
    assert all(set(part.text.split("\n")) <= set(lines) for part in parts)
    assert [p.message_id for p in parts] == sorted(p.message_id for p in parts)


async def test_the_command_menu_is_registered_at_start(tg, start_channel):
    await start_channel(Recorder())

    assert tg.commands == COMMANDS


async def test_a_failing_handler_yields_the_apology_and_the_bot_keeps_answering(
    tg, start_channel, caplog
):
    def answer(message: IncomingMessage) -> Reply:
        if message.text == "/boom":
            raise RuntimeError("database is locked")
        return Reply("vẫn chạy")

    await start_channel(Recorder(answer))

    tg.push_text(42, "/boom")
    tg.push_text(42, "/help")

    apology, still_running = await tg.wait_for_sent(to_chat(42), count=2)
    assert apology.text == APOLOGY
    assert still_running.text == "vẫn chạy"
    assert "database is locked" in caplog.text


async def test_a_429_is_obeyed_and_the_reply_arrives_once(tg, start_channel):
    clock = VirtualTime()
    await start_channel(Recorder(), limiter=clock.limiter(), sleep=clock.sleep)
    tg.throttle_next(1, retry_after=3)

    tg.push_text(42, "/help")

    await tg.wait_for_sent(to_chat(42))
    assert clock.now >= 3  # the limiter held every send as long as Telegram asked
    assert tg.too_many_requests == 1
    assert [m.text for m in tg.sent] == ["Đã nhận: /help"]


async def test_a_reply_is_retried_after_5xx_with_growing_waits(tg, start_channel):
    clock = VirtualTime()
    await start_channel(Recorder(), limiter=clock.limiter(), sleep=clock.sleep, send_attempts=4)
    tg.fail_next(3, status=502)

    tg.push_text(42, "/help")

    await tg.wait_for_sent(to_chat(42))
    assert clock.slept[:3] == [1.0, 2.0, 4.0]
    assert [c.status for c in tg.calls if c.method == "sendMessage"] == [502, 502, 502, 200]
    assert [m.text for m in tg.sent] == ["Đã nhận: /help"]


async def test_a_reply_to_someone_who_blocked_the_bot_is_tried_once(tg, start_channel, caplog):
    clock = VirtualTime()
    await start_channel(Recorder(), limiter=clock.limiter(), sleep=clock.sleep)
    tg.block_chat(13)

    tg.push_text(13, "/help")
    tg.push_text(42, "/help")  # another chat is not held up by it

    await tg.wait_for_sent(to_chat(42))
    await tg.wait_for_call("sendMessage", lambda c: c.status == 403)
    assert [c.status for c in tg.calls if c.method == "sendMessage"].count(403) == 1
    assert clock.slept == []
    assert "Could not reply in chat 13" in caplog.text


async def test_the_token_never_reaches_the_logs(tg, start_channel, caplog):
    caplog.set_level(logging.DEBUG)

    def answer(message: IncomingMessage) -> Reply:
        raise RuntimeError(f"failed calling {tg.base_url}{tg.token}/sendMessage")

    await start_channel(Recorder(answer))
    # httpx logs every URL at INFO: let it, to prove the records are masked, not just muted.
    logging.getLogger("httpx").setLevel(logging.INFO)
    try:
        tg.push_text(42, "/help")
        await tg.wait_for_sent(to_chat(42))
        logging.getLogger("nhacviec.test").warning("token=%s", tg.token)
    finally:
        logging.getLogger("httpx").setLevel(logging.WARNING)

    assert "HTTP Request" in caplog.text
    assert tg.token not in caplog.text
    assert all(tg.token not in record.getMessage() for record in caplog.records)
    assert "token=***" in caplog.text


async def test_a_rejected_token_is_not_quoted_in_the_error(tg):
    wrong = "987654:wrong-token"
    channel = TelegramChannel(wrong, base_url=tg.base_url)

    with pytest.raises(InvalidToken) as raised:
        await channel.start(Recorder())
    assert wrong not in str(raised.value)
    await channel.stop()


async def test_reminders_can_be_sent_without_polling(tg):
    channel = TelegramChannel(tg.token, base_url=tg.base_url)
    try:
        message_id = await channel.send_text("42", "Nhắc việc: nhiệm vụ 6 đến hạn 15/12/2022")
    finally:
        await channel.stop()

    (sent,) = tg.sent
    assert message_id == str(sent.message_id)
    assert sent.chat_id == 42
    assert [c.method for c in tg.calls] == ["getMe", "sendMessage"]


async def test_a_reminder_is_tried_once_and_the_error_says_whether_to_try_again(tg, start_channel):
    clock = VirtualTime()
    channel = await start_channel(Recorder(), limiter=clock.limiter(), sleep=clock.sleep)

    tg.block_chat(13)
    with pytest.raises(SendError) as blocked:
        await channel.send_text("13", "Nhắc việc")
    assert blocked.value.permanent

    tg.fail_next(1)
    with pytest.raises(SendError) as server_error:
        await channel.send_text("42", "Nhắc việc")
    assert not server_error.value.permanent
    assert server_error.value.retry_after is None

    tg.throttle_next(1, retry_after=5)
    with pytest.raises(SendError) as throttled:
        await channel.send_text("42", "Nhắc việc")
    assert throttled.value.retry_after == 5
    assert not throttled.value.permanent
    assert tg.sent == []
    # One call each: the outbox retries reminders, with a back-off no shorter than asked.
    assert len([c for c in tg.calls if c.method == "sendMessage"]) == 3
    assert clock.slept == []

    assert await channel.send_text("42", "Nhắc việc")  # after the pause Telegram asked for
    assert clock.now >= 5


async def test_once_a_part_is_out_the_rest_of_a_reminder_is_retried(
    tg, start_channel, tmp_path: Path
):
    clock = VirtualTime()
    channel = await start_channel(Recorder(), limiter=clock.limiter(), sleep=clock.sleep)
    report = tmp_path / "report.docx"
    report.write_bytes(b"PK report")
    caption = "Báo cáo tình hình thực hiện kế hoạch 187/KH-SGDĐT. " * 30  # over 1,024
    tg.fail_next(2, status=502, methods={"sendDocument"})

    await channel.send_file("42", OutgoingFile("document", report, "bao-cao.docx", caption))

    text, document = tg.sent
    assert text.text == caption
    assert document.file_name == "bao-cao.docx"
    assert clock.slept == [1.0, 2.0]


async def test_files_go_as_photo_and_document_after_the_text(tg, start_channel, tmp_path: Path):
    chart = tmp_path / "chart.png"
    chart.write_bytes(b"\x89PNG chart")
    report = tmp_path / "report.docx"
    report.write_bytes(b"PK report")
    files = (
        OutgoingFile("photo", chart, "tien-do.png", caption="Tiến độ"),
        OutgoingFile("document", report, "bao-cao-187.docx"),
    )
    channel = await start_channel(Recorder(lambda message: Reply("Báo cáo:", files=files)))

    tg.push_text(42, "/report")
    text, photo, document = await tg.wait_for_sent(to_chat(42), count=3)

    assert (text.method, text.text) == ("sendMessage", "Báo cáo:")
    assert (photo.method, photo.file_name, photo.text) == ("sendPhoto", "tien-do.png", "Tiến độ")
    assert photo.content == b"\x89PNG chart"
    assert (document.method, document.file_name) == ("sendDocument", "bao-cao-187.docx")
    assert document.content == b"PK report"

    message_id = await channel.send_file("42", files[1])
    assert message_id == str(tg.sent[-1].message_id)


async def test_chats_are_handled_concurrently(tg, start_channel):
    other_chat_done = asyncio.Event()

    async def handler(message: IncomingMessage) -> Reply:
        if message.sender.chat_id == "1":
            # Only finishes if chat 2's message is handled meanwhile.
            await asyncio.wait_for(other_chat_done.wait(), 5)
        else:
            other_chat_done.set()
        return Reply(f"xong {message.sender.chat_id}")

    await start_channel(handler)
    tg.push_text(1, "/status")
    tg.push_text(2, "/status")

    await tg.wait_for_sent(count=2)


async def test_one_chats_messages_are_handled_in_order(tg, start_channel):
    first_started = asyncio.Event()
    release_first = asyncio.Event()
    started: list[str] = []

    async def handler(message: IncomingMessage) -> Reply:
        started.append(message.text)
        if message.text == "/done 6":
            first_started.set()
            await asyncio.wait_for(release_first.wait(), 5)
        return Reply(message.text)

    await start_channel(handler)
    tg.push_text(42, "/done 6")
    tg.push_text(42, "/undo 6")

    await asyncio.wait_for(first_started.wait(), 5)
    await tg.wait_for_long_poll()  # the bot fetched both and polls again: the second is queued
    assert started == ["/done 6"]
    release_first.set()

    replies = await tg.wait_for_sent(count=2)
    assert [r.text for r in replies] == ["/done 6", "/undo 6"]


async def test_paced_sends_stay_under_telegram_flood_limits():
    async with FakeTelegramServer(enforce_limits=True) as strict:
        channel = TelegramChannel(strict.token, base_url=strict.base_url)  # default pacing
        try:
            await asyncio.gather(
                *(channel.send_text("42", f"Phần {n}") for n in range(3)),
                *(channel.send_text(str(1000 + n), "Nhắc việc") for n in range(40)),
            )
        finally:
            await channel.stop()

    assert strict.too_many_requests == 0
    assert len(strict.sent) == 43
    assert [m.text for m in strict.sent if m.chat_id == 42] == ["Phần 0", "Phần 1", "Phần 2"]


async def test_a_reply_overtakes_a_reminder_fan_out(tg):
    channel = TelegramChannel(
        tg.token, base_url=tg.base_url, poll_timeout=5, commands=COMMANDS
    )  # default pacing: the fan-out below takes about two seconds
    await channel.start(Recorder())
    try:
        fan_out = asyncio.gather(
            *(channel.send_text(str(1000 + n), "Nhắc việc") for n in range(60))
        )
        await tg.wait_for_sent(lambda m: m.text == "Nhắc việc")
        asked = time.monotonic()
        tg.push_text(42, "/status")

        await tg.wait_for_sent(to_chat(42))
        assert time.monotonic() - asked < 1.0
        reminders_before_reply = [m for m in tg.sent if m.text == "Nhắc việc"]
        assert len(reminders_before_reply) < 60
        await fan_out
    finally:
        await channel.stop()
