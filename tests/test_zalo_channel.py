"""The Zalo channel against a fake Zalo Bot API on loopback: what people send and get back."""

from __future__ import annotations

import asyncio
import logging
import socket
import unicodedata
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from bot.channels.base import IncomingMessage, OutgoingFile, Reply, SendError
from bot.channels.ratelimit import SendLimiter
from bot.channels.zalo import RecentIds, ZaloChannel, parse_update
from bot.channels.zalo_client import ZaloApiError, ZaloBotClient
from tests.fakes.zalo_server import FakeZaloServer, SentMessage, text_update

TOKEN = "12345689:abcdefgh-xyz-secret"
SECRET = "webhook-secret-123"
PUBLIC_URL = "https://nhacviec.example.gov.vn/zalo/webhook"
USER = "e4ea2cd5189df1c3a88c"


class Recorder:
    """An `on_message` that remembers what it got and answers through `answer`."""

    def __init__(self, answer: Callable[[IncomingMessage], Reply | None] | None = None) -> None:
        self.messages: list[IncomingMessage] = []
        self.answer = answer or (lambda msg: Reply(f"ok: {msg.text}"))

    async def __call__(self, message: IncomingMessage) -> Reply | None:
        self.messages.append(message)
        return self.answer(message)


class RecordingSleep:
    """Injected sleep: remembers each delay, waits at most a few milliseconds."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)
        await asyncio.sleep(min(seconds, 0.005))


@pytest_asyncio.fixture
async def zalo() -> AsyncIterator[FakeZaloServer]:
    async with FakeZaloServer(TOKEN, max_poll_seconds=0.2) as server:
        yield server


ChannelFactory = Callable[..., Awaitable[ZaloChannel]]


@pytest_asyncio.fixture
async def start_channel(zalo: FakeZaloServer) -> AsyncIterator[ChannelFactory]:
    started: list[ZaloChannel] = []
    limiters: list[SendLimiter] = []

    async def factory(on_message: Any, **options: Any) -> ZaloChannel:
        client = ZaloBotClient(TOKEN, base_url=zalo.base_url, timeout=5.0)
        defaults: dict[str, Any] = {
            "poll_interval": 0.0,
            "backoff_base": 0.01,
            "backoff_cap": 0.05,
            "error_text": "Có lỗi, vui lòng thử lại sau.",
            "file_unavailable_text": "Zalo không nhận được tệp {file_name}; mở bot trên Telegram.",
        }
        # Real pacing, but fast: 1,000 sends a second, no per-chat spacing.
        limiters.append(SendLimiter(overall_per_second=1000, per_chat_interval=0))
        channel = ZaloChannel(client, **({"limiter": limiters[-1]} | defaults | options))
        await channel.start(on_message)
        started.append(channel)
        return channel

    yield factory
    for channel in started:
        await channel.stop()
    for limiter in limiters:
        await limiter.close()


def to_user(message: SentMessage) -> bool:
    return message.chat_id == USER


# ----- polling -------------------------------------------------------------------------------


async def test_slash_and_bare_commands_reach_the_handler_and_get_replies(
    zalo: FakeZaloServer, start_channel: ChannelFactory
) -> None:
    handler = Recorder()
    await start_channel(handler)

    await zalo.push_text(USER, "/help", display_name="Trần Thị B")
    await zalo.push_text(USER, "done 6", display_name="Trần Thị B")
    sent = await zalo.wait_for_sent(to_user, count=2)

    assert [m.text for m in sent] == ["ok: /help", "ok: done 6"]
    assert [m.text for m in handler.messages] == ["/help", "done 6"]
    sender = handler.messages[0].sender
    assert (sender.channel, sender.user_id, sender.chat_id) == ("zalo", USER, USER)
    assert sender.name == "Trần Thị B"
    assert sender.is_group_chat is False
    assert handler.messages[0].received_at.tzinfo is not None
    # Polling starts by clearing any webhook: the two modes exclude each other.
    assert zalo.calls_of("deleteWebhook")


async def test_a_redelivered_update_is_handled_once(
    zalo: FakeZaloServer, start_channel: ChannelFactory
) -> None:
    handler = Recorder()
    await start_channel(handler)

    await zalo.push_text(USER, "done 6")
    await zalo.wait_for_sent(to_user)
    await zalo.redeliver_last()
    # Once the re-delivered update is out, the next poll shows the channel has dealt with it.
    await zalo.wait_for(lambda: len(zalo.delivered) == 2)
    polls = zalo.poll_count
    await zalo.wait_for(lambda: zalo.poll_count > polls)
    await zalo.push_text(USER, "status")
    await zalo.wait_for_sent(to_user, count=2)

    assert [m.text for m in handler.messages] == ["done 6", "status"]
    assert [m.text for m in zalo.sent] == ["ok: done 6", "ok: status"]


async def test_empty_polls_answered_408_do_not_break_the_loop(
    zalo: FakeZaloServer, start_channel: ChannelFactory, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    sleep = RecordingSleep()
    handler = Recorder()
    await start_channel(handler, sleep=sleep, poll_interval=1.0)

    await zalo.wait_for(lambda: zalo.empty_polls >= 2)
    await zalo.push_text(USER, "/help")
    await zalo.wait_for_sent(to_user)

    assert handler.messages[0].text == "/help"
    assert not [r for r in caplog.records if r.name.startswith("bot.channels")]
    # At least the configured pause between polls, 408 or not, and no error backoff.
    assert sleep.delays
    assert set(sleep.delays) == {1.0}
    assert all(p.get("timeout") == "30" for p in zalo.calls_of("getUpdates"))


async def test_a_long_reply_is_split_on_a_line_boundary(
    zalo: FakeZaloServer, start_channel: ChannelFactory
) -> None:
    lines = [f"{n:02d}. " + "x" * 45 for n in range(50)]  # 50 lines of 49 characters
    long_text = "\n".join(lines)
    assert len(long_text) == 2499
    await start_channel(Recorder(lambda msg: Reply(long_text)))

    await zalo.push_text(USER, "/status")
    first, second = await zalo.wait_for_sent(to_user, count=2)

    assert len(first.text) <= 2000
    assert len(second.text) <= 2000
    assert first.text.endswith(lines[39])
    assert second.text.startswith(lines[40])
    assert f"{first.text}\n{second.text}" == long_text


async def test_a_100_kb_nfd_reply_arrives_whole_in_parts_zalo_accepts(
    zalo: FakeZaloServer, start_channel: ChannelFactory
) -> None:
    line = "Phòng Giáo dục Trung học: rà soát, cập nhật quy trình ISO 9001:2015 – quá hạn 12 ngày"
    text = "\n".join(f"{n:04d}. {line}" for n in range(1100))
    assert len(text.encode()) > 100_000
    await start_channel(Recorder(lambda msg: Reply(unicodedata.normalize("NFD", text))))

    await zalo.push_text(USER, "/status")
    await zalo.wait_for(lambda: sum(len(m.text) + 1 for m in zalo.sent) > len(text))

    assert all(len(m.text) <= 2000 for m in zalo.sent)
    assert "\n".join(m.text for m in zalo.sent) == text  # composed, cut between lines, in order
    assert len(zalo.sent) <= len(text) // (2000 - len(line) - 7) + 1  # as full as lines allow


async def test_a_429_is_retried_and_the_reply_delivered_once(
    zalo: FakeZaloServer, start_channel: ChannelFactory
) -> None:
    zalo.fail_next("sendMessage", 429, retry_after=0.01)
    await start_channel(Recorder())

    await zalo.push_text(USER, "/help")
    await zalo.wait_for_sent(to_user)

    assert len(zalo.calls_of("sendMessage")) == 2  # the refused one, then the delivered one
    assert [m.text for m in zalo.sent] == ["ok: /help"]


async def test_polling_errors_back_off_exponentially_and_the_loop_survives(
    zalo: FakeZaloServer, start_channel: ChannelFactory
) -> None:
    zalo.fail_next("getUpdates", 502, count=4)
    sleep = RecordingSleep()
    await start_channel(Recorder(), sleep=sleep)

    await zalo.push_text(USER, "/help")
    await zalo.wait_for_sent(to_user)

    backoffs = [d for d in sleep.delays if d > 0]
    assert backoffs[:4] == [0.01, 0.02, 0.04, 0.05]  # doubled, then held at the cap


async def test_the_token_never_reaches_the_logs(
    zalo: FakeZaloServer, start_channel: ChannelFactory, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="httpx")  # httpx logs every URL, token included

    def answer(msg: IncomingMessage) -> Reply:
        if msg.text == "boom":
            raise RuntimeError(f"handler failed while calling {zalo.base_url}/bot{TOKEN}/x")
        return Reply("ok")

    zalo.fail_next("getUpdates", 500)
    zalo.fail_next("sendMessage", 400, description=f"bad request for bot{TOKEN}")
    await start_channel(Recorder(answer))
    await zalo.push_text(USER, "first")
    await zalo.wait_for(lambda: len(zalo.calls_of("sendMessage")) == 1)
    await zalo.push_text(USER, "boom")
    await zalo.wait_for_sent(lambda m: m.text == "Có lỗi, vui lòng thử lại sau.")

    secret_half = TOKEN.partition(":")[2]
    assert "getUpdates" in caplog.text  # httpx did log the request lines…
    assert TOKEN not in caplog.text  # …masked
    assert secret_half not in caplog.text
    assert "<zalo-token>" in caplog.text


async def test_a_handler_exception_is_answered_and_the_channel_goes_on(
    zalo: FakeZaloServer, start_channel: ChannelFactory
) -> None:
    def answer(msg: IncomingMessage) -> Reply:
        if msg.text == "boom":
            raise ValueError("broken handler")
        return Reply("fine")

    await start_channel(Recorder(answer))
    await zalo.push_text(USER, "boom")
    await zalo.push_text(USER, "/help")
    sent = await zalo.wait_for_sent(to_user, count=2)

    assert [m.text for m in sent] == ["Có lỗi, vui lòng thử lại sau.", "fine"]


async def test_bots_are_ignored_and_groups_marked(
    zalo: FakeZaloServer, start_channel: ChannelFactory
) -> None:
    handler = Recorder()
    await start_channel(handler)

    await zalo.push_text("bot-1", "hello from a bot", is_bot=True)
    await zalo.push_text(USER, "/status", chat_type="GROUP", chat_id="group-9")
    await zalo.wait_for_sent(lambda m: m.chat_id == "group-9")

    assert [m.text for m in handler.messages] == ["/status"]
    sender = handler.messages[0].sender
    assert (sender.user_id, sender.chat_id, sender.is_group_chat) == (USER, "group-9", True)


async def test_an_image_reaches_the_handler_with_its_caption(
    zalo: FakeZaloServer, start_channel: ChannelFactory
) -> None:
    handler = Recorder(lambda msg: Reply("Hãy gõ: xong 6"))
    await start_channel(handler)

    photo = "https://photo.example/abc.jpg"
    await zalo.push_update(
        text_update(USER, "", event_name="message.image.received", extra={"photo_url": photo})
    )
    await zalo.push_update(text_update(USER, "", event_name="message.sticker.received"))
    await zalo.wait_for_sent(to_user, count=2)

    image, sticker = handler.messages
    assert image.text == ""
    assert image.attachment is not None
    assert image.attachment.file_ref == photo
    assert sticker.text == ""
    assert sticker.attachment is None


async def test_the_default_limiter_paces_replies(
    zalo: FakeZaloServer, start_channel: ChannelFactory
) -> None:
    await start_channel(Recorder(), limiter=None, rate_per_second=50)

    await zalo.push_text(USER, "/help")
    await zalo.push_text("other-user", "/help")
    sent = await zalo.wait_for_sent(count=2)

    assert sorted(m.chat_id for m in sent) == sorted([USER, "other-user"])


# ----- sending files and errors --------------------------------------------------------------


async def test_files_go_out_as_photo_link_or_note(
    zalo: FakeZaloServer, start_channel: ChannelFactory, tmp_path: Path
) -> None:
    chart = OutgoingFile("photo", tmp_path / "chart.png", "chart.png", caption="Tiến độ")
    report = OutgoingFile("document", tmp_path / "bao-cao.docx", "bao-cao.docx")
    served = await start_channel(
        Recorder(), file_url_for=lambda path: f"https://files.example/{path.name}"
    )
    await served.send_file(USER, chart)
    await served.send_file(USER, report)
    photo, link = zalo.sent
    assert (photo.kind, photo.photo_url, photo.text) == (
        "photo",
        "https://files.example/chart.png",
        "Tiến độ",
    )
    assert link.text == "bao-cao.docx: https://files.example/bao-cao.docx"

    unserved = await start_channel(Recorder())
    await unserved.send_file(USER, report)
    assert zalo.sent[-1].text == "Zalo không nhận được tệp bao-cao.docx; mở bot trên Telegram."


async def test_a_reminder_gets_one_try_and_the_error_says_whether_to_try_again(
    zalo: FakeZaloServer, start_channel: ChannelFactory
) -> None:
    channel = await start_channel(Recorder(), send_retries=2)

    zalo.fail_next("sendMessage", 403, description="user blocked the bot")
    with pytest.raises(SendError) as permanent:
        await channel.send_text(USER, "nhắc việc")
    assert permanent.value.permanent

    zalo.fail_next("sendMessage", 503)
    with pytest.raises(SendError) as transient:
        await channel.send_text(USER, "nhắc việc")
    assert not transient.value.permanent
    # One call each: the outbox retries reminders with its own back-off.
    assert len(zalo.calls_of("sendMessage")) == 2

    message_id = await channel.send_text(USER, "nhắc việc")
    assert message_id == zalo.sent[-1].message_id


async def test_a_reply_is_retried_after_5xx_with_growing_waits(
    zalo: FakeZaloServer, start_channel: ChannelFactory
) -> None:
    sleep = RecordingSleep()
    channel = await start_channel(Recorder(), send_retries=3, sleep=sleep)

    zalo.fail_next("sendMessage", 502, count=3)
    message_id = await channel.send_reply(USER, Reply("Đã ghi nhận"))

    assert message_id == zalo.sent[-1].message_id
    assert [m.text for m in zalo.sent] == ["Đã ghi nhận"]
    assert len(zalo.calls_of("sendMessage")) == 4
    assert [d for d in sleep.delays if d > 0] == [0.01, 0.02, 0.04]


async def test_a_reply_gives_up_after_its_attempts_and_never_retries_a_block(
    zalo: FakeZaloServer, start_channel: ChannelFactory
) -> None:
    channel = await start_channel(Recorder(), send_retries=2, sleep=RecordingSleep())

    zalo.fail_next("sendMessage", 503, count=3)
    with pytest.raises(SendError) as exhausted:
        await channel.send_reply(USER, Reply("Đã ghi nhận"))
    assert not exhausted.value.permanent
    assert len(zalo.calls_of("sendMessage")) == 3

    zalo.fail_next("sendMessage", 403, description="user blocked the bot")
    with pytest.raises(SendError) as blocked:
        await channel.send_reply(USER, Reply("Đã ghi nhận"))
    assert blocked.value.permanent
    assert len(zalo.calls_of("sendMessage")) == 4
    assert zalo.sent == []


async def test_the_client_maps_the_api_answers(zalo: FakeZaloServer) -> None:
    client = ZaloBotClient(TOKEN, base_url=zalo.base_url)
    try:
        assert (await client.get_me())["id"] == zalo.bot_id
        assert await client.get_webhook_info() is None
        await client.set_webhook(PUBLIC_URL, SECRET)
        assert (await client.get_webhook_info() or {})["url"] == PUBLIC_URL
        await client.delete_webhook()
        assert await client.get_updates(timeout=0) is None  # 408: nothing new
        with pytest.raises(ZaloApiError) as too_long:
            await client.send_message(USER, "x" * 2001)
        assert too_long.value.error_code == 400
    finally:
        await client.aclose()


def test_recent_ids_stay_bounded() -> None:
    recent = RecentIds(3)
    assert [recent.add(i) for i in "abca"] == [True, True, True, False]
    recent.add("d")
    assert len(recent) == 3
    assert "a" not in recent
    assert recent.add("a")


def test_parse_update_tolerates_the_documented_sample() -> None:
    # The getUpdates sample in Zalo's docs has no event_name and a first_name, not display_name.
    sample = {
        "message": {
            "chat": {"id": "c1", "chat_type": "PRIVATE"},
            "text": "Xin chào",
            "message_id": "m1",
            "date": 1766619597466,
            "from": {"id": "u1", "first_name": "Nguyen Van A"},
        }
    }
    message = parse_update({"ok": True, "result": sample})
    assert message is not None
    assert (message.text, message.sender.name, message.sender.chat_id) == (
        "Xin chào",
        "Nguyen Van A",
        "c1",
    )


# ----- webhook -------------------------------------------------------------------------------


async def start_webhook(start_channel: ChannelFactory, handler: Recorder) -> ZaloChannel:
    return await start_channel(
        handler,
        mode="webhook",
        webhook_url=PUBLIC_URL,
        webhook_listen="127.0.0.1:0",
        secret=SECRET,
    )


async def test_webhook_registers_and_answers_with_the_right_secret(
    zalo: FakeZaloServer, start_channel: ChannelFactory
) -> None:
    handler = Recorder()
    channel = await start_webhook(start_channel, handler)
    assert zalo.webhook is not None
    assert (zalo.webhook["url"], zalo.webhook["secret_token"]) == (PUBLIC_URL, SECRET)

    update = text_update(USER, "xong 6", display_name="Lê Văn C")
    status, body = await zalo.post_webhook(channel.webhook_local_url, update, secret=SECRET)
    assert (status, body) == (200, {"ok": True})
    await zalo.wait_for_sent(to_user)
    assert zalo.sent[0].text == "ok: xong 6"
    assert handler.messages[0].sender.name == "Lê Văn C"

    # Zalo may call again with the same update: handled once.
    status, _ = await zalo.post_webhook(channel.webhook_local_url, update, secret=SECRET)
    assert status == 200
    await zalo.post_webhook(channel.webhook_local_url, text_update(USER, "/help"), secret=SECRET)
    await zalo.wait_for_sent(to_user, count=2)
    assert [m.text for m in handler.messages] == ["xong 6", "/help"]
    assert not zalo.calls_of("getUpdates")


@pytest.mark.parametrize("secret", [None, "", "wrong-secret-456"])
async def test_webhook_refuses_a_wrong_or_missing_secret(
    zalo: FakeZaloServer, start_channel: ChannelFactory, secret: str | None
) -> None:
    handler = Recorder()
    channel = await start_webhook(start_channel, handler)

    update = text_update(USER, "xong 6")
    status, _ = await zalo.post_webhook(channel.webhook_local_url, update, secret=secret)

    assert status == 403
    assert handler.messages == []
    # The refused update was not even remembered: sent properly, it is handled.
    await zalo.post_webhook(channel.webhook_local_url, update, secret=SECRET)
    await zalo.wait_for_sent(to_user)
    assert [m.text for m in handler.messages] == ["xong 6"]


def free_port() -> int:
    """A loopback port nobody listens on, so the webhook URL can name it before start."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_updates_posted_to_the_path_of_webhook_url_are_processed(
    zalo: FakeZaloServer, start_channel: ChannelFactory
) -> None:
    # `https://host/zalo` with a proxy that passes the path through: Zalo's calls come to /zalo.
    port = free_port()
    url = f"http://127.0.0.1:{port}/zalo"
    handler = Recorder()
    channel = await start_channel(
        handler, mode="webhook", webhook_url=url, webhook_listen=f"127.0.0.1:{port}", secret=SECRET
    )
    assert zalo.webhook is not None and zalo.webhook["url"] == url

    await zalo.push_text(USER, "xong 6")
    assert await zalo.deliver_webhook() == [200]  # Zalo calls the URL it was given, as given
    await zalo.wait_for_sent(to_user)
    assert [m.text for m in handler.messages] == ["xong 6"]

    # The default path too, for a proxy that rewrites to it; any other path is not ours.
    assert channel.webhook_local_url == f"http://127.0.0.1:{port}/zalo/webhook"
    update = text_update(USER, "/help")
    status, _ = await zalo.post_webhook(channel.webhook_local_url, update, secret=SECRET)
    assert status == 200
    await zalo.wait_for_sent(to_user, count=2)
    status, _ = await zalo.post_webhook(f"{url}/x", text_update(USER, "/status"), secret=SECRET)
    assert status == 404
    status, _ = await zalo.post_webhook(url, text_update(USER, "/status"), secret=None)
    assert status == 403
    assert [m.text for m in handler.messages] == ["xong 6", "/help"]


async def test_the_webhook_secret_never_reaches_the_logs(
    zalo: FakeZaloServer, start_channel: ChannelFactory, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    channel = await start_webhook(start_channel, Recorder())
    logging.getLogger("nhacviec.test").warning("configured with %s", SECRET)
    status, _ = await zalo.post_webhook(
        channel.webhook_local_url, text_update(USER, "xong 6"), secret="guess-secret-1"
    )
    assert status == 403
    assert "refused: wrong or missing X-Bot-Api-Secret-Token" in caplog.text
    assert SECRET not in caplog.text and "guess-secret-1" not in caplog.text


async def test_stopping_a_webhook_channel_keeps_the_webhook(
    zalo: FakeZaloServer, start_channel: ChannelFactory
) -> None:
    channel = await start_webhook(start_channel, Recorder())
    await channel.stop()
    assert zalo.webhook is not None
    assert not zalo.calls_of("deleteWebhook")


def test_webhook_mode_needs_url_and_a_valid_secret() -> None:
    client = ZaloBotClient(TOKEN)
    with pytest.raises(ValueError, match="webhook_url"):
        ZaloChannel(client, mode="webhook", secret=SECRET)
    with pytest.raises(ValueError, match="8 to 256"):
        ZaloChannel(client, mode="webhook", webhook_url=PUBLIC_URL, secret="short")
