"""The shared webhook server on its own, over real HTTP on loopback: paths, secret, body limit."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import pytest
import pytest_asyncio

from bot.channels.webhook import (
    WebhookRefused,
    WebhookServer,
    split_listen,
    webhook_paths,
)

SECRET = "s3cret_Webhook-token_2022"
HEADER = "X-Bot-Api-Secret-Token"
PUBLIC_URL = "https://nhacviec.example.gov.vn/zalo"
DEFAULT_PATH = "/zalo/webhook"
UPDATE = {"event_name": "message.text.received", "message": {"text": "xong 6"}}


class Sink:
    """The channel's side: remembers every update it was handed; refuses what has no message."""

    def __init__(self) -> None:
        self.updates: list[Any] = []

    async def __call__(self, payload: Any) -> None:
        if not isinstance(payload, dict) or "message" not in payload:
            raise WebhookRefused("not an update")
        self.updates.append(payload)


Post = Callable[..., Awaitable[tuple[int, Any]]]


@pytest_asyncio.fixture
async def sink() -> Sink:
    return Sink()


@pytest_asyncio.fixture
async def server(sink: Sink) -> AsyncIterator[WebhookServer]:
    webhook = WebhookServer(
        channel="Zalo",
        listen="127.0.0.1:0",
        webhook_url=PUBLIC_URL,
        default_path=DEFAULT_PATH,
        secret=SECRET,
        secret_header=HEADER,
        on_update=sink,
        body_limit=4096,
    )
    await webhook.start()
    yield webhook
    await webhook.stop()


@pytest_asyncio.fixture
async def post(server: WebhookServer) -> AsyncIterator[Post]:
    base = f"http://127.0.0.1:{server.port}"
    async with aiohttp.ClientSession() as session:

        async def send(
            path: str,
            body: Any = UPDATE,
            *,
            secret: str | None = SECRET,
            header: str = HEADER,
            raw: Any = None,
            method: str = "POST",
        ) -> tuple[int, Any]:
            headers = {header: secret} if secret is not None else {}
            data = raw if raw is not None else json.dumps(body).encode()
            async with session.request(
                method, base + path, data=data, headers=headers
            ) as response:
                text = await response.text()
                try:
                    return response.status, json.loads(text)
                except ValueError:  # aiohttp's own 404 and 405 are plain text
                    return response.status, text

        yield send


async def test_the_path_of_webhook_url_and_the_default_path_are_served(server, sink, post):
    assert server.paths == (DEFAULT_PATH, "/zalo")
    assert server.local_url == f"http://127.0.0.1:{server.port}{DEFAULT_PATH}"
    assert await post("/zalo") == (200, {"ok": True})
    assert await post(DEFAULT_PATH) == (200, {"ok": True})
    assert sink.updates == [UPDATE, UPDATE]


async def test_other_paths_and_methods_are_not_served(server, sink, post):
    for path in ("/", "/zalo/", "/zalo/x", "/telegram/webhook", "/ZALO"):
        status, _ = await post(path)
        assert status == 404, path
    status, _ = await post("/zalo", method="GET")
    assert status == 405
    assert sink.updates == []


@pytest.mark.parametrize(
    "secret", [None, "", "wrong-secret-123", SECRET + "x", SECRET[:-1], SECRET.upper()]
)
async def test_a_missing_or_wrong_secret_is_refused_and_nothing_is_processed(
    server, sink, post, secret
):
    assert await post("/zalo", secret=secret) == (403, {"ok": False, "description": "forbidden"})
    # The body is not even looked at: not JSON, or too large, it is still a 403.
    status, _ = await post(DEFAULT_PATH, secret=secret, raw=b"{")
    assert status == 403
    status, _ = await post(DEFAULT_PATH, secret=secret, raw=b"x" * 5000)
    assert status == 403
    assert sink.updates == []


async def test_the_secret_goes_in_the_channels_own_header(server, sink, post):
    status, _ = await post("/zalo", header="X-Telegram-Bot-Api-Secret-Token")
    assert status == 403
    assert sink.updates == []


async def test_a_body_over_the_limit_is_413_and_not_processed(server, sink, post):
    big = {"message": {"text": "x" * 5000}}
    status, body = await post("/zalo", big)
    assert (status, body["description"]) == (413, "request body too large")

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: cut off while reading
        for _ in range(5):
            yield b" " * 1000

    status, _ = await post("/zalo", raw=chunks())
    assert status == 413
    assert sink.updates == []
    assert await post("/zalo") == (200, {"ok": True})  # still serving


async def test_bodies_that_are_not_updates_are_400(server, sink, post):
    for raw in (b"not json", b"\xff\xfe", b""):
        status, body = await post("/zalo", raw=raw)
        assert (status, body["description"]) == (400, "invalid JSON"), raw
    assert await post("/zalo", [1, 2]) == (400, {"ok": False, "description": "not an update"})
    assert sink.updates == []


def test_webhook_paths_takes_the_public_path_and_keeps_the_default_first() -> None:
    assert webhook_paths("https://h.vn/zalo", "/zalo/webhook", channel="Zalo") == (
        "/zalo/webhook",
        "/zalo",
    )
    assert webhook_paths("https://h.vn/zalo/webhook?x=1", "zalo/webhook", channel="Zalo") == (
        "/zalo/webhook",
    )
    assert webhook_paths("https://h.vn", "/tg", channel="Telegram") == ("/tg", "/")
    assert webhook_paths("http://127.0.0.1:8444/a/b/", "/tg", channel="Telegram") == (
        "/tg",
        "/a/b/",
    )
    for url in ("", "h.vn/zalo", "ftp://h.vn/zalo", "https:///zalo"):
        with pytest.raises(ValueError, match="Zalo webhook mode needs webhook_url"):
            webhook_paths(url, "/zalo/webhook", channel="Zalo")


def test_listen_and_secret_are_checked_before_anything_starts() -> None:
    assert split_listen("127.0.0.1:8443") == ("127.0.0.1", 8443)
    assert split_listen("[::1]:0") == ("::1", 0)
    for listen in ("8443", ":8443", "localhost:", "localhost:http"):
        with pytest.raises(ValueError, match="host:port"):
            split_listen(listen)

    def server(secret: str) -> WebhookServer:
        return WebhookServer(
            channel="Zalo",
            listen="127.0.0.1:0",
            webhook_url=PUBLIC_URL,
            default_path=DEFAULT_PATH,
            secret=secret,
            secret_header=HEADER,
            on_update=Sink(),
        )

    for secret in ("", "short12", "x" * 257):
        with pytest.raises(ValueError, match="Zalo webhook secret must be 8 to 256"):
            server(secret)
    assert server("x" * 8).paths == server("x" * 256).paths


async def test_a_public_path_with_braces_is_taken_literally(sink: Sink) -> None:
    webhook = WebhookServer(
        channel="Telegram",
        listen="127.0.0.1:0",
        webhook_url="https://h.vn/hook{id}",
        default_path="/telegram/webhook",
        secret=SECRET,
        secret_header="X-Telegram-Bot-Api-Secret-Token",
        on_update=sink,
    )
    await webhook.start()
    try:
        async with aiohttp.ClientSession() as session:
            headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
            for path, expected in (("/hook{id}", 200), ("/hook7", 404)):
                url = f"http://127.0.0.1:{webhook.port}{path}"
                async with session.post(url, json=UPDATE, headers=headers) as response:
                    assert response.status == expected, path
    finally:
        await webhook.stop()
    assert sink.updates == [UPDATE]
