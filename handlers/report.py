"""/report [docx|xlsx] (/baocao): the Office gets the year-end report or the sheet as a file."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from bot.channels.base import OutgoingFile, Reply
from bot.domain.plans import file_name_part
from handlers.base import CommandContext

REPORT_DIR = Path(tempfile.gettempdir()) / "nhacviec-reports"
KEEP_SECONDS = 3600
FORMATS = ("docx", "xlsx")


def report_dir() -> Path:
    """The bot's report folder; files not used for an hour are removed."""
    REPORT_DIR.mkdir(parents=True, exist_ok=True)
    now = time.time()
    for old in REPORT_DIR.iterdir():
        try:
            if now - old.stat().st_mtime > KEEP_SECONDS:
                old.unlink(missing_ok=True)
        except FileNotFoundError:  # another process cleaned it up first
            continue
    return REPORT_DIR


def report_path(plan_number: str, extension: str) -> Path:
    """A fresh file name in the bot's report folder."""
    safe = file_name_part(plan_number)
    handle, name = tempfile.mkstemp(prefix=f"{safe}-", suffix=f".{extension}", dir=report_dir())
    os.close(handle)  # the writer opens the file by name; an open descriptor per call would leak
    return Path(name)


async def handle(ctx: CommandContext) -> Reply:
    """`/report [KEY] [xlsx]`: the key and the format may come in either order."""
    fmt, key = "docx", None
    for arg in ctx.command.args[:2]:
        if arg.casefold().lstrip(".") in FORMATS:
            fmt = arg.casefold().lstrip(".")
        elif key is None and await ctx.services.is_plan_key(arg):
            key = arg
        else:
            return Reply(
                ctx._(
                    "Type /report for the Word report or /report xlsx for the sheet; with "
                    "several plans add the plan's key, for example /report 187 xlsx."
                )
            )
    status = await ctx.services.status(key)
    path = report_path(status.number, fmt)
    await ctx.services.write_report(fmt, path, ctx.tr.language, current=status)
    name = f"{'BaoCao' if fmt == 'docx' else 'TheoDoi'}-{file_name_part(status.number)}.{fmt}"
    caption = (
        ctx._(
            "Year-end report of plan {plan}, as of {date}. Fill in the number and date.",
            plan=status.number,
            date=status.today.strftime("%d/%m/%Y"),
        )
        if fmt == "docx"
        else ctx._(
            "Tracking sheet of plan {plan}, as of {date}.",
            plan=status.number,
            date=status.today.strftime("%d/%m/%Y"),
        )
    )
    return Reply(caption, files=(OutgoingFile("document", path, name, caption),))
