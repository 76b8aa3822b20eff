"""Wiring: build the services, channels and scheduler from the config."""

from __future__ import annotations

from bot.clock import Clock, SystemClock
from bot.config import Config
from bot.domain.units import UnitCatalog
from bot.services.facade import BotServices
from bot.store.db import Database


def catalog_for(config: Config) -> UnitCatalog:
    """The unit names the plan may use: built-ins, the config's groups and their members, the
    config's aliases and short names."""
    members = [member for group in config.groups.values() for member in group]
    return UnitCatalog(
        units=members,
        groups=config.groups,
        aliases=config.unit_aliases,
        short=config.unit_short,
    )


async def open_services(
    config: Config, *, clock: Clock | None = None, upgrade: bool = True
) -> BotServices:
    """Services on the configured database, migrated to the newest schema first."""
    db = Database(config.database_url)
    if upgrade:
        await db.upgrade()
    return BotServices(db, clock or SystemClock(), config, catalog_for(config))


def telegram_link(config: Config, code: str) -> str | None:
    """The deep link that opens the bot with the code filled in, when the bot's name is known."""
    username = config.telegram.username.lstrip("@")
    return f"https://t.me/{username}?start={code}" if username else None
