"""Serve a chat platform's webhook calls: one small aiohttp server, the same for every channel.

Telegram and Zalo both POST each update as JSON to a URL we give them, with a secret we chose in
a header (`X-Telegram-Bot-Api-Secret-Token`, `X-Bot-Api-Secret-Token`). What this server does
for either of them, in this order:

1. only POST on a known path: the path of the public `webhook_url`, so a reverse proxy may pass
   it through unchanged, and the channel's default path, for a proxy that rewrites to it;
   404 anywhere else;
2. the secret header, compared in constant time, before the body is even read: 403 without it,
   and nothing is processed or remembered; the secret itself is masked in every log record;
3. a body size limit (413), so nobody can make the bot buffer megabytes;
4. JSON (400 otherwise), handed to the channel's `on_update`, which may refuse it
   (`WebhookRefused`, 400); 200 as soon as the update is taken, so a slow reply never makes the
   platform time out and deliver again.

The server listens on `webhook_listen` (host:port, normally loopback behind the proxy).
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from bot.logsafety import mask_secret_in_logs

log = logging.getLogger(__name__)

#: Updates are a few kB; a document or photo arrives as a file id, never as its bytes.
DEFAULT_BODY_LIMIT = 1024 * 1024
SECRET_LENGTHS = range(8, 257)

#: What the channel does with one update's JSON; raising `WebhookRefused` answers 400.
UpdateSink = Callable[[Any], Awaitable[None]]


class WebhookRefused(Exception):
    """The body is JSON but not an update the channel can take; the message says why."""


def split_listen(listen: str) -> tuple[str, int]:
    """`127.0.0.1:8443` → ("127.0.0.1", 8443); `[::1]:8443` → ("::1", 8443)."""
    host, _, port = listen.rpartition(":")
    if not host or not port.isdigit():
        raise ValueError(f"webhook_listen must be host:port, got {listen!r}")
    return host.strip("[]"), int(port)


def webhook_paths(webhook_url: str, default_path: str, *, channel: str) -> tuple[str, ...]:
    """The channel's default path, then the public URL's own path when it is another one."""
    public = urlsplit(webhook_url)
    if public.scheme not in ("http", "https") or not public.netloc:
        raise ValueError(
            f"{channel} webhook mode needs webhook_url, the public https address; "
            f"got {webhook_url!r}"
        )
    default = default_path if default_path.startswith("/") else f"/{default_path}"
    public_path = public.path or "/"
    return (default,) if public_path == default else (default, public_path)


class WebhookServer:
    """Receive one channel's webhook calls and hand each update to `on_update`.

    `channel` names it in logs and errors; `secret_header` is the platform's header name.
    Settings are checked at once, so a bad config fails before anything starts.
    """

    def __init__(
        self,
        *,
        channel: str,
        listen: str,
        webhook_url: str,
        default_path: str,
        secret: str,
        secret_header: str,
        on_update: UpdateSink,
        body_limit: int = DEFAULT_BODY_LIMIT,
    ) -> None:
        self.channel = channel
        self.host, self._port = split_listen(listen)
        self.paths = webhook_paths(webhook_url, default_path, channel=channel)
        if len(secret) not in SECRET_LENGTHS:
            raise ValueError(f"{channel} webhook secret must be 8 to 256 characters")
        self._secret = secret.encode()
        mask_secret_in_logs(secret)  # whoever logs a request or a setWebhook call
        self.secret_header = secret_header
        self._on_update = on_update
        self.body_limit = body_limit
        self._runner: web.AppRunner | None = None
        self.port: int | None = None

    @property
    def local_urls(self) -> tuple[str, ...]:
        """Where this process listens, one URL a path (for tests and health checks)."""
        if self.port is None:
            raise RuntimeError(f"the {self.channel} webhook server is not started")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return tuple(f"http://{host}:{self.port}{path}" for path in self.paths)

    @property
    def local_url(self) -> str:
        """The default path's local URL."""
        return self.local_urls[0]

    async def start(self) -> None:
        """Listen; once this returns, the platform's first call finds us."""
        if self._runner is not None:
            raise RuntimeError(f"the {self.channel} webhook server is already started")
        app = web.Application(client_max_size=self.body_limit)
        for path in self.paths:
            # A plain resource: a `{` in a public path is a character, not a pattern.
            resource = web.PlainResource(path)
            resource.add_route("POST", self._on_call)
            app.router.register_resource(resource)
        # No access log: it would record every caller; refusals are logged below, once.
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        try:
            await web.TCPSite(runner, self.host, self._port).start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        self.port = runner.addresses[0][1]
        log.info("%s webhook listening on %s", self.channel, ", ".join(self.local_urls))

    async def stop(self) -> None:
        """Stop listening; the platform keeps what it could not deliver until we are back."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _on_call(self, request: web.Request) -> web.StreamResponse:
        given = request.headers.get(self.secret_header, "")
        if not hmac.compare_digest(given.encode(), self._secret):
            log.warning(
                "%s webhook call from %s refused: wrong or missing %s",
                self.channel,
                request.remote,
                self.secret_header,
            )
            return _answer(403, "forbidden")
        if request.content_length is not None and request.content_length > self.body_limit:
            return _answer(413, "request body too large")
        try:
            body = await request.read()
        except web.HTTPRequestEntityTooLarge:
            return _answer(413, "request body too large")
        try:
            payload = json.loads(body)
        except ValueError:  # UnicodeDecodeError included
            return _answer(400, "invalid JSON")
        try:
            await self._on_update(payload)
        except WebhookRefused as refused:
            return _answer(400, str(refused))
        return web.json_response({"ok": True})


class ServesWebhook:
    """What a channel that may serve webhooks tells about it: where it listens, once started.

    The channel sets `_webhook` (None in polling mode) and `name` before anyone asks.
    """

    name: str
    _webhook: WebhookServer | None

    @property
    def webhook_port(self) -> int | None:
        """The port the webhook server listens on, once started (0 in the config picks one)."""
        return self._webhook.port if self._webhook is not None else None

    @property
    def webhook_local_url(self) -> str:
        """Where this process listens (for tests and health checks), not the public URL."""
        if self._webhook is None:
            raise RuntimeError(f"the {self.name} channel is not in webhook mode")
        return self._webhook.local_url


def _answer(status: int, description: str) -> web.Response:
    return web.json_response({"ok": False, "description": description}, status=status)
