"""/status [N] (/tinhhinh): every task at a glance for the Office, Ban ISO and the leadership.

With N, each unit of that task: who confirmed it, when, and the note. Anyone else sees their own
unit's tasks.
"""

from __future__ import annotations

from bot.channels.base import OutgoingFile, Reply
from bot.commands import parse_task_number
from bot.i18n import Translator, chat_date
from bot.presentation import state_label
from bot.services.errors import NotYourTask, UnknownTask
from bot.services.status import AssignmentStatus, PlanStatus, TaskStatus
from handlers.base import CommandContext
from handlers.done import bad_number_text
from handlers.render import local_time, shorten, when_line
from handlers.report import report_path
from handlers.tasks import unit_tasks_text


async def handle(ctx: CommandContext) -> Reply:
    contact = ctx.registered
    if ctx.command.args:
        no = parse_task_number(ctx.command.args[0])
        if no is None:
            return Reply(bad_number_text(ctx, "status"))
        status = await ctx.services.status()
        task = status.task(no)
        if task is None:
            raise UnknownTask(no, max((t.no for t in status.tasks), default=0))
        if not contact.role.sees_everything:
            mine = task.for_unit(contact.unit)
            if mine is None:
                raise NotYourTask(no, contact.unit)
            return Reply(task_detail(task, ctx.tr, only=mine))
        return Reply(task_detail(task, ctx.tr))
    if not contact.role.sees_everything:
        return Reply(await unit_tasks_text(ctx))
    status = await ctx.services.status()
    chart = report_path(status.number, "png")
    await ctx.services.write_report("png", chart, ctx.tr.language, status)
    caption = ctx._("Progress chart of plan {plan}", plan=status.number)
    return Reply(
        overview(status, ctx.tr), files=(OutgoingFile("photo", chart, chart.name, caption),)
    )


def overview(status: PlanStatus, tr: Translator) -> str:
    """All tasks: state, due date and the units that still owe each."""
    _ = tr.gettext
    lines = [
        _("Progress of plan {plan} on {date}:", plan=status.number, date=chat_date(status.today))
    ]
    for task in status.tasks:
        lines.append("")
        lines.append(f"{task.no}. {shorten(task.content, 70)}")
        progress = _("{done}/{owed} units done", done=task.done_count, owed=len(task.leads))
        parts = [state_label(task.state, tr), progress]
        if task.due:
            parts.insert(1, _("due {date}", date=chat_date(task.due)))
        lines.append("   " + " · ".join(parts))
        if task.owing and not task.state.kind.is_done:
            lines.append(_owing_line(task, tr))
        if task.missed_periods:
            lines.append(
                _(
                    "   Ended periods not confirmed: {count} (units × periods)",
                    count=task.missed_periods,
                )
            )
    done = sum(1 for t in status.tasks if t.state.kind.is_done)
    lines.append("")
    lines.append(
        _(
            "Done: {done}/{total}. Details of one task: /status 6",
            done=done,
            total=len(status.tasks),
        )
    )
    return "\n".join(lines)


#: Past this many units, "all of them" reads better on a phone than the list.
LIST_AT_MOST = 4


def _owing_line(task: TaskStatus, tr: Translator) -> str:
    if len(task.owing) == len(task.leads) and len(task.owing) > LIST_AT_MOST:
        return tr.gettext(
            "   Still owing: all {count} lead units (details: /status {no})",
            count=len(task.owing),
            no=task.no,
        )
    return tr.gettext("   Still owing: {units}", units=", ".join(task.owing))


def task_detail(task: TaskStatus, tr: Translator, only: AssignmentStatus | None = None) -> str:
    _ = tr.gettext
    lines = [
        _("Task {no}: {content}", no=task.no, content=shorten(task.content, 300)),
        _("Time: {when}", when=when_line(task, tr)),
        _("State: {state}", state=state_label(task.state, tr)),
    ]
    rows = (only,) if only is not None else task.assignments
    for role_title, role in ((_("Lead:"), "lead"), (_("Supporting:"), "support")):
        group = [a for a in rows if a.role == role]
        if not group:
            continue
        lines.append("")
        lines.append(role_title)
        lines.extend(_assignment_line(a, tr) for a in group)
    lines.append("")
    lines.append(_("Confirm: /done {no} · take back: /undo {no}", no=task.no))
    return "\n".join(lines)


def _assignment_line(row: AssignmentStatus, tr: Translator) -> str:
    _ = tr.gettext
    if not row.done or row.done_at is None:
        return _(
            "• {unit} — not confirmed ({state})", unit=row.unit, state=state_label(row.state, tr)
        )
    line = _(
        "• {unit} — {state}, {when}, by {by}",
        unit=row.unit,
        state=state_label(row.state, tr),
        when=local_time(row.done_at, tr),
        by=row.by or "?",
    )
    if row.note:
        line += _(" — note: “{note}”", note=shorten(row.note, 200))
    if row.has_attachment:
        line += " " + _("(file attached)")
    return line
