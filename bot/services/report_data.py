"""Gather what the reports show from the database: the status, every recurring period, the log.

The status computation is the same one `/status` uses, so the report and the chat never disagree;
recurring tasks get one row per unit and period, so the year-end report can show missed months.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.config import AgencyConfig
from bot.domain.model import ScheduleKind, State, StateKind
from bot.domain.periods import periods_between
from bot.domain.states import assignment_state
from bot.reports.data import AssignmentRow, EvidenceRow, ReminderLogRow, ReportData, TaskRow
from bot.services import evidence
from bot.services.plans import plan_bounds
from bot.services.status import AssignmentStatus, PlanStatus, TaskStatus, plan_status
from bot.services.summary import PlanSummary
from bot.store.models import (
    Assignment,
    Confirmation,
    Contact,
    OutboxItem,
    Person,
    Plan,
    Task,
    Unit,
    UTCDateTime,
)


async def build_report_data(
    session: AsyncSession,
    plan: Plan,
    today: date,
    *,
    agency: AgencyConfig,
    due_soon_days: int = 7,
    status: PlanStatus | None = None,
    storage_dir: Path | None = None,
) -> ReportData:
    """`status` may be passed when the caller has just computed it (`/status` with its chart).

    With `storage_dir` (`[storage] dir`), each assignment carries its evidence files.
    """
    if status is None:
        status = await plan_status(session, plan, today, due_soon_days=due_soon_days)
    start, end = plan_bounds(plan)
    history = await _confirmations_by_period(session, status)
    tasks = tuple(
        _task_row(task, history, start, min(end, today), today, due_soon_days)
        for task in status.tasks
    )
    if storage_dir is not None:
        tasks = await _with_evidence(session, tasks, status, evidence.Storage(storage_dir))
    return ReportData(
        agency_parent=agency.parent,
        agency=agency.name,
        place=agency.place,
        plan_number=status.number,
        plan_issued=status.issued,
        plan_title=status.title,
        plan_year=status.year,
        today=today,
        tasks=tasks,
        reminders=tuple(await _reminder_log(session, plan.id)),
        agency_code=agency.code,
        signer_title=agency.signer_title,
        signer_name=agency.signer_name,
        recipients=agency.recipients,
    )


def chart_data(summary: PlanSummary, agency: AgencyConfig) -> ReportData:
    """What the status chart needs, from a summary read with its period counts: the chart
    reads each task's counts, never a unit's row, so the chat's chart costs what `/status`
    does. No reminder log: the chart does not show it."""
    return ReportData(
        agency_parent=agency.parent,
        agency=agency.name,
        place=agency.place,
        plan_number=summary.number,
        plan_issued=summary.issued,
        plan_title=summary.title,
        plan_year=summary.year,
        today=summary.today,
        tasks=tuple(
            TaskRow(
                no=task.no,
                content=task.content,
                lead=task.lead,
                support=task.support,
                when=task.when,
                schedule=task.schedule,
                state=task.state,
                done_units=task.done_count,
                owed_units=task.lead_count,
                missed_periods=task.missed_periods,
                assignments=(),
                periods=task.periods,
            )
            for task in summary.tasks
        ),
        reminders=(),
        agency_code=agency.code,
        signer_title=agency.signer_title,
        signer_name=agency.signer_name,
        recipients=agency.recipients,
    )


async def _with_evidence(
    session: AsyncSession,
    tasks: tuple[TaskRow, ...],
    status: PlanStatus,
    storage: evidence.Storage,
) -> tuple[TaskRow, ...]:
    """The rows again, each with the files sent with its confirmation."""
    ids = {(task.no, a.unit): a.assignment_id for task in status.tasks for a in task.assignments}
    found = await evidence.evidence_by_assignment(session, list(ids.values()))
    if not found:
        return tasks

    def files(row: AssignmentRow) -> tuple[EvidenceRow, ...]:
        items = found.get((ids.get((row.task_no, row.unit), -1), row.period), [])
        return tuple(
            EvidenceRow(
                name=item.name,
                size=item.size,
                sha256=item.sha256,
                received_at=item.received_at,
                by=item.by_name,
                location=evidence.on_disk(storage, item),
            )
            for item in items
        )

    return tuple(
        replace(
            task,
            assignments=tuple(replace(row, evidence=files(row)) for row in task.assignments),
        )
        for task in tasks
    )


async def _confirmations_by_period(
    session: AsyncSession, status: PlanStatus
) -> dict[tuple[int, str], Confirmation]:
    ids = [a.assignment_id for t in status.tasks for a in t.assignments if t.period is not None]
    found: dict[tuple[int, str], Confirmation] = {}
    for start in range(0, len(ids), 500):
        rows = await session.scalars(
            select(Confirmation)
            .where(
                Confirmation.assignment_id.in_(ids[start : start + 500]),
                Confirmation.undone_at.is_(None),
            )
            .order_by(Confirmation.confirmed_at)
        )
        for row in rows:
            found[(row.assignment_id, row.period)] = row
    return found


def _task_row(
    task: TaskStatus,
    history: dict[tuple[int, str], Confirmation],
    first: date,
    last: date,
    today: date,
    due_soon_days: int,
) -> TaskRow:
    if task.schedule.kind is ScheduleKind.RECURRING and task.schedule.every is not None:
        rows = []
        for period in periods_between(
            task.schedule.every, first, max(first, last), task.schedule.month
        ):
            for assignment in task.assignments:
                found = history.get((assignment.assignment_id, period.key))
                state = assignment_state(
                    task.schedule,
                    found.confirmed_on if found else None,
                    today,
                    due_soon_days=due_soon_days,
                    period=period,
                )
                rows.append(
                    AssignmentRow(
                        task_no=task.no,
                        unit=assignment.unit,
                        role=assignment.role,
                        period=period.key,
                        due=period.end,
                        state=state,
                        confirmed_at=found.confirmed_at if found else None,
                        confirmed_by=found.by_name if found else None,
                        note=(found.note or None) if found else None,
                        late_days=_late_days(state),
                    )
                )
    else:
        rows = [_one_off_row(task, assignment) for assignment in task.assignments]
    return TaskRow(
        no=task.no,
        content=task.content,
        lead=task.lead,
        support=task.support,
        when=task.when,
        schedule=task.schedule,
        state=task.state,
        done_units=task.done_count,
        owed_units=len(task.leads),
        missed_periods=task.missed_periods,
        assignments=tuple(rows),
    )


def _one_off_row(task: TaskStatus, assignment: AssignmentStatus) -> AssignmentRow:
    return AssignmentRow(
        task_no=task.no,
        unit=assignment.unit,
        role=assignment.role,
        period="",
        due=task.due,
        state=assignment.state,
        confirmed_at=assignment.done_at,
        confirmed_by=assignment.by,
        note=assignment.note,
        late_days=_late_days(assignment.state),
    )


def _late_days(state: State) -> int:
    return state.days if state.kind in (StateKind.OVERDUE, StateKind.DONE_LATE) else 0


async def _reminder_log(session: AsyncSession, plan_id: int) -> list[ReminderLogRow]:
    # The unit a reminder was about (a person may act for several); the person's first unit for
    # what is about a whole task (an escalation, a date to set).
    owing = aliased(Unit)
    rows = await session.execute(
        select(
            func.coalesce(OutboxItem.sent_at, OutboxItem.created_at, type_=UTCDateTime()),
            Contact.channel,
            Contact.name,
            func.coalesce(owing.name, Unit.name),
            Task.no,
            OutboxItem.kind,
            OutboxItem.slot,
            OutboxItem.status,
            OutboxItem.late,
        )
        .join(Contact, Contact.id == OutboxItem.contact_id)
        .join(Person, Person.id == Contact.person_id)
        .join(Unit, Unit.id == Person.unit_id)
        .outerjoin(Assignment, Assignment.id == OutboxItem.assignment_id)
        .outerjoin(owing, owing.id == Assignment.unit_id)
        .join(Task, Task.id == OutboxItem.task_id)
        .where(Task.plan_id == plan_id)
        .order_by(OutboxItem.slot, OutboxItem.id)
    )
    return [
        ReminderLogRow(
            at=at,
            channel=channel,
            contact=name,
            unit=unit,
            task_no=no,
            kind=kind,
            slot=slot,
            status=status,
            late=late,
        )
        for at, channel, name, unit, no, kind, slot, status, late in rows
    ]
