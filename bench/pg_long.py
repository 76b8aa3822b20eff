"""One long-lived process ticking a PostgreSQL database for 30 working days: do ticks stay flat?

    python -m bench.pg_long                       # a throwaway server (Debian's postgresql)
    python -m bench.pg_long --url postgresql://postgres@127.0.0.1:5432/postgres
    python -m bench.pg_long --units 200 --tasks 200 --ticks 12

One plan of `--tasks` deadline tasks, each led by every one of `--units` units (COPY), one contact
per unit. The due dates are spread over the 30 days, so every morning some tasks are 14, 7, 3 or
1 days from due, due, or overdue: each tick queues new reminders and sends them, and the outbox
grows day after day, as in a real deployment. One engine (one process, one connection pool, its
prepared statements cached for its whole life) ticks at 08:00 on each working day, then once a
minute later (the every-minute tick of `nhacviec run`, which finds nothing new). The channel only
counts messages: the figures are the engine's and PostgreSQL's.

Reported per tick: wall time, rows queued, messages sent, the outbox's size, and the time spent in
`outbox.existing_keys` and `outbox.claim`. Target (issue 15): no tick slower than 2× the first.
A long-lived process once went from 1 s to 12–21 s: a plan cached while the outbox was empty.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.pg_seed import copy_units_and_people  # noqa: E402
from bot.app import catalog_for  # noqa: E402
from bot.clock import LOCAL_TZ, ManualClock  # noqa: E402
from bot.config import Config  # noqa: E402
from bot.services.facade import BotServices  # noqa: E402
from bot.store.db import Database  # noqa: E402
from scheduler import engine as engine_module  # noqa: E402
from scheduler import outbox  # noqa: E402
from scheduler.calendar import WorkingCalendar  # noqa: E402
from scheduler.engine import ReminderEngine  # noqa: E402

CHANNEL = "bench"
FIRST_DAY = date(2022, 8, 1)  # a Monday
TASK_COLUMNS = ("id", "plan_id", "no", "content", "lead", "support", "when_text", "schedule")
TASK_COLUMNS += ("removed",)


class CountingChannel:
    """Deliver a message by counting it."""

    name = CHANNEL
    max_text_length = 4096

    def __init__(self) -> None:
        self.count = 0

    async def start(self, on_message: Any) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def send_text(self, chat_id: str, text: str, buttons: Any = None) -> str:
        self.count += 1
        return str(self.count)

    async def send_file(self, chat_id: str, file: Any) -> str:
        raise NotImplementedError


class Timed:
    """Wrap a coroutine function of `outbox` and add up the time spent in it."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.original = getattr(outbox, name)
        self.seconds = 0.0
        self.calls = 0
        setattr(outbox, name, self)

    async def __call__(self, *args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return await self.original(*args, **kwargs)
        finally:
            self.seconds += time.perf_counter() - started
            self.calls += 1

    def take(self) -> float:
        seconds, self.seconds, self.calls = self.seconds, 0.0, 0
        return seconds


async def populate(url: str, units: int, tasks: int, days: list[date]) -> None:
    """Migrate, then COPY in one plan, its tasks (due over `days`), units and contacts."""
    import asyncpg

    db = Database(url)
    await db.upgrade()
    await db.dispose()
    connection = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        now = datetime.now(UTC)
        plan_id = await connection.fetchval(
            "INSERT INTO plans (number, key, issued, title, year, source, imported_at,"
            " end_derived) VALUES ($1, 'DAI', $2, $3, 2022, 'bench', $4, $5) RETURNING id",
            "DAI/2022",
            date(2022, 2, 7),
            "Kế hoạch đo tải dài ngày",
            now,
            date(2022, 12, 31),
        )
        records = []
        for n in range(1, tasks + 1):
            due = days[(n * len(days)) // (tasks + 1)]
            schedule = json.dumps({"kind": "deadline", "due": due.isoformat()})
            when = f"Chậm nhất ngày {due:%d/%m/%Y}"
            records.append(
                (n, plan_id, n, f"Nhiệm vụ số {n}", '["Các đơn vị"]', "[]", when, schedule, False)
            )
        await connection.copy_records_to_table("tasks", columns=[*TASK_COLUMNS], records=records)
        await copy_units_and_people(connection, units=units, tasks=tasks, channel=CHANNEL, now=now)
    finally:
        await connection.close()


async def outbox_size(url: str) -> int:
    import asyncpg

    connection = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        return int(await connection.fetchval("SELECT count(*) FROM outbox"))
    finally:
        await connection.close()


async def run(url: str, days: list[date], ticks: int) -> list[dict[str, Any]]:
    config = Config(database_url=url, reminders={"overdue_days_after_end": 3660})
    clock = ManualClock(datetime.combine(days[0], datetime.min.time(), LOCAL_TZ))
    db = Database(url)
    services = BotServices(db, clock, config, catalog_for(config))
    channel = CountingChannel()
    engine = ReminderEngine(services, {CHANNEL: channel})
    keys, claims = Timed("existing_keys"), Timed("claim")
    moments: list[datetime] = []
    for day in days:
        morning = datetime.combine(day, datetime.min.time(), LOCAL_TZ).replace(hour=8)
        moments += [morning, morning + timedelta(minutes=1)]
    rows: list[dict[str, Any]] = []
    try:
        for n, moment in enumerate(moments[:ticks], start=1):
            clock.set(moment)
            sent_before = channel.count
            started = time.perf_counter()
            report = await engine.tick(moment)
            wall = time.perf_counter() - started
            rows.append(
                {
                    "tick": n,
                    "at": moment.strftime("%d/%m %H:%M"),
                    "wall_s": wall,
                    "queued": len(report.queued),
                    "messages": channel.count - sent_before,
                    "existing_keys_s": keys.take(),
                    "claim_s": claims.take(),
                    "outbox": await outbox_size(url),
                }
            )
            print(_line(rows[-1]), flush=True)
    finally:
        await db.dispose()
    return rows


def _line(row: dict[str, Any]) -> str:
    return (
        f"{row['tick']:>4}  {row['at']}  {row['wall_s']:7.2f} s  queued {row['queued']:>6,}"
        f"  messages {row['messages']:>5,}  known-keys {row['existing_keys_s']:6.3f} s"
        f"  claims {row['claim_s']:6.3f} s  outbox {row['outbox']:>7,}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--url", help="a PostgreSQL server to use (default: start one)")
    parser.add_argument("--units", type=int, default=100)
    parser.add_argument("--tasks", type=int, default=200)
    parser.add_argument("--ticks", type=int, default=30)
    parser.add_argument("--json", type=Path, help="write every figure here")
    args = parser.parse_args()

    from tests.pg import PgServer, start_server

    if args.url:
        os.environ["NHACVIEC_TEST_POSTGRES_URL"] = args.url
    calendar = WorkingCalendar((), ())
    days = [FIRST_DAY + timedelta(days=n) for n in range(60)]
    days = [day for day in days if calendar.is_working_day(day)][: (args.ticks + 1) // 2]
    server: PgServer = start_server()
    try:
        name = f"bench_long_{os.getpid()}"
        server.execute(f"DROP DATABASE IF EXISTS {name}")
        server.execute(f"CREATE DATABASE {name}")
        url = server.url(name)
        started = time.monotonic()
        asyncio.run(populate(url, args.units, args.tasks, days))
        print(
            f"PostgreSQL {server.version}; {os.cpu_count()} CPUs; {args.units * args.tasks:,}"
            f" assignments ({args.tasks} tasks × {args.units:,} units, one contact each),"
            f" populated in {time.monotonic() - started:.1f} s; senders per channel:"
            f" {engine_module.SENDERS_PER_CHANNEL}",
            flush=True,
        )
        rows = asyncio.run(run(url, days, args.ticks))
        server.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    finally:
        server.stop()
    first = rows[0]["wall_s"]
    worst = max(rows, key=lambda row: row["wall_s"])
    quiet = [row["wall_s"] for row in rows if row["queued"] == 0]
    print(
        f"\nfirst tick {first:.2f} s; slowest {worst['wall_s']:.2f} s (tick {worst['tick']},"
        f" {worst['wall_s'] / first:.2f}× the first); the minute ticks that found nothing:"
        f" {min(quiet, default=0):.2f}–{max(quiet, default=0):.2f} s"
    )
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
