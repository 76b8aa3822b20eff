"""A small fake Telegram Bot API, served over real HTTP so python-telegram-bot is not mocked.

It keeps the semantics our code relies on: `getUpdates` offsets and long polling, form-encoded and
multipart requests, Telegram's error shapes (401/404/400/403/409/429), flood limits on demand, and
injected faults. Tests push updates and read what the bot sent; a person can run it by hand:

    python -m tests.fakes.telegram_server --port 8081

and point `nhacviec run` at `http://127.0.0.1:8081/bot`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import math
import re
import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from aiohttp import web

DEFAULT_TOKEN = "123456789:FAKE-token-for-tests-only"  # shorter than a real one, on purpose
SEND_METHODS = frozenset({"sendMessage", "sendPhoto", "sendDocument"})
TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
DOWNLOAD_LIMIT = 20 * 1024 * 1024  # getFile's limit for bots

_TOKEN_SHAPE = re.compile(r"\d+:[A-Za-z0-9_-]+")
_COMMAND = re.compile(r"/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,})?")
_COMMAND_NAME = re.compile(r"[a-z0-9_]{1,32}")
_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")
# PTB sends every non-string value JSON-encoded and strings raw, so "123" as a text must stay text.
_RAW_STRING_PARAMS = frozenset(
    {
        "text",
        "caption",
        "parse_mode",
        "url",
        "secret_token",
        "language_code",
        "file_id",
        "callback_query_id",
    }
)
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
QUERY_TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"
_T = TypeVar("_T")
_JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 60 + b"\xff\xd9"


@dataclass(frozen=True, slots=True)
class SentMessage:
    """One message the bot sent; `time` is the server's monotonic clock when it was accepted."""

    method: str
    chat_id: int | str
    text: str
    message_id: int
    time: float
    file_name: str | None = None
    file_size: int | None = None
    content: bytes | None = field(default=None, repr=False)
    params: Mapping[str, Any] = field(default_factory=dict, repr=False)


@dataclass(frozen=True, slots=True)
class ApiCall:
    """One request the server answered, whatever its outcome."""

    method: str
    params: Mapping[str, Any]
    status: int
    time: float


@dataclass(slots=True)
class _Fault:
    kind: Literal["error", "hang", "throttle"]
    methods: frozenset[str] | None
    remaining: int | None = None
    until: float | None = None
    status: int = 500
    seconds: float = 0.0
    retry_after: int | None = None
    drop: bool = False


@dataclass(slots=True)
class _StoredFile:
    file_id: str
    file_path: str
    content: bytes
    file_name: str | None = None


class _ApiError(Exception):
    def __init__(self, status: int, description: str, parameters: dict[str, Any] | None = None):
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters


class _Broadcast:
    """Wake every waiter at once.

    Firing is synchronous, so `push_text` and friends need no `await`; a waiter takes the current
    event, re-checks its condition, then waits — nothing can slip in between without an await.
    """

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def fire(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    def event(self) -> asyncio.Event:
        return self._event


class FakeTelegramServer:
    """A Telegram Bot API on 127.0.0.1 for one bot token.

    Use as `async with FakeTelegramServer() as tg:` and build the bot with
    `base_url=tg.base_url`. Flood limits are off unless `enforce_limits=True`.
    """

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        bot_username: str = "nhacviec_bot",
        bot_name: str = "Nhắc việc",
        host: str = "127.0.0.1",
        port: int = 0,
        enforce_limits: bool = False,
        overall_per_second: int = 30,
        per_chat_per_second: int = 1,
        group_per_minute: int = 20,
        clock: Callable[[], float] = time.monotonic,
        on_sent: Callable[[SentMessage], None] | None = None,
    ) -> None:
        self.token = token
        self.bot_username = bot_username
        self.bot_user = {
            "id": int(token.split(":", 1)[0]),
            "is_bot": True,
            "first_name": bot_name,
            "username": bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }
        self.enforce_limits = enforce_limits
        self.overall_per_second = overall_per_second
        self.per_chat_per_second = per_chat_per_second
        self.group_per_minute = group_per_minute
        self._host = host
        self._requested_port = port
        self._clock = clock
        self._on_sent = on_sent

        self.sent: list[SentMessage] = []
        self.calls: list[ApiCall] = []
        self.commands: list[tuple[str, str]] = []
        self.too_many_requests = 0
        self.webhook_url = ""
        self.webhook_secret = ""
        self.blocked_chats: set[int | str] = set()
        self.long_polls_waiting = 0
        #: Every answerCallbackQuery accepted, by the query's id.
        self.answers: dict[str, Mapping[str, Any]] = {}
        #: Every edit accepted: (chat id, message id, the message as it is after the edit).
        self.edits: list[tuple[int | str, int, dict[str, Any]]] = []
        #: What the bot last asked for in getUpdates or setWebhook (None: everything but a few).
        self.allowed_updates: list[str] | None = None
        #: Updates left out because the bot did not ask for their type.
        self.dropped_updates: list[dict[str, Any]] = []
        self._messages: dict[tuple[int | str, int], dict[str, Any]] = {}
        self._queries: dict[str, dict[str, Any]] = {}
        self._query_ids = itertools.count(7_000_001)

        self._pending: list[dict[str, Any]] = []
        self._update_ids = itertools.count(100_001)
        self._message_ids: defaultdict[int | str, itertools.count[int]] = defaultdict(
            lambda: itertools.count(1)
        )
        self._file_ids = itertools.count(1)
        self._files: dict[str, _StoredFile] = {}
        self._chats: dict[int | str, dict[str, Any]] = {}
        self._faults: list[_Fault] = []
        self._overall_times: deque[float] = deque()
        self._chat_times: defaultdict[int | str, deque[float]] = defaultdict(deque)
        self._group_times: defaultdict[int | str, deque[float]] = defaultdict(deque)

        self._updates_signal = _Broadcast()
        self._activity = _Broadcast()
        #: Calls a `hang_next` fault is holding (or held): they reached the server, unanswered.
        self.held: list[tuple[str, dict[str, Any]]] = []
        self._closing = False
        self._runner: web.AppRunner | None = None
        self._port: int | None = None

    # ---- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        """Bind to a free loopback port (or the one given) and start answering."""
        self._closing = False
        # Telegram accepts uploads up to 50 MB; aiohttp's default body limit is 1 MiB.
        app = web.Application(client_max_size=50 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        app.router.add_post("/_fake/push", self._handle_push)
        app.router.add_get("/_fake/sent", self._handle_sent)
        # No access log: it would print the token that is part of every URL.
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self._host, self._requested_port)
        await site.start()
        self._port = site.port

    async def stop(self) -> None:
        """Release parked long polls and hangs, then close the server."""
        self._closing = True
        self._updates_signal.fire()
        self._activity.fire()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeTelegramServer:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("the fake Telegram server is not started")
        return self._port

    @property
    def base_url(self) -> str:
        """python-telegram-bot's `base_url` (the token is appended to it)."""
        return f"http://{self._host}:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://{self._host}:{self.port}/file/bot"

    # ---- what tests push ---------------------------------------------------------------------

    def push_text(
        self,
        user_id: int,
        text: str,
        *,
        chat_id: int | None = None,
        chat_type: str = "private",
        first_name: str = "Người dùng",
        last_name: str | None = None,
        username: str | None = None,
        title: str | None = None,
    ) -> dict[str, Any]:
        """Queue a text message from a user, with a `bot_command` entity if it starts with one."""
        message = self._new_message(
            user_id, chat_id, chat_type, first_name, last_name, username, title
        )
        message["text"] = text
        if entities := _command_entities(text):
            message["entities"] = entities
        return self._push(message)

    def push_document(
        self,
        user_id: int,
        caption: str,
        file_name: str,
        *,
        content: bytes = b"%PDF-1.4 fake\n",
        mime_type: str = "application/octet-stream",
        chat_id: int | None = None,
        chat_type: str = "private",
        first_name: str = "Người dùng",
        title: str | None = None,
    ) -> dict[str, Any]:
        """Queue a document with an optional caption (which may hold a command)."""
        message = self._new_message(user_id, chat_id, chat_type, first_name, None, None, title)
        stored = self._store_file("documents", content, file_name)
        message["document"] = {
            "file_id": stored.file_id,
            "file_unique_id": "u" + stored.file_id,
            "file_name": file_name,
            "mime_type": mime_type,
            "file_size": len(content),
        }
        self._add_caption(message, caption)
        return self._push(message)

    def push_photo(
        self,
        user_id: int,
        caption: str = "",
        *,
        content: bytes = _JPEG,
        chat_id: int | None = None,
        chat_type: str = "private",
        first_name: str = "Người dùng",
        title: str | None = None,
    ) -> dict[str, Any]:
        """Queue a photo (as Telegram does: several sizes, the largest last)."""
        message = self._new_message(user_id, chat_id, chat_type, first_name, None, None, title)
        thumb = self._store_file("photos", content[:32], None)
        stored = self._store_file("photos", content, None)
        message["photo"] = [
            _photo_size(thumb, 90, 90),
            _photo_size(stored, 1280, 960),
        ]
        self._add_caption(message, caption)
        return self._push(message)

    def push_press(
        self,
        user_id: int,
        message_id: int,
        data: str,
        *,
        chat_id: int | None = None,
        first_name: str = "Người dùng",
    ) -> dict[str, Any]:
        """Queue a press on a button under a message the bot sent (or any `data`, as a forger).

        The update carries the message as it is now, keyboard included, like Telegram's.
        """
        chat_ref = user_id if chat_id is None else chat_id
        message = self._messages.get((chat_ref, message_id))
        if message is None:
            raise ValueError(f"the bot sent no message {message_id} to chat {chat_ref}")
        user = {"id": user_id, "is_bot": False, "first_name": first_name, "language_code": "vi"}
        query = {
            "id": str(next(self._query_ids)),
            "from": user,
            "message": json.loads(json.dumps(message)),
            "chat_instance": f"ci{chat_ref}",
            "data": data,
        }
        self._queries[query["id"]] = query
        return self._push_update("callback_query", query)

    def message(self, chat_id: int | str, message_id: int) -> dict[str, Any]:
        """A message the bot sent, as it is now (after any edit)."""
        return self._messages[(chat_id, message_id)]

    @staticmethod
    def buttons_of(message: Mapping[str, Any]) -> list[list[tuple[str, str]]]:
        """The rows of a message's inline keyboard as (label, callback data) pairs."""
        markup = message.get("reply_markup") or {}
        return [
            [(b["text"], b.get("callback_data", "")) for b in row]
            for row in markup.get("inline_keyboard", [])
        ]

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        """Updates not yet confirmed by an offset."""
        return list(self._pending)

    def block_chat(self, chat_id: int | str) -> None:
        """Make sends to this chat fail as if the user had blocked the bot (403)."""
        self.blocked_chats.add(chat_id)

    # ---- faults --------------------------------------------------------------------------------

    def fail_next(
        self,
        count: int = 1,
        *,
        status: int = 500,
        methods: Iterable[str] | None = SEND_METHODS,
    ) -> None:
        """Answer the next `count` matching calls with an error status (`methods=None`: any)."""
        self._faults.append(_Fault("error", _method_set(methods), remaining=count, status=status))

    def hang_next(
        self,
        count: int = 1,
        *,
        seconds: float = 30.0,
        methods: Iterable[str] | None = SEND_METHODS,
        drop: bool = False,
    ) -> None:
        """Hold the next `count` matching calls for `seconds`, then answer them normally.

        Like a slow Telegram: a client that times out may still have had its message delivered.
        With `drop`, the call is lost instead: after the wait it is answered 504 and not carried
        out (a front end that gave up on its back end).
        """
        self._faults.append(
            _Fault("hang", _method_set(methods), remaining=count, seconds=seconds, drop=drop)
        )

    def throttle_for(
        self,
        seconds: float,
        *,
        retry_after: int | None = None,
        methods: Iterable[str] | None = SEND_METHODS,
    ) -> None:
        """Answer 429 to matching calls for `seconds` (retry_after: the time left, or as given)."""
        until = self._clock() + seconds
        self._faults.append(
            _Fault("throttle", _method_set(methods), until=until, retry_after=retry_after)
        )

    def throttle_next(
        self,
        count: int = 1,
        *,
        retry_after: int = 1,
        methods: Iterable[str] | None = SEND_METHODS,
    ) -> None:
        """Answer 429 with `retry_after` to the next `count` matching calls."""
        self._faults.append(
            _Fault("throttle", _method_set(methods), remaining=count, retry_after=retry_after)
        )

    def clear_faults(self) -> None:
        self._faults.clear()

    # ---- webhook delivery ----------------------------------------------------------------------

    async def post_webhook(
        self, url: str, payload: Any, *, secret: str | None = None, raw: bytes | None = None
    ) -> int:
        """POST one body to a bot's webhook as Telegram would (`secret`: the header, if any)."""
        import aiohttp  # only the webhook tests need a client

        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        body = raw if raw is not None else json.dumps(payload).encode()
        async with (
            aiohttp.ClientSession() as session,
            session.post(url, data=body, headers=headers) as response,
        ):
            await response.read()
            return response.status

    async def deliver_webhook(self, url: str) -> list[int]:
        """Deliver the pending updates to `url` (the bot's local address behind the proxy).

        Telegram's way: in order, with the secret given to setWebhook; an update leaves the
        queue only when the bot answers 2xx, so a refused one is delivered again next time.
        """
        statuses: list[int] = []
        for update in list(self._pending):
            status = await self.post_webhook(url, update, secret=self.webhook_secret or None)
            statuses.append(status)
            if not 200 <= status < 300:
                break
            self._pending.remove(update)
        return statuses

    # ---- what tests wait for -----------------------------------------------------------------

    async def wait_for_sent(
        self,
        predicate: Callable[[SentMessage], bool] | None = None,
        *,
        count: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109 - a test helper's deadline, not an I/O timeout
    ) -> list[SentMessage]:
        """Wait until `count` sent messages match; return all that match.

        On timeout, fail with what was sent, so the test's report says what happened instead.
        """

        def matches() -> list[SentMessage]:
            return [m for m in self.sent if predicate is None or predicate(m)]

        try:
            return await self._wait_until(matches, count, timeout)
        except TimeoutError:
            sent = "\n".join(f"  {m.method} chat={m.chat_id}: {m.text[:200]!r}" for m in self.sent)
            raise AssertionError(
                f"expected {count} matching message(s) within {timeout} s, "
                f"got {len(matches())}; sent so far ({len(self.sent)}):\n{sent or '  (nothing)'}"
            ) from None

    async def wait_for_call(
        self,
        method: str,
        predicate: Callable[[ApiCall], bool] | None = None,
        *,
        count: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109 - a test helper's deadline, not an I/O timeout
    ) -> list[ApiCall]:
        """Wait until `count` calls of `method` have been answered; return them."""

        def matches() -> list[ApiCall]:
            return [
                c for c in self.calls if c.method == method and (predicate is None or predicate(c))
            ]

        try:
            return await self._wait_until(matches, count, timeout)
        except TimeoutError:
            seen = ", ".join(f"{c.method}({c.status})" for c in self.calls[-30:])
            raise AssertionError(
                f"expected {count} call(s) of {method} within {timeout} s, got "
                f"{len(matches())}; last calls: {seen or '(none)'}"
            ) from None

    async def wait_for_held(self, count: int = 1, *, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Wait until `count` calls have reached the server and are being held unanswered."""
        try:
            await self._wait_until(lambda: self.held, count, timeout)
        except TimeoutError:
            raise AssertionError(f"expected {count} held call(s), got {len(self.held)}") from None

    async def wait_for_long_poll(self, *, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Wait until a `getUpdates` is parked here, i.e. the bot is polling and idle."""
        try:
            await self._wait_until(lambda: [None] * self.long_polls_waiting, 1, timeout)
        except TimeoutError:
            raise AssertionError(f"nobody long-polled within {timeout} s") from None

    async def _wait_until(
        self,
        matches: Callable[[], list[_T]],
        count: int,
        timeout: float,  # noqa: ASYNC109
    ) -> list[_T]:
        """Re-check after every answered call; the event is taken before the check, so no
        answer can slip between the check and the wait."""
        async with asyncio.timeout(timeout):
            while True:
                event = self._activity.event()
                found = matches()
                if len(found) >= count:
                    return found
                if self._closing:
                    raise TimeoutError
                await event.wait()

    # ---- HTTP ----------------------------------------------------------------------------------

    async def _handle_api(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        if token != self.token:
            # Like Telegram: a well-formed but unknown token is 401, anything else 404.
            if _TOKEN_SHAPE.fullmatch(token):
                return _error(401, "Unauthorized")
            return _error(404, "Not Found")
        name = request.match_info["method"]
        method = _METHOD_NAMES.get(name.lower())
        try:
            params, files = await _read_params(request)
        except ValueError as exc:
            return _error(400, f"Bad Request: {exc}")
        if method is None:
            self._record(name, params, 404)
            return _error(404, "Not Found")
        response = await self._answer(method, params, files)
        self._record(method, params, response.status)
        return response

    async def _answer(
        self, method: str, params: dict[str, Any], files: dict[str, web.FileField]
    ) -> web.Response:
        fault = self._take_fault(method)
        if fault is not None:
            if fault.kind == "error":
                return _error(fault.status, _reason(fault.status))
            if fault.kind == "throttle":
                left = (fault.until - self._clock()) if fault.until is not None else 1.0
                return self._too_many(fault.retry_after or max(1, math.ceil(left)))
            self.held.append((method, params))
            self._activity.fire()
            await self._sleep_unless_closing(fault.seconds)
            if fault.drop:
                return _error(504, "Gateway Timeout")
        if method in SEND_METHODS and self.enforce_limits:
            wait = self._check_limits(params.get("chat_id"))
            if wait is not None:
                return self._too_many(max(1, math.ceil(wait)))
        handler = getattr(self, _HANDLERS[method])
        try:
            result = await handler(params, files)
        except _ApiError as exc:
            return _error(exc.status, exc.description, exc.parameters)
        return web.json_response({"ok": True, "result": result})

    async def _handle_file(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return _error(404, "Not Found")
        path = request.match_info["path"]
        for stored in self._files.values():
            if stored.file_path == path:
                return web.Response(body=stored.content)
        return _error(404, "Not Found")

    async def _handle_push(self, request: web.Request) -> web.Response:
        """Let a person type as a user: `curl -d user_id=42 -d text=/help .../_fake/push`."""
        form = await request.post()
        chat_id = form.get("chat_id")
        update = self.push_text(
            int(str(form["user_id"])),
            str(form.get("text", "")),
            chat_id=int(str(chat_id)) if chat_id else None,
            chat_type=str(form.get("chat_type", "private")),
            first_name=str(form.get("first_name", "Người dùng")),
        )
        return web.json_response(update, dumps=_readable_json)

    async def _handle_sent(self, request: web.Request) -> web.Response:
        return web.json_response(
            [
                {"method": m.method, "chat_id": m.chat_id, "text": m.text, "file": m.file_name}
                for m in self.sent
            ],
            dumps=_readable_json,
        )

    # ---- the Bot API methods -----------------------------------------------------------------

    async def _api_get_me(self, params: dict[str, Any], files: Any) -> dict[str, Any]:
        return self.bot_user

    async def _api_delete_webhook(self, params: dict[str, Any], files: Any) -> bool:
        self.webhook_url = self.webhook_secret = ""
        if params.get("drop_pending_updates"):
            self._pending.clear()
        return True

    async def _api_set_webhook(self, params: dict[str, Any], files: Any) -> bool:
        secret = str(params.get("secret_token", ""))
        if secret and not _SECRET_TOKEN.fullmatch(secret):
            raise _ApiError(400, "Bad Request: secret token contains unallowed characters")
        self.webhook_url = str(params.get("url", ""))
        self.webhook_secret = secret
        if isinstance(params.get("allowed_updates"), list):
            self.allowed_updates = [str(kind) for kind in params["allowed_updates"]]
        if params.get("drop_pending_updates"):
            self._pending.clear()
        return True

    async def _api_get_webhook_info(self, params: dict[str, Any], files: Any) -> dict[str, Any]:
        return {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._pending),
        }

    async def _api_get_updates(self, params: dict[str, Any], files: Any) -> list[dict[str, Any]]:
        if self.webhook_url:
            raise _ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        if isinstance(params.get("allowed_updates"), list):
            self.allowed_updates = [str(kind) for kind in params["allowed_updates"]]
        offset = int(params.get("offset") or 0)
        limit = min(max(int(params.get("limit") or 100), 1), 100)
        timeout = max(float(params.get("timeout") or 0), 0.0)
        if offset > 0:
            self._pending = [u for u in self._pending if u["update_id"] >= offset]
        elif offset < 0:
            self._pending = self._pending[offset:]
        if not self._pending and not self._closing and timeout > 0:
            self.long_polls_waiting += 1
            self._activity.fire()
            try:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(timeout):
                        while not self._pending and not self._closing:
                            await self._updates_signal.event().wait()
            finally:
                self.long_polls_waiting -= 1
        return self._pending[:limit]

    async def _api_send_message(self, params: dict[str, Any], files: Any) -> dict[str, Any]:
        chat = self._target_chat(params)
        text = str(params.get("text", ""))
        if not text.strip():
            raise _ApiError(400, "Bad Request: message text is empty")
        if len(text) > TEXT_LIMIT:
            raise _ApiError(400, "Bad Request: message is too long")
        message = self._outgoing(chat)
        message["text"] = text
        markup = _inline_keyboard(params.get("reply_markup"))
        if markup is not None:
            message["reply_markup"] = markup
        self._messages[(chat["id"], message["message_id"])] = message
        self._record_sent("sendMessage", chat, message, text, params)
        return message

    async def _api_answer_callback_query(self, params: dict[str, Any], files: Any) -> bool:
        """Each press may be answered once, with at most 200 characters."""
        query_id = str(params.get("callback_query_id", ""))
        if query_id not in self._queries or query_id in self.answers:
            raise _ApiError(400, QUERY_TOO_OLD)
        if len(str(params.get("text", ""))) > 200:
            raise _ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        self.answers[query_id] = dict(params)
        return True

    async def _api_edit_message_text(self, params: dict[str, Any], files: Any) -> dict[str, Any]:
        """Telegram's rules: the text is required; a keyboard not sent again is taken away."""
        message = self._message_to_edit(params)
        text = str(params.get("text", ""))
        if not text.strip():
            raise _ApiError(400, "Bad Request: message text is empty")
        if len(text) > TEXT_LIMIT:
            raise _ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        return self._apply_edit(message, text, _inline_keyboard(params.get("reply_markup")))

    async def _api_edit_message_reply_markup(
        self, params: dict[str, Any], files: Any
    ) -> dict[str, Any]:
        message = self._message_to_edit(params)
        markup = _inline_keyboard(params.get("reply_markup"))
        return self._apply_edit(message, message.get("text", ""), markup)

    def _message_to_edit(self, params: dict[str, Any]) -> dict[str, Any]:
        if "inline_message_id" in params:
            raise _ApiError(400, "Bad Request: MESSAGE_ID_INVALID")
        chat = self._target_chat(params)
        message = self._messages.get((chat["id"], params.get("message_id")))
        if message is None:
            raise _ApiError(400, "Bad Request: message to edit not found")
        return message

    def _apply_edit(
        self, message: dict[str, Any], text: str, markup: dict[str, Any] | None
    ) -> dict[str, Any]:
        if markup is not None and not markup["inline_keyboard"]:
            markup = None  # an empty keyboard is no keyboard
        if text == message.get("text") and markup == message.get("reply_markup"):
            raise _ApiError(400, NOT_MODIFIED)
        message["text"] = text
        if markup is None:
            message.pop("reply_markup", None)
        else:
            message["reply_markup"] = markup
        message["edit_date"] = int(time.time())
        self.edits.append(
            (message["chat"]["id"], message["message_id"], json.loads(json.dumps(message)))
        )
        return message

    async def _api_send_document(
        self, params: dict[str, Any], files: dict[str, web.FileField]
    ) -> dict[str, Any]:
        chat = self._target_chat(params)
        caption = self._caption(params)
        stored = self._upload("document", "documents", params, files)
        message = self._outgoing(chat)
        message["document"] = {
            "file_id": stored.file_id,
            "file_unique_id": "u" + stored.file_id,
            "file_name": stored.file_name,
            "file_size": len(stored.content),
        }
        if caption:
            message["caption"] = caption
        self._record_sent("sendDocument", chat, message, caption, params, stored)
        return message

    async def _api_send_photo(
        self, params: dict[str, Any], files: dict[str, web.FileField]
    ) -> dict[str, Any]:
        chat = self._target_chat(params)
        caption = self._caption(params)
        stored = self._upload("photo", "photos", params, files)
        message = self._outgoing(chat)
        message["photo"] = [_photo_size(stored, 1280, 960)]
        if caption:
            message["caption"] = caption
        self._record_sent("sendPhoto", chat, message, caption, params, stored)
        return message

    async def _api_set_my_commands(self, params: dict[str, Any], files: Any) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise _ApiError(400, "Bad Request: commands must be a list of up to 100 commands")
        parsed: list[tuple[str, str]] = []
        for item in commands:
            command = str(item.get("command", "")) if isinstance(item, dict) else ""
            description = str(item.get("description", "")) if isinstance(item, dict) else ""
            if not _COMMAND_NAME.fullmatch(command):
                raise _ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(description) <= 256:
                raise _ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
            parsed.append((command, description))
        self.commands = parsed
        return True

    async def _api_get_my_commands(
        self, params: dict[str, Any], files: Any
    ) -> list[dict[str, str]]:
        return [{"command": c, "description": d} for c, d in self.commands]

    async def _api_get_file(self, params: dict[str, Any], files: Any) -> dict[str, Any]:
        stored = self._files.get(str(params.get("file_id", "")))
        if stored is None:
            raise _ApiError(400, "Bad Request: invalid file_id")
        if len(stored.content) > DOWNLOAD_LIMIT:
            # Bots may fetch files up to 20 MB; Telegram keeps bigger ones to itself.
            raise _ApiError(400, "Bad Request: file is too big")
        return {
            "file_id": stored.file_id,
            "file_unique_id": "u" + stored.file_id,
            "file_size": len(stored.content),
            "file_path": stored.file_path,
        }

    # ---- helpers -------------------------------------------------------------------------------

    def _new_message(
        self,
        user_id: int,
        chat_id: int | None,
        chat_type: str,
        first_name: str,
        last_name: str | None,
        username: str | None,
        title: str | None,
    ) -> dict[str, Any]:
        user: dict[str, Any] = {
            "id": user_id,
            "is_bot": False,
            "first_name": first_name,
            "language_code": "vi",
        }
        if last_name:
            user["last_name"] = last_name
        if username:
            user["username"] = username
        if chat_type == "private":
            chat = {"id": user_id if chat_id is None else chat_id, "type": "private"}
            chat.update({k: v for k, v in user.items() if k in ("first_name", "last_name")})
        else:
            if chat_id is None:
                raise ValueError("a group message needs a chat_id (negative, as Telegram's are)")
            chat = {"id": chat_id, "type": chat_type, "title": title or f"Nhóm {chat_id}"}
        self._chats[chat["id"]] = chat
        return {
            "message_id": next(self._message_ids[chat["id"]]),
            "from": user,
            "chat": chat,
            "date": int(time.time()),
        }

    def _add_caption(self, message: dict[str, Any], caption: str) -> None:
        if caption:
            message["caption"] = caption
            if entities := _command_entities(caption):
                message["caption_entities"] = entities

    def _push(self, message: dict[str, Any]) -> dict[str, Any]:
        return self._push_update("message", message)

    def _push_update(self, kind: str, body: dict[str, Any]) -> dict[str, Any]:
        update = {"update_id": next(self._update_ids), kind: body}
        # Telegram leaves out the types the bot did not ask for (by default all but a few).
        if self.allowed_updates and kind not in self.allowed_updates:
            self.dropped_updates.append(update)
            return update
        self._pending.append(update)
        self._updates_signal.fire()
        return update

    def _store_file(self, folder: str, content: bytes, file_name: str | None) -> _StoredFile:
        number = next(self._file_ids)
        prefix = "BQAC" if folder == "documents" else "AgAC"
        suffix = file_name.rsplit(".", 1)[-1] if file_name and "." in file_name else "jpg"
        stored = _StoredFile(
            f"{prefix}-{number:06d}", f"{folder}/file_{number}.{suffix}", content, file_name
        )
        self._files[stored.file_id] = stored
        return stored

    def _upload(
        self,
        name: str,
        folder: str,
        params: dict[str, Any],
        files: dict[str, web.FileField],
    ) -> _StoredFile:
        part = files.get(name)
        value = params.get(name)
        if part is None and isinstance(value, str) and value.startswith("attach://"):
            part = files.get(value.removeprefix("attach://"))
        if part is not None:
            content = part.file.read()
            if not content:
                raise _ApiError(400, "Bad Request: file must be non-empty")
            return self._store_file(folder, content, part.filename)
        if isinstance(value, str) and value in self._files:
            return self._files[value]
        raise _ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")

    def _target_chat(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = params.get("chat_id")
        if chat_id in (None, ""):
            raise _ApiError(400, "Bad Request: chat_id is empty")
        if chat_id in self.blocked_chats:
            raise _ApiError(403, "Forbidden: bot was blocked by the user")
        if chat_id in self._chats:
            return self._chats[chat_id]
        if isinstance(chat_id, int) and chat_id > 0:
            return {"id": chat_id, "type": "private", "first_name": "Người dùng"}
        chat_type = "supergroup" if str(chat_id).startswith("-100") else "group"
        return {"id": chat_id, "type": chat_type, "title": f"Nhóm {chat_id}"}

    def _caption(self, params: dict[str, Any]) -> str:
        caption = str(params.get("caption", ""))
        if len(caption) > CAPTION_LIMIT:
            raise _ApiError(400, "Bad Request: message caption is too long")
        return caption

    def _outgoing(self, chat: dict[str, Any]) -> dict[str, Any]:
        return {
            "message_id": next(self._message_ids[chat["id"]]),
            "from": self.bot_user,
            "chat": chat,
            "date": int(time.time()),
        }

    def _record_sent(
        self,
        method: str,
        chat: dict[str, Any],
        message: dict[str, Any],
        text: str,
        params: dict[str, Any],
        stored: _StoredFile | None = None,
    ) -> None:
        sent = SentMessage(
            method=method,
            chat_id=chat["id"],
            text=text,
            message_id=message["message_id"],
            time=self._clock(),
            file_name=stored.file_name if stored else None,
            file_size=len(stored.content) if stored else None,
            content=stored.content if stored else None,
            params=dict(params),
        )
        self.sent.append(sent)
        if self._on_sent is not None:
            self._on_sent(sent)

    def _record(self, method: str, params: dict[str, Any], status: int) -> None:
        self.calls.append(ApiCall(method, params, status, self._clock()))
        self._activity.fire()

    def _take_fault(self, method: str) -> _Fault | None:
        now = self._clock()
        self._faults = [
            f
            for f in self._faults
            if (f.remaining is None or f.remaining > 0) and (f.until is None or f.until > now)
        ]
        for fault in self._faults:
            if fault.methods is None or method in fault.methods:
                if fault.remaining is not None:
                    fault.remaining -= 1
                return fault
        return None

    def _check_limits(self, chat_id: object) -> float | None:
        """Return how long to wait if this send breaks a flood limit; else count it."""
        now = self._clock()
        key = chat_id if isinstance(chat_id, int | str) else str(chat_id)
        windows = [
            (self._overall_times, 1.0, self.overall_per_second),
            (self._chat_times[key], 1.0, self.per_chat_per_second),
        ]
        if _is_group_id(key):
            windows.append((self._group_times[key], 60.0, self.group_per_minute))
        wait: float | None = None
        for times, span, limit in windows:
            while times and times[0] <= now - span:
                times.popleft()
            if len(times) >= limit:
                left = times[0] + span - now
                wait = left if wait is None else max(wait, left)
        if wait is None:
            for times, _, _ in windows:
                times.append(now)
        return wait

    def _too_many(self, retry_after: int) -> web.Response:
        self.too_many_requests += 1
        return _error(
            429,
            f"Too Many Requests: retry after {retry_after}",
            {"retry_after": retry_after},
        )

    async def _sleep_unless_closing(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                while not self._closing:
                    await self._activity.event().wait()


# Bot API method → the coroutine answering it; Telegram matches method names case-insensitively.
_HANDLERS = {
    name: "_api_" + re.sub(r"[A-Z]", lambda m: "_" + m.group().lower(), name)
    for name in (
        "getMe",
        "deleteWebhook",
        "setWebhook",
        "getWebhookInfo",
        "getUpdates",
        "sendMessage",
        "sendDocument",
        "sendPhoto",
        "setMyCommands",
        "getMyCommands",
        "getFile",
        "answerCallbackQuery",
        "editMessageText",
        "editMessageReplyMarkup",
    )
}
_METHOD_NAMES = {name.lower(): name for name in _HANDLERS}


async def _read_params(request: web.Request) -> tuple[dict[str, Any], dict[str, web.FileField]]:
    """Read query, form, multipart or JSON parameters the way the Bot API accepts them."""
    params: dict[str, Any] = {k: _decode(k, v) for k, v in request.query.items()}
    files: dict[str, web.FileField] = {}
    if request.content_type == "application/json":
        body = await request.read()
        if body:
            decoded = json.loads(body)
            if not isinstance(decoded, dict):
                raise ValueError("the JSON body must be an object")
            params.update(decoded)
    elif request.body_exists:
        for key, value in (await request.post()).items():
            if isinstance(value, web.FileField):
                files[key] = value
            else:
                raw = value.decode() if isinstance(value, bytes | bytearray) else str(value)
                params[key] = _decode(key, raw)
    return params, files


def _decode(key: str, raw: str) -> Any:
    if key in _RAW_STRING_PARAMS:
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def _command_entities(text: str) -> list[dict[str, Any]]:
    match = _COMMAND.match(text)
    if match is None:
        return []
    # Telegram measures entities in UTF-16 code units.
    length = len(match.group().encode("utf-16-le")) // 2
    return [{"type": "bot_command", "offset": 0, "length": length}]


def _inline_keyboard(value: Any) -> dict[str, Any] | None:
    """Check an inline keyboard as Telegram does: buttons with text and 1–64 bytes of data."""
    if value in (None, ""):
        return None
    if not isinstance(value, dict) or not isinstance(value.get("inline_keyboard"), list):
        raise _ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
    rows = []
    for row in value["inline_keyboard"]:
        if not isinstance(row, list):
            raise _ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
        buttons = []
        for button in row:
            if not isinstance(button, dict) or not str(button.get("text", "")).strip():
                raise _ApiError(400, "Bad Request: BUTTON_TEXT_INVALID")
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode()) <= 64:
                raise _ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
            buttons.append({"text": str(button["text"]), "callback_data": str(data or "")})
        rows.append(buttons)
    return {"inline_keyboard": rows}


def _photo_size(stored: _StoredFile, width: int, height: int) -> dict[str, Any]:
    return {
        "file_id": stored.file_id,
        "file_unique_id": "u" + stored.file_id,
        "width": width,
        "height": height,
        "file_size": len(stored.content),
    }


def _is_group_id(chat_id: object) -> bool:
    return str(chat_id).startswith("-")


def _method_set(methods: Iterable[str] | None) -> frozenset[str] | None:
    if methods is None:
        return None
    names = frozenset(methods)
    unknown = {m for m in names if m not in _METHOD_NAMES.values()}
    if unknown:
        raise ValueError(f"unknown Bot API methods: {sorted(unknown)}")
    return names


def _readable_json(value: Any) -> str:
    """Vietnamese as letters, not \\u escapes: these answers are read by people."""
    return json.dumps(value, ensure_ascii=False, indent=1)


def _reason(status: int) -> str:
    reasons = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}
    return reasons.get(status, f"Error {status}")


def _error(
    status: int, description: str, parameters: dict[str, Any] | None = None
) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if parameters:
        body["parameters"] = parameters
    return web.json_response(body, status=status)


async def run_forever(host: str, port: int, token: str) -> None:
    """Serve until interrupted, printing what the bot sends."""

    def show(message: SentMessage) -> None:
        extra = f" [{message.file_name}]" if message.file_name else ""
        print(f"→ {message.chat_id} {message.method}{extra}: {message.text}", flush=True)

    server = FakeTelegramServer(token, host=host, port=port, on_sent=show)
    async with server:
        print(
            f"Fake Telegram on {server.base_url} (token {token})\n"
            f'  nhacviec config: [telegram] base_url = "{server.base_url}"\n'
            f"  type as a user:  curl -d user_id=42 -d text=/help "
            f"http://{host}:{server.port}/_fake/push\n"
            f"  what was sent:   curl http://{host}:{server.port}/_fake/sent",
            flush=True,
        )
        await asyncio.Event().wait()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Run the fake Telegram Bot API by hand.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--token", default=DEFAULT_TOKEN)
    args = parser.parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run_forever(args.host, args.port, args.token))


if __name__ == "__main__":
    main()
