"""CLI commands of the reminder engine: `run`, `tick`, and `demo`."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from typing import Any

from bot.clock import ManualClock, SystemClock, as_local
from bot.config import load_config


def add_commands(commands: argparse._SubParsersAction) -> None:
    commands.add_parser(
        "run",
        help="start every channel enabled in the config and the reminder scheduler, "
        "until Ctrl-C (SIGINT) or SIGTERM",
    )
    tick = commands.add_parser(
        "tick", help="run the reminder engine once, as if it were that local time"
    )
    tick.add_argument(
        "--at",
        required=True,
        metavar="ISO_DATETIME",
        help="local time (Asia/Ho_Chi_Minh unless a zone is given), e.g. 2022-08-01T08:00",
    )
    tick.add_argument(
        "--dry-run", action="store_true", help="list what would be sent; send and write nothing"
    )
    tick.add_argument("--json", action="store_true", help="print JSON")
    demo = commands.add_parser(
        "demo",
        help="a year of plan 187 on a fast clock, on the console, on a temporary database",
    )
    demo.add_argument("--quiet", action="store_true", help="print only the closing summary")


async def cmd_run(args: argparse.Namespace) -> int:
    from bot.runner import run_until_signalled

    return await run_until_signalled(load_config(args.config))


def parse_at(text: str) -> datetime:
    from bot.cli import EXIT_USAGE, CliError

    try:
        return as_local(datetime.fromisoformat(text))
    except ValueError as error:
        raise CliError(
            f'--at "{text}" is not a date and time; write it like 2022-08-01T08:00', EXIT_USAGE
        ) from error


async def cmd_tick(args: argparse.Namespace) -> int:
    from bot.app import open_services
    from bot.channels.console import CONSOLE, ConsoleChannel
    from bot.runner import build_channels
    from scheduler.engine import ReminderEngine

    config = load_config(args.config)
    at = parse_at(args.at)
    services = await open_services(config, clock=ManualClock(at))
    channels = {} if args.dry_run else build_channels(config, services)
    if not args.dry_run:
        channels[CONSOLE] = ConsoleChannel(sys.stderr if args.json else sys.stdout)
    try:
        engine = ReminderEngine(services, channels, claim_clock=SystemClock())
        report = await engine.tick(at, dry_run=args.dry_run)
    finally:
        for channel in channels.values():
            await channel.stop()
        await services.db.dispose()
    reminders = [
        {
            "task": item.reminder.task_no,
            "kind": str(item.reminder.kind),
            "slot": item.reminder.slot.isoformat(),
            "unit": item.reminder.unit,
            "contact_id": item.recipient.contact_id,
            "contact": item.recipient.name,
            "channel": item.recipient.channel,
            "days": item.reminder.days,
            "late": item.reminder.late,
        }
        for item in report.queued
    ]
    summary: dict[str, Any] = {
        "at": at.isoformat(),
        "dry_run": report.dry_run,
        "queued": len(reminders),
        "skipped": report.skipped,
        "sent": report.sent,
        "messages": report.messages,
        "failed": report.failed,
        "waiting_for_channel": report.waiting_for_channel,
        "reminders": reminders,
    }
    if args.json:
        print(json.dumps(summary, ensure_ascii=False, indent=1))
        return 0
    verb = "would queue" if report.dry_run else "queued"
    print(f"{at.strftime('%d/%m/%Y %H:%M')}: {verb} {len(reminders)} reminder(s).")
    for item in reminders:
        late = " (late)" if item["late"] else ""
        print(
            f"  task {item['task']:>2} {item['kind']:<15} → {item['unit'] or 'Office'} "
            f"[{item['channel']} #{item['contact_id']}]{late}"
        )
    if not report.dry_run:
        print(
            f"sent {report.sent} in {report.messages} message(s), {report.failed} failed, "
            f"{report.waiting_for_channel} waiting for a channel that is not enabled."
        )
    return 0


async def cmd_demo(args: argparse.Namespace) -> int:
    from bot.demo import run_demo

    return await run_demo(quiet=args.quiet)


COMMANDS = {"run": cmd_run, "tick": cmd_tick, "demo": cmd_demo}
