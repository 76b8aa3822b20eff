"""What every CLI command shares: its failure type and the services it opens and closes.

Kept apart from `bot.cli` so that command modules depend on it and never on the entry point:
the CLI has one direction, from `bot.cli` at the top to what the commands call below.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.clock import Clock
    from bot.config import Config
    from bot.services.facade import BotServices

EXIT_USAGE = 2


class CliError(Exception):
    """A failure worded for the person at the terminal; `status` is the exit code."""

    def __init__(self, message: str, status: int = 1) -> None:
        super().__init__(message)
        self.status = status


@asynccontextmanager
async def opened(config: Config, *, clock: Clock | None = None) -> AsyncIterator[BotServices]:
    """Services on the configured database (migrated first), disposed of however it ends."""
    from bot.app import open_services

    services = await open_services(config, clock=clock)
    try:
        yield services
    finally:
        await services.db.dispose()


def parse_cli_date(text: str, option: str) -> date:
    """A `dd/mm/yyyy` date from the command line; a one-line usage error otherwise."""
    from bot.domain.timeexpr import parse_chat_date

    found = parse_chat_date(text, default_year=0) if text.count("/") == 2 else None
    if found is None:
        raise CliError(f'{option} "{text}" is not a date; write it as dd/mm/yyyy', EXIT_USAGE)
    return found


def existing_folder(path: Path) -> Path:
    if not path.parent.exists():
        raise CliError(f"folder {path.parent} does not exist", EXIT_USAGE)
    return path
