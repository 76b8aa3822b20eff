"""Two processes ticking one PostgreSQL database with 100,000 assignments.

    python bench/pg_ticks.py                      # a throwaway server (Debian's postgresql)
    python bench/pg_ticks.py --url postgresql://postgres@127.0.0.1:5432/postgres

The database gets one plan of 10 deadline tasks, each led by 10,000 units (100,000 assignments,
bulk-inserted with COPY), and one Telegram-like contact per unit. The tick runs at 01/08/2022
08:00 on a clock that then moves with the wall clock, when every assignment is overdue: 100,000
reminders, merged into 10,000 messages. Two worker processes run the same loop as `nhacviec run`
(take or renew the lease, tick while holding it) with a channel that only appends a line per
message to the worker's own file: the figures are the engine's and the database's, not a
network's.

1. throughput: both workers start; the holder queues and sends everything. Reported: reminders
   queued per second (policy + outbox insert), reminders claimed and sent per second (claim, load,
   compose, send, mark), and duplicates (messages per person above one, across both files).
2. hand-over: on a fresh outbox, the holder is held inside a send (so the kill cannot fall between
   a delivery and its record) and killed with SIGKILL mid-fan-out; reported: the time until the
   other worker holds the lease, until it sends again, and duplicates after it finished.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.pg_seed import copy_units_and_people  # noqa: E402
from bot.app import catalog_for  # noqa: E402
from bot.clock import LOCAL_TZ  # noqa: E402
from bot.config import Config  # noqa: E402
from bot.services.facade import BotServices  # noqa: E402
from bot.store.db import Database  # noqa: E402
from scheduler.engine import ReminderEngine  # noqa: E402
from scheduler.lease import Lease  # noqa: E402

TASKS = 10
UNITS = 10_000
TICK_AT = datetime(2022, 8, 1, 8, 0, tzinfo=LOCAL_TZ)  # a Monday; every task below is overdue
DUE = date(2022, 2, 9)
CHANNEL = "bench"
TASK_COLUMNS = ("id", "plan_id", "no", "content", "lead", "support", "when_text", "schedule")
TASK_COLUMNS += ("removed",)


# ---- the worker: one `nhacviec run`-like process ----------------------------------------------


class MovingClock:
    """TICK_AT at `epoch` (a wall-clock time both workers share), moving with the wall clock."""

    def __init__(self, epoch: float) -> None:
        self.epoch = epoch

    def now(self) -> datetime:
        return TICK_AT + timedelta(seconds=time.time() - self.epoch)


class FileChannel:
    """Deliver a message by appending `time chat_id` to a file; wait while `hold` exists."""

    name = CHANNEL
    max_text_length = 4096

    def __init__(self, path: Path, hold: Path) -> None:
        self.fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        self.hold = hold
        self.count = 0

    async def start(self, on_message: Any) -> None:
        return None

    async def stop(self) -> None:
        os.close(self.fd)

    async def send_text(self, chat_id: str, text: str, buttons: object = ()) -> str:
        while self.hold.exists():  # noqa: ASYNC110 - a file another process creates
            await asyncio.sleep(0.05)  # the orchestrator is about to kill us mid-send
        os.write(self.fd, f"{time.time():.4f} {chat_id}\n".encode())
        self.count += 1
        return str(self.count)

    async def send_file(self, chat_id: str, file: Any) -> str:
        raise NotImplementedError


def emit(event: str, **values: Any) -> None:
    print(json.dumps({"event": event, "t": time.time(), "pid": os.getpid(), **values}), flush=True)


async def worker(args: argparse.Namespace) -> None:
    config = Config(
        database_url=args.url,
        reminders={
            "lease_seconds": args.lease_seconds,
            "claim_timeout_seconds": args.claim_timeout_seconds,
        },
    )
    db = Database(args.url)
    services = BotServices(db, MovingClock(args.epoch), config, catalog_for(config))
    channel = FileChannel(Path(args.log), Path(args.hold))
    engine = ReminderEngine(services, {CHANNEL: channel})
    lease = Lease(db, engine.worker, timedelta(seconds=args.lease_seconds))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)

    async def keep_lease() -> None:
        # As `nhacviec run` does: try for the lease (or renew it) three times per lease length.
        while not stop.is_set():
            was_held = lease.held
            try:
                if await lease.acquire() and not was_held:
                    emit("lease")
            except Exception as error:
                emit("lease_error", error=str(error))
            await asyncio.sleep(args.lease_seconds / 3)

    keeper = asyncio.create_task(keep_lease())
    emit("ready", worker=engine.worker)
    try:
        while not stop.is_set():
            if not lease.held:
                await asyncio.sleep(0.05)
                continue
            began = time.time()
            report = await engine.tick()
            emit(
                "tick",
                began=began,
                queued=len(report.queued),
                queued_at=report.at.timestamp(),
                sent=report.sent,
                messages=report.messages,
                failed=report.failed,
            )
            await asyncio.sleep(args.tick_seconds)
    finally:
        keeper.cancel()
        await lease.release()
        await channel.stop()
        await db.dispose()


# ---- setting up the database -----------------------------------------------------------------


async def populate(url: str) -> None:
    """Migrate, then COPY in one plan, 10 tasks, 10,000 units, 100,000 assignments, contacts."""
    import asyncpg

    db = Database(url)
    await db.upgrade()
    await db.dispose()
    plain = url.replace("postgresql+asyncpg://", "postgresql://")
    connection = await asyncpg.connect(plain)
    try:
        now = datetime.now(UTC)
        plan_id = await connection.fetchval(
            "INSERT INTO plans (number, key, issued, title, year, source, imported_at,"
            " end_derived) VALUES ($1, 'BENCH', $2, $3, 2022, 'bench', $4, $5) RETURNING id",
            "BENCH/2022",
            date(2022, 2, 7),
            "Kế hoạch đo tải",
            now,
            date(2022, 12, 31),
        )
        schedule = json.dumps({"kind": "deadline", "due": DUE.isoformat()})
        lead, when = '["Các đơn vị"]', "Trước 10/02/2022"
        await connection.copy_records_to_table(
            "tasks",
            columns=[*TASK_COLUMNS],
            records=[
                (n, plan_id, n, f"Nhiệm vụ đo tải số {n}", lead, "[]", when, schedule, False)
                for n in range(1, TASKS + 1)
            ],
        )
        await copy_units_and_people(connection, units=UNITS, tasks=TASKS, channel=CHANNEL, now=now)
    finally:
        await connection.close()


async def reset_outbox(url: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await connection.execute("DELETE FROM outbox")
        await connection.execute("DELETE FROM engine_state")
        await connection.execute("VACUUM ANALYZE outbox")
    finally:
        await connection.close()


async def outbox_counts(url: str) -> Counter[str]:
    import asyncpg

    connection = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        rows = await connection.fetch("SELECT status, count(*) FROM outbox GROUP BY status")
    finally:
        await connection.close()
    return Counter({row[0]: row[1] for row in rows})


# ---- the orchestrator ------------------------------------------------------------------------


class Worker:
    def __init__(self, args: argparse.Namespace, folder: Path, n: int, epoch: float) -> None:
        self.log = folder / f"worker-{n}.log"
        self.events: list[dict[str, Any]] = []
        command = [
            sys.executable,
            str(Path(__file__).resolve()),
            "worker",
            "--url",
            args.db_url,
            "--log",
            str(self.log),
            "--hold",
            str(folder / "hold"),
            "--epoch",
            str(epoch),
            "--lease-seconds",
            str(args.lease_seconds),
            "--claim-timeout-seconds",
            str(args.claim_timeout_seconds),
            "--tick-seconds",
            str(args.tick_seconds),
        ]
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, bufsize=1)
        os.set_blocking(self.process.stdout.fileno(), False)  # type: ignore[union-attr]

    def poll(self) -> list[dict[str, Any]]:
        assert self.process.stdout is not None
        while line := self.process.stdout.readline():
            self.events.append(json.loads(line))
        return self.events

    def has(self, event: str) -> dict[str, Any] | None:
        return next((e for e in self.poll() if e["event"] == event), None)

    def lines(self) -> list[tuple[float, str]]:
        if not self.log.exists():
            return []
        return [
            (float(t), chat)
            for t, chat in (line.split() for line in self.log.read_text().splitlines())
        ]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        self.process.wait(30)
        self.poll()


def wait_until(condition: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"bench: timed out waiting for {what}")
        time.sleep(0.05)


def duplicates(workers: list[Worker]) -> int:
    per_person = Counter(chat for w in workers for _, chat in w.lines())
    return sum(n - 1 for n in per_person.values() if n > 1)


def run_throughput(args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    epoch = time.time()
    workers = [Worker(args, folder / "a", n, epoch) for n in range(2)]
    try:
        wait_until(lambda: any(w.has("tick") for w in workers), args.timeout, "the first tick")
        leader = next(w for w in workers if w.has("tick"))
        tick = leader.has("tick")
        assert tick is not None
        counts = asyncio.run(outbox_counts(args.db_url))
    finally:
        for w in workers:
            w.stop()
    lines = sorted(t for w in workers for t, _ in w.lines())
    queue_s = lines[0] - tick["began"] if lines else float("nan")
    drain_s = tick["t"] - lines[0] if lines else float("nan")
    reminders = tick["queued"]
    return {
        "reminders": reminders,
        "messages": tick["messages"],
        "queue_s": queue_s,
        "drain_s": drain_s,
        "tick_s": tick["t"] - tick["began"],
        "queued_per_s": reminders / queue_s,
        "sent_per_s": tick["sent"] / drain_s,
        "overall_per_s": tick["sent"] / (tick["t"] - tick["began"]),
        "duplicates": duplicates(workers),
        "unsent": sum(n for status, n in counts.items() if status != "sent"),
        "ticking": sum(1 for w in workers if w.has("tick")),
    }


def run_handover(args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    asyncio.run(reset_outbox(args.db_url))
    hold = folder / "b" / "hold"
    epoch = time.time()
    workers = [Worker(args, folder / "b", n, epoch) for n in range(2)]
    try:
        wait_until(lambda: sum(len(w.lines()) for w in workers) >= args.kill_after, 600, "sends")
        hold.touch()  # the holder stops inside its next send
        time.sleep(0.5)
        leader = max(workers, key=lambda w: len(w.lines()))
        [other] = [w for w in workers if w is not leader]
        sent_before = len(leader.lines())
        leader.process.send_signal(signal.SIGKILL)
        leader.process.wait()
        killed_at = time.time()
        hold.unlink()
        wait_until(lambda: other.has("lease") is not None, args.timeout, "the hand-over")
        wait_until(lambda: other.lines(), args.timeout, "the new holder's first send")
        wait_until(
            lambda: (
                len(leader.lines()) + len(other.lines()) >= UNITS
                and asyncio.run(outbox_counts(args.db_url)).keys() <= {"sent"}
            ),
            args.timeout,
            "the rest of the fan-out",
        )
        counts = asyncio.run(outbox_counts(args.db_url))
        time.sleep(args.tick_seconds + 1)  # one more tick would show anything sent twice
    finally:
        for w in workers:
            w.stop()
    lease_event = other.has("lease")
    assert lease_event is not None
    return {
        "killed_after": sent_before,
        "lease_taken_s": lease_event["t"] - killed_at,
        "first_send_s": other.lines()[0][0] - killed_at,
        "lease_seconds": args.lease_seconds,
        "duplicates": duplicates(workers),
        "people": len({chat for w in workers for _, chat in w.lines()}),
        "sent_rows": counts.get("sent", 0),
    }


def main() -> None:
    if sys.argv[1:2] == ["worker"]:
        work = argparse.ArgumentParser(prog="pg_ticks.py worker")
        work.add_argument("--url", required=True)
        work.add_argument("--log", required=True)
        work.add_argument("--hold", required=True)
        work.add_argument("--epoch", type=float, required=True)
        work.add_argument("--lease-seconds", type=int, required=True)
        work.add_argument("--claim-timeout-seconds", type=int, required=True)
        work.add_argument("--tick-seconds", type=float, required=True)
        asyncio.run(worker(work.parse_args(sys.argv[2:])))
        return
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--url", help="a PostgreSQL server to use (default: start one)")
    parser.add_argument("--lease-seconds", type=int, default=10)
    parser.add_argument("--claim-timeout-seconds", type=int, default=15)
    parser.add_argument("--tick-seconds", type=float, default=2)
    parser.add_argument("--kill-after", type=int, default=3000, help="messages before the kill")
    parser.add_argument("--timeout", type=float, default=900)
    orchestrate(parser.parse_args())


def orchestrate(args: argparse.Namespace) -> None:
    import tempfile

    from tests.pg import PgServer, start_server

    if args.url:
        os.environ["NHACVIEC_TEST_POSTGRES_URL"] = args.url
    server: PgServer = start_server()
    folder = Path(tempfile.mkdtemp(prefix="nhacviec-bench-"))
    for sub in ("a", "b"):
        (folder / sub).mkdir()
    try:
        name = f"bench_{os.getpid()}"
        server.execute(f"DROP DATABASE IF EXISTS {name}")
        server.execute(f"CREATE DATABASE {name}")
        args.db_url = server.url(name)
        started = time.monotonic()
        asyncio.run(populate(args.db_url))
        populated = time.monotonic() - started
        print(f"PostgreSQL {server.version}; {os.cpu_count()} CPUs", flush=True)
        print(f"populated {TASKS * UNITS:,} assignments, {UNITS:,} contacts in {populated:.1f} s")
        first = run_throughput(args, folder)
        second = run_handover(args, folder)
        server.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    finally:
        server.stop()
    print_table(first, second)


def print_table(first: dict[str, Any], second: dict[str, Any]) -> None:
    rows = [
        ("reminders queued by one tick", f"{first['reminders']:,}"),
        ("… merged into messages", f"{first['messages']:,}"),
        ("queue: policy + outbox insert", f"{first['queue_s']:.1f} s"),
        ("  reminders queued per second", f"{first['queued_per_s']:,.0f}"),
        ("drain: claim, compose, send, mark", f"{first['drain_s']:.1f} s"),
        ("  reminders claimed+sent per second", f"{first['sent_per_s']:,.0f}"),
        ("  messages per second", f"{first['messages'] / first['drain_s']:,.0f}"),
        ("whole tick, reminders per second", f"{first['overall_per_s']:,.0f}"),
        ("processes that ticked (of 2)", str(first["ticking"])),
        ("duplicates", str(first["duplicates"])),
        ("rows not sent", str(first["unsent"])),
        ("hand-over: holder killed after", f"{second['killed_after']:,} messages"),
        ("  lease taken by the other after", f"{second['lease_taken_s']:.1f} s"),
        ("  first send by the new holder after", f"{second['first_send_s']:.1f} s"),
        ("  lease_seconds", str(second["lease_seconds"])),
        ("  people reached / rows sent", f"{second['people']:,} / {second['sent_rows']:,}"),
        ("  duplicates", str(second["duplicates"])),
    ]
    width = max(len(label) for label, _ in rows)
    print()
    for label, value in rows:
        print(f"{label:<{width}}  {value:>18}")


if __name__ == "__main__":
    main()
