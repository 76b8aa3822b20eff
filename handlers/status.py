"""/status [KEY or N] (/tinhhinh): the plans at a glance for the Office, Ban ISO and the leaders.

Without an argument: every followed plan in one line each, the most overdue first (one plan: its
tasks). With a plan's key (`/status 187`): that plan's tasks. With a task (`/status 187.6`, or a
bare number that one plan fits): each unit of that task, who confirmed it, when, and the note.
Anyone else sees their own unit's tasks.
"""

from __future__ import annotations

from bot.channels.base import OutgoingFile, Reply
from bot.domain.plans import parse_task_ref
from bot.i18n import Translator, chat_date
from bot.presentation import state_label
from bot.services.errors import NotYourTask
from bot.services.status import AssignmentStatus, PlanStatus, TaskStatus
from handlers.address import bad_task_text
from handlers.base import CommandContext
from handlers.confirm_lines import assignment_extras, extension_line
from handlers.render import local_time, shorten, when_line
from handlers.report import report_path
from handlers.tasks import unit_tasks_text


async def handle(ctx: CommandContext) -> Reply:
    contact = ctx.registered
    if ctx.command.args:
        arg = ctx.command.args[0]
        if contact.role.sees_everything and await ctx.services.is_plan_key(arg):
            return await _plan_reply(ctx, await ctx.services.status(arg))
        ref = parse_task_ref(arg)
        if ref is None:
            return Reply(bad_task_text(ctx, "status"))
        _, task = await ctx.services.task_status(ref, contact)
        if not contact.role.sees_everything:
            mine = task.for_unit(contact.unit)
            if mine is None:
                raise NotYourTask(task.address, contact.unit)
            return Reply(task_detail(task, ctx.tr, only=mine))
        return Reply(task_detail(task, ctx.tr))
    if not contact.role.sees_everything:
        return Reply(await unit_tasks_text(ctx))
    statuses = await ctx.services.statuses()
    if len(statuses) == 1:
        return await _plan_reply(ctx, statuses[0])
    if not statuses:
        return Reply(ctx._("No plan is being followed now. Type /plans to see every plan."))
    return Reply(plans_overview(statuses, ctx.tr))


async def _plan_reply(ctx: CommandContext, status: PlanStatus) -> Reply:
    """One plan's tasks, with its chart."""
    chart = report_path(status.number, "png")
    await ctx.services.write_report("png", chart, ctx.tr.language, status)
    caption = ctx._("Progress chart of plan {plan}", plan=status.number)
    return Reply(
        overview(status, ctx.tr), files=(OutgoingFile("photo", chart, chart.name, caption),)
    )


def plans_overview(statuses: list[PlanStatus], tr: Translator) -> str:
    """Every followed plan in one line, the most overdue first."""
    _ = tr.gettext
    ordered = sorted(
        statuses,
        key=lambda s: (-max((t.state.days for t in s.overdue), default=-1), -len(s.overdue)),
    )
    lines = [_("Progress of the plans on {date}:", date=chat_date(ordered[0].today)), ""]
    for status in ordered:
        parts = [_("{done}/{total} done", done=status.done, total=len(status.tasks))]
        if status.overdue:
            parts.append(
                tr.ngettext(
                    "{count} overdue (the longest by {days} days)",
                    "{count} overdue (the longest by {days} days)",
                    len(status.overdue),
                    days=status.overdue[0].state.days,
                )
            )
        if status.due_soon:
            parts.append(_("{count} due soon", count=len(status.due_soon)))
        lines.append(
            _(
                "• {key} — {number}: {parts}",
                key=status.key,
                number=status.number,
                parts=", ".join(parts),
            )
        )
    lines.append("")
    lines.append(_("One plan: /status {key} · one task: /status {key}.6", key=ordered[0].key))
    return "\n".join(lines)


def overview(status: PlanStatus, tr: Translator) -> str:
    """All tasks: state, due date and the units that still owe each."""
    _ = tr.gettext
    lines = [
        _("Progress of plan {plan} on {date}:", plan=status.number, date=chat_date(status.today))
    ]
    for task in status.tasks:
        lines.append("")
        lines.append(f"{task.address}. {shorten(task.content, 70)}")
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
    if status.several_plans:
        closing = _(
            "Done: {done}/{total}. Details of one task: /status {key}.6",
            done=done,
            total=len(status.tasks),
            key=status.key,
        )
    else:
        closing = _(
            "Done: {done}/{total}. Details of one task: /status 6",
            done=done,
            total=len(status.tasks),
        )
    lines.append(closing)
    return "\n".join(lines)


#: Past this many units, "all of them" reads better on a phone than the list.
LIST_AT_MOST = 4


def _owing_line(task: TaskStatus, tr: Translator) -> str:
    if len(task.owing) == len(task.leads) and len(task.owing) > LIST_AT_MOST:
        return tr.gettext(
            "   Still owing: all {count} lead units (details: /status {no})",
            count=len(task.owing),
            no=task.address,
        )
    return tr.gettext("   Still owing: {units}", units=", ".join(task.owing))


def task_detail(task: TaskStatus, tr: Translator, only: AssignmentStatus | None = None) -> str:
    _ = tr.gettext
    lines = [
        _("Task {no}: {content}", no=task.address, content=shorten(task.content, 300)),
        _("Time: {when}", when=when_line(task, tr)),
        _("State: {state}", state=state_label(task.state, tr)),
    ]
    extended = extension_line(task, tr)
    if extended is not None:
        lines.insert(2, extended)
    rows = (only,) if only is not None else task.assignments
    for role_title, role in ((_("Lead:"), "lead"), (_("Supporting:"), "support")):
        group = [a for a in rows if a.role == role]
        if not group:
            continue
        lines.append("")
        lines.append(role_title)
        lines.extend(_assignment_line(a, tr) for a in group)
    lines.append("")
    lines.append(_("Confirm: /done {no} · take back: /undo {no}", no=task.address))
    return "\n".join(lines)


def _assignment_line(row: AssignmentStatus, tr: Translator) -> str:
    _ = tr.gettext
    if row.done_at is None:
        return _(
            "• {unit} — not confirmed ({state})", unit=row.unit, state=state_label(row.state, tr)
        ) + assignment_extras(row, tr)
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
    return line + assignment_extras(row, tr)
