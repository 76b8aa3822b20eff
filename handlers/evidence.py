"""/evidence N [@UNIT] (/minhchung): the files units sent with their confirmations of task N.

On Telegram the stored copies are sent again as documents, under a list of them; where files
cannot be sent (Zalo, the console) the list alone says what there is: name, size, date, who.
Also here: what the reply to `/done` says when the file sent with it could not be kept.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from bot.channels.base import IncomingMessage, OutgoingFile, Reply
from bot.domain.plans import TaskRef
from bot.i18n import Translator
from bot.presentation import local_time, period_label
from bot.services import evidence
from bot.services.facade import BotServices
from handlers.address import bad_task_text, task_ref_arg
from handlers.base import CommandContext

log = logging.getLogger(__name__)

#: Channels that can carry a document back to the person.
FILE_CHANNELS = frozenset({"telegram"})
#: Files re-sent by one command; the rest are listed (and linked in the .xlsx).
MAX_FILES = 10
KEPT_LINE = "The attached file is kept as evidence."


async def handle(ctx: CommandContext) -> Reply:
    _ = ctx._
    ref = task_ref_arg(ctx)
    if ref is None:
        return Reply(bad_task_text(ctx, "evidence"))
    unit = ctx.command.rest.partition(" ")[2].strip() or None
    if unit is not None and not unit.startswith("@"):
        return Reply(
            _(
                "To see one unit's files, put @ before its name, for example: "
                "/evidence {no} @P. KH-TC",
                no=ctx.command.args[0][:20],
            )
        )
    attachment = ctx.message.attachment
    try:
        if attachment is not None:
            return await _add(ctx, ref, unit)
        found = await ctx.services.evidence(ctx.registered, ref, unit)
    except evidence.OwnUnitOnly as error:
        return Reply(
            _(
                "You can see the files of your own unit only: type /evidence {no}.",
                no=error.no,
            )
        )
    except evidence.NotConfirmed as error:
        return Reply(
            _(
                "{unit} has not confirmed task {no}: send the file with /done {no} instead.",
                unit=error.unit,
                no=error.no,
            )
        )
    return evidence_reply(found, ctx.services.storage, ctx.message.sender.channel, ctx.tr)


async def _add(ctx: CommandContext, ref: TaskRef, unit: str | None) -> Reply:
    """A file sent with `/minhchung N`: more evidence for the unit's standing confirmation."""
    _ = ctx._
    assert ctx.message.attachment is not None
    shown, owner, kept = await ctx.services.add_evidence(
        ctx.registered, ref, ctx.message.attachment, unit
    )
    if kept.outcome == "stored":
        return Reply(
            _(
                "Added to {unit}'s evidence of task {no}: {name} ({size}).",
                unit=owner,
                no=shown,
                name=kept.name,
                size=evidence.size_text(kept.size),
            )
        )
    if kept.outcome == "unavailable":
        return Reply(_("Added to {unit}'s evidence of task {no}.", unit=owner, no=shown))
    if kept.outcome == "too_large":
        return Reply(
            _(
                "The file {name} is over 20 MB and cannot be downloaded by the bot. Please "
                "compress or split it and send the parts with /evidence {no}.",
                name=kept.name or _("attached"),
                no=shown,
            )
        )
    return Reply(
        _(
            "The file could not be downloaded just now; it is noted and will be tried again "
            "(/evidence {no}).",
            no=shown,
        )
    )


def evidence_reply(
    found: evidence.TaskEvidence, storage: evidence.Storage, channel: str, tr: Translator
) -> Reply:
    """The list of files, and on a channel that carries files, the files themselves."""
    _ = tr.gettext
    if not found.items:
        if found.unit:
            return Reply(
                _(
                    "{unit} has sent no evidence file for task {no}.",
                    unit=found.unit,
                    no=found.task,
                )
            )
        return Reply(_("No evidence file has been sent for task {no}.", no=found.task))
    lines = [
        tr.ngettext(
            "Evidence of task {no}: {count} file.",
            "Evidence of task {no}: {count} files.",
            len(found.items),
            no=found.task,
        )
    ]
    files: list[OutgoingFile] = []
    for item in found.items:
        lines.append(item_line(item, tr))
        path = evidence.on_disk(storage, item)
        if channel in FILE_CHANNELS and path is not None and len(files) < MAX_FILES:
            caption = _("{no} — {unit}: {name}", no=found.task, unit=item.unit, name=item.name)
            files.append(OutgoingFile("document", path, item.name, caption))
    stored = sum(evidence.on_disk(storage, item) is not None for item in found.items)
    if channel in FILE_CHANNELS and stored > len(files):
        lines.append(
            _(
                "The first {count} files follow; the others are in the tracking sheet "
                "(/report xlsx).",
                count=len(files),
            )
        )
    elif channel not in FILE_CHANNELS and stored:
        lines.append(_("Files cannot be sent here: open them on Telegram or ask the Office."))
    return Reply("\n".join(lines), files=tuple(files))


def item_line(item: evidence.EvidenceItem, tr: Translator) -> str:
    """`• Ban ISO Sở — bien-ban.pdf, 14 KB, 09:00 ngày 01/08/2022, Trần Thị Hoa`."""
    _ = tr.gettext
    period = f" ({period_label(item.period, tr)})" if item.period else ""
    line = _(
        "• {unit}{period} — {name}, {size}, {when}, {who}",
        unit=item.unit,
        period=period,
        name=item.name,
        size=evidence.size_text(item.size),
        when=local_time(item.received_at, tr),
        who=item.by_name,
    )
    if item.path is None:
        line += " — " + problem_text(item.error, tr)
    return line


def problem_text(error: str | None, tr: Translator) -> str:
    _ = tr.gettext
    if error == evidence.TOO_LARGE:
        return _("too large to download (over 20 MB)")
    if error == evidence.NO_DOWNLOAD:
        return _("kept on the chat app only, not downloaded")
    return _("not downloaded yet ({reason}); it is tried again with each /evidence", reason=error)


async def keep_evidence(
    services: BotServices,
    message: IncomingMessage,
    args: Sequence[str],
    reply: Reply | None,
    tr: Translator,
) -> Reply | None:
    """Download the file a command just stored with a confirmation; word any failure.

    Called by the dispatcher after the handler, so the confirmation is already recorded and
    stays recorded whatever happens to the file.
    """
    assert message.attachment is not None
    try:
        kept = await services.keep_evidence(message.sender.channel, message.attachment)
    except Exception:  # the confirmation is stored; the file's row is what is missing
        log.exception("keeping the evidence of a confirmation failed")
        kept = evidence.Kept("failed", message.attachment.file_name or "")
    if reply is None or kept.outcome in ("none", "stored", "unavailable"):
        return reply
    _ = tr.gettext
    no = args[0][:20] if args else "N"
    if kept.outcome == "too_large":
        problem = _(
            "The file {name} is too large for the bot to download (over 20 MB), but your "
            "confirmation is recorded. Please compress or split it into files under 20 MB "
            "and send them with the caption /evidence {no}.",
            name=kept.name or _("attached"),
            no=no,
        )
    else:
        problem = _(
            "The file could not be downloaded just now; your confirmation is recorded and "
            "the file will be tried again (/evidence {no}).",
            no=no,
        )
    kept_line = tr.gettext(KEPT_LINE)
    if kept_line in reply.text:
        return Reply(reply.text.replace(kept_line, problem), reply.files)
    return Reply(f"{reply.text}\n{problem}", reply.files)
