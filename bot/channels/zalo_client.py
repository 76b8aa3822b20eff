"""A thin async client for the Zalo Bot API, apart from the channel so the wire is easy to fix.

Every method is a `POST` with a JSON body to `{base_url}/bot<TOKEN>/<method>`; answers are
`{"ok": true, "result": …}` or `{"ok": false, "error_code": N, "description": …}`. The token sits
in every URL, so this module also owns the log filter that keeps it out of log records.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Final

import httpx

from bot.logsafety import SECRET_FILTER, mask_token_in_logs, quiet_http_logs

log = logging.getLogger(__name__)

DEFAULT_BASE_URL: Final = "https://bot-api.zaloplatforms.com"
LEGACY_BASE_URL: Final = "https://bot-api.zapps.me"
DEFAULT_TIMEOUT: Final = 20.0
# The token goes in the path, Telegram-style; change it here if Zalo ever moves it to a header.
PATH_TEMPLATE: Final = "/bot{token}/{method}"


class Methods:
    """The Bot API method names, in one place so a rename on Zalo's side is a one-line fix."""

    GET_ME: Final = "getMe"
    GET_UPDATES: Final = "getUpdates"
    SET_WEBHOOK: Final = "setWebhook"
    DELETE_WEBHOOK: Final = "deleteWebhook"
    GET_WEBHOOK_INFO: Final = "getWebhookInfo"
    SEND_MESSAGE: Final = "sendMessage"
    SEND_PHOTO: Final = "sendPhoto"
    SEND_STICKER: Final = "sendSticker"
    SEND_CHAT_ACTION: Final = "sendChatAction"


# An empty long poll means "nothing new", not a failure: HTTP 408 and/or error_code 408.
POLL_TIMEOUT_CODE: Final = 408
NOT_FOUND_CODE: Final = 404
TOO_MANY_REQUESTS: Final = 429
MASK: Final = "<zalo-token>"


class ZaloApiError(Exception):
    """Zalo refused the call; not worth retrying as is (bad chat id, text too long, bad token…)."""

    def __init__(self, error_code: int, description: str) -> None:
        super().__init__(f"Zalo API error {error_code}: {description}")
        self.error_code = error_code
        self.description = description


class ZaloRetryableError(ZaloApiError):
    """A 429 or 5xx: the same call may succeed later; `retry_after` is the server's hint if any."""

    def __init__(self, error_code: int, description: str, retry_after: float | None = None):
        super().__init__(error_code, description)
        self.retry_after = retry_after


class ZaloNetworkError(ZaloRetryableError):
    """The call did not get an answer (connection refused, timeout); `error_code` is 0."""

    def __init__(self, description: str) -> None:
        super().__init__(0, description)


def protect_token(token: str) -> None:
    """Mask `token` (and its secret half) in every log record, and quiet httpx's URL log."""
    quiet_http_logs()
    if token:
        mask_token_in_logs(token, MASK)


def _retry_after(body: dict[str, Any] | None, response: httpx.Response) -> float | None:
    """Read the wait hint from `parameters.retry_after` (Telegram's habit) or the HTTP header."""
    if body:
        params = body.get("parameters")
        if isinstance(params, dict) and isinstance(params.get("retry_after"), int | float):
            return float(params["retry_after"])
    header = response.headers.get("Retry-After")
    if header:
        try:
            return float(header)
        except ValueError:
            return None
    return None


class ZaloBotClient:
    """One bot's API: a method per call, JSON in, the `result` out, typed errors otherwise."""

    def __init__(
        self,
        token: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        timeout: float = DEFAULT_TIMEOUT,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        if not token:
            raise ValueError("Zalo bot token is empty")
        self._token = token
        self.base_url = base_url.rstrip("/")
        self._timeout = timeout
        protect_token(token)
        self._http = httpx.AsyncClient(timeout=timeout, transport=transport)

    def __repr__(self) -> str:
        return f"ZaloBotClient(base_url={self.base_url!r})"

    def mask(self, text: str) -> str:
        """Return `text` with this bot's token hidden, for messages built from foreign errors."""
        return SECRET_FILTER.masked(text)

    def _url(self, method: str) -> str:
        return self.base_url + PATH_TEMPLATE.format(token=self._token, method=method)

    async def call(
        self,
        method: str,
        payload: dict[str, Any] | None = None,
        *,
        http_timeout: float | None = None,
    ) -> Any:
        """POST `payload` to `method` and return its `result`, or raise a `ZaloApiError`."""
        try:
            response = await self._http.post(
                self._url(method),
                json=payload or {},
                timeout=http_timeout if http_timeout is not None else self._timeout,
            )
        except httpx.HTTPError as exc:
            # httpx messages may quote the URL; rebuild a clean one and drop the chained original.
            detail = self.mask(str(exc))
            raise ZaloNetworkError(f"{method}: {type(exc).__name__}: {detail}") from None
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            body = None
        if response.is_success and body is not None and body.get("ok") is True:
            return body.get("result")
        code = body.get("error_code") if body is not None else None
        if not isinstance(code, int) or isinstance(code, bool):
            code = response.status_code if not response.is_success else 0
        description = (body or {}).get("description") or response.reason_phrase or "no description"
        description = self.mask(f"{method}: {description}")
        status = response.status_code
        if TOO_MANY_REQUESTS in (code, status) or code >= 500 or status >= 500:
            raise ZaloRetryableError(code, description, _retry_after(body, response))
        raise ZaloApiError(code, description)

    async def fetch(self, url: str, dest: Path, *, max_bytes: int) -> int:
        """Stream a file at `url` (a photo a person sent) into `dest`; its size in bytes.

        Raises ValueError past `max_bytes` and ZaloNetworkError when it cannot be fetched.
        """
        size = 0
        try:
            async with self._http.stream("GET", url) as response:
                if not response.is_success:
                    raise ZaloNetworkError(f"file: HTTP {response.status_code}")
                with dest.open("wb") as out:
                    async for chunk in response.aiter_bytes():
                        size += len(chunk)
                        if size > max_bytes:
                            raise ValueError(size)
                        out.write(chunk)
        except httpx.HTTPError as exc:
            raise ZaloNetworkError(f"file: {type(exc).__name__}") from None
        return size

    async def get_me(self) -> dict[str, Any]:
        """Check the token; the answer holds the bot's `id` and `account_name`."""
        return await self.call(Methods.GET_ME)

    # `timeout` is Zalo's long-poll parameter (server side), not a local deadline.
    async def get_updates(self, timeout: int = 30) -> dict[str, Any] | None:  # noqa: ASYNC109
        """Long-poll for ONE update; None when the poll ran out with nothing new (408).

        Zalo documents `timeout` as a string; the HTTP timeout leaves room past the long poll.
        """
        try:
            result = await self.call(
                Methods.GET_UPDATES,
                {"timeout": str(timeout)},
                http_timeout=timeout + self._timeout,
            )
        except ZaloApiError as exc:
            if exc.error_code == POLL_TIMEOUT_CODE:
                return None
            raise
        if isinstance(result, list):
            # Not what Zalo does today (one update per call), but cheap to tolerate.
            result = result[0] if result else None
        return result if isinstance(result, dict) and result else None

    async def set_webhook(self, url: str, secret_token: str) -> dict[str, Any]:
        """Point Zalo at `url`; it will send `secret_token` in `X-Bot-Api-Secret-Token`."""
        return await self.call(Methods.SET_WEBHOOK, {"url": url, "secret_token": secret_token})

    async def delete_webhook(self) -> dict[str, Any] | None:
        """Remove the webhook so getUpdates works again."""
        return await self.call(Methods.DELETE_WEBHOOK)

    async def get_webhook_info(self) -> dict[str, Any] | None:
        """The webhook in force, or None when there is none (404, or an empty `url`)."""
        try:
            result = await self.call(Methods.GET_WEBHOOK_INFO)
        except ZaloApiError as exc:
            if exc.error_code == NOT_FOUND_CODE:
                return None
            raise
        if not isinstance(result, dict) or not result.get("url"):
            return None
        return result

    async def send_message(self, chat_id: str, text: str) -> str:
        """Send plain text (1–2,000 characters) and return Zalo's message id."""
        result = await self.call(Methods.SEND_MESSAGE, {"chat_id": chat_id, "text": text})
        return _message_id(result)

    async def send_photo(self, chat_id: str, photo_url: str, caption: str = "") -> str:
        """Send a photo Zalo fetches itself from an http(s) URL; return the message id."""
        payload: dict[str, Any] = {"chat_id": chat_id, "photo": photo_url}
        if caption:
            payload["caption"] = caption
        result = await self.call(Methods.SEND_PHOTO, payload)
        return _message_id(result)

    async def send_chat_action(self, chat_id: str, action: str = "typing") -> None:
        """Show "typing…" in the chat while a slow answer is being prepared."""
        await self.call(Methods.SEND_CHAT_ACTION, {"chat_id": chat_id, "action": action})

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()


def _message_id(result: Any) -> str:
    if isinstance(result, dict) and result.get("message_id") is not None:
        return str(result["message_id"])
    return ""
