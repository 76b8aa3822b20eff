"""The `nhacviec` command line (DESIGN: CLI contract). Scripts depend on its commands and JSON.

Every failure is one clear line on stderr and a non-zero exit status, never a traceback:
2 for a wrong command line, an unreadable plan or a broken config; 1 for anything else.

This module only reads the command line and hands it to the module that runs the command,
imported when chosen: `nhacviec --help` loads no database, chat or document library.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from bot import __version__
from bot.cli_support import EXIT_USAGE, CliError

ROLES = ["office", "iso", "leader", "head", "member"]

DESCRIPTION = """\
nhacviec (nhắc việc) keeps an agency's plans on schedule: it reminds each unit of its tasks
on Telegram or Zalo and tells the Office (Văn phòng Sở) who has finished what.

First steps:
  nhacviec init             create the database and load the bundled plan 187/KH-SGDĐT
  nhacviec import FILE      add another plan (.docx, .txt, .md); each plan gets a key
  nhacviec plans            every plan: key, state, span, open tasks
  nhacviec plan 187         one plan's tasks with their dates
  nhacviec invite "Phòng Giáo dục Trung học" --role head
                            a one-time code a department head types as /start CODE
  nhacviec run              start the bot (needs [telegram] or [zalo] in config.toml)
  nhacviec demo             watch a year of the plan on a fast clock, no token needed
"""


#: Each command and where it runs: "module:function", imported only when the command is chosen.
COMMANDS: dict[str, str] = {
    "init": "bot.cli_plans:cmd_init",
    "parse": "bot.cli_plans:cmd_parse",
    "import": "bot.cli_plans:cmd_import",
    "plans": "bot.cli_plans:cmd_plans",
    "plan": "bot.cli_plans:cmd_plan",
    "close": "bot.cli_plans:cmd_close",
    "reopen": "bot.cli_plans:cmd_reopen",
    "status": "bot.cli_plans:cmd_status",
    "deadline": "bot.cli_plans:cmd_deadline",
    "report": "bot.cli_plans:cmd_report",
    "invite": "bot.cli_people:cmd_invite",
    "contacts": "bot.cli_people:cmd_contacts",
    "chat": "bot.cli_people:cmd_chat",
    "run": "bot.cli_engine:cmd_run",
    "tick": "bot.cli_engine:cmd_tick",
    "demo": "bot.cli_engine:cmd_demo",
}


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
    _plan_commands(commands)
    _people_commands(commands)
    _engine_commands(commands)
    return parser


def _plan_commands(commands: argparse._SubParsersAction) -> None:
    commands.add_parser(
        "init",
        help="create or upgrade the database; load the bundled plan if none is loaded",
    )
    parse = commands.add_parser(
        "parse", help="read a plan document (.txt, .md, .docx) and print it; no database"
    )
    parse.add_argument("file", type=Path, metavar="FILE")
    parse.add_argument("--json", action="store_true", help="print the contract's JSON")

    imp = commands.add_parser(
        "import",
        help="add a plan, or update the stored plan with the same number in place; other plans "
        "are not touched",
    )
    imp.add_argument("file", type=Path, metavar="FILE")
    imp.add_argument(
        "--key", metavar="K", help="the plan's key for chat (default: its number up to the /)"
    )

    plans = commands.add_parser("plans", help="every plan: key, state, span, tasks, open tasks")
    plans.add_argument("--json", action="store_true", help="print JSON")

    plan = commands.add_parser("plan", help="one plan's tasks with their schedules")
    plan.add_argument(
        "key", nargs="?", metavar="KEY", help="the plan's key (may be left out with one plan)"
    )
    plan.add_argument("--json", action="store_true", help="print JSON instead of a table")
    plan.add_argument("--end", metavar="DD/MM/YYYY", help="set the plan's last day")

    close = commands.add_parser("close", help="stop a plan's reminders (reports stay)")
    close.add_argument("key", metavar="KEY")
    reopen = commands.add_parser("reopen", help="resume a closed plan's reminders")
    reopen.add_argument("key", metavar="KEY")

    status = commands.add_parser("status", help="what the Office sees on /status")
    status.add_argument("--plan", metavar="KEY", help="one plan only (default: every followed)")
    status.add_argument("--json", action="store_true", help="print JSON")

    deadline = commands.add_parser(
        "deadline", help="set the date of a task without one (like /deadline in chat)"
    )
    deadline.add_argument("task", metavar="N", help="task: N, or KEY.N with several plans")
    deadline.add_argument("date", metavar="DD/MM/YYYY")

    report = commands.add_parser(
        "report", help="write a plan's report (.docx), tracking sheet (.xlsx) or chart (.png)"
    )
    report.add_argument("--plan", metavar="KEY", help="the plan (may be left out with one plan)")
    report.add_argument("--format", choices=["docx", "xlsx", "png"], default="docx")
    report.add_argument("-o", "--output", type=Path, required=True, metavar="FILE")


def _people_commands(commands: argparse._SubParsersAction) -> None:
    invite = commands.add_parser(
        "invite", help="create a one-time registration code for a unit (valid 7 days)"
    )
    invite.add_argument("unit", metavar="UNIT", help='unit name, e.g. "Ban ISO Sở"')
    invite.add_argument("--role", required=True, choices=ROLES, help="what the person may do")
    invite.add_argument("--json", action="store_true", help="print JSON")

    contacts = commands.add_parser("contacts", help="registered contacts")
    contacts.add_argument("--json", action="store_true", help="print JSON")

    chat = commands.add_parser(
        "chat", help="try the chat commands in this terminal, as a person of a unit"
    )
    chat.add_argument("--as", dest="unit", required=True, metavar="UNIT", help="unit to act for")
    chat.add_argument(
        "--role", default="head", choices=ROLES, help="role of the console person (default: head)"
    )
    chat.add_argument("--name", default="", help="the name shown in confirmations")


def _engine_commands(commands: argparse._SubParsersAction) -> None:
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


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # Imported once the arguments are read: `--help` and a wrong command line need neither.
    import asyncio
    import logging

    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)
    module_name, function_name = COMMANDS[args.command].split(":")
    command = getattr(importlib.import_module(module_name), function_name)
    try:
        return int(asyncio.run(command(args)) or 0)
    except CliError as error:
        print(f"nhacviec: {error}", file=sys.stderr)
        return error.status
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `nhacviec status | head`: the reader has what it wanted; the rest goes nowhere.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as error:
        return _known_failure(error)


def _known_failure(error: Exception) -> int:
    """Word a failure the domain knows as one line; anything else is a bug and is raised."""
    from bot.config import ConfigError
    from bot.i18n import Translator
    from bot.importer import PlanFormatError
    from bot.services.errors import NoPlan, ServiceError
    from handlers.errors import explain

    if isinstance(error, ConfigError):
        print(f"nhacviec: configuration: {error}", file=sys.stderr)
        return EXIT_USAGE
    if isinstance(error, PlanFormatError):
        print(f"nhacviec: {error}", file=sys.stderr)
        return EXIT_USAGE
    if isinstance(error, NoPlan):
        print(
            "nhacviec: no plan is loaded: run `nhacviec init` or `nhacviec import FILE`",
            file=sys.stderr,
        )
        return 1
    if isinstance(error, ServiceError):
        print(f"nhacviec: {explain(error, Translator('en'))}", file=sys.stderr)
        return 1
    raise error


if __name__ == "__main__":
    sys.exit(main())
