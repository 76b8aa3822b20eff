"""Gather what the reports show from the database: the status, every recurring period, the log.

The status computation is the same one `/status` uses, so the report and the chat never disagree;
recurring tasks get one row per unit and period, so the year-end report can show missed months.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.config import AgencyConfig
from bot.domain.model import ScheduleKind, State, StateKind
from bot.domain.periods import Period, periods_between
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
    verify: bool = False,
) -> ReportData:
    """`status` may be passed when the caller has just computed it (`/status` with its chart).

    With `storage_dir` (`[storage] dir`), each assignment carries its evidence files. `verify`
    is `[workflow] verify`: an unverified confirmation is then "Chờ duyệt", not done, in every
    period, exactly as `/status` counts it.
    """
    if status is None:
        status = await plan_status(
            session, plan, today, due_soon_days=due_soon_days, verify=verify
        )
    start, end = plan_bounds(plan)
    history = await _confirmations_by_period(session, status)
    tasks = tuple(
        _task_row(task, history, start, min(end, today), today, due_soon_days, verify)
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


@dataclass(frozen=True, slots=True)
class _History:
    """Every period's standing confirmation, and the last one sent back where none stands."""

    standing: dict[tuple[int, str], Confirmation]
    rejected: dict[tuple[int, str], Confirmation]


async def _confirmations_by_period(session: AsyncSession, status: PlanStatus) -> _History:
    ids = [a.assignment_id for t in status.tasks for a in t.assignments if t.period is not None]
    history = _History({}, {})
    for start in range(0, len(ids), 500):
        rows = await session.scalars(
            select(Confirmation)
            .where(
                Confirmation.assignment_id.in_(ids[start : start + 500]),
                or_(Confirmation.undone_at.is_(None), Confirmation.rejected_at.is_not(None)),
            )
            .order_by(Confirmation.confirmed_at, Confirmation.id)
        )
        for row in rows:
            key = (row.assignment_id, row.period)
            if row.undone_at is None:
                history.standing[key] = row
            else:
                history.rejected[key] = row
    return history


def _task_row(
    task: TaskStatus,
    history: _History,
    first: date,
    last: date,
    today: date,
    due_soon_days: int,
    verify: bool,
) -> TaskRow:
    if task.schedule.kind is ScheduleKind.RECURRING and task.schedule.every is not None:
        rows = [
            _period_row(task, assignment, period, history, today, due_soon_days, verify)
            for period in periods_between(
                task.schedule.every, first, max(first, last), task.schedule.month
            )
            for assignment in task.assignments
        ]
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
        original_due=task.original_due,
        extension_reason=task.extension_reason,
    )


def _period_row(
    task: TaskStatus,
    assignment: AssignmentStatus,
    period: Period,
    history: _History,
    today: date,
    due_soon_days: int,
    verify: bool,
) -> AssignmentRow:
    """One unit's part in one period of a recurring task (recurring tasks have no extensions)."""
    key = (assignment.assignment_id, period.key)
    found = history.standing.get(key)
    sent_back = None if found else history.rejected.get(key)
    state = assignment_state(
        task.schedule,
        found.confirmed_on if found else None,
        today,
        due_soon_days=due_soon_days,
        period=period,
        awaiting=verify and found is not None and found.verified_at is None,
    )
    return AssignmentRow(
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
        on_behalf_by=(found.by_unit or None) if found and found.on_behalf else None,
        verified=(found.verified_at is not None) if found else (False if sent_back else None),
        verified_by=found.verified_by if found else None,
        rejected_reason=sent_back.reject_reason if sent_back else None,
        rejected_by=sent_back.rejected_by if sent_back else None,
        rejected_at=sent_back.rejected_at if sent_back else None,
    )


def _one_off_row(task: TaskStatus, assignment: AssignmentStatus) -> AssignmentRow:
    """The unit's part as `/status` has it, with its own date when extended for it alone."""
    alone = assignment.due is not None
    extended = alone or task.original_due is not None
    return AssignmentRow(
        task_no=task.no,
        unit=assignment.unit,
        role=assignment.role,
        period="",
        due=assignment.due if alone else task.due,
        state=assignment.state,
        confirmed_at=assignment.done_at,
        confirmed_by=assignment.by,
        note=assignment.note,
        late_days=_late_days(assignment.state),
        # The plan's date, even when the task's date was moved for all before this unit's.
        original_due=(task.original_due or task.due) if extended else None,
        extension_reason=assignment.extension_reason if alone else task.extension_reason,
        extended_alone=alone,
        on_behalf_by=(assignment.by_unit or None) if assignment.on_behalf else None,
        verified=assignment.verified,
        verified_by=assignment.verified_by,
        rejected_reason=assignment.rejected_reason,
        rejected_by=assignment.rejected_by,
        rejected_at=assignment.rejected_at,
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
