"""The Zalo channel: Zalo Bot API updates in, replies and reminders out, by polling or webhook.

Zalo's API is thinner than Telegram's and shapes this module: getUpdates hands out ONE update per
call with no offset and may hand it out again (so we de-duplicate by `message_id`), an empty long
poll is an HTTP 408, text is capped at 2,000 characters, there are no documents (files go out as
a photo URL, a link, or a note to fetch them on Telegram), and there is no published rate limit
(so we pace ourselves and back off on 429 and 5xx).

What every channel does alike comes from the shared modules: the webhook server (`webhook`),
the cut of long texts (`splitting`) and the retries of failed sends (`retry`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Coroutine
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any, Literal

from bot.channels.base import (
    Attachment,
    Buttons,
    DownloadError,
    FileTooLarge,
    IncomingMessage,
    MessageHandler,
    OutgoingFile,
    Reply,
    Sender,
    SendError,
)
from bot.channels.ratelimit import Priority, SendLimiter
from bot.channels.recent import RecentIds
from bot.channels.retry import Delivery, Failure, Outcome, RetryPolicy, Sleep
from bot.channels.splitting import split_text
from bot.channels.webhook import ServesWebhook, WebhookRefused, WebhookServer
from bot.channels.zalo_client import (
    ZaloApiError,
    ZaloBotClient,
    ZaloNetworkError,
    ZaloRetryableError,
)

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Bot-Api-Secret-Token"
DEFAULT_WEBHOOK_PATH = "/zalo/webhook"
TEXT_LIMIT = 2000
TOO_MANY_REQUESTS = 429
TEXT_EVENT = "message.text.received"
IMAGE_EVENT = "message.image.received"

FileUrlFor = Callable[[Path], "str | None"]


def parse_update(update: dict[str, Any], *, channel: str = "zalo") -> IncomingMessage | None:
    """Turn one Zalo update into an `IncomingMessage`; None if it carries no usable message.

    Tolerant on purpose: a webhook body may come wrapped in `{"ok", "result"}`, the documented
    getUpdates sample has no `event_name` and names the sender `first_name`, not `display_name`.
    Image, sticker and unsupported events keep their caption (or "") so the handler can answer.
    """
    if "message" not in update and isinstance(update.get("result"), dict):
        update = update["result"]
    message = update.get("message")
    if not isinstance(message, dict):
        return None
    sender = message.get("from") if isinstance(message.get("from"), dict) else {}
    chat = message.get("chat") if isinstance(message.get("chat"), dict) else {}
    message_id = message.get("message_id")
    user_id = sender.get("id")
    if message_id in (None, "") or user_id in (None, ""):
        return None
    chat_id = chat.get("id") or user_id
    event = str(update.get("event_name") or (TEXT_EVENT if "text" in message else ""))
    text = message.get("text" if event == TEXT_EVENT else "caption") or ""
    attachment = None
    photo = message.get("photo_url") or message.get("photo")
    if event == IMAGE_EVENT and isinstance(photo, str) and photo:
        attachment = Attachment(kind="photo", file_ref=photo)
    name = sender.get("display_name") or sender.get("name") or sender.get("first_name") or ""
    return IncomingMessage(
        sender=Sender(
            channel=channel,
            user_id=str(user_id),
            chat_id=str(chat_id),
            name=str(name),
            is_group_chat=str(chat.get("chat_type", "")).upper() == "GROUP",
        ),
        text=str(text),
        message_id=str(message_id),
        received_at=_received_at(message.get("date")),
        attachment=attachment,
    )


def _received_at(date_ms: object) -> datetime:
    if isinstance(date_ms, int | float) and not isinstance(date_ms, bool) and date_ms > 0:
        return datetime.fromtimestamp(date_ms / 1000, tz=UTC)
    return datetime.now(UTC)


def _is_from_bot(update: dict[str, Any]) -> bool:
    body = update.get("result") if "message" not in update else update
    message = body.get("message") if isinstance(body, dict) else None
    sender = message.get("from") if isinstance(message, dict) else None
    return isinstance(sender, dict) and sender.get("is_bot") is True


class ZaloChannel(ServesWebhook):
    """Zalo Bot API as a `Channel`: `mode="polling"` (default) or `mode="webhook"`.

    Texts shown to people (`error_text`, `file_unavailable_text`, `file_link_text`) come from the
    caller, already translated. `file_url_for(path)` is the bot's own HTTP file server, when there
    is one. A reply (and `setWebhook`) is tried `send_retries` more times after a 429 or 5xx,
    waiting `backoff_base`, twice that… up to `backoff_cap` seconds, as polling errors do.
    `sleep` and the timing parameters exist so tests run without waiting.
    """

    name = "zalo"
    max_text_length = TEXT_LIMIT

    def __init__(
        self,
        client: ZaloBotClient,
        *,
        mode: Literal["polling", "webhook"] = "polling",
        webhook_url: str = "",
        webhook_listen: str = "127.0.0.1:8444",
        webhook_path: str = DEFAULT_WEBHOOK_PATH,
        secret: str = "",
        rate_per_second: float = 10.0,
        limiter: SendLimiter | None = None,
        error_text: str = "Sorry, something went wrong. Please try again later.",
        file_unavailable_text: str = (
            "Zalo cannot receive files. Please open the bot on Telegram to get {file_name}."
        ),
        file_link_text: str = "{caption}\n{file_name}: {url}",
        file_url_for: FileUrlFor | None = None,
        poll_timeout: int = 30,
        poll_interval: float = 1.0,
        backoff_base: float = 1.0,
        backoff_cap: float = 60.0,
        send_retries: int = 4,
        dedup_size: int = 10_000,
        shutdown_grace: float = 10.0,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if mode not in ("polling", "webhook"):
            raise ValueError(f"Zalo mode must be 'polling' or 'webhook', got {mode!r}")
        self._webhook: WebhookServer | None = None
        if mode == "webhook":
            self._webhook = WebhookServer(
                channel="Zalo",
                listen=webhook_listen,
                webhook_url=webhook_url,
                default_path=webhook_path,
                secret=secret,
                secret_header=SECRET_HEADER,
                on_update=self._take_update,
            )
        self._client = client
        self.mode = mode
        self._webhook_url = webhook_url
        self._secret = secret
        # Zalo publishes no limit: pace the whole bot at `rate_per_second` and each chat like
        # Telegram (1 message/s, 20/min to a group), which no person reading will notice.
        self._owns_limiter = limiter is None
        self._limiter = (
            limiter if limiter is not None else SendLimiter(overall_per_second=rate_per_second)
        )
        self._error_text = error_text
        self._file_unavailable_text = file_unavailable_text
        self._file_link_text = file_link_text
        self._file_url_for = file_url_for
        self._poll_timeout = poll_timeout
        self._poll_interval = poll_interval
        self._delivery = Delivery(
            "Zalo",
            limiter=self._limiter,
            classify=classify_error,
            policy=RetryPolicy(max(0, send_retries) + 1, backoff_base, backoff_cap),
            sleep=sleep,
        )
        self._shutdown_grace = shutdown_grace
        self._sleep = sleep
        self._seen = RecentIds(dedup_size)
        self._group_chats = RecentIds(dedup_size)
        self._chat_locks: dict[str, asyncio.Lock] = {}
        self._chat_users: dict[str, int] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._on_message: MessageHandler | None = None
        self._poller: asyncio.Task[None] | None = None

    # ----- lifecycle -------------------------------------------------------------------------

    async def start(self, on_message: MessageHandler) -> None:
        """Begin receiving. Webhook mode serves first, then tells Zalo where (`setWebhook`)."""
        if self._on_message is not None:
            raise RuntimeError("Zalo channel already started")
        self._on_message = on_message
        if self._webhook is None:
            self._poller = asyncio.create_task(self._poll_loop(), name="zalo-poll")
            return
        await self._webhook.start()
        try:
            await self._register_webhook()
        except BaseException:
            await self._webhook.stop()
            self._on_message = None
            raise

    async def stop(self) -> None:
        """Stop receiving, let replies in flight finish briefly, close the HTTP client.

        Nothing destructive: the webhook stays registered with Zalo, so a restart loses nothing.
        """
        if self._poller is not None:
            self._poller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._poller
            self._poller = None
        if self._webhook is not None:
            await self._webhook.stop()
        if self._tasks:
            _, pending = await asyncio.wait(set(self._tasks), timeout=self._shutdown_grace)
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.wait(pending)
        self._on_message = None
        if self._owns_limiter:
            await self._limiter.close()
        await self._client.aclose()

    # ----- receiving -------------------------------------------------------------------------

    async def _poll_loop(self) -> None:
        """Long-poll forever: one update per call, 408 means "again", errors back off and retry."""
        failures = 0
        webhook_cleared = False
        while True:
            try:
                if not webhook_cleared:
                    # Polling and a webhook exclude each other: a left-over webhook starves us.
                    await self._clear_webhook()
                    webhook_cleared = True
                update = await self._client.get_updates(timeout=self._poll_timeout)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                failures += 1
                delay = self._delivery.policy.delay(failures)
                if isinstance(exc, ZaloRetryableError) and exc.retry_after:
                    delay = max(delay, exc.retry_after)
                log.warning("Zalo polling failed (%s); next try in %.1f s", exc, delay)
                await self._sleep(delay)
                continue
            failures = 0
            if update is not None:
                self.accept(update)
            await self._sleep(self._poll_interval)

    async def _clear_webhook(self) -> None:
        try:
            await self._client.delete_webhook()
        except ZaloRetryableError:
            raise
        except ZaloApiError as exc:
            # "No webhook to delete" is fine; a bad token will show again on getUpdates.
            log.debug("Zalo deleteWebhook refused (%s); polling anyway", exc)

    async def _register_webhook(self) -> None:
        await self._delivery.call(
            partial(self._client.set_webhook, self._webhook_url, self._secret),
            method="setWebhook",
        )
        log.info("Zalo webhook registered at %s", self._webhook_url)

    async def _take_update(self, payload: Any) -> None:
        """An update from the webhook server: handled in the background, answered at once."""
        if not isinstance(payload, dict):
            raise WebhookRefused("invalid update")
        self.accept(payload)

    def accept(self, update: dict[str, Any]) -> bool:
        """Take one update from either mode; True if it was new and is being handled."""
        message = parse_update(update, channel=self.name)
        if message is None:
            log.debug("Zalo update without a usable message ignored: %s", update.get("event_name"))
            return False
        if not self._seen.add(message.message_id):
            log.debug("Zalo re-delivered message %s; ignored", message.message_id)
            return False
        if _is_from_bot(update):
            return False
        if message.sender.is_group_chat:
            self._group_chats.add(message.sender.chat_id)
        self._spawn(self._handle(message))
        return True

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _handle(self, message: IncomingMessage) -> None:
        """Run the handler and send its reply, one message at a time per chat to keep order."""
        chat_id = message.sender.chat_id
        lock = self._chat_locks.setdefault(chat_id, asyncio.Lock())
        self._chat_users[chat_id] = self._chat_users.get(chat_id, 0) + 1
        try:
            async with lock:
                await self._answer(message)
        finally:
            self._chat_users[chat_id] -= 1
            if not self._chat_users[chat_id]:
                del self._chat_users[chat_id], self._chat_locks[chat_id]

    async def _answer(self, message: IncomingMessage) -> None:
        handler = self._on_message
        if handler is None:
            return
        try:
            reply = await handler(message)
        except Exception:
            log.exception("Handler failed on Zalo message %s", message.message_id)
            reply = Reply(self._error_text)
        if reply is None:
            return
        try:
            await self.send_reply(message.sender.chat_id, reply, priority=Priority.REPLY)
        except SendError as exc:
            log.warning("Reply to Zalo chat %s not delivered: %s", message.sender.chat_id, exc)

    # ----- sending ---------------------------------------------------------------------------

    async def download(self, file_ref: str, dest: Path, *, max_bytes: int) -> int:
        """Fetch a photo a person sent: Zalo gives its address; it carries no other files."""
        if not file_ref.startswith(("https://", "http://")):
            raise DownloadError("Zalo gave no address for this file")
        try:
            return await self._client.fetch(file_ref, dest, max_bytes=max_bytes)
        except ValueError:
            dest.unlink(missing_ok=True)  # noqa: ASYNC240 - a partial file, removed at once
            raise FileTooLarge(None, max_bytes) from None
        except ZaloNetworkError as exc:
            dest.unlink(missing_ok=True)  # noqa: ASYNC240
            raise DownloadError(str(exc)) from None

    async def send_reply(
        self, chat_id: str, reply: Reply, *, priority: Priority = Priority.REPLY
    ) -> str:
        """Send a handler's reply: its text (split at 2,000), then each file as Zalo allows."""
        last = ""
        if reply.text.strip():
            last = await self.send_text(chat_id, reply.text, priority=priority)
        for file in reply.files:
            last = await self.send_file(chat_id, file, priority=priority)
        return last

    async def send_text(
        self,
        chat_id: str,
        text: str,
        buttons: Buttons = (),
        *,
        priority: Priority = Priority.REMINDER,
    ) -> str:
        """Send text in as many messages as the 2,000-character limit needs; the last id.

        The default priority is a reminder's: the outbox calls this; replies overtake it.
        Zalo has no buttons: the text already says what to type (`xong 6`).
        """
        parts = split_text(text, self.max_text_length)
        if not parts:
            raise SendError("refusing to send an empty message", permanent=True)
        last = ""
        for index, part in enumerate(parts):
            send = partial(self._client.send_message, chat_id, part)
            last = await self._send(chat_id, send, priority, part=index)
        return last

    async def send_file(
        self, chat_id: str, file: OutgoingFile, *, priority: Priority = Priority.REMINDER
    ) -> str:
        """Zalo has no documents: a photo by URL, a link, or a note to fetch it on Telegram."""
        url = self._file_url_for(file.path) if self._file_url_for is not None else None
        if not url:
            note = self._file_unavailable_text.replace("{file_name}", file.file_name)
            if file.caption:
                note = f"{file.caption}\n{note}"
            return await self.send_text(chat_id, note, priority=priority)
        if file.kind == "photo":
            caption = file.caption[: self.max_text_length]
            send = partial(self._client.send_photo, chat_id, url, caption)
            return await self._send(chat_id, send, priority)
        text = (
            self._file_link_text.replace("{caption}", file.caption)
            .replace("{file_name}", file.file_name)
            .replace("{url}", url)
            .strip()
        )
        return await self.send_text(chat_id, text, priority=priority)

    async def _send(
        self,
        chat_id: str,
        call: Callable[[], Awaitable[str]],
        priority: Priority,
        *,
        part: int = 0,
    ) -> str:
        """One API send through the limiter, retried as `retry.policy_for` says."""
        return await self._delivery.send(
            chat_id, call, priority=priority, is_group=chat_id in self._group_chats, part=part
        )


def classify_error(exc: Exception) -> Failure | None:
    """What a Zalo client error means for trying again (`retry.Outcome`); None if not one."""
    if isinstance(exc, ZaloRetryableError):
        if exc.error_code == TOO_MANY_REQUESTS:
            # Flood control is about the whole bot, not this chat: every send waits.
            return Failure(Outcome.THROTTLED, str(exc), exc.retry_after)
        return Failure(Outcome.TRANSIENT, str(exc), exc.retry_after)
    if isinstance(exc, ZaloApiError):  # blocked, bad chat id, text too long, bad token
        return Failure(Outcome.FINAL, str(exc))
    return None
