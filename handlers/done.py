"""/done N [note] (/xong): confirm my unit's part of task N; a file sent with it is evidence.

`/xong 4 5 9` or `/xong 4,5,9` confirms each task when every argument is one; `/xong 4 tháng 3`
a past period of a recurring task; the Office's `/xong 4 @UNIT` confirms for a unit.
"""

from __future__ import annotations

from bot.channels.base import Reply
from bot.domain.confirming import task_list
from bot.domain.plans import TaskRef
from bot.i18n import chat_date
from bot.services.confirmations import Confirmed
from handlers.address import bad_task_text, task_ref_arg
from handlers.base import CommandContext
from handlers.errors import explain
from handlers.render import period_label


async def handle(ctx: CommandContext) -> Reply:
    refs = task_list(ctx.command.args)
    if refs is not None:
        return await _several(ctx, refs)
    ref = task_ref_arg(ctx)
    if ref is None:
        return Reply(bad_task_text(ctx, "done"))
    words = ctx.command.rest.partition(" ")[2].strip()
    confirmed = await ctx.services.confirm(
        ctx.registered, ref, note=words, attachment=ctx.message.attachment
    )
    return Reply(_one(ctx, confirmed))


def _one(ctx: CommandContext, confirmed: Confirmed) -> str:
    _ = ctx._
    contact = ctx.registered
    if confirmed.on_behalf:
        lines = [
            _(
                "Recorded on behalf of {unit}: task {no} finished on {date} (confirmed by "
                "{by}, {by_unit}).",
                unit=confirmed.unit,
                no=confirmed.task_no,
                date=chat_date(confirmed.on),
                by=contact.name,
                by_unit=contact.unit,
            )
        ]
    else:
        lines = [
            _(
                "Recorded: {unit} has finished task {no} on {date}.",
                unit=confirmed.unit,
                no=confirmed.task_no,
                date=chat_date(confirmed.on),
            )
        ]
    lines.extend(_details(ctx, confirmed))
    if confirmed.note:
        lines.append(_("Note: {note}", note=confirmed.note))
    if ctx.message.attachment is not None:
        lines.append(_("The attached file is kept as evidence."))
    if confirmed.on_behalf:
        lines.append(
            _(
                "If this was a mistake, type /reject {no} @{unit} and the reason.",
                no=confirmed.task_no,
                unit=confirmed.unit,
            )
        )
    else:
        lines.append(_("If this was a mistake, type /undo {no}.", no=confirmed.task_no))
    return "\n".join(lines)


def _details(ctx: CommandContext, confirmed: Confirmed) -> list[str]:
    """The period (and whether it is late) and whether the confirmation awaits verification."""
    _ = ctx._
    lines = []
    if confirmed.period and confirmed.late:
        lines.append(
            _(
                "Period: {period} (confirmed late).",
                period=period_label(confirmed.period, ctx.tr),
            )
        )
    elif confirmed.period:
        lines.append(_("Period: {period}.", period=period_label(confirmed.period, ctx.tr)))
    if confirmed.awaiting:
        lines.append(_("The confirmation awaits verification by the Office or Ban ISO."))
    return lines


async def _several(ctx: CommandContext, refs: list[TaskRef]) -> Reply:
    """`/xong 4 5 9`: each task on its own; one reply naming what was recorded and what not."""
    _ = ctx._
    results = await ctx.services.confirm_many(
        ctx.registered, refs, attachment=ctx.message.attachment
    )
    done = [r for _ref, r in results if isinstance(r, Confirmed)]
    refused = [(ref, r) for ref, r in results if not isinstance(r, Confirmed)]
    lines: list[str] = []
    if done:
        lines.append(
            _(
                "Recorded: {unit} has finished {count} tasks on {date}:",
                unit=done[0].unit,
                count=len(done),
                date=chat_date(done[0].on),
            )
        )
        for confirmed in done:
            line = _("• Task {no}", no=confirmed.task_no)
            if confirmed.period:
                line += " — " + period_label(confirmed.period, ctx.tr)
            lines.append(line)
        if any(confirmed.awaiting for confirmed in done):
            lines.append(_("The confirmation awaits verification by the Office or Ban ISO."))
    if refused:
        if lines:
            lines.append("")
        lines.append(_("Not recorded:"))
        # Each refusal names its task already ("Nhiệm vụ 4 (quý III/2022) đã được…").
        lines.extend("• " + explain(error, ctx.tr).split("\n")[0] for _ref, error in refused)
    if done:
        lines.append("")
        numbers = " ".join(confirmed.task_no for confirmed in done)
        lines.append(
            _("If one was a mistake, type /undo and its number ({numbers}).", numbers=numbers)
        )
    return Reply("\n".join(lines))
