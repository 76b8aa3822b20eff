"""Telegram in webhook mode: the channel serves Telegram's calls and checks the secret token.

The fake Bot API plays Telegram: `setWebhook` records the public URL and the secret, and
`deliver_webhook` POSTs the pending updates to the bot's loopback address (where a reverse proxy
would forward them), with the `X-Telegram-Bot-Api-Secret-Token` header Telegram sends. Replies
come back to the fake as `sendMessage`, through the real Dispatcher and services.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from sqlalchemy import func, select

from bot.channels.base import Sender
from bot.channels.ratelimit import SendLimiter
from bot.channels.telegram import TelegramChannel
from bot.clock import LOCAL_TZ
from bot.config import Config, ConfigError, TelegramConfig
from bot.dispatch import Dispatcher
from bot.domain.model import Role
from bot.runner import BotRunner, build_channels
from bot.services.facade import BotServices
from bot.store.models import AuditEntry, Confirmation
from scheduler.engine import ReminderEngine
from tests.fakes.telegram_server import FakeTelegramServer

SECRET = "s3cret_Webhook-token_2022"
PUBLIC_URL = "https://nhacviec.example.gov.vn/tg/hook"
ISO_USER = 5001

StartBot = Callable[..., Awaitable[TelegramChannel]]


@pytest_asyncio.fixture
async def tg() -> AsyncIterator[FakeTelegramServer]:
    async with FakeTelegramServer() as server:
        yield server


@pytest_asyncio.fixture
async def start_bot(tg: FakeTelegramServer, services: BotServices) -> AsyncIterator[StartBot]:
    channels: list[TelegramChannel] = []

    async def start(**kwargs: Any) -> TelegramChannel:
        kwargs.setdefault("secret", SECRET)
        channel = TelegramChannel(
            tg.token,
            base_url=tg.base_url,
            limiter=SendLimiter(per_chat_interval=0.0, margin=0.0),
            mode="webhook",
            webhook_url=PUBLIC_URL,
            webhook_listen="127.0.0.1:0",
            **kwargs,
        )
        channels.append(channel)
        await channel.start(Dispatcher(services).handle)
        return channel

    yield start
    for channel in channels:
        await channel.stop()


async def register_iso(services: BotServices) -> None:
    invite = await services.invite("Ban ISO", Role.ISO, created_by="test")
    sender = Sender("telegram", str(ISO_USER), str(ISO_USER), "Trần Thị Hoa")
    await services.register(sender, invite.code)


async def counts(services: BotServices) -> tuple[int, int]:
    async with services.db.session() as session:
        confirmations = await session.scalar(select(func.count(Confirmation.id)))
        audit = await session.scalar(select(func.count(AuditEntry.id)))
    return confirmations, audit


async def test_start_registers_the_webhook_with_the_url_and_the_secret(tg, start_bot):
    channel = await start_bot()

    (call,) = [c for c in tg.calls if c.method == "setWebhook"]
    assert call.params["url"] == PUBLIC_URL
    assert call.params["secret_token"] == SECRET
    assert call.params["allowed_updates"] == ["message", "callback_query"]
    assert (tg.webhook_url, tg.webhook_secret) == (PUBLIC_URL, SECRET)
    # Webhook mode never polls (Telegram would refuse getUpdates while a webhook is set).
    assert not [c for c in tg.calls if c.method == "getUpdates"]
    assert channel.webhook_local_url.startswith("http://127.0.0.1:")
    assert channel.webhook_local_url.endswith("/telegram/webhook")


async def test_the_right_secret_gets_the_command_answered(tg, start_bot, services):
    await register_iso(services)
    channel = await start_bot()

    tg.push_text(ISO_USER, "/done 6 đã đánh giá xong")
    assert await tg.deliver_webhook(channel.webhook_local_url) == [200]

    (reply,) = await tg.wait_for_sent(lambda m: m.chat_id == ISO_USER)
    assert "Đã ghi nhận Ban ISO Sở hoàn thành nhiệm vụ số 6" in reply.text
    assert await counts(services) == (1, 3)  # invite, register, confirm
    assert tg.pending_updates == []


async def test_a_press_on_a_reminders_button_arrives_by_webhook_too(tg, start_bot, services):
    await register_iso(services)
    channel = await start_bot()
    await ReminderEngine(services, {"telegram": channel}).tick(
        datetime(2022, 8, 1, 8, 0, tzinfo=LOCAL_TZ)
    )
    (reminder,) = await tg.wait_for_sent(lambda m: m.chat_id == ISO_USER)

    update = tg.push_press(ISO_USER, reminder.message_id, "done 187.6")
    assert await tg.deliver_webhook(channel.webhook_local_url) == [200]
    await tg.wait_for_call("editMessageText")
    assert update["callback_query"]["id"] in tg.answers
    assert await counts(services) == (1, 3)  # invite, register, confirm
    assert (
        "✅ Đã ghi nhận lúc 09:00 01/08/2022" in tg.message(ISO_USER, reminder.message_id)["text"]
    )


WRONG_SECRETS = [None, "", "wrong-secret-123", SECRET + "x", SECRET[:-1], SECRET.upper()]


async def test_a_wrong_or_missing_secret_is_refused_and_changes_nothing(tg, start_bot, services):
    await register_iso(services)
    channel = await start_bot()
    before = await counts(services)
    update = tg.push_text(ISO_USER, "/done 6")

    for header in [*WRONG_SECRETS, f"{SECRET},x"]:
        status = await tg.post_webhook(channel.webhook_local_url, update, secret=header)
        assert status == 403, header
        # Not even a valid body is needed to be refused: the body is not looked at.
        raw = await tg.post_webhook(channel.webhook_local_url, None, secret=header, raw=b"{")
        assert raw == 403, header
    assert await counts(services) == before

    # Telegram keeps the update and delivers it with the right secret: handled once. One chat's
    # updates are handled in order, so a reply to a refused call would have come first.
    assert await tg.deliver_webhook(channel.webhook_local_url) == [200]
    await tg.wait_for_sent(lambda m: m.chat_id == ISO_USER)
    assert len(tg.sent) == 1
    assert await counts(services) == (before[0] + 1, before[1] + 1)


async def test_the_public_path_works_too_behind_a_proxy_that_keeps_it(tg, start_bot):
    channel = await start_bot()
    local = channel.webhook_local_url.removesuffix("/telegram/webhook") + "/tg/hook"
    tg.push_text(ISO_USER, "/help")
    assert await tg.deliver_webhook(local) == [200]
    (reply,) = await tg.wait_for_sent(lambda m: m.chat_id == ISO_USER)
    assert "chưa đăng ký" in reply.text


async def test_an_update_delivered_twice_is_handled_once(tg, start_bot, services):
    await register_iso(services)
    channel = await start_bot()
    update = tg.push_text(ISO_USER, "/done 6")
    for _ in range(3):
        assert await tg.post_webhook(channel.webhook_local_url, update, secret=SECRET) == 200
    await tg.wait_for_sent(lambda m: m.chat_id == ISO_USER)
    # A later update of the same chat is answered after any (wrong) second answer would be.
    later = tg.push_text(ISO_USER, "/help")
    assert await tg.post_webhook(channel.webhook_local_url, later, secret=SECRET) == 200
    sent = await tg.wait_for_sent(lambda m: m.chat_id == ISO_USER, count=2)
    assert len(tg.sent) == 2
    assert "Các lệnh" in sent[1].text
    assert (await counts(services))[0] == 1


async def test_bodies_that_are_not_updates_are_refused_without_effect(tg, start_bot, services):
    channel = await start_bot()
    url = channel.webhook_local_url
    before = await counts(services)
    assert await tg.post_webhook(url, None, secret=SECRET, raw=b"not json") == 400
    assert await tg.post_webhook(url, None, secret=SECRET, raw=b"\xff\xfe") == 400
    assert await tg.post_webhook(url, [1, 2], secret=SECRET) == 400
    assert await tg.post_webhook(url, {"update_id": "7"}, secret=SECRET) == 400
    assert await tg.post_webhook(url, {"update_id": True}, secret=SECRET) == 400
    assert await tg.post_webhook(url, None, secret=SECRET, raw=b"x" * (2 * 1024 * 1024)) == 413
    # Something Telegram might send that we do not handle: taken (so it is not resent), ignored.
    assert await tg.post_webhook(url, {"update_id": 9, "edited_message": None}, secret=SECRET) == (
        200
    )
    assert await tg.post_webhook(url + "/x", {"update_id": 10}, secret=SECRET) == 404
    later = tg.push_text(ISO_USER, "/help")
    assert await tg.post_webhook(url, later, secret=SECRET) == 200
    await tg.wait_for_sent(lambda m: m.chat_id == ISO_USER)
    assert len(tg.sent) == 1  # only the answer to /help
    assert await counts(services) == before


async def test_stopping_keeps_the_webhook_so_telegram_holds_updates(tg, start_bot):
    channel = await start_bot()
    await channel.stop()
    assert tg.webhook_url == PUBLIC_URL
    assert not [c for c in tg.calls if c.method == "deleteWebhook"]


async def test_the_secret_never_reaches_the_logs(tg, start_bot, caplog):
    caplog.set_level(logging.DEBUG)
    try:
        channel = await start_bot()
        for name in ("telegram", "httpx", "httpcore", "aiohttp", "bot"):
            logging.getLogger(name).setLevel(logging.DEBUG)
        tg.push_text(ISO_USER, "/help")
        await tg.deliver_webhook(channel.webhook_local_url)
        await tg.wait_for_sent()
        await tg.post_webhook(channel.webhook_local_url, {"update_id": 1}, secret="guess-1234")
    finally:
        logging.getLogger("httpx").setLevel(logging.WARNING)
    text = "\n".join(r.getMessage() + (r.exc_text or "") for r in caplog.records)
    assert "setWebhook" in text  # PTB did log the call, with its parameters masked
    assert SECRET not in text and tg.token not in text
    assert "refused" in text and "guess-1234" not in text


def test_bad_webhook_settings_are_refused_before_anything_starts() -> None:
    def channel(**kwargs: Any) -> TelegramChannel:
        settings = {"webhook_url": PUBLIC_URL, "secret": SECRET, **kwargs}
        return TelegramChannel("1:x", mode="webhook", **settings)

    for secret in ("", "short", "has space 123", "ký-tự-lạ-12345", "x" * 257):
        with pytest.raises(ValueError, match="secret"):
            channel(secret=secret)
    for url in ("", "nhacviec.example.gov.vn/hook", "ftp://example.com/hook"):
        with pytest.raises(ValueError, match="webhook_url"):
            channel(webhook_url=url)
    with pytest.raises(ValueError, match="host:port"):
        channel(webhook_listen="8443")
    with pytest.raises(ValueError, match="mode"):
        TelegramChannel("1:x", mode="hook")  # type: ignore[arg-type]


def webhook_config(tmp_path: Path, tg: FakeTelegramServer, **telegram: Any) -> Config:
    settings = {
        "enabled": True,
        "token": tg.token,
        "base_url": tg.base_url,
        "mode": "webhook",
        "webhook_url": PUBLIC_URL,
        "webhook_listen": "127.0.0.1:0",
        "secret": SECRET,
        **telegram,
    }
    return Config(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'run.db'}",
        telegram=TelegramConfig(**settings),
        reminders={"enabled": False},
    )


async def test_build_channels_takes_the_mode_from_the_config(tmp_path, tg, services):
    config = webhook_config(tmp_path, tg)
    channel = build_channels(config, services)["telegram"]
    assert isinstance(channel, TelegramChannel) and channel.mode == "webhook"
    polling = build_channels(
        replace(config, telegram=TelegramConfig(enabled=True, token="1:x")), services
    )
    assert polling["telegram"].mode == "polling"  # type: ignore[attr-defined]
    with pytest.raises(ConfigError, match=r"\[telegram\].*secret"):
        build_channels(webhook_config(tmp_path, tg, secret="not a valid secret"), services)


async def test_nhacviec_run_in_webhook_mode_answers_through_the_proxy_address(tmp_path, tg):
    runner = BotRunner(webhook_config(tmp_path, tg))
    await runner.start()
    try:
        channel = runner.channels["telegram"]
        assert isinstance(channel, TelegramChannel)
        assert tg.webhook_url == PUBLIC_URL and tg.webhook_secret == SECRET
        tg.push_text(ISO_USER, "/start")
        assert await tg.deliver_webhook(channel.webhook_local_url) == [200]
        (reply,) = await tg.wait_for_sent(lambda m: m.chat_id == ISO_USER)
        assert "mã mời" in reply.text
        update = tg.push_text(ISO_USER, "/start")
        assert await tg.post_webhook(channel.webhook_local_url, update, secret=None) == 403
    finally:
        await runner.stop()
