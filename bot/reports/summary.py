"""The sentences of the Word report's section I: the counts, and each task's progress.

An official report that says "0 nhiệm vụ chưa có hạn" reads as a form nobody checked, so every
clause here is built only from the counts that are not zero.
"""

from __future__ import annotations

from datetime import date

from bot.i18n import Translator, document_date
from bot.presentation import state_label
from bot.reports.citation import document_kind
from bot.reports.data import AssignmentRow, ReportData, TaskRow
from bot.reports.text import (
    is_awaiting,
    is_missed,
    is_recurring,
    lead_rows,
    period_label,
    summarize,
)


def summary_sentences(data: ReportData, tr: Translator) -> list[str]:
    """The overview: how many tasks, one-off ones by state, recurring ones by missed periods."""
    counts = summarize(data)
    today = document_date(data.today)
    kind = document_kind(data.plan_number, tr)
    if not counts.tasks:
        return [tr.gettext("As of {today}, the {kind} has no tasks.", today=today, kind=kind)]
    sentences = [
        tr.ngettext(
            "As of {today}, the {kind} has {count} task.",
            "As of {today}, the {kind} has {count} tasks.",
            counts.tasks,
            today=today,
            kind=kind,
        )
    ]
    parts = []
    if counts.done_on_time:
        parts.append(
            tr.ngettext("{count} done on time", "{count} done on time", counts.done_on_time)
        )
    if counts.done_late:
        parts.append(tr.ngettext("{count} done late", "{count} done late", counts.done_late))
    if counts.awaiting:
        parts.append(
            tr.ngettext(
                "{count} awaiting verification", "{count} awaiting verification", counts.awaiting
            )
        )
    if counts.still_open:
        still_open = tr.ngettext("{count} still open", "{count} still open", counts.still_open)
        details = []
        if counts.open_overdue:
            details.append(tr.ngettext("{count} overdue", "{count} overdue", counts.open_overdue))
        if counts.open_no_date:
            details.append(
                tr.ngettext(
                    "{count} without a deadline", "{count} without a deadline", counts.open_no_date
                )
            )
        if details:
            still_open = tr.gettext(
                "{open} (of them {details})", open=still_open, details=", ".join(details)
            )
        parts.append(still_open)
    if parts:
        sentences.append(tr.gettext("Of the one-off tasks: {parts}.", parts=", ".join(parts)))
    if counts.recurring:
        if counts.missed_periods:
            sentences.append(
                tr.ngettext(
                    "{count} task recurs; {missed} unit-periods ended without a confirmation.",
                    "{count} tasks recur; {missed} unit-periods ended without a confirmation.",
                    counts.recurring,
                    missed=counts.missed_periods,
                )
            )
        else:
            sentences.append(
                tr.ngettext("{count} task recurs.", "{count} tasks recur.", counts.recurring)
            )
    return sentences


def current_rows(task: TaskRow, today: date) -> list[AssignmentRow]:
    """The lead rows still in play: for a recurring task, the latest period's; else all."""
    leads = list(lead_rows(task))
    if not is_recurring(task):
        return leads
    periods = sorted({row.period for row in leads if not is_missed(row, today)})
    return [row for row in leads if periods and row.period == periods[-1]]


def open_units(task: TaskRow, today: date) -> list[str]:
    """Lead units that have not finished (for a recurring task: this period), in plan order.

    A unit whose confirmation awaits verification is not among them: it owes nothing now, and
    `awaiting_units` names it apart so the report never calls it unfinished.
    """
    return list(
        dict.fromkeys(
            row.unit
            for row in current_rows(task, today)
            if not row.state.kind.is_done and not is_awaiting(row)
        )
    )


def awaiting_units(task: TaskRow, today: date) -> list[str]:
    """Lead units whose confirmation (this period's, for a recurring task) awaits verification."""
    return list(dict.fromkeys(row.unit for row in current_rows(task, today) if is_awaiting(row)))


def task_progress(task: TaskRow, today: date, tr: Translator) -> str:
    """`Quá hạn 33 ngày; 7/9 đơn vị đã hoàn thành`, or for a recurring task its period first."""
    progress = state_label(task.state, tr)
    rows = current_rows(task, today)
    if is_recurring(task) and rows:
        progress = tr.gettext(
            "period {period}: {state}", period=period_label(rows[0].period, tr), state=progress
        )
    done = sum(row.state.kind.is_done for row in rows)
    if 0 < done < len(rows):
        progress = tr.gettext(
            "{progress}; {done}/{owed} units done", progress=progress, done=done, owed=len(rows)
        )
    return progress
