"""CLI commands of the reminder engine: `run`, `tick` and `demo`."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from typing import Any

from bot.cli_support import EXIT_USAGE, CliError
from bot.clock import ManualClock, SystemClock, as_local
from bot.config import load_config


async def cmd_run(args: argparse.Namespace) -> int:
    from bot.runner import run_until_signalled

    return await run_until_signalled(load_config(args.config))


def parse_at(text: str) -> datetime:
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
    from scheduler.facts import load_task_infos

    config = load_config(args.config)
    at = parse_at(args.at)
    services = await open_services(config, clock=ManualClock(at))
    channels = {} if args.dry_run else build_channels(config, services)
    if not args.dry_run:
        channels[CONSOLE] = ConsoleChannel(sys.stderr if args.json else sys.stdout)
    try:
        engine = ReminderEngine(services, channels, claim_clock=SystemClock())
        report = await engine.tick(at, dry_run=args.dry_run)
        async with services.db.session() as session:
            plan_of = {
                task_id: info.plan_key
                for task_id, info in (await load_task_infos(session)).items()
            }
    finally:
        for channel in channels.values():
            await channel.stop()
        await services.db.dispose()
    reminders = [
        {
            "plan": plan_of.get(item.reminder.task_id),
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
            f"  task {item['plan']}.{item['task']:<3} {item['kind']:<15} "
            f"→ {item['unit'] or 'Office'} "
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
