"""`nhacviec run`: every enabled channel and the reminder scheduler, until SIGINT or SIGTERM.

APScheduler only wakes the engine once a minute; what is due and what was sent is decided from the
database on every tick, never from APScheduler's in-memory job list. Several processes may run on
one database: only the holder of the tick lease (`scheduler.lease`) ticks and sends reminders.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from contextlib import suppress
from datetime import datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.app import open_services
from bot.channels.base import Channel
from bot.clock import LOCAL_TZ, Clock
from bot.config import Config, ConfigError
from bot.dispatch import Dispatcher
from bot.i18n import N_, Translator
from bot.services.facade import BotServices
from handlers import HANDLERS
from scheduler.engine import ReminderEngine, settle_heap
from scheduler.lease import Lease

log = logging.getLogger(__name__)

ERROR_TEXT = N_("Sorry, something went wrong on our side. Please try again in a minute.")
FILE_UNAVAILABLE_TEXT = N_(
    "Zalo cannot carry files: please get {file_name} on Telegram or from the Office."
)


def build_channels(config: Config, services: BotServices) -> dict[str, Channel]:
    """The channels the config enables, ready to start (or just to send, for `tick`)."""
    tr = Translator(config.language)
    channels: dict[str, Channel] = {}
    if config.telegram.enabled:
        from bot.channels.telegram import TelegramChannel

        try:
            channels["telegram"] = TelegramChannel(
                config.telegram.token,
                base_url=config.telegram.base_url,
                commands=[(name, tr.gettext(spec.summary)) for name, spec in HANDLERS.items()],
                error_text=tr.gettext(ERROR_TEXT),
                mode=config.telegram.mode,  # type: ignore[arg-type]
                webhook_url=config.telegram.webhook_url,
                webhook_listen=config.telegram.webhook_listen,
                secret=config.telegram.secret,
            )
        except ValueError as error:  # a webhook setting the config check cannot see
            raise ConfigError(f"[telegram] {error}") from error
    if config.zalo.enabled:
        from bot.channels.zalo import ZaloChannel
        from bot.channels.zalo_client import ZaloBotClient

        channels["zalo"] = ZaloChannel(
            ZaloBotClient(config.zalo.token, base_url=config.zalo.base_url),
            mode=config.zalo.mode,  # type: ignore[arg-type]
            webhook_url=config.zalo.webhook_url,
            webhook_listen=config.zalo.webhook_listen,
            secret=config.zalo.secret,
            rate_per_second=config.zalo.rate_per_second,
            error_text=tr.gettext(ERROR_TEXT),
            file_unavailable_text=tr.gettext(FILE_UNAVAILABLE_TEXT),
        )
    return channels


class BotRunner:
    """Owns the services, channels, engine and scheduler of one running bot process."""

    def __init__(self, config: Config, *, clock: Clock | None = None) -> None:
        self.config = config
        self.clock = clock
        self.stopped = asyncio.Event()

    async def start(self) -> None:
        from bot.bundled import ensure_plan

        self.services = await open_services(self.config, clock=self.clock)
        await ensure_plan(self.services)
        self.channels = build_channels(self.config, self.services)
        for name, channel in self.channels.items():
            if hasattr(channel, "download"):  # Telegram and Zalo fetch evidence files
                self.services.file_sources[name] = channel  # type: ignore[assignment]
        self.dispatcher = Dispatcher(self.services, bare_commands_on=frozenset({"zalo"}))
        self.engine = ReminderEngine(self.services, self.channels)
        settings = self.engine.settings
        self.lease = Lease(
            self.services.db, self.engine.worker, timedelta(seconds=settings.lease_seconds)
        )
        for channel in self.channels.values():
            await channel.start(self.dispatcher.handle)
        self.scheduler = AsyncIOScheduler(timezone=LOCAL_TZ)
        if self.config.reminders_enabled:
            # Try for the lease (or renew it) three times per lease length, also during a tick.
            self.scheduler.add_job(
                self._hold_lease,
                IntervalTrigger(seconds=settings.lease_seconds / 3, timezone=LOCAL_TZ),
                id="tick-lease",
                coalesce=True,
                max_instances=1,
                next_run_time=self.services.now(),
            )
            self.scheduler.add_job(
                self._tick,
                IntervalTrigger(seconds=settings.tick_seconds, timezone=LOCAL_TZ),
                id="reminder-tick",
                coalesce=True,
                max_instances=1,
                next_run_time=self.services.now(),
            )
        settle_heap()
        self.scheduler.start()
        names = ", ".join(self.channels) or "no channel"
        log.warning(
            "nhacviec running: %s; reminders %s",
            names,
            "on" if self.config.reminders_enabled else "off",
        )

    async def _hold_lease(self) -> None:
        was_held = self.lease.held
        try:
            held = await self.lease.acquire()
        except Exception:  # the database may be back by the next try; the process stays up
            log.exception("could not take or renew the tick lease; trying again")
            return
        job = self.scheduler.get_job("reminder-tick")
        if held and not was_held and job is not None:
            # A new holder ticks at once: the last one may have died in the middle of a fan-out.
            job.modify(next_run_time=datetime.now(LOCAL_TZ))

    async def _tick(self) -> None:
        if not self.lease.held:
            return  # another process ticks; this one serves chat and waits for the lease
        try:
            report = await self.engine.tick()
        except Exception:  # the next minute tries again; the process stays up
            log.exception("reminder tick failed; retrying at the next minute")
            return
        if report.queued or report.sent or report.failed:
            log.info(
                "tick: %d queued, %d sent in %d messages, %d failed",
                len(report.queued),
                report.sent,
                report.messages,
                report.failed,
            )

    async def stop(self) -> None:
        with suppress(Exception):
            self.scheduler.shutdown(wait=False)
        with suppress(Exception):  # hand over at once instead of after the lease runs out
            await self.lease.release()
        for channel in self.channels.values():
            with suppress(Exception):
                await channel.stop()
        await self.services.db.dispose()


async def run_until_signalled(config: Config) -> int:
    runner = BotRunner(config)
    await runner.start()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, runner.stopped.set)
    try:
        await runner.stopped.wait()
    finally:
        await runner.stop()
    return 0
