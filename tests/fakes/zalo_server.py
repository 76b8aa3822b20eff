"""A fake Zalo Bot API on 127.0.0.1, with the platform's real quirks, for channel tests.

What it copies from Zalo: `POST /bot<TOKEN>/<method>` with JSON bodies; `{"ok", "result"}` or
`{"ok": false, "error_code", "description"}`; getUpdates hands out ONE update per call and answers
HTTP 408 when the long poll runs out (its timeout honoured, but capped so tests are quick);
sendMessage refuses text over 2,000 characters with a 400; setWebhook wants an https URL and an
8–256 character secret; getWebhookInfo is a 404 when no webhook is set. What it adds for tests:
re-delivery of the last update, injected failures (429, 5xx…), recorded sends and waiters that
wake on events (an `asyncio.Condition`), never on a sleep loop; and, with a webhook set, the
delivery of pushed updates to the webhook's URL with its secret, as Zalo does (an `http://`
loopback URL is accepted for that, so a test can name the bot's own address).
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiohttp import web

TEXT_LIMIT = 2000
SECRET_HEADER = "X-Bot-Api-Secret-Token"
#: Only tests use plain http: the bot's own loopback address, for `deliver_webhook`.
_LOOPBACK = "http://127.0.0.1:"


@dataclass(frozen=True, slots=True)
class SentMessage:
    """One message the bot sent: text, or a photo (then `text` is its caption)."""

    chat_id: str
    text: str
    message_id: str
    kind: str = "text"
    photo_url: str = ""


@dataclass(slots=True)
class _Failure:
    status: int
    description: str
    retry_after: float | None
    remaining: int


def _now_ms() -> int:
    return int(time.time() * 1000)


def _new_id() -> str:
    return secrets.token_hex(10)


def text_update(
    user_id: str,
    text: str,
    *,
    display_name: str = "Nguyễn Văn A",
    chat_type: str = "PRIVATE",
    chat_id: str | None = None,
    message_id: str | None = None,
    event_name: str = "message.text.received",
    is_bot: bool = False,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """An update shaped as Zalo sends it (getUpdates' `result`, and the bare webhook body)."""
    message: dict[str, Any] = {
        "message_id": message_id or _new_id(),
        "date": _now_ms(),
        "from": {"id": user_id, "display_name": display_name, "is_bot": is_bot},
        "chat": {"id": chat_id or user_id, "chat_type": chat_type},
    }
    if event_name == "message.text.received":
        message["text"] = text
    elif text:
        message["caption"] = text
    message.update(extra or {})
    return {"event_name": event_name, "message": message}


class FakeZaloServer:
    """The fake API: `async with FakeZaloServer(token) as zalo:`, a client on `zalo.base_url`."""

    def __init__(
        self,
        token: str = "12345689:abc-xyz",
        *,
        max_poll_seconds: float = 1.0,
        bot_id: str = "1459232241454765289",
    ) -> None:
        self.token = token
        self.max_poll_seconds = max_poll_seconds
        self.bot_id = bot_id
        self.sent: list[SentMessage] = []
        self.actions: list[tuple[str, str]] = []
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.delivered: list[dict[str, Any]] = []
        self.poll_count = 0
        self.empty_polls = 0
        self.webhook: dict[str, Any] | None = None
        self._queue: deque[dict[str, Any]] = deque()
        self._failures: dict[str, deque[_Failure]] = {}
        self._cond: asyncio.Condition | None = None
        self._closing = False
        self._runner: web.AppRunner | None = None
        self.port: int | None = None

    # ----- lifecycle -------------------------------------------------------------------------

    async def start(self) -> None:
        self._cond = asyncio.Condition()
        self._closing = False
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._dispatch)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        if self._runner is not None:
            # End long polls at once (as empty ones) instead of letting shutdown wait them out.
            async with self.condition:
                self._closing = True
                self.condition.notify_all()
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeZaloServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        """The host part, as `[zalo] base_url` takes it; the client appends `/bot<TOKEN>/…`."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def condition(self) -> asyncio.Condition:
        if self._cond is None:
            raise RuntimeError("FakeZaloServer not started")
        return self._cond

    # ----- test API: playing the people who write to the bot ---------------------------------

    async def push_update(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue an update for getUpdates and wake any long poll waiting for it."""
        async with self.condition:
            self._queue.append(update)
            self.condition.notify_all()
        return update

    async def push_text(
        self,
        user_id: str,
        text: str,
        *,
        display_name: str = "Nguyễn Văn A",
        chat_type: str = "PRIVATE",
        **kwargs: Any,
    ) -> dict[str, Any]:
        """A person writes `text`; returns the update (its `message.message_id` included)."""
        update = text_update(
            user_id, text, display_name=display_name, chat_type=chat_type, **kwargs
        )
        return await self.push_update(update)

    async def redeliver_last(self) -> dict[str, Any]:
        """Hand the last delivered update out again, as Zalo sometimes does."""
        if not self.delivered:
            raise AssertionError("nothing delivered yet to re-deliver")
        return await self.push_update(self.delivered[-1])

    def fail_next(
        self,
        method: str,
        status: int = 429,
        *,
        count: int = 1,
        retry_after: float | None = None,
        description: str | None = None,
    ) -> None:
        """Answer the next `count` calls of `method` with an error (429 by default)."""
        text = description or {429: "Too Many Requests"}.get(status, f"Error {status}")
        self._failures.setdefault(method, deque()).append(
            _Failure(status, text, retry_after, count)
        )

    async def deliver_webhook(self) -> list[int]:
        """Play Zalo delivering every queued update to the registered webhook URL, in order.

        Each goes with the secret given to setWebhook; an update the bot did not take (any
        answer but 200) stays queued, as Zalo would keep it. Returns the HTTP statuses.
        """
        if self.webhook is None:
            raise AssertionError("no webhook registered to deliver to")
        statuses: list[int] = []
        while self._queue:
            update = self._queue[0]
            status, _ = await self.post_webhook(
                self.webhook["url"], update, secret=self.webhook["secret_token"]
            )
            statuses.append(status)
            if status != 200:
                break
            async with self.condition:
                self._queue.popleft()
                self.delivered.append(update)
                self.condition.notify_all()
        return statuses

    async def post_webhook(
        self, url: str, update: dict[str, Any], *, secret: str | None
    ) -> tuple[int, Any]:
        """Play Zalo calling the bot's webhook: POST `update`, with the secret header if given."""
        headers = {SECRET_HEADER: secret} if secret is not None else {}
        async with (
            aiohttp.ClientSession() as session,
            session.post(url, json=update, headers=headers) as response,
        ):
            try:
                body = await response.json(content_type=None)
            except ValueError:
                body = await response.text()
            return response.status, body

    # ----- test API: waiting for what the bot does -------------------------------------------

    # The waiters take `timeout` themselves so a failing test says what it was waiting for.
    async def wait_for(
        self,
        predicate: Callable[[], bool],
        *,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> None:
        """Wait until `predicate()` holds; it is re-checked after every call the fake serves."""
        async with self.condition:
            try:
                await asyncio.wait_for(self.condition.wait_for(predicate), timeout)
            except TimeoutError:
                raise AssertionError(
                    f"condition not met within {timeout} s; calls: "
                    f"{[method for method, _ in self.calls]}; sent: {self._sent_listing()}"
                ) from None

    async def wait_for_sent(
        self,
        predicate: Callable[[SentMessage], bool] | None = None,
        *,
        count: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> list[SentMessage]:
        """Wait until `count` sent messages match `predicate` (any, if None); return them."""

        def matching() -> list[SentMessage]:
            return [m for m in self.sent if predicate is None or predicate(m)]

        async with self.condition:
            try:
                await asyncio.wait_for(
                    self.condition.wait_for(lambda: len(matching()) >= count), timeout
                )
            except TimeoutError:
                raise AssertionError(
                    f"expected {count} matching sent message(s) within {timeout} s, "
                    f"got {len(matching())}; everything sent: {self._sent_listing()}"
                ) from None
            return matching()

    def calls_of(self, method: str) -> list[dict[str, Any]]:
        return [payload for name, payload in self.calls if name == method]

    def _sent_listing(self) -> str:
        if not self.sent:
            return "(nothing)"
        return "; ".join(f"[{m.chat_id}] {m.kind} {m.text[:80]!r}" for m in self.sent)

    # ----- the API ---------------------------------------------------------------------------

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return _error(401, "Unauthorized")
        if request.method != "POST":
            return _error(405, "Method Not Allowed")
        method = request.match_info["method"]
        handler = self._methods().get(method)
        if handler is None:
            return _error(404, f"Method {method} not found")
        try:
            payload = await request.json() if request.can_read_body else {}
        except ValueError:
            return _error(400, "Invalid JSON body")
        if not isinstance(payload, dict):
            return _error(400, "Invalid JSON body")
        async with self.condition:
            self.calls.append((method, payload))
            self.condition.notify_all()
        failure = self._take_failure(method)
        if failure is not None:
            extra: dict[str, Any] = {}
            if failure.retry_after is not None:
                extra["parameters"] = {"retry_after": failure.retry_after}
            return _error(failure.status, failure.description, **extra)
        return await handler(payload)

    def _methods(self) -> dict[str, Callable[[dict[str, Any]], Any]]:
        return {
            "getMe": self._get_me,
            "getUpdates": self._get_updates,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "sendMessage": self._send_message,
            "sendPhoto": self._send_photo,
            "sendSticker": self._send_sticker,
            "sendChatAction": self._send_chat_action,
        }

    def _take_failure(self, method: str) -> _Failure | None:
        queue = self._failures.get(method)
        if not queue:
            return None
        failure = queue[0]
        failure.remaining -= 1
        if failure.remaining <= 0:
            queue.popleft()
        return failure

    async def _get_me(self, payload: dict[str, Any]) -> web.Response:
        return _ok(
            {
                "id": self.bot_id,
                "account_name": "bot.nhacviec",
                "account_type": "BASIC",
                "can_join_groups": True,
                "display_name": "Nhắc việc",
            }
        )

    async def _get_updates(self, payload: dict[str, Any]) -> web.Response:
        if self.webhook is not None:
            return _error(409, "Conflict: webhook is active, use deleteWebhook first")
        try:
            asked = float(payload.get("timeout", 30))
        except (TypeError, ValueError):
            return _error(400, "timeout must be a number of seconds")
        wait = min(max(asked, 0.0), self.max_poll_seconds)
        async with self.condition:
            self.poll_count += 1
            self.condition.notify_all()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    self.condition.wait_for(lambda: bool(self._queue) or self._closing), wait
                )
            if not self._queue:
                self.empty_polls += 1
                self.condition.notify_all()
                return _error(408, "Request timeout")
            update = self._queue.popleft()
            self.delivered.append(update)
            self.condition.notify_all()
        return _ok(update)

    async def _set_webhook(self, payload: dict[str, Any]) -> web.Response:
        url = payload.get("url")
        secret = payload.get("secret_token")
        if not isinstance(url, str) or not url.startswith(("https://", _LOOPBACK)):
            return _error(400, "url must be an https URL")
        if not isinstance(secret, str) or not 8 <= len(secret) <= 256:
            return _error(400, "secret_token must be 8 to 256 characters")
        self.webhook = {"url": url, "secret_token": secret, "updated_at": _now_ms()}
        return _ok({"url": url, "updated_at": self.webhook["updated_at"]})

    async def _delete_webhook(self, payload: dict[str, Any]) -> web.Response:
        self.webhook = None
        return _ok({"url": "", "updated_at": _now_ms()})

    async def _get_webhook_info(self, payload: dict[str, Any]) -> web.Response:
        if self.webhook is None:
            return _error(404, "Webhook not found")
        return _ok({"url": self.webhook["url"], "updated_at": self.webhook["updated_at"]})

    async def _send_message(self, payload: dict[str, Any]) -> web.Response:
        chat_id, text = payload.get("chat_id"), payload.get("text")
        if not isinstance(chat_id, str) or not chat_id:
            return _error(400, "chat_id is required")
        if not isinstance(text, str) or not 1 <= len(text) <= TEXT_LIMIT:
            return _error(400, f"text must be 1 to {TEXT_LIMIT} characters")
        return await self._record(SentMessage(chat_id, text, _new_id()))

    async def _send_photo(self, payload: dict[str, Any]) -> web.Response:
        chat_id, photo = payload.get("chat_id"), payload.get("photo")
        caption = payload.get("caption", "")
        if not isinstance(chat_id, str) or not chat_id:
            return _error(400, "chat_id is required")
        if not isinstance(photo, str) or not photo.startswith(("http://", "https://")):
            return _error(400, "photo must be an http(s) URL")
        if not isinstance(caption, str) or len(caption) > TEXT_LIMIT:
            return _error(400, f"caption must be at most {TEXT_LIMIT} characters")
        return await self._record(
            SentMessage(chat_id, caption, _new_id(), kind="photo", photo_url=photo)
        )

    async def _send_sticker(self, payload: dict[str, Any]) -> web.Response:
        chat_id, sticker = payload.get("chat_id"), payload.get("sticker")
        if not isinstance(chat_id, str) or not chat_id or not isinstance(sticker, str):
            return _error(400, "chat_id and sticker are required")
        return await self._record(SentMessage(chat_id, sticker, _new_id(), kind="sticker"))

    async def _send_chat_action(self, payload: dict[str, Any]) -> web.Response:
        chat_id, action = payload.get("chat_id"), payload.get("action")
        if not isinstance(chat_id, str) or action not in ("typing", "upload_photo"):
            return _error(400, "chat_id and a known action are required")
        self.actions.append((chat_id, action))
        return _ok(True)

    async def _record(self, message: SentMessage) -> web.Response:
        async with self.condition:
            self.sent.append(message)
            self.condition.notify_all()
        return _ok({"message_id": message.message_id, "date": _now_ms()})


def _ok(result: Any) -> web.Response:
    return web.json_response({"ok": True, "result": result})


def _error(status: int, description: str, **extra: Any) -> web.Response:
    body = {"ok": False, "error_code": status, "description": description, **extra}
    return web.json_response(body, status=status)
