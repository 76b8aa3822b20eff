"""The truth at a glance: every task's state, due date and the units that still owe it.

One computation feeds `/status`, `/tasks`, `nhacviec status --json` and the reports, so they can
never disagree.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot.domain.model import AssignmentRole, Schedule, ScheduleKind, State, StateKind
from bot.domain.periods import Period, period_of, periods_between
from bot.domain.plans import PlanState, address
from bot.domain.states import assignment_state, due_date, task_state
from bot.services.plans import plan_bounds, state_of, task_schedule
from bot.store.models import Assignment, Confirmation, Contact, Person, Plan, Task, Unit


@dataclass(frozen=True, slots=True)
class AssignmentStatus:
    assignment_id: int
    unit: str
    role: AssignmentRole
    state: State
    done_at: datetime | None
    by: str | None
    note: str | None
    has_attachment: bool
    #: The last day the unit's reminders are held (`/hoanlai`), while a snooze still runs.
    snoozed_until: date | None = None

    @property
    def done(self) -> bool:
        return self.state.kind.is_done


@dataclass(frozen=True, slots=True)
class TaskStatus:
    task_id: int
    no: int
    address: str  # as people type it now: `6`, or `187.6` while several plans are followed
    label: str
    section: str
    content: str
    when: str
    lead: tuple[str, ...]
    support: tuple[str, ...]
    schedule: Schedule
    period: Period | None
    due: date | None
    state: State
    assignments: tuple[AssignmentStatus, ...]
    missed_periods: int

    @property
    def leads(self) -> tuple[AssignmentStatus, ...]:
        return tuple(a for a in self.assignments if a.role is AssignmentRole.LEAD)

    @property
    def owing(self) -> tuple[str, ...]:
        return tuple(a.unit for a in self.leads if not a.done)

    @property
    def done_count(self) -> int:
        return sum(1 for a in self.leads if a.done)

    def for_unit(self, unit: str) -> AssignmentStatus | None:
        return next((a for a in self.assignments if a.unit == unit), None)

    @property
    def supports(self) -> tuple[AssignmentStatus, ...]:
        return tuple(a for a in self.assignments if a.role is AssignmentRole.SUPPORT)


@dataclass(frozen=True, slots=True)
class PlanStatus:
    plan_id: int
    key: str
    number: str
    title: str
    issued: date | None
    year: int
    start: date
    end: date
    state: PlanState
    today: date
    tasks: tuple[TaskStatus, ...]
    several_plans: bool = False
    #: Units that still owe a lead part here and have nobody registered: never reminded.
    unregistered_leads: tuple[str, ...] = ()

    def task(self, no: int) -> TaskStatus | None:
        return next((t for t in self.tasks if t.no == no), None)

    def for_unit(self, unit: str) -> tuple[TaskStatus, ...]:
        return tuple(t for t in self.tasks if t.for_unit(unit) is not None)

    @property
    def done(self) -> int:
        return sum(1 for t in self.tasks if t.state.kind.is_done)

    @property
    def overdue(self) -> tuple[TaskStatus, ...]:
        """Overdue tasks, the most overdue first."""
        late = [t for t in self.tasks if t.state.kind is StateKind.OVERDUE]
        return tuple(sorted(late, key=lambda t: (-t.state.days, t.no)))

    @property
    def due_soon(self) -> tuple[TaskStatus, ...]:
        return tuple(t for t in self.tasks if t.state.kind is StateKind.DUE_SOON)

    @property
    def no_date(self) -> tuple[TaskStatus, ...]:
        """Tasks still waiting for the Office to give them a date."""
        return tuple(t for t in self.tasks if t.state.kind is StateKind.NO_DATE)

    @property
    def finished(self) -> tuple[TaskStatus, ...]:
        return tuple(t for t in self.tasks if t.state.kind.is_done)


def current_period(schedule: Schedule, today: date, plan: Plan) -> Period | None:
    """The period a recurring task is in today, held inside the plan's span and its own."""
    if schedule.kind is not ScheduleKind.RECURRING or schedule.every is None:
        return None
    start, end = _recurring_span(schedule, plan)
    return period_of(schedule.every, min(max(today, start), end), schedule.month)


def _recurring_span(schedule: Schedule, plan: Plan) -> tuple[date, date]:
    start, end = plan_bounds(plan)
    if schedule.start is not None:
        start = max(start, schedule.start)
    if schedule.end is not None:
        end = min(end, schedule.end)
    return start, max(start, end)


async def plan_status(
    session: AsyncSession,
    plan: Plan,
    today: date,
    *,
    due_soon_days: int = 7,
    several_plans: bool = False,
) -> PlanStatus:
    """One plan's status on `today`; `several_plans` decides how task addresses are shown."""
    tasks = list(
        await session.scalars(
            select(Task)
            .options(selectinload(Task.assignments).selectinload(Assignment.unit))
            .where(Task.plan_id == plan.id, Task.removed.is_(False))
            .order_by(Task.no)
        )
    )
    assignment_ids = [a.id for t in tasks for a in t.assignments if a.active]
    confirmations = await _active_confirmations(session, assignment_ids)
    statuses = tuple(
        _task_status(plan, task, confirmations, today, due_soon_days, several_plans)
        for task in tasks
    )
    start, end = plan_bounds(plan)
    # The units owing the most tasks first: those are the ones a missing contact hurts most.
    owing_leads = Counter(unit for task in statuses for unit in task.owing)
    registered = await registered_units(session)
    return PlanStatus(
        plan_id=plan.id,
        key=plan.key,
        number=plan.number,
        title=plan.title,
        issued=plan.issued,
        year=plan.year,
        start=start,
        end=end,
        state=state_of(plan, today),
        today=today,
        tasks=statuses,
        several_plans=several_plans,
        unregistered_leads=tuple(
            unit for unit, _ in owing_leads.most_common() if unit not in registered
        ),
    )


async def registered_units(session: AsyncSession) -> set[str]:
    """The units that have at least one person with a contact not revoked.

    People are few (a contact per unit at most a handful), so one query over them is cheaper
    than asking about each of a large plan's units.
    """
    return set(
        await session.scalars(
            select(Unit.name)
            .join(Person, Person.unit_id == Unit.id)
            .join(Contact, Contact.person_id == Person.id)
            .where(Contact.revoked_at.is_(None))
            .distinct()
        )
    )


def _running_snooze(until: date | None, today: date) -> date | None:
    return until if until is not None and until >= today else None


async def _active_confirmations(
    session: AsyncSession, assignment_ids: list[int]
) -> dict[tuple[int, str], Confirmation]:
    """The standing confirmation of each (assignment, period); the latest wins."""
    found: dict[tuple[int, str], Confirmation] = {}
    for chunk_start in range(0, len(assignment_ids), 500):
        chunk = assignment_ids[chunk_start : chunk_start + 500]
        rows = await session.scalars(
            select(Confirmation)
            .where(Confirmation.assignment_id.in_(chunk), Confirmation.undone_at.is_(None))
            .order_by(Confirmation.confirmed_at)
        )
        for row in rows:
            found[(row.assignment_id, row.period)] = row
    return found


def _task_status(
    plan: Plan,
    task: Task,
    confirmations: dict[tuple[int, str], Confirmation],
    today: date,
    due_soon_days: int,
    several_plans: bool,
) -> TaskStatus:
    schedule = task_schedule(task)
    period = current_period(schedule, today, plan)
    key = period.key if period else ""
    rows: list[AssignmentStatus] = []
    for assignment in sorted(
        (a for a in task.assignments if a.active), key=lambda a: (a.role != "lead", a.id)
    ):
        confirmation = confirmations.get((assignment.id, key))
        state = assignment_state(
            schedule,
            confirmation.confirmed_on if confirmation else None,
            today,
            due_soon_days=due_soon_days,
            period=period,
        )
        rows.append(
            AssignmentStatus(
                assignment_id=assignment.id,
                unit=assignment.unit.name,
                role=AssignmentRole(assignment.role),
                state=state,
                done_at=confirmation.confirmed_at if confirmation else None,
                by=confirmation.by_name if confirmation else None,
                note=(confirmation.note or None) if confirmation else None,
                has_attachment=bool(confirmation and confirmation.attachment_ref),
                snoozed_until=_running_snooze(assignment.snoozed_until, today),
            )
        )
    lead_states = [r.state for r in rows if r.role is AssignmentRole.LEAD]
    state = task_state(lead_states) if lead_states else State(StateKind.NO_DATE)
    return TaskStatus(
        task_id=task.id,
        no=task.no,
        address=address(plan.key, task.no, several_plans=several_plans),
        label=task.label or str(task.no),
        section=task.section or "",
        content=task.content,
        when=task.when_text,
        lead=tuple(task.lead),
        support=tuple(task.support),
        schedule=schedule,
        period=period,
        due=due_date(schedule, period),
        state=state,
        assignments=tuple(rows),
        missed_periods=_missed_periods(plan, task, schedule, confirmations, today),
    )


def _missed_periods(
    plan: Plan,
    task: Task,
    schedule: Schedule,
    confirmations: dict[tuple[int, str], Confirmation],
    today: date,
) -> int:
    """Lead unit-periods that ended before today with no confirmation (recurring tasks only)."""
    if schedule.kind is not ScheduleKind.RECURRING or schedule.every is None:
        return 0
    start, end = _recurring_span(schedule, plan)
    periods = periods_between(schedule.every, start, min(end, today), schedule.month)
    ended = [p for p in periods if p.end < today]
    leads = [a.id for a in task.assignments if a.active and a.role == AssignmentRole.LEAD]
    return sum(1 for p in ended for a in leads if (a, p.key) not in confirmations)
