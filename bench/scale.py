"""Side by side: a small and a large database with the same reminders due: does cost follow it?

    python -m bench.scale                          # 10,000 vs 200,000 assignments, SQLite
    python -m bench.scale --sizes 10000,1000000    # the issue's sizes (slow to build here)

Each size is plan 187 with `--departments` departments in "Các phòng thuộc Sở", one contact each
(`bench.fanout.build_database`): about 10 assignments per department, and at Monday 01/08/2022
08:00 each department owes tasks 4, 5 and 9, three reminders merged into one message. The larger
size adds a second followed plan whose 10 tasks are due on 31/12/2022, led by units without
contacts, until the database holds the size's number of assignments: nothing of it is due that
morning, so both sizes have the same reminders due.

Each size runs in a process of its own (its memory is its own), on a copy of its database:

- night tick: `engine.tick()` at 03:00 (before the sending time: nothing can be due);
- busy tick: at 08:00, queueing every reminder of the morning, without sending (no channel), with
  its peak RSS; then the quiet tick: the same a minute later, which finds nothing new;
- `/status` (Ban ISO, all plans: at the large size two, one line each), `/status 187` (the
  plan both sizes share, with its chart), `/status 187.4` (a task of 1,000 units, shown as
  counts), `/kehoach` and `/tasks` (one department's head) through the `Dispatcher`, as a chat
  message arrives: median of 3; and `/status 187`'s text alone, without drawing the chart;
- `/done` during a busy tick: on a fresh copy, the tick runs with a channel that only counts and
  takes 4/30 s per send (four senders: Telegram's 30 messages a second), so composing and
  recording every message are included, while the head sends `/xong 4` and `/huy 4` in turn
  through the same event loop; the longest wait of any of them, and the event loop's longest
  stall (a 5 ms heartbeat's worst lateness). Then the same with sends that take no time (the
  senders write to the database back to back: the worst case for SQLite's one writer).

Figures are wall times on whatever machine runs it: not assertions. Issue 15's targets: night and
quiet tick at most 2× the small size's; busy tick at the large size under 1 s and 300 MB;
`/status` and `/tasks` at most 2× and under 50 ms; `/done` during a busy tick under 100 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from itertools import count
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select

from bench.fanout import AT, CHAT_BASE, bench_config, build_database, unit_names
from bot.app import open_services
from bot.channels.base import IncomingMessage, Sender
from bot.clock import ManualClock
from bot.dispatch import Dispatcher
from bot.domain.model import Role
from bot.services.plans import recount_units
from bot.store.models import Assignment, Plan, Task, Unit

REPO = Path(__file__).resolve().parents[1]
FILLER_TASKS = 10
FILLER_DUE = date(2022, 12, 31)
OFFICE_CHAT = "700000001"
DAYS_DECIDED_THROUGH = date(2022, 6, 30)


def rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize() / 2**20


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def add_filler(db: Path, departments: int, total: int) -> int:
    """A second plan, due 31/12/2022, whose assignments bring the database to `total`."""
    config = bench_config(db, departments)
    services = await open_services(config)
    try:
        async with services.db.session() as session:
            have = await session.scalar(select(func.count(Assignment.id)))
            assert have is not None
            units = max(0, (total - have) // FILLER_TASKS)
            if not units:
                return have
            plan_id = await session.scalar(
                insert(Plan)
                .values(
                    number="999/KH-UBND",
                    key="999",
                    issued=date(2022, 2, 1),
                    title="Kế hoạch của tỉnh",
                    year=2022,
                    source="bench",
                    imported_at=datetime(2022, 2, 1, tzinfo=UTC),
                    end_derived=FILLER_DUE,
                )
                .returning(Plan.id)
            )
            schedule = {"kind": "deadline", "due": FILLER_DUE.isoformat()}
            task_ids = []
            for no in range(1, FILLER_TASKS + 1):
                task_ids.append(
                    await session.scalar(
                        insert(Task)
                        .values(
                            plan_id=plan_id,
                            no=no,
                            label=str(no),
                            section="",
                            content=f"Nhiệm vụ của tỉnh số {no}",
                            lead=["Các xã"],
                            support=[],
                            when_text="Chậm nhất ngày 31/12/2022",
                            schedule=schedule,
                            removed=False,
                        )
                        .returning(Task.id)
                    )
                )
            names = [f"UBND xã số {n:07d}" for n in range(units)]
            await session.execute(insert(Unit), [{"name": n, "is_group": False} for n in names])
            first = await session.scalar(select(Unit.id).where(Unit.name == names[0]))
            assert first is not None
            await session.execute(
                insert(Assignment),
                [
                    {"task_id": t, "unit_id": first + u, "role": "lead", "active": True}
                    for u in range(units)
                    for t in task_ids
                ],
            )
            await recount_units(session, plan_id)
            return have + units * FILLER_TASKS
    finally:
        await services.db.dispose()


async def register_office_and_head(db: Path, departments: int) -> None:
    services = await open_services(bench_config(db, departments), clock=ManualClock(AT))
    try:
        invite = await services.invite("Ban ISO Sở", Role.ISO, created_by="bench")
        await services.register(Sender("console", OFFICE_CHAT, OFFICE_CHAT, "VP"), invite.code)
    finally:
        await services.db.dispose()


async def work_out_days(db: Path, departments: int) -> None:
    """Store every row's next reminder day as a running bot would have: here as of 30/06/2022,
    as if the bot had been down since, so 01/08 owes the third quarter's opening reminders."""
    from scheduler.engine import ReminderEngine

    services = await open_services(bench_config(db, departments), clock=ManualClock(AT))
    try:
        await ReminderEngine(services, {}).work_out_days(DAYS_DECIDED_THROUGH)
    finally:
        await services.db.dispose()


class Chat:
    def __init__(self, services: Any) -> None:
        self.dispatcher = Dispatcher(services, bare_commands_on=frozenset())
        self.ids = count(1)

    async def says(self, sender: Sender, text: str) -> tuple[float, str]:
        started = time.perf_counter()
        message = IncomingMessage(sender, text, str(next(self.ids)), datetime.now(UTC))
        reply = await self.dispatcher.handle(message)
        return time.perf_counter() - started, reply.text if reply else ""


class CountingChannel:
    """Count messages; each send takes `seconds` (Telegram's 30 a second over 4 senders)."""

    name = "telegram"
    max_text_length = 4096

    def __init__(self, seconds: float) -> None:
        self.count = 0
        self.seconds = seconds

    async def start(self, on_message: Any) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def send_text(self, chat_id: str, text: str, buttons: Any = None) -> str:
        self.count += 1
        await asyncio.sleep(self.seconds)
        return str(self.count)

    async def send_file(self, chat_id: str, file: Any) -> str:
        raise NotImplementedError


async def ticks_and_commands(db: Path, departments: int) -> dict[str, Any]:
    from scheduler.engine import ReminderEngine

    services = await open_services(bench_config(db, departments), clock=ManualClock(AT))
    result: dict[str, Any] = {"rss_open_mb": rss_mb()}
    async with services.db.session() as session:
        result["assignments"] = await session.scalar(select(func.count(Assignment.id)))
    engine = ReminderEngine(services, {})
    night = AT.replace(hour=3)
    services.clock.set(night)
    started = time.perf_counter()
    report = await engine.tick(night)
    result["night_s"] = time.perf_counter() - started
    result["night_queued"] = len(report.queued)
    services.clock.set(AT)
    started = time.perf_counter()
    report = await engine.tick(AT)
    result["busy_s"] = time.perf_counter() - started
    result["busy_queued"] = len(report.queued)
    result["busy_examined"] = report.examined
    result["busy_peak_rss_mb"] = peak_rss_mb()
    quiet = AT + timedelta(minutes=1)
    services.clock.set(quiet)
    started = time.perf_counter()
    report = await engine.tick(quiet)
    result["quiet_s"] = time.perf_counter() - started
    result["quiet_queued"] = len(report.queued)

    chat = Chat(services)
    office = Sender("console", OFFICE_CHAT, OFFICE_CHAT, "VP")
    head = Sender("telegram", str(CHAT_BASE), str(CHAT_BASE), "Trưởng phòng")
    commands = (
        ("status", office, "/status"),
        ("status_plan", office, "/status 187"),
        ("status_task", office, "/status 187.4"),
        ("plans", office, "/kehoach"),
        ("tasks", head, "/tasks"),
    )
    for name, sender, text in commands:
        times = []
        for _ in range(3):
            seconds, reply = await chat.says(sender, text)
            times.append(seconds)
        result[f"{name}_s"] = statistics.median(times)
        result[f"{name}_reply_chars"] = len(reply)
    result["status_text_s"] = await overview_text_time(services)
    await services.db.dispose()
    return result


async def overview_text_time(services: Any) -> float:
    """`/status 187` without drawing its chart: the aggregates and the words (median of 3)."""
    from bot.i18n import Translator
    from handlers.status import overview

    times = []
    for _ in range(3):
        started = time.perf_counter()
        overview(await services.summary("187", detail=True), Translator("vi"))
        times.append(time.perf_counter() - started)
    return statistics.median(times)


async def done_during_tick(db: Path, departments: int, *, paced: bool) -> dict[str, Any]:
    from scheduler.engine import ReminderEngine

    services = await open_services(bench_config(db, departments), clock=ManualClock(AT))
    from scheduler.engine import SENDERS_PER_CHANNEL, settle_heap

    channel = CountingChannel(SENDERS_PER_CHANNEL / 30 if paced else 0)
    engine = ReminderEngine(services, {"telegram": channel})
    chat = Chat(services)
    head = Sender("telegram", str(CHAT_BASE + 1), str(CHAT_BASE + 1), "Trưởng phòng")
    for text in ("/xong 4", "/huy 4"):  # the first command of a process imports its handler
        await chat.says(head, text)
    settle_heap()  # as `nhacviec run` does once started
    waits: list[float] = []
    stalls: list[float] = []
    busy: list[float] = []
    ticking = True

    async def commands() -> None:
        texts = ["/xong 4", "/huy 4"]
        n = 0
        while ticking:
            seconds, _ = await chat.says(head, texts[n % 2])
            waits.append(seconds)
            n += 1
            await asyncio.sleep(0.02)

    async def heartbeat() -> None:
        # Lateness by the wall clock counts a shared machine's other processes too; the loop
        # thread's own CPU time over the same stretch is what this process held it for.
        while ticking:
            started, cpu = time.perf_counter(), time.thread_time()
            await asyncio.sleep(0.005)
            stalls.append(time.perf_counter() - started - 0.005)
            busy.append(time.thread_time() - cpu)

    side = [asyncio.create_task(commands()), asyncio.create_task(heartbeat())]
    await asyncio.sleep(0.2)
    started = time.perf_counter()
    report = await engine.tick(AT)
    tick_s = time.perf_counter() - started
    ticking = False
    await asyncio.gather(*side)
    await services.db.dispose()
    return {
        "tick_with_sending_s": tick_s,
        "messages": channel.count,
        "queued": len(report.queued),
        "commands": len(waits),
        "done_max_s": max(waits),
        "done_median_s": statistics.median(waits),
        "loop_stall_max_s": max(stalls),
        "loop_cpu_max_s": max(busy),
    }


def run_size(args: argparse.Namespace) -> None:
    db = Path(args.db)
    part = args.part
    if part == "build":
        asyncio.run(build_database(db, args.departments))
        total = asyncio.run(add_filler(db, args.departments, args.size))
        asyncio.run(register_office_and_head(db, args.departments))
        started = time.perf_counter()
        asyncio.run(work_out_days(db, args.departments))
        worked_out = time.perf_counter() - started
        print(json.dumps({"assignments": total, "work_out_days_s": worked_out}))
    elif part == "ticks":
        print(json.dumps(asyncio.run(ticks_and_commands(db, args.departments))))
    else:
        paced = part == "done"
        result = asyncio.run(done_during_tick(db, args.departments, paced=paced))
        print(json.dumps({f"{key}{'' if paced else '_unpaced'}": v for key, v in result.items()}))


def spawn(part: str, db: Path, size: int, departments: int) -> dict[str, Any]:
    command = [sys.executable, "-m", "bench.scale", "--part", part, "--db", str(db)]
    command += ["--size", str(size), "--departments", str(departments)]
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True)
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"bench part {part} ({size}) failed with status {done.returncode}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,200000")
    parser.add_argument("--departments", type=int, default=1000)
    parser.add_argument("--part", choices=["build", "ticks", "done", "done-unpaced"])
    parser.add_argument("--db")
    parser.add_argument("--size", type=int)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    if args.part:
        run_size(args)
        return
    assert len(unit_names(args.departments)) == args.departments
    workdir = Path(tempfile.mkdtemp(prefix="nv-scale-"))
    results: dict[int, dict[str, Any]] = {}
    try:
        for size in (int(s) for s in args.sizes.split(",")):
            template = workdir / f"template-{size}.db"
            started = time.monotonic()
            built = spawn("build", template, size, args.departments)
            print(
                f"built {built['assignments']:,} assignments in"
                f" {time.monotonic() - started:.0f} s",
                file=sys.stderr,
                flush=True,
            )
            results[size] = dict(built)
            for part in ("ticks", "done", "done-unpaced"):
                copy = workdir / f"{part}-{size}.db"
                shutil.copyfile(template, copy)
                results[size].update(spawn(part, copy, size, args.departments))
                print(f"  {part}: done", file=sys.stderr, flush=True)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"CPUs: {os.cpu_count()}; load average at the end: {os.getloadavg()[0]:.1f}")
    print(table(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))


def table(results: dict[int, dict[str, Any]]) -> str:
    sizes = list(results)
    rows = [
        ("assignments", lambda r: f"{r['assignments']:,}"),
        ("working out every stored day", lambda r: f"{r['work_out_days_s']:.1f} s"),
        ("night tick (03:00)", lambda r: f"{r['night_s']:.3f} s"),
        ("busy tick (08:00, queue only)", lambda r: f"{r['busy_s']:.2f} s"),
        ("  reminders queued", lambda r: f"{r['busy_queued']:,}"),
        ("  peak RSS", lambda r: f"{r['busy_peak_rss_mb']:.0f} MB"),
        ("  assignments examined", lambda r: f"{r['busy_examined']:,}"),
        ("quiet tick (08:01)", lambda r: f"{r['quiet_s']:.3f} s"),
        ("/status (Ban ISO, median of 3)", lambda r: f"{r['status_s'] * 1000:.0f} ms"),
        ("/status 187 (with its chart)", lambda r: f"{r['status_plan_s'] * 1000:.0f} ms"),
        ("  its text alone (no chart)", lambda r: f"{r['status_text_s'] * 1000:.0f} ms"),
        ("/status 187.4 (1,000 units)", lambda r: f"{r['status_task_s'] * 1000:.0f} ms"),
        ("/plans", lambda r: f"{r['plans_s'] * 1000:.0f} ms"),
        ("/tasks (a head, median of 3)", lambda r: f"{r['tasks_s'] * 1000:.0f} ms"),
        ("busy tick with sending", lambda r: f"{r['tick_with_sending_s']:.2f} s"),
        ("  messages", lambda r: f"{r['messages']:,}"),
        ("/done meanwhile: longest", lambda r: f"{r['done_max_s'] * 1000:.0f} ms"),
        ("  median (of N)", lambda r: f"{r['done_median_s'] * 1000:.0f} ms ({r['commands']})"),
        ("event loop's longest stall", lambda r: f"{r['loop_stall_max_s'] * 1000:.0f} ms"),
        ("  its own longest CPU stretch", lambda r: f"{r['loop_cpu_max_s'] * 1000:.0f} ms"),
        ("unpaced sends: tick", lambda r: f"{r['tick_with_sending_s_unpaced']:.2f} s"),
        ("  /done meanwhile: longest", lambda r: f"{r['done_max_s_unpaced'] * 1000:.0f} ms"),
        (
            "  event loop's longest stall",
            lambda r: f"{r['loop_stall_max_s_unpaced'] * 1000:.0f} ms",
        ),
    ]
    head = ["", *(f"{s:,}" for s in sizes), "ratio"]
    lines = ["| " + " | ".join(head) + " |", "|---" + "|---:" * (len(sizes) + 1) + "|"]
    for label, cell in rows:
        cells = [cell(results[s]) for s in sizes]
        ratio = ""
        key = {
            "night tick (03:00)": "night_s",
            "busy tick (08:00, queue only)": "busy_s",
            "quiet tick (08:01)": "quiet_s",
            "/status (Ban ISO, median of 3)": "status_s",
            "/status 187 (with its chart)": "status_plan_s",
            "  its text alone (no chart)": "status_text_s",
            "/status 187.4 (1,000 units)": "status_task_s",
            "/plans": "plans_s",
            "/tasks (a head, median of 3)": "tasks_s",
            "/done meanwhile: longest": "done_max_s",
        }.get(label)
        if key and len(sizes) > 1:
            ratio = f"{results[sizes[-1]][key] / results[sizes[0]][key]:.1f}×"
        lines.append("| " + " | ".join([label, *cells, ratio]) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
