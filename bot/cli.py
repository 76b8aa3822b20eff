"""The `nhacviec` command line (DESIGN: CLI contract). Scripts depend on its commands and JSON.

Every failure is one clear line on stderr and a non-zero exit status, never a traceback:
2 for a wrong command line, an unreadable plan or a broken config; 1 for anything else.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from collections.abc import Callable, Coroutine, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot import __version__
from bot.config import ConfigError, load_config
from bot.i18n import Translator
from bot.services.errors import NoPlan, ServiceError
from handlers.errors import explain

if TYPE_CHECKING:
    from bot.services.facade import BotServices
    from bot.services.plans import ImportSummary

EXIT_USAGE = 2

DESCRIPTION = """\
nhacviec (nhắc việc) keeps an agency's yearly plan on schedule: it reminds each unit of its tasks
on Telegram or Zalo and tells the Office (Văn phòng Sở) who has finished what.

First steps:
  nhacviec init             create the database and load the bundled plan 187/KH-SGDĐT
  nhacviec plan             see the plan's tasks with their dates
  nhacviec invite "Phòng Giáo dục Trung học" --role head
                            a one-time code a department head types as /start CODE
  nhacviec run              start the bot (needs [telegram] or [zalo] in config.toml)
  nhacviec demo             watch a year of the plan on a fast clock, no token needed
"""


class CliError(Exception):
    """A failure worded for the person at the terminal; `status` is the exit code."""

    def __init__(self, message: str, status: int = 1) -> None:
        super().__init__(message)
        self.status = status


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nhacviec",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"nhacviec {__version__}")
    parser.add_argument(
        "--config",
        type=Path,
        metavar="FILE",
        help="configuration file (default: ./config.toml; without one, built-in defaults: "
        "SQLite file ./nhacviec.db, Telegram off, the bundled plan)",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log more detail")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True

    commands.add_parser(
        "init", help="create or upgrade the database; load the bundled plan if none is loaded"
    )

    parse = commands.add_parser(
        "parse", help="read a plan document (.txt, .md, .docx) and print it; no database"
    )
    parse.add_argument("file", type=Path, metavar="FILE")
    parse.add_argument("--json", action="store_true", help="print the contract's JSON")

    imp = commands.add_parser("import", help="read a plan document and store it (update in place)")
    imp.add_argument("file", type=Path, metavar="FILE")

    plan = commands.add_parser("plan", help="the stored plan's tasks with their schedules")
    plan.add_argument("--json", action="store_true", help="print JSON instead of a table")

    invite = commands.add_parser(
        "invite", help="create a one-time registration code for a unit (valid 7 days)"
    )
    invite.add_argument("unit", metavar="UNIT", help='unit name, e.g. "Ban ISO Sở"')
    invite.add_argument(
        "--role",
        required=True,
        choices=["office", "iso", "leader", "head", "member"],
        help="what the person may do",
    )
    invite.add_argument("--json", action="store_true", help="print JSON")

    contacts = commands.add_parser("contacts", help="registered contacts")
    contacts.add_argument("--json", action="store_true", help="print JSON")

    status = commands.add_parser("status", help="what the Office sees on /status")
    status.add_argument("--json", action="store_true", help="print JSON")

    deadline = commands.add_parser(
        "deadline", help="set the date of an as-regulated task (like /deadline in chat)"
    )
    deadline.add_argument("task", type=int, metavar="N")
    deadline.add_argument("date", metavar="DD/MM/YYYY")

    report = commands.add_parser(
        "report", help="write the year-end report (.docx), the tracking sheet (.xlsx) or the chart"
    )
    report.add_argument("--format", choices=["docx", "xlsx", "png"], default="docx")
    report.add_argument("-o", "--output", type=Path, required=True, metavar="FILE")

    chat = commands.add_parser(
        "chat", help="try the chat commands in this terminal, as a person of a unit"
    )
    chat.add_argument("--as", dest="unit", required=True, metavar="UNIT", help="unit to act for")
    chat.add_argument(
        "--role",
        default="head",
        choices=["office", "iso", "leader", "head", "member"],
        help="role of the console person (default: head)",
    )
    chat.add_argument("--name", default="", help="the name shown in confirmations")

    _add_engine_commands(commands)
    return parser


def _add_engine_commands(commands: argparse._SubParsersAction) -> None:
    """Commands that belong to the reminder engine and reports; registered by their modules."""
    from bot import cli_engine

    cli_engine.add_commands(commands)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)
    handler = COMMANDS.get(args.command)
    if handler is None:
        from bot import cli_engine

        handler = cli_engine.COMMANDS[args.command]
    try:
        return int(asyncio.run(handler(args)) or 0)
    except CliError as error:
        print(f"nhacviec: {error}", file=sys.stderr)
        return error.status
    except ConfigError as error:
        print(f"nhacviec: configuration: {error}", file=sys.stderr)
        return EXIT_USAGE
    except NoPlan:
        print(
            "nhacviec: no plan is loaded: run `nhacviec init` or `nhacviec import FILE`",
            file=sys.stderr,
        )
        return 1
    except ServiceError as error:
        print(f"nhacviec: {explain(error, Translator('en'))}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


Runner = Callable[[argparse.Namespace], Coroutine[Any, Any, int | None]]


async def cmd_init(args: argparse.Namespace) -> int:
    from bot.app import open_services

    config = load_config(args.config)
    services = await open_services(config, upgrade=True)
    try:
        changed = await services.apply_routine_every()
        if changed:
            print(f"{changed} “Thường xuyên” tasks now follow [reminders] routine_every.")
        summary = await ensure_plan(services)
        if summary is None:
            status = await services.status()
            print(f"Database ready: plan {status.number} loaded ({len(status.tasks)} tasks).")
            return 0
    finally:
        await services.db.dispose()
    print(
        f"Database ready: plan {summary.number} imported from {Path(summary.source).name} "
        f"({summary.tasks_added} tasks, {summary.assignments_added} assignments)."
    )
    for warning in summary.warnings:
        print(f"warning: {warning}")
    return 0


async def ensure_plan(services: BotServices) -> ImportSummary | None:
    """Import the configured (or bundled) plan when the database has none; None if it had one."""
    from bot.importer import PlanFormatError

    if await services.has_plan():
        return None
    path = services.config.plan_file or bundled_plan()
    try:
        parsed = services.read_plan(path)
    except PlanFormatError as error:
        raise CliError(str(error), EXIT_USAGE) from error
    return await services.import_plan(parsed, source=str(path))


def bundled_plan() -> Path:
    return Path(__file__).resolve().parent / "data" / "187-KH-SGDDT-2022.txt"


async def cmd_parse(args: argparse.Namespace) -> int:
    from bot.app import catalog_for
    from bot.importer import PlanFormatError, read_plan

    config = load_config(args.config)
    try:
        parsed = read_plan(
            args.file,
            catalog_for(config),
            routine_every=config.reminder_settings().routine_every,
        )
    except PlanFormatError as error:
        raise CliError(str(error), EXIT_USAGE) from error
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
    from bot.app import open_services
    from bot.importer import PlanFormatError

    config = load_config(args.config)
    services = await open_services(config, upgrade=True)
    try:
        try:
            parsed = services.read_plan(args.file)
        except PlanFormatError as error:
            raise CliError(str(error), EXIT_USAGE) from error
        summary = await services.import_plan(parsed, source=str(args.file))
    finally:
        await services.db.dispose()
    verb = "imported" if summary.created else "updated in place"
    print(f"Plan {summary.number} {verb} from {args.file}.")
    print(
        plan_table([task.to_json() for task in parsed.tasks])
        + "\n"
        + f"tasks: {summary.tasks_added} new, {summary.tasks_updated} updated, "
        f"{summary.tasks_removed} removed; assignments: {summary.assignments_added} added, "
        f"{summary.assignments_removed} removed; confirmations kept."
    )
    for warning in summary.warnings:
        print(f"warning: {warning}")
    return 0


async def cmd_plan(args: argparse.Namespace) -> int:
    from bot.app import open_services

    services = await open_services(load_config(args.config))
    try:
        status = await services.status()
    finally:
        await services.db.dispose()
    tasks = [
        {
            "no": task.no,
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
            "number": status.number,
            "issued": status.issued.isoformat() if status.issued else None,
            "title": status.title,
            "tasks": tasks,
        }
        print(json.dumps(out, ensure_ascii=False, indent=1))
    else:
        print(f"{status.number} — {status.title}")
        print(plan_table(tasks))
    return 0


def plan_table(tasks: list[dict[str, Any]]) -> str:
    """A plain-text table a person can read in a terminal: TT, schedule, time text, lead units."""
    rows = [("TT", "schedule", "time in the plan", "lead", "content")]
    for task in tasks:
        rows.append(
            (
                str(task["no"]),
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
        return f"every {schedule['every'].replace('_', ' ')}"
    if kind == "as_regulated":
        return f"due {_dmy(schedule['due'])}" if schedule.get("due") else "as regulated (no date)"
    return "unknown (check the text)"


def _dmy(iso: str) -> str:
    year, month, day = iso.split("-")
    return f"{day}/{month}/{year}"


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


async def cmd_invite(args: argparse.Namespace) -> int:
    from bot.app import open_services, telegram_link
    from bot.domain.model import Role
    from bot.services.errors import UnknownUnit

    config = load_config(args.config)
    services = await open_services(config)
    try:
        invite = await services.invite(args.unit, Role(args.role), created_by="cli")
    except UnknownUnit as error:
        known = ", ".join(error.suggestions)
        raise CliError(f'no unit is called "{error.name}"; known units: {known}') from error
    finally:
        await services.db.dispose()
    link = telegram_link(config, invite.code)
    if args.json:
        out = {
            "code": invite.code,
            "unit": invite.unit,
            "role": str(invite.role),
            "expires": invite.expires.isoformat(),
            "link": link,
        }
        print(json.dumps(out, ensure_ascii=False))
    else:
        print(f"Code for {invite.unit} ({invite.role}): {invite.code}")
        print(f"Valid until {invite.expires.astimezone().strftime('%d/%m/%Y %H:%M')}.")
        print(f"The person types on Telegram or Zalo: /start {invite.code}")
        if link:
            print(f"Or opens: {link}")
    return 0


async def cmd_contacts(args: argparse.Namespace) -> int:
    from bot.app import open_services

    services = await open_services(load_config(args.config))
    try:
        contacts = await services.contacts()
    finally:
        await services.db.dispose()
    rows = [
        {
            "id": c.contact_id,
            "channel": c.channel,
            "unit": c.unit,
            "role": str(c.role),
            "name": c.name,
            "since": c.since.isoformat(),
        }
        for c in contacts
    ]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=1))
    elif not rows:
        print('Nobody is registered yet. Create a code: nhacviec invite "UNIT" --role head')
    else:
        for row in rows:
            print(
                f"#{row['id']:<4} {row['channel']:<9} {row['role']:<7} {row['unit']} — "
                f"{row['name']} (since {row['since'][:10]})"
            )
    return 0


async def cmd_status(args: argparse.Namespace) -> int:
    from bot.app import open_services
    from bot.i18n import Translator
    from handlers.status import overview

    config = load_config(args.config)
    services = await open_services(config)
    try:
        status = await services.status()
    finally:
        await services.db.dispose()
    if not args.json:
        print(overview(status, Translator(config.language)))
        return 0
    out = {
        "plan": status.number,
        "today": status.today.isoformat(),
        "tasks": [
            {
                "no": task.no,
                "state": str(task.state.kind),
                "days": task.state.days,
                "due": task.due.isoformat() if task.due else None,
                "period": task.period.key if task.period else None,
                "assignments": [
                    {
                        "unit": a.unit,
                        "role": str(a.role),
                        "done": a.done,
                        "done_at": a.done_at.isoformat() if a.done_at else None,
                        "by": a.by,
                        "note": a.note,
                    }
                    for a in task.assignments
                ],
            }
            for task in status.tasks
        ],
    }
    print(json.dumps(out, ensure_ascii=False, indent=1))
    return 0


async def cmd_deadline(args: argparse.Namespace) -> int:
    from bot.app import open_services
    from bot.domain.timeexpr import parse_chat_date

    config = load_config(args.config)
    services = await open_services(config)
    try:
        due = parse_chat_date(args.date, default_year=services.today().year)
        if due is None:
            raise CliError(f'"{args.date}" is not a date; write it as dd/mm/yyyy', EXIT_USAGE)
        try:
            result = await services.set_deadline(None, args.task, due)
        except ServiceError as error:
            raise CliError(explain(error, Translator("en"))) from error
    finally:
        await services.db.dispose()
    print(f"Task {result.task_no}: deadline set to {result.due.strftime('%d/%m/%Y')}.")
    return 0


async def cmd_report(args: argparse.Namespace) -> int:
    from bot.app import open_services

    config = load_config(args.config)
    if not args.output.parent.exists():
        raise CliError(f"folder {args.output.parent} does not exist", EXIT_USAGE)
    services = await open_services(config)
    try:
        path = await services.write_report(args.format, args.output, config.language)
    finally:
        await services.db.dispose()
    print(f"Wrote {path}.")
    return 0


async def cmd_chat(args: argparse.Namespace) -> int:
    from bot.channels.console import run_console_chat

    return await run_console_chat(load_config(args.config), args.unit, args.role, args.name)


COMMANDS: dict[str, Runner] = {
    "init": cmd_init,
    "parse": cmd_parse,
    "import": cmd_import,
    "plan": cmd_plan,
    "invite": cmd_invite,
    "contacts": cmd_contacts,
    "status": cmd_status,
    "deadline": cmd_deadline,
    "chat": cmd_chat,
    "report": cmd_report,
}


if __name__ == "__main__":
    sys.exit(main())
