"""Fan reminders out to N Telegram contacts through the real path, and compare with PTB's JobQueue.

    python -m bench.fanout                      # N = 100, 1000, 10000: about 10 minutes
    python -m bench.fanout --sizes 100,1000     # about a minute and a half less the big fan-out

Plan 187 is imported through the importer; "Các phòng thuộc Sở" then gets N member units, each with
one registered Telegram contact (bulk inserts, for speed). The ReminderEngine ticks at 01/08/2022
08:00, when every department owes tasks 4, 5 and 9 (a new monthly period), so each contact gets one
merged message. The fake Bot API answers 429 past Telegram's limits (30 messages/s overall, 1/s per
chat, 20/min per group), as Telegram does.

Each part runs in its own process, so the peak RSS it reports is its own:

- `fanout N`: the tick with the Telegram channel against the fake server;
- `tick N`: the same tick without a channel (policy + outbox write) over N units × 10 tasks;
- `jobqueue N`: the usual design of reminder bots (PTB's `timerbot`): one `job_queue.run_once`
  per reminder of the year, then a new Application to count what a restart keeps.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import cProfile
import json
import math
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from datetime import date, datetime, timedelta
from functools import wraps
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select

from bot.app import open_services
from bot.bundled import ensure_plan
from bot.clock import LOCAL_TZ, ManualClock
from bot.config import Config, TelegramConfig
from bot.domain.model import Role
from bot.domain.units import DEPARTMENTS
from bot.services.facade import BotServices
from bot.services.plans import recount_units
from bot.store.models import (
    Assignment,
    Contact,
    GroupMember,
    Membership,
    OutboxItem,
    Person,
    Task,
    Unit,
)

REPO = Path(__file__).resolve().parents[1]
AT = datetime(2022, 8, 1, 8, 0, tzinfo=LOCAL_TZ)  # Monday: tasks 4, 5, 9 open a new period
CHAT_BASE = 100_000_001  # chat id of the first unit's contact; the others follow
TELEGRAM_LIMIT = 30  # messages per second, overall
DEFAULT_SIZES = (100, 1000, 10_000)
BIG = 10_000  # units for the tick and the JobQueue: 10 tasks × 10,000 units
TARGET_RATE = 27.0
TARGET_TICK_SECONDS = 1.0
TARGET_RSS_MB = 150.0


# ---- data ------------------------------------------------------------------------------------


def unit_names(count: int) -> tuple[str, ...]:
    return tuple(f"Phòng {index + 1:05d}" for index in range(count))


def bench_config(db: Path, units: int, *, telegram_url: str | None = None) -> Config:
    from tests.fakes.telegram_server import DEFAULT_TOKEN

    telegram = (
        TelegramConfig(enabled=True, token=DEFAULT_TOKEN, base_url=telegram_url)
        if telegram_url
        else TelegramConfig()
    )
    return Config(
        database_url=f"sqlite+aiosqlite:///{db}",
        telegram=telegram,
        groups={DEPARTMENTS: unit_names(units)},
    )


async def build_database(db: Path, units: int) -> None:
    """Plan 187 with N departments, each with one Telegram contact.

    The importer stores the plan with the group's first member; the other members, their
    assignments (copies of the first one's) and everyone's contact go in by bulk insert.
    """
    names = unit_names(units)
    config = Config(database_url=f"sqlite+aiosqlite:///{db}", groups={DEPARTMENTS: names[:1]})
    services = await open_services(config)
    try:
        await ensure_plan(services)
        now = services.now()
        async with services.db.session() as session:
            group_id = await session.scalar(select(Unit.id).where(Unit.name == DEPARTMENTS))
            first_id = await session.scalar(select(Unit.id).where(Unit.name == names[0]))
            template = (
                await session.execute(
                    select(Assignment.task_id, Assignment.role, Assignment.via_group).where(
                        Assignment.unit_id == first_id
                    )
                )
            ).all()
            if len(names) > 1:
                await session.execute(
                    insert(Unit), [{"name": n, "is_group": False} for n in names[1:]]
                )
            ids = dict((await session.execute(select(Unit.name, Unit.id))).all())
            others = [ids[name] for name in names[1:]]
            if others:
                await session.execute(
                    insert(GroupMember), [{"group_id": group_id, "unit_id": u} for u in others]
                )
                await session.execute(
                    insert(Assignment),
                    [
                        {"task_id": t, "unit_id": u, "role": r, "via_group": v, "active": True}
                        for u in others
                        for t, r, v in template
                    ],
                )
                plan_id = await session.scalar(
                    select(Task.plan_id).where(Task.id == template[0].task_id)
                )
                assert plan_id is not None
                await recount_units(session, plan_id)
            await session.execute(
                insert(Person),
                [
                    {
                        "name": f"Trưởng {name}",
                        "unit_id": ids[name],
                        "role": str(Role.HEAD),
                        "language": "vi",
                        "prefer_channel": "all",
                        "created_at": now,
                    }
                    for name in names
                ],
            )
            person_of = dict((await session.execute(select(Person.unit_id, Person.id))).all())
            await session.execute(
                insert(Membership),
                [
                    {"person_id": person, "unit_id": unit, "role": str(Role.HEAD), "since": now}
                    for unit, person in person_of.items()
                ],
            )
            await session.execute(
                insert(Contact),
                [
                    {
                        "person_id": person_of[ids[name]],
                        "channel": "telegram",
                        "user_id": str(CHAT_BASE + index),
                        "chat_id": str(CHAT_BASE + index),
                        "name": f"Trưởng {name}",
                        "since": now,
                    }
                    for index, name in enumerate(names)
                ],
            )
    finally:
        await services.db.dispose()


async def count_assignments(services: BotServices) -> int:
    async with services.db.session() as session:
        return await session.scalar(
            select(func.count(Assignment.id)).where(Assignment.active.is_(True))
        )


async def outbox_statuses(services: BotServices) -> dict[str, int]:
    async with services.db.session() as session:
        rows = await session.execute(
            select(OutboxItem.status, func.count(OutboxItem.id)).group_by(OutboxItem.status)
        )
        return {status: count for status, count in rows}


# ---- measuring -------------------------------------------------------------------------------


def current_rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize() / 2**20


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(share * len(ordered)) - 1)]


def busiest_second(times: list[float]) -> int:
    """The most messages the server accepted in any window of one second."""
    best = start = 0
    for end, moment in enumerate(times):
        while times[start] <= moment - 1.0:
            start += 1
        best = max(best, end - start + 1)
    return best


class CommitWindow:
    """How long a message Telegram accepted waits for its outbox row to say `sent`.

    A process killed in that window sends the message again after the restart. Sends are
    sequential, so the i-th accepted message is the i-th `send_text` to return, and its row is
    marked in the first session to commit after that.
    """

    def __init__(self, services: BotServices, channel: Any) -> None:
        self.returned: list[float] = []
        self.committed: list[float] = []
        send_text = channel.send_text
        session = services.db.session

        async def timed_send(chat_id: str, text: str, buttons: Any = None) -> str:
            message_id = await send_text(chat_id, text, buttons)
            self.returned.append(time.monotonic())
            return message_id

        @asynccontextmanager
        async def timed_session():
            async with session() as opened:
                yield opened
            self.committed.append(time.monotonic())

        channel.send_text = timed_send
        services.db.session = timed_session

    def windows(self, accepted: list[float]) -> tuple[list[float], list[float]]:
        """(accepted → committed, response → committed) for each message, in seconds."""
        whole: list[float] = []
        tail: list[float] = []
        for server_time, returned in zip(accepted, self.returned, strict=False):
            index = bisect.bisect_left(self.committed, returned)
            if index < len(self.committed):
                whole.append(self.committed[index] - server_time)
                tail.append(self.committed[index] - returned)
        return whole, tail


class PhaseTimer:
    """Time the steps of `ReminderEngine._queue` by wrapping the names it calls."""

    def __init__(self) -> None:
        self.seconds: defaultdict[str, float] = defaultdict(float)

    def wrap(self, owner: Any, name: str, label: str) -> None:
        original = getattr(owner, name)
        seconds = self.seconds
        if asyncio.iscoroutinefunction(original):

            @wraps(original)
            async def timed_async(*args: Any, **kwargs: Any) -> Any:
                started = time.perf_counter()
                try:
                    return await original(*args, **kwargs)
                finally:
                    seconds[label] += time.perf_counter() - started

            setattr(owner, name, timed_async)
        else:

            @wraps(original)
            def timed(*args: Any, **kwargs: Any) -> Any:
                started = time.perf_counter()
                try:
                    return original(*args, **kwargs)
                finally:
                    seconds[label] += time.perf_counter() - started

            setattr(owner, name, timed)


# ---- part: fan-out -----------------------------------------------------------------------------


async def fanout_part(db: Path, units: int) -> dict[str, Any]:
    """Tick once with the Telegram channel against the fake Bot API enforcing Telegram's limits."""
    from bot.runner import build_channels
    from scheduler.engine import ReminderEngine
    from tests.fakes.telegram_server import FakeTelegramServer

    async with FakeTelegramServer(enforce_limits=True) as server:
        config = bench_config(db, units, telegram_url=server.base_url)
        services = await open_services(config, clock=ManualClock(AT))
        channels = build_channels(config, services)
        probe = CommitWindow(services, channels["telegram"])
        engine = ReminderEngine(services, channels)
        started = time.monotonic()
        try:
            report = await engine.tick(AT)
        finally:
            for channel in channels.values():
                await channel.stop()
        elapsed = time.monotonic() - started
        statuses = await outbox_statuses(services)
        async with services.db.session() as session:
            rate_limited = set(
                await session.scalars(
                    select(OutboxItem.contact_id).where(
                        OutboxItem.status == "failed",
                        OutboxItem.last_error.like("%rate-limited%"),
                    )
                )
            )
        await services.db.dispose()
        sends = [m for m in server.sent if m.method == "sendMessage"]
        answered_429 = server.too_many_requests

    times = [m.time for m in sends]
    per_chat = Counter(m.chat_id for m in sends)
    expected = {CHAT_BASE + index for index in range(units)}
    whole, tail = probe.windows(times)
    span = times[-1] - times[0] if len(times) > 1 else 0.0
    return {
        "part": "fanout",
        "units": units,
        "expected": len(expected),
        "messages": len(sends),
        "received": len(expected & set(per_chat)),
        "lost": len(expected - set(per_chat)),
        "doubled": sum(count - 1 for count in per_chat.values() if count > 1),
        "strangers": len(set(per_chat) - expected),
        "rate": (len(times) - 1) / span if span else None,
        "busiest_second": busiest_second(times),
        "answered_429": answered_429,
        "rate_limited_contacts": len(rate_limited),
        "failed_rows": report.failed,
        "tick_seconds": elapsed,
        "first_send_after": times[0] - started if times else None,
        "statuses": statuses,
        "window_ms": {
            "p50": 1000 * statistics.median(whole),
            "p99": 1000 * percentile(whole, 0.99),
            "max": 1000 * max(whole),
            "response_to_commit_p50": 1000 * statistics.median(tail),
        }
        if whole
        else None,
        "peak_rss_mb": peak_rss_mb(),
    }


# ---- part: the tick alone ----------------------------------------------------------------------


async def tick_part(db: Path, units: int, profile: Path | None) -> dict[str, Any]:
    """The tick without sending: load facts, policy, outbox write; then a repeat and a restart."""
    import scheduler.engine as engine_module
    from scheduler import outbox
    from scheduler.engine import ReminderEngine

    config = bench_config(db, units)
    services = await open_services(config, clock=ManualClock(AT))
    assignments = await count_assignments(services)
    phases = PhaseTimer()
    for name, label in (
        ("load_plan_facts", "load facts"),
        ("load_recipients", "load contacts"),
        ("plan_reminders", "policy"),
        ("address", "address"),
    ):
        phases.wrap(engine_module, name, label)
    phases.wrap(outbox, "existing_keys", "outbox: known keys")
    phases.wrap(outbox, "write", "outbox: insert")
    engine = ReminderEngine(services, {})
    rss_before = current_rss_mb()
    profiler = cProfile.Profile() if profile else None
    started, cpu = time.perf_counter(), time.process_time()
    if profiler:
        profiler.enable()
    report = await engine.tick(AT)
    if profiler:
        profiler.disable()
        profiler.dump_stats(profile)
    first, first_cpu = time.perf_counter() - started, time.process_time() - cpu
    first_phases = dict(phases.seconds)
    peak_after_first = peak_rss_mb()

    started, cpu = time.perf_counter(), time.process_time()
    again = await engine.tick(AT + timedelta(minutes=1))
    repeat, repeat_cpu = time.perf_counter() - started, time.process_time() - cpu
    await services.db.dispose()

    # What a restart sees: a new engine on the same database.
    services = await open_services(config, clock=ManualClock(AT + timedelta(minutes=2)))
    restarted = await ReminderEngine(services, {}).tick(AT + timedelta(minutes=2))
    statuses = await outbox_statuses(services)
    await services.db.dispose()
    return {
        "part": "tick",
        "units": units,
        "assignments": assignments,
        "queued": len(report.queued),
        "skipped": report.skipped,
        "tick_seconds": first,
        "tick_cpu_seconds": first_cpu,
        "phases": first_phases,
        "repeat_seconds": repeat,
        "repeat_cpu_seconds": repeat_cpu,
        "repeat_queued": len(again.queued),
        "rss_before_mb": rss_before,
        "peak_rss_mb": peak_after_first,
        "after_restart_waiting": restarted.waiting_for_channel,
        "after_restart_queued": len(restarted.queued),
        "statuses": statuses,
    }


# ---- part: PTB's JobQueue, one job per reminder ------------------------------------------------


async def year_of_reminders(db: Path, units: int) -> tuple[list[tuple[date, int, str]], int]:
    """Every reminder the policy sends in the plan's year if nobody ever confirms.

    Returns one department's (slot, task no, kind) list and the number of reminders for the
    other units and the Office (not multiplied by N). All departments of a task share its
    timeline, so the year is computed on one of them.
    """
    from scheduler.facts import load_plan_facts
    from scheduler.policy import plan_reminders

    config = bench_config(db, units)
    services = await open_services(config, clock=ManualClock(AT))
    async with services.db.session() as session:
        facts = await load_plan_facts(session)
    await services.db.dispose()
    others = set(unit_names(units)[1:])
    sample = [fact for fact in facts.assignments if fact.unit not in others]
    department = unit_names(units)[0]
    settings = config.reminder_settings()
    calendar = settings.calendar()
    seen: set[tuple[int | None, int, str, date, str | None]] = set()
    day = date(AT.year, 1, 1)
    while day.year == AT.year:
        moment = datetime.combine(day, settings.send_time, LOCAL_TZ)
        result = plan_reminders(sample, facts.confirmations, calendar, settings, moment)
        for item in result.due:
            seen.add((item.assignment_id, item.task_no, str(item.kind), item.slot, item.unit))
        day += timedelta(days=1)
    per_department = sorted(
        (slot, no, kind) for _, no, kind, slot, unit in seen if unit == department
    )
    rest = sum(1 for *_, unit in seen if unit != department)
    return per_department, rest


async def jobqueue_part(db: Path, units: int, order: str, workdir: Path) -> dict[str, Any]:
    """Schedule the same year of reminders the way PTB's timerbot does, and restart."""
    from telegram.ext import ApplicationBuilder, ContextTypes

    from tests.fakes.telegram_server import DEFAULT_TOKEN

    per_department, rest = await year_of_reminders(db, units)

    async def remind(context: ContextTypes.DEFAULT_TYPE) -> None:
        """Send one reminder (never reached: every job is in the future)."""

    # The jobs must lie ahead of the wall clock, or APScheduler runs or drops them at once:
    # move the year forward by whole weeks, so every reminder keeps its weekday.
    weeks = (datetime.now(LOCAL_TZ).date() - date(AT.year, 1, 1)).days // 7 + 2
    shift = timedelta(weeks=weeks)

    def when(slot: date) -> datetime:
        return datetime.combine(slot + shift, AT.time(), LOCAL_TZ)

    def jobs() -> Iterator[tuple[datetime, int, int, str]]:
        if order == "time":  # APScheduler's best case: each job lands near the list's end
            for slot, no, kind in per_department:
                for index in range(units):
                    yield when(slot), CHAT_BASE + index, no, kind
        else:  # as a bot that schedules a unit's year when its head registers
            for index in range(units):
                for slot, no, kind in per_department:
                    yield when(slot), CHAT_BASE + index, no, kind

    application = ApplicationBuilder().token(DEFAULT_TOKEN).build()
    queue = application.job_queue
    assert queue is not None
    await queue.start()
    rss_before = current_rss_mb()
    started = time.perf_counter()
    scheduled = 0
    for moment, chat_id, no, kind in jobs():
        queue.run_once(remind, moment, chat_id=chat_id, name=f"{chat_id}:{no}", data=(no, kind))
        scheduled += 1
        if scheduled % 1000 == 0:
            await asyncio.sleep(0)  # a live bot serves updates between two schedulings
    # Ban ISO, Lãnh đạo Sở and the Office's reminders: one job each, not per department.
    first = when(per_department[0][0])
    for index in range(rest):
        queue.run_once(remind, first, chat_id=index, name=f"office:{index}")
        scheduled += 1
    schedule_seconds = time.perf_counter() - started
    jobs_held = len(queue.jobs())
    rss_after = current_rss_mb()
    peak = peak_rss_mb()

    # A restart: a new Application, as the process would build it on start-up.
    restarted = ApplicationBuilder().token(DEFAULT_TOKEN).build()
    assert restarted.job_queue is not None
    await restarted.job_queue.start()
    survived = len(restarted.job_queue.jobs())
    await restarted.job_queue.stop()

    # Persisting the jobs instead: APScheduler's SQLAlchemyJobStore pickles each job.
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore

    persisted = ApplicationBuilder().token(DEFAULT_TOKEN).build()
    assert persisted.job_queue is not None
    persisted.job_queue.scheduler.add_jobstore(
        SQLAlchemyJobStore(url=f"sqlite:///{workdir / 'jobs.sqlite'}"), alias="db"
    )
    await persisted.job_queue.start()
    try:
        persisted.job_queue.run_once(remind, first, job_kwargs={"jobstore": "db"})
        jobstore_error = ""
    except Exception as error:  # what a bot author meets when trying to persist the queue
        jobstore_error = f"{type(error).__name__}: {error}"
    await persisted.job_queue.stop()
    await queue.stop(wait=False)
    return {
        "part": "jobqueue",
        "units": units,
        "order": order,
        "per_department": len(per_department),
        "jobs": scheduled,
        "jobs_held": jobs_held,
        "schedule_seconds": schedule_seconds,
        "rss_before_mb": rss_before,
        "rss_after_mb": rss_after,
        "peak_rss_mb": peak,
        "survived_restart": survived,
        "jobstore_error": jobstore_error,
    }


# ---- running the parts ------------------------------------------------------------------------


def run_part(args: argparse.Namespace) -> None:
    """Run one part in this process and print its result as one JSON line."""
    db = Path(args.db)
    part: Callable[[], Awaitable[dict[str, Any]]]
    if args.part == "build":
        asyncio.run(build_database(db, args.units))
        print(json.dumps({"part": "build", "units": args.units}))
        return
    if args.part == "fanout":
        part = lambda: fanout_part(db, args.units)  # noqa: E731
    elif args.part == "tick":
        profile = Path(args.profile) if args.profile else None
        part = lambda: tick_part(db, args.units, profile)  # noqa: E731
    else:
        part = lambda: jobqueue_part(db, args.units, args.order, db.parent)  # noqa: E731
    print(json.dumps(asyncio.run(part())))


def spawn(part: str, db: Path, units: int, *extra: str) -> dict[str, Any]:
    command = [sys.executable, "-m", "bench.fanout", "--part", part, "--db", str(db)]
    command += ["--units", str(units), *extra]
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True)
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"bench part {part} ({units}) failed with status {done.returncode}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def progress(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def run_all(args: argparse.Namespace) -> dict[str, Any]:
    workdir = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="nv-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    templates: dict[int, Path] = {}

    def fresh_copy(units: int, label: str) -> Path:
        if units not in templates:
            templates[units] = workdir / f"template-{units}.db"
            templates[units].unlink(missing_ok=True)
            progress(f"building the database: plan 187, {units} departments with a contact…")
            spawn("build", templates[units], units)
        copy = workdir / f"{label}-{units}.db"
        shutil.copyfile(templates[units], copy)
        return copy

    results: dict[str, Any] = {"fanout": [], "tick": None, "jobqueue": None}
    if args.tick_units:
        db = fresh_copy(args.tick_units, "tick")
        progress(f"tick over {args.tick_units} units × 10 tasks, without sending…")
        extra = ("--profile", args.profile) if args.profile else ()
        results["tick"] = spawn("tick", db, args.tick_units, *extra)
    if args.jobqueue_units:
        db = fresh_copy(args.jobqueue_units, "jobqueue")
        progress(f"PTB JobQueue: a year of reminders for {args.jobqueue_units} units…")
        results["jobqueue"] = spawn(
            "jobqueue", db, args.jobqueue_units, "--order", args.jobqueue_order
        )
    for units in args.sizes:
        db = fresh_copy(units, "fanout")
        minutes = units / (TELEGRAM_LIMIT / 1.05) / 60
        progress(f"fan-out to {units} contacts (about {max(minutes, 0.1):.1f} min)…")
        results["fanout"].append(spawn("fanout", db, units))
    results["seconds"] = time.monotonic() - started
    if not args.workdir:
        shutil.rmtree(workdir, ignore_errors=True)
    return results


# ---- the table ---------------------------------------------------------------------------------


def report(results: dict[str, Any]) -> str:
    """The figures as Markdown: the fan-outs, then the engine and the JobQueue side by side."""
    lines = [
        "Fan-out at 01/08/2022 08:00, one merged message per contact; the fake Bot API answers "
        "429 past 30 msg/s overall, 1/s per chat, 20/min per group.",
        "",
        "| contacts | msg/s sustained (limit 30) | busiest second | 429s answered "
        "| 429s reaching a user | lost | doubled | tick with sending |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in results["fanout"]:
        rate = f"{row['rate']:.1f}" if row["rate"] else "–"
        lines.append(
            f"| {row['units']:,} | {rate} | {row['busiest_second']} | {row['answered_429']} "
            f"| {row['rate_limited_contacts']} | {row['lost']} | {row['doubled']} "
            f"| {row['tick_seconds']:.1f} s |"
        )
    windows = [
        f"N={row['units']:,}: median {w['p50']:.1f} ms, p99 {w['p99']:.1f} ms, "
        f"max {w['max']:.1f} ms"
        for row in results["fanout"]
        if (w := row["window_ms"])
    ]
    if windows:
        lines += [
            "",
            "Crash window, from Telegram accepting a message to its outbox row committed as sent "
            "(a process killed inside it sends that message again): " + "; ".join(windows),
        ]
    tick, jobs = results.get("tick"), results.get("jobqueue")
    if tick or jobs:
        lines += ["", *side_by_side(tick, jobs)]
    if tick:
        phases = ", ".join(f"{name} {seconds:.3f} s" for name, seconds in tick["phases"].items())
        lines += ["", f"Tick phases (wall): {phases}"]
    lines += ["", *targets(results), "", f"Bench time: {results['seconds'] / 60:.1f} min"]
    return "\n".join(lines)


def side_by_side(tick: dict[str, Any] | None, jobs: dict[str, Any] | None) -> list[str]:
    rows = [
        "| a year of plan 187 | nhacviec engine (outbox in the database) "
        "| PTB JobQueue (one `run_once` per reminder) |",
        "|---|---|---|",
    ]
    left: dict[str, str] = {}
    right: dict[str, str] = {}
    if tick:
        left = {
            "size": f"{tick['assignments']:,} assignments ({tick['units']:,} units × 10 tasks)",
            "time": f"first tick {tick['tick_seconds']:.2f} s wall, "
            f"{tick['tick_cpu_seconds']:.2f} s CPU (policy + {tick['queued']:,} outbox rows); "
            f"the next minute's tick {tick['repeat_seconds']:.2f} s",
            "memory": f"{tick['peak_rss_mb']:.0f} MB peak RSS "
            f"({tick['rss_before_mb']:.0f} MB before the tick)",
            "restart": f"everything: {tick['after_restart_waiting']:,} rows still waiting, "
            f"{tick['after_restart_queued']} queued again; the year is recomputed from "
            "the database",
        }
    if jobs:
        right = {
            "size": f"{jobs['units']:,} units × {jobs['per_department']} reminders a year "
            f"= {jobs['jobs']:,} jobs",
            "time": f"{jobs['schedule_seconds']:.1f} s to schedule ({jobs['order']} order)",
            "memory": f"{jobs['peak_rss_mb']:.0f} MB peak RSS "
            f"({jobs['rss_after_mb'] - jobs['rss_before_mb']:.0f} MB for the jobs)",
            "restart": f"{jobs['survived_restart']} of {jobs['jobs_held']:,} jobs; "
            f"SQLAlchemyJobStore: {jobs['jobstore_error'] or 'stored'}",
        }
    for key, label in (
        ("size", "what is scheduled"),
        ("time", "time"),
        ("memory", "memory"),
        ("restart", "after a restart"),
    ):
        rows.append(f"| {label} | {left.get(key, '–')} | {right.get(key, '–')} |")
    return rows


def targets(results: dict[str, Any]) -> list[str]:
    out = []

    def check(ok: bool, text: str) -> None:
        out.append(f"{'met ' if ok else 'MISSED'} {text}")

    for row in results["fanout"]:
        if row["units"] >= 1000:
            check(
                (row["rate"] or 0) >= TARGET_RATE,
                f"≥ {TARGET_RATE:g} msg/s at N={row['units']:,}: {row['rate'] or 0:.1f}",
            )
        check(
            row["rate_limited_contacts"] == 0 and row["lost"] == 0 and row["doubled"] == 0,
            f"N={row['units']:,}: 429s reaching a user {row['rate_limited_contacts']}, "
            f"lost {row['lost']}, doubled {row['doubled']}",
        )
    tick = results.get("tick")
    if tick:
        check(
            tick["tick_seconds"] < TARGET_TICK_SECONDS,
            f"tick over {tick['assignments']:,} assignments < {TARGET_TICK_SECONDS:g} s: "
            f"{tick['tick_seconds']:.2f} s",
        )
        check(
            tick["peak_rss_mb"] < TARGET_RSS_MB,
            f"peak RSS < {TARGET_RSS_MB:g} MB: {tick['peak_rss_mb']:.0f} MB",
        )
    return out


# ---- command line ------------------------------------------------------------------------------


def sizes(text: str) -> list[int]:
    try:
        values = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a list like 100,1000") from None
    if any(value < 1 for value in values):
        raise argparse.ArgumentTypeError("sizes must be positive")
    return values


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.fanout",
        description="Reminder fan-out through the real engine against the fake Bot API, "
        "and PTB's JobQueue side by side.",
    )
    parser.add_argument(
        "--sizes",
        type=sizes,
        default=list(DEFAULT_SIZES),
        help="contacts to fan out to, comma-separated (default 100,1000,10000; "
        "10000 takes about 6 minutes)",
    )
    parser.add_argument(
        "--tick-units",
        type=int,
        default=BIG,
        help="departments for the tick alone (× 10 tasks = assignments; 0 skips it)",
    )
    parser.add_argument(
        "--jobqueue-units",
        type=int,
        default=BIG,
        help="departments for the JobQueue comparison (0 skips it)",
    )
    parser.add_argument(
        "--jobqueue-order",
        choices=("time", "unit"),
        default="time",
        help="schedule jobs in time order (APScheduler's best case, default) or unit by unit "
        "(as registrations come; quadratic in APScheduler's memory store)",
    )
    parser.add_argument("--profile", help="write a cProfile of the tick to this file")
    parser.add_argument("--json", help="also write the results as JSON to this file")
    parser.add_argument("--workdir", help="keep the databases here (default: a temporary folder)")
    parser.add_argument(
        "--part", choices=("build", "fanout", "tick", "jobqueue"), help=argparse.SUPPRESS
    )
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("--units", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--order", default="time", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.part:
        run_part(args)
        return
    results = run_all(args)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1), encoding="utf-8")
    print(report(results))


if __name__ == "__main__":
    main()
