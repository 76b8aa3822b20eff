"""/status [KEY or N] (/tinhhinh): the plans at a glance for the Office, Ban ISO and the leaders.

Without an argument: every followed plan in one line each, the most overdue first (one plan: that
plan). With a plan's key (`/status 187`): the plan in one message whatever its size: the summary,
overdue tasks with the units still owing them, tasks due soon, one line of the finished ones. With
a task (`/status 187.6`, or a bare number that one plan fits): each unit of a small task, who
confirmed it, when, and the note; counts per state and the first owing units of a large one.
Anyone else sees their own unit's tasks. Everything fits one message of the sender's channel
(Telegram 4,096 characters, Zalo 2,000); the full lists are in the .xlsx (`/baocao xlsx`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence

from bot.channels.base import OutgoingFile, Reply
from bot.domain.model import AssignmentRole, State, StateKind
from bot.domain.plans import parse_task_ref
from bot.fit import (
    DEFAULT_LIMIT,
    Message,
    Section,
    capped,
    length,
    limit_for,
    number,
    number_ranges,
    unit_list,
)
from bot.i18n import Translator, chat_date
from bot.presentation import state_label
from bot.services.errors import NotYourTask
from bot.services.status import AssignmentStatus, PlanStatus, TaskStatus
from bot.services.summary import PlanSummary, TaskSummary, as_summary, summarize_task
from bot.services.views import LARGE_TASK, TaskView
from handlers.address import bad_task_text, own_unit_arg
from handlers.base import CommandContext
from handlers.confirm_lines import assignment_extras, extension_line
from handlers.render import local_time, shorten, when_line
from handlers.report import report_dir
from handlers.tasks import unit_tasks_text


async def handle(ctx: CommandContext) -> Reply:
    contact = ctx.registered
    limit = limit_for(ctx.message.sender.channel)
    if ctx.command.args:
        arg = ctx.command.args[0]
        if contact.role.sees_everything and await ctx.services.is_plan_key(arg):
            return await _plan_reply(ctx, await ctx.services.summary(arg, detail=True))
        ref = parse_task_ref(arg)
        if ref is None:
            return Reply(bad_task_text(ctx, "status"))
        if not contact.role.sees_everything:
            shown, parts = await ctx.services.unit_parts(ref, contact)
            unit = own_unit_arg(ctx, shown, lambda u: u in parts)
            if unit not in parts:
                raise NotYourTask(shown, unit)
            task, mine = parts[unit]
            return Reply(task_detail(task, ctx.tr, only=mine))
        view = await ctx.services.task_view(ref, contact)
        return Reply(task_detail(view.task, ctx.tr, plan=view, limit=limit))
    if not contact.role.sees_everything:
        return Reply(await unit_tasks_text(ctx))
    statuses = await ctx.services.summaries(detail=True)
    if len(statuses) == 1:
        return await _plan_reply(ctx, statuses[0])
    if not statuses:
        return Reply(ctx._("No plan is being followed now. Type /plans to see every plan."))
    return Reply(plans_overview(statuses, ctx.tr, limit=limit))


async def _plan_reply(ctx: CommandContext, status: PlanSummary) -> Reply:
    """One plan in one message, with its chart (the summary carries the chart's counts)."""
    chart = await ctx.services.status_chart(status, report_dir(), ctx.tr.language)
    caption = ctx._("Progress chart of plan {plan}", plan=status.number)
    text = overview(status, ctx.tr, limit=limit_for(ctx.message.sender.channel))
    return Reply(text, files=(OutgoingFile("photo", chart, chart.name, caption),))


def plans_overview(
    statuses: Sequence[PlanSummary | PlanStatus], tr: Translator, *, limit: int = DEFAULT_LIMIT
) -> str:
    """Every followed plan in one line, the most overdue first."""
    _ = tr.gettext
    ordered = sorted(
        (as_summary(status) for status in statuses),
        key=lambda s: (-max((t.state.days for t in s.overdue), default=-1), -len(s.overdue)),
    )
    lines = []
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
    title = _("Progress of the plans on {date}:", date=chat_date(ordered[0].today))
    plans = Section(
        title,
        lines,
        more=lambda count: tr.ngettext(
            "… and {count} more plan (all of them: /plans)",
            "… and {count} more plans (all of them: /plans)",
            count,
        ),
    )
    hint = _("One plan: /status {key} · one task: /status {key}.6", key=ordered[0].key)
    # The title goes in the section so that the plans follow it without a blank line.
    return Message(head=[], sections=[plans], tail=[hint]).render(limit)


def overview(
    status: PlanSummary | PlanStatus, tr: Translator, *, limit: int = DEFAULT_LIMIT
) -> str:
    """One plan in one message: the summary, overdue tasks, tasks due soon, the finished ones.

    Overdue tasks come most overdue first with the units still owing them (short names, at
    most ten); what does not fit is counted and left to the .xlsx.
    """
    _ = tr.gettext
    status = as_summary(status)
    if status.unregistered_leads is None:
        raise ValueError("the overview needs a summary read with detail=True")
    report = _report_command(status, tr)
    title = _(
        "Progress of plan {plan} on {date}:", plan=status.number, date=chat_date(status.today)
    )
    head = [title + "\n" + _summary(status, tr)]
    sections = []
    if status.overdue:
        sections.append(
            _task_section(
                status.overdue,
                _("Overdue ({count}):", count=len(status.overdue)),
                _overdue_item,
                tr,
                report,
                overdue=True,
            )
        )
    if status.due_soon:
        sections.append(
            _task_section(
                status.due_soon,
                _("Due soon ({count}):", count=len(status.due_soon)),
                _due_soon_item,
                tr,
                report,
                overdue=False,
            )
        )
    tail = []
    finished = [task.no for task in status.finished]
    if finished:
        tail.append(capped(_("Finished: {numbers}", numbers=number_ranges(finished)), 600))
    if status.unregistered_leads:
        tail.append(
            _(
                "Lead units with nobody registered (they get no reminders): {units}",
                units=unit_list(status.unregistered_leads, tr),
            )
        )
    example = f"{status.key}.6" if status.several_plans else "6"
    tail.append(_("One task: /status {no} · every unit: {report}", no=example, report=report))
    return Message(head=head, sections=sections, tail=tail).render(limit)


def _task_section(
    tasks: tuple[TaskSummary, ...],
    title: str,
    item: Callable[[TaskSummary, Translator], str],
    tr: Translator,
    report: str,
    *,
    overdue: bool,
) -> Section:
    """A list of tasks; those that do not fit are named by number on one line."""

    def more(count: int) -> str:
        numbers = capped(number_ranges(t.no for t in tasks[-count:]), 300)
        if overdue:
            return tr.ngettext(
                "… and {count} more overdue task: {numbers} (full list: {report})",
                "… and {count} more overdue tasks: {numbers} (full list: {report})",
                count,
                numbers=numbers,
                report=report,
            )
        return tr.ngettext(
            "… and {count} more task due soon: {numbers} (full list: {report})",
            "… and {count} more tasks due soon: {numbers} (full list: {report})",
            count,
            numbers=numbers,
            report=report,
        )

    collapsed = tr.gettext(
        "{title} tasks {numbers} (full list: {report})",
        title=title,
        numbers=capped(number_ranges(t.no for t in tasks), 300),
        report=report,
    )
    return Section(title, [item(task, tr) for task in tasks], more, collapsed)


def _report_command(status: PlanSummary | PlanStatus | TaskView, tr: Translator) -> str:
    """The command that sends the plan's tracking sheet, in the reader's language."""
    command = "/baocao" if tr.language == "vi" else "/report"
    return f"{command} {status.key} xlsx" if status.several_plans else f"{command} xlsx"


def _summary(status: PlanSummary, tr: Translator) -> str:
    _ = tr.gettext
    line = _(
        "{total} tasks: {done} done, {overdue} overdue, {soon} due soon",
        total=len(status.tasks),
        done=status.done,
        overdue=len(status.overdue),
        soon=len(status.due_soon),
    )
    if status.no_date:
        line += ", " + _("{count} without a date", count=len(status.no_date))
    missed = sum(task.missed_periods for task in status.tasks)
    if missed:
        line += ", " + _("{count} ended periods not confirmed (units × periods)", count=missed)
    return line + "."


def _overdue_item(task: TaskSummary, tr: Translator) -> str:
    _ = tr.gettext
    line = _(
        "• {no}. {content} — {state}",
        no=task.address,
        content=shorten(task.content, 60),
        state=state_label(task.state, tr),
    )
    if task.due:
        line += " " + _("(due {date})", date=chat_date(task.due))
    return line + "\n" + _owing_line(task, tr)


def _due_soon_item(task: TaskSummary, tr: Translator) -> str:
    _ = tr.gettext
    line = _(
        "• {no}. {content} — due {date}",
        no=task.address,
        content=shorten(task.content, 60),
        date=chat_date(task.due) if task.due else "?",
    )
    if task.owing:
        line += "\n" + _owing_line(task, tr)
    return line


def _owing_line(task: TaskSummary, tr: Translator) -> str:
    return tr.gettext(
        "   Still owing ({owing}/{leads}): {units}",
        owing=number(len(task.owing), tr),
        leads=number(task.lead_count, tr),
        units=unit_list(task.owing, tr),
    )


def task_detail(
    task: TaskStatus | TaskSummary,
    tr: Translator,
    only: AssignmentStatus | None = None,
    *,
    plan: PlanStatus | TaskView | None = None,
    limit: int = DEFAULT_LIMIT,
) -> str:
    """One task: unit by unit for a small task; counts and the first owing units for a large one.

    Lead units that owe the task and have nobody registered are marked (with `plan`). A
    `TaskSummary` (a large task read as counts) is shown as counts.
    """
    _ = tr.gettext
    lines = [
        _("Task {no}: {content}", no=task.address, content=shorten(task.content, 300)),
        _("Time: {when}", when=when_line(task, tr)),
        _("State: {state}", state=state_label(task.state, tr)),
    ]
    extended = extension_line(task, tr)
    if extended is not None:
        lines.insert(2, extended)
    closing = _("Confirm: /done {no} · take back: /undo {no}", no=task.address)
    unregistered = _unregistered(plan)
    if isinstance(task, TaskSummary):
        return _large_task(task, tr, lines, closing, plan, limit)
    if only is None and len(task.assignments) > LARGE_TASK:
        return _large_task(summarize_task(task, unregistered), tr, lines, closing, plan, limit)
    rows = (only,) if only is not None else task.assignments
    for role_title, role in ((_("Lead:"), "lead"), (_("Supporting:"), "support")):
        group = [a for a in rows if a.role == role]
        if not group:
            continue
        lines.append("")
        lines.append(role_title)
        lines.extend(
            _assignment_line(a, tr, role == "lead" and a.unit in unregistered) for a in group
        )
    lines.append("")
    lines.append(closing)
    text = "\n".join(lines)
    if only is None and length(text) > limit:  # long notes: the counts fit where rows do not
        summary = summarize_task(task, unregistered)
        return _large_task(summary, tr, lines[:3], closing, plan, limit)
    return text


def _unregistered(plan: PlanStatus | TaskView | None) -> frozenset[str]:
    if isinstance(plan, PlanStatus):
        return frozenset(plan.unregistered_leads)
    return plan.unregistered if plan is not None else frozenset()


def _large_task(
    task: TaskSummary,
    tr: Translator,
    lines: list[str],
    closing: str,
    plan: PlanStatus | TaskView | None,
    limit: int,
) -> str:
    """Counts per state, the first owing units, and where the full list is."""
    _ = tr.gettext
    if task.lead_count:
        lines.append("")
        lines.append(
            _(
                "Lead units ({count}): {states}",
                count=number(task.lead_count, tr),
                states=_state_counts(task.lead_states, tr),
            )
        )
    if task.support_count:
        lines.append(
            _(
                "Supporting units ({count}): {done} reported",
                count=number(task.support_count, tr),
                done=number(task.support_done, tr),
            )
        )
    if task.owing and not task.state.kind.is_done:
        lines.append(_owing_line(task, tr).strip())
        silent = task.owing_unregistered
        if silent:
            lines.append(
                _(
                    "Nobody registered, no reminders ({count}): {units}",
                    count=number(len(silent), tr),
                    units=unit_list(silent, tr),
                )
            )
    report = _report_command(plan, tr) if plan is not None else "/baocao xlsx"
    lines.append(_("Every unit of this task: {report}", report=report))
    lines.append("")
    lines.append(closing)
    text = "\n".join(lines)
    if length(text) > limit:  # only a very long content can do this: cut it, keep the rest
        lines[0] = shorten(lines[0], max(limit - length(text) + length(lines[0]) - 1, 20))
        text = "\n".join(lines)
    return text


_STATE_ORDER = (
    StateKind.OVERDUE,
    StateKind.DUE_SOON,
    StateKind.NOT_DUE,
    StateKind.NO_DATE,
    StateKind.AWAITING,
    StateKind.DONE_LATE,
    StateKind.DONE_ON_TIME,
)


def _state_counts(states: tuple[tuple[State, int], ...], tr: Translator) -> str:
    """`9.850 Quá hạn 3 ngày · 120 Hoàn thành đúng hạn`, the states that need action first."""
    counts: Counter[tuple[int, int, str]] = Counter()
    for state, count in states:
        counts[(_STATE_ORDER.index(state.kind), -state.days, state_label(state, tr))] += count
    return " · ".join(
        f"{number(count, tr)} {label}" for (_, _, label), count in sorted(counts.items())
    )


def _assignment_line(row: AssignmentStatus, tr: Translator, silent: bool = False) -> str:
    _ = tr.gettext
    if row.role is AssignmentRole.SUPPORT and row.done_at is None:
        # A supporting unit owes nothing: never "overdue", whatever the task's date.
        return f"• {row.unit} — {_('Supporting')}"
    if row.done_at is None:
        line = _(
            "• {unit} — not confirmed ({state})", unit=row.unit, state=state_label(row.state, tr)
        ) + assignment_extras(row, tr)
        if silent:
            line += " " + _("— nobody registered, no reminders")
        if row.snoozed_until is not None:
            line += " — " + _("reminders held until {date}", date=chat_date(row.snoozed_until))
        return line
    supporting = row.role is AssignmentRole.SUPPORT
    line = _(
        "• {unit} — {state}, {when}, by {by}",
        unit=row.unit,
        state=_("Reported") if supporting else state_label(row.state, tr),
        when=local_time(row.done_at, tr),
        by=row.by or "?",
    )
    if row.note:
        line += _(" — note: “{note}”", note=shorten(row.note, 200))
    if row.has_attachment:
        line += " " + _("(file attached)")
    return line + assignment_extras(row, tr)
