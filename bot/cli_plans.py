"""CLI commands about plans: init, parse, import, plans, plan, close, reopen, status, deadline,
report (DESIGN: CLI contract). Scripts read their JSON: its keys are the contract's."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from bot.cli_support import EXIT_USAGE, CliError, existing_folder, opened, parse_cli_date
from bot.config import load_config


async def cmd_init(args: argparse.Namespace) -> int:
    from bot.bundled import ensure_plan

    async with opened(load_config(args.config)) as services:
        changed = await services.apply_routine_every()
        if changed:
            print(f"{changed} “Thường xuyên” tasks now follow [reminders] routine_every.")
        if await services.sync_reminder_rules():
            await _work_out_days(services)
        summary = await ensure_plan(services)
        if summary is None:
            statuses = await services.summaries(include_closed=True)
            loaded = ", ".join(f"plan {s.number} loaded ({len(s.tasks)} tasks)" for s in statuses)
            print(f"Database ready: {loaded}.")
            return 0
    print(
        f"Database ready: plan {summary.number} imported from {Path(summary.source).name} "
        f"({summary.tasks_added} tasks, {summary.assignments_added} assignments); "
        f"its key is {summary.key}."
    )
    for warning in summary.warnings:
        print(f"warning: {warning}")
    return 0


async def _work_out_days(services: Any) -> None:
    """[reminders] changed: work every stored reminder day out again now, not at the next tick.

    As of yesterday: whether or not this morning's reminders went out, the next tick asks about
    today's again (the outbox keeps what was sent from going twice).
    """
    from datetime import timedelta

    from scheduler.engine import ReminderEngine

    print("[reminders] changed: working out every assignment's next reminder day again…")
    examined = await ReminderEngine(services, {}).work_out_days(
        services.today() - timedelta(days=1)
    )
    print(f"{examined} assignments done; the next tick uses the new rules.")


async def cmd_parse(args: argparse.Namespace) -> int:
    from bot.app import catalog_for
    from bot.importer import read_plan

    config = load_config(args.config)
    parsed = read_plan(
        args.file, catalog_for(config), routine_every=config.reminder_settings().routine_every
    )
    for warning in parsed.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if args.json:
        print(json.dumps(parsed.to_json(), ensure_ascii=False, indent=1))
    else:
        print(f"{parsed.number} ({parsed.issued.isoformat() if parsed.issued else '?'})")
        print(parsed.title)
        print(plan_table([task.to_json() for task in parsed.tasks]))
    return 0


async def cmd_import(args: argparse.Namespace) -> int:
    async with opened(load_config(args.config)) as services:
        parsed = services.read_plan(args.file)
        try:
            summary = await services.import_plan(parsed, source=str(args.file), key=args.key)
        except ValueError as error:
            raise CliError(str(error), EXIT_USAGE) from error
        others = [s for s in await services.summaries(include_closed=True) if s.key != summary.key]
    verb = "imported" if summary.created else "updated in place"
    print(f"Plan {summary.number} {verb} from {args.file}; its key is {summary.key}.")
    print(
        plan_table([task.to_json() for task in parsed.tasks])
        + "\n"
        + f"tasks: {summary.tasks_added} new, {summary.tasks_updated} updated, "
        f"{summary.tasks_removed} removed; assignments: {summary.assignments_added} added, "
        f"{summary.assignments_removed} removed"
        + ("; confirmations kept." if not summary.created else ".")
    )
    end = summary.end.strftime("%d/%m/%Y") if summary.end else "?"
    print(f"Reminders run until {end} (change it: nhacviec plan {summary.key} --end dd/mm/yyyy).")
    if others:
        listed = ", ".join(f"{s.key} ({s.number})" for s in others)
        print(f"Other plans, unchanged: {listed}. Tasks are addressed as {summary.key}.N.")
    for warning in summary.warnings:
        print(f"warning: {warning}")
    return 0


async def cmd_plans(args: argparse.Namespace) -> int:
    async with opened(load_config(args.config)) as services:
        statuses = await services.summaries(include_closed=True)
    rows = [
        {
            "key": s.key,
            "number": s.number,
            "title": s.title,
            "issued": s.issued.isoformat() if s.issued else None,
            "start": s.start.isoformat(),
            "end": s.end.isoformat(),
            "state": str(s.state),
            "tasks": len(s.tasks),
            "open": len(s.tasks) - s.done,
        }
        for s in statuses
    ]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=1))
    elif not rows:
        print("No plan is stored yet: run `nhacviec init` or `nhacviec import FILE`.")
    else:
        for row in rows:
            print(
                f"{row['key']:<10} {row['number']:<20} {row['state']:<7} "
                f"{_dmy(row['start'])}–{_dmy(row['end'])}  {row['tasks']} tasks, "
                f"{row['open']} open  {_shorten(row['title'], 50)}"
            )
    return 0


async def cmd_plan(args: argparse.Namespace) -> int:
    async with opened(load_config(args.config)) as services:
        if args.end:
            change = await services.set_plan_end(args.key, parse_cli_date(args.end, "--end"))
            print(f"Plan {change.number} ({change.key}) now ends on {change.end:%d/%m/%Y}.")
        status = await services.status(args.key)
    tasks = [
        {
            "no": task.no,
            "label": task.label,
            "section": task.section,
            "content": task.content,
            "lead": list(task.lead),
            "support": list(task.support),
            "when": task.when,
            "schedule": task.schedule.to_json(),
        }
        for task in status.tasks
    ]
    if args.json:
        out = {
            "key": status.key,
            "number": status.number,
            "issued": status.issued.isoformat() if status.issued else None,
            "title": status.title,
            "start": status.start.isoformat(),
            "end": status.end.isoformat(),
            "state": str(status.state),
            "tasks": tasks,
        }
        print(json.dumps(out, ensure_ascii=False, indent=1))
    elif not args.end:
        print(f"{status.key}: {status.number} — {status.title}")
        print(f"{status.start:%d/%m/%Y} – {status.end:%d/%m/%Y}, {status.state}")
        print(plan_table(tasks))
    return 0


async def cmd_close(args: argparse.Namespace) -> int:
    return await _set_closed(args, closed=True)


async def cmd_reopen(args: argparse.Namespace) -> int:
    return await _set_closed(args, closed=False)


async def _set_closed(args: argparse.Namespace, *, closed: bool) -> int:
    async with opened(load_config(args.config)) as services:
        change = await services.set_plan_closed(args.key, closed, actor="cli")
    plan = f"Plan {change.number} ({change.key})"
    if closed:
        print(
            f"{plan} closed: no more reminders for it."
            if change.changed
            else f"{plan} was already closed."
        )
    else:
        print(
            f"{plan} reopened: its reminders resume."
            if change.changed
            else f"{plan} is not closed."
        )
    return 0


async def cmd_status(args: argparse.Namespace) -> int:
    from bot.i18n import Translator
    from handlers.status import overview, plans_overview

    config = load_config(args.config)
    async with opened(config) as services:
        if args.plan:
            statuses = [await services.status(args.plan)]
        else:
            statuses = await services.statuses()
        today = services.today()
    if not args.json:
        tr = Translator(config.language)
        if not statuses:
            print("No plan is being followed (see `nhacviec plans`).")
        else:
            print(
                overview(statuses[0], tr) if len(statuses) == 1 else plans_overview(statuses, tr)
            )
        return 0
    out = {"as_of": today.isoformat(), "plans": [_status_json(status) for status in statuses]}
    print(json.dumps(out, ensure_ascii=False, indent=1))
    return 0


def _status_json(status: Any) -> dict[str, Any]:
    return {
        "key": status.key,
        "number": status.number,
        "title": status.title,
        "state": str(status.state),
        "tasks": [
            {
                "no": task.no,
                "label": task.label,
                "state": str(task.state.kind),
                "days": task.state.days,
                "due": task.due.isoformat() if task.due else None,
                "original_due": task.original_due.isoformat() if task.original_due else None,
                "period": task.period.key if task.period else None,
                "assignments": [
                    {
                        "unit": a.unit,
                        "role": str(a.role),
                        "done": a.done,
                        "done_at": a.done_at.isoformat() if a.done_at else None,
                        "by": _by(a),
                        "note": a.note,
                        "verified": a.verified,
                    }
                    for a in task.assignments
                ],
            }
            for task in status.tasks
        ],
    }


def _by(assignment: Any) -> str | None:
    """Who confirmed; for a confirmation the Office made for the unit, with the Office's unit."""
    if assignment.by is None:
        return None
    if assignment.on_behalf and assignment.by_unit:
        return f"{assignment.by} ({assignment.by_unit}, on behalf of {assignment.unit})"
    return assignment.by


async def cmd_deadline(args: argparse.Namespace) -> int:
    from bot.domain.plans import parse_task_ref

    ref = parse_task_ref(args.task)
    if ref is None:
        raise CliError(f'"{args.task}" is not a task: write N or KEY.N (e.g. 187.10)', EXIT_USAGE)
    async with opened(load_config(args.config)) as services:
        result = await services.set_deadline(None, ref, parse_cli_date(args.date, "DATE"))
    print(f"Task {result.task_no}: deadline set to {result.due:%d/%m/%Y}.")
    return 0


async def cmd_report(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    existing_folder(args.output)
    async with opened(config) as services:
        path = await services.write_report(
            args.format, args.output, config.language, key=args.plan
        )
    print(f"Wrote {path}.")
    return 0


def plan_table(tasks: list[dict[str, Any]]) -> str:
    """A plain-text table a person can read in a terminal: TT, schedule, time text, lead units."""
    rows = [("TT", "schedule", "time in the plan", "lead", "content")]
    for task in tasks:
        rows.append(
            (
                str(task.get("label") or task["no"]),
                describe_schedule(task["schedule"]),
                task["when"],
                ", ".join(task["lead"]),
                _shorten(task["content"], 48),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = []
    for index, row in enumerate(rows):
        cells = [cell.ljust(widths[i]) for i, cell in enumerate(row[:4])] + [row[4]]
        lines.append("  ".join(cells).rstrip())
        if index == 0:
            lines.append("  ".join("-" * w for w in widths) + "  " + "-" * 7)
    return "\n".join(lines)


def describe_schedule(schedule: dict[str, Any]) -> str:
    kind = schedule["kind"]
    if kind == "deadline":
        return f"due {_dmy(schedule['due'])}"
    if kind == "window":
        return f"{_dmy(schedule['start'])}..{_dmy(schedule['end'])}"
    if kind == "recurring":
        text = f"every {schedule['every'].replace('_', ' ')}"
        if schedule.get("from") or schedule.get("until"):
            first = _dmy(schedule["from"]) if schedule.get("from") else ""
            last = _dmy(schedule["until"]) if schedule.get("until") else ""
            text += f" {first}..{last}"
        return text
    if kind == "as_regulated":
        return f"due {_dmy(schedule['due'])}" if schedule.get("due") else "as regulated (no date)"
    return "unknown (check the text)"


def _dmy(iso: str) -> str:
    year, month, day = iso.split("-")
    return f"{day}/{month}/{year}"


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
