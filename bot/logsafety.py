"""Keep secrets out of the logs: bot tokens sit in every Bot API URL that httpx logs.

One record factory masks every registered secret in every record where it is born, so no
logger, child logger or handler added later (pytest's caplog, the CLI's) can print one.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from typing import Any

DEFAULT_MASK = "***"


class SecretMaskingFilter(logging.Filter):
    """Replace secrets in a record's text, traceback and stack, each with its own mask."""

    def __init__(self) -> None:
        super().__init__()
        self._secrets: dict[str, str] = {}

    def add(self, secret: str, mask: str = DEFAULT_MASK) -> None:
        if secret:
            self._secrets[secret] = mask

    def masked(self, text: str) -> str:
        # Longest first, so a token is masked whole before its secret half is.
        for secret in sorted(self._secrets, key=len, reverse=True):
            text = text.replace(secret, self._secrets[secret])
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._secrets:
            return True
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: logging reports it at emit time
            return True
        masked = self.masked(message)
        if masked != message:
            record.msg, record.args = masked, ()
        if record.exc_info and record.exc_info[0] is not None:
            text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
            masked = self.masked(text)
            if masked != text:
                # Formatters print exc_text as is; exc_info would be formatted again, unmasked.
                record.exc_text, record.exc_info = masked, None
        if record.stack_info:
            record.stack_info = self.masked(record.stack_info)
        return True


SECRET_FILTER = SecretMaskingFilter()
_RECORD_HOOKS: list[Callable[[logging.LogRecord], None]] = []
_factory_installed = False


def mask_secret_in_logs(secret: str, mask: str = DEFAULT_MASK) -> None:
    """Mask `secret` in every log record from now on, whichever logger or handler sees it."""
    SECRET_FILTER.add(secret, mask)
    _install_factory()


def mask_token_in_logs(token: str, mask: str = DEFAULT_MASK) -> None:
    """Mask a bot token, and its secret half (after the colon), which alone grants access."""
    mask_secret_in_logs(token, mask)
    _, _, secret = token.partition(":")
    if len(secret) >= 8:
        mask_secret_in_logs(secret, mask)


def add_record_hook(hook: Callable[[logging.LogRecord], None]) -> None:
    """Run `hook` on every record before secrets are masked (e.g. to drop chat contents)."""
    if hook not in _RECORD_HOOKS:
        _RECORD_HOOKS.append(hook)
    _install_factory()


def _install_factory() -> None:
    global _factory_installed
    if _factory_installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        for hook in _RECORD_HOOKS:
            hook(record)
        SECRET_FILTER.filter(record)
        return record

    logging.setLogRecordFactory(factory)
    _factory_installed = True


def quiet_http_logs() -> None:
    """httpx logs every request URL, token included, at INFO: keep it to warnings."""
    logging.getLogger("httpx").setLevel(logging.WARNING)
