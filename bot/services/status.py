"""The truth at a glance: every task's state, due date and the units that still owe it.

One computation feeds `/status`, `/tasks`, `nhacviec status --json` and the reports, so they can
never disagree.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlalchemy import Select, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot.domain.model import AssignmentRole, Schedule, ScheduleKind, State, StateKind
from bot.domain.periods import Period, period_of, periods_between
from bot.domain.plans import PlanState, address
from bot.domain.states import assignment_state, due_date, task_state
from bot.services.plans import original_schedule, plan_bounds, state_of, task_schedule
from bot.services.task_lists import TaskLists
from bot.store.models import Assignment, Confirmation, Contact, Membership, Plan, Task, Unit


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
    #: This unit's own due date when the Office extended it for this unit only.
    due: date | None = None
    extension_reason: str = ""
    #: The confirmer's unit, and whether they confirmed for this unit (the Office, `@UNIT`).
    by_unit: str | None = None
    on_behalf: bool = False
    #: True: checked by the Office or Ban ISO; False: not yet (or sent back); None: never
    #: confirmed.
    verified: bool | None = None
    verified_by: str | None = None
    #: The last confirmation sent back, while no new one stands: the reason, who, when.
    rejected_reason: str | None = None
    rejected_by: str | None = None
    rejected_at: datetime | None = None

    @property
    def done(self) -> bool:
        return self.state.kind.is_done

    @property
    def reported(self) -> bool:
        """Done, or confirmed and waiting for verification: the unit owes nothing now."""
        return self.done or self.state.kind is StateKind.AWAITING


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
    #: The due date before the Office extended it for every unit (None: not extended).
    original_due: date | None = None
    extension_reason: str = ""

    @property
    def leads(self) -> tuple[AssignmentStatus, ...]:
        return tuple(a for a in self.assignments if a.role is AssignmentRole.LEAD)

    @property
    def owing(self) -> tuple[str, ...]:
        return tuple(a.unit for a in self.leads if not a.reported)

    @property
    def done_count(self) -> int:
        return sum(1 for a in self.leads if a.done)

    def for_unit(self, unit: str) -> AssignmentStatus | None:
        return next((a for a in self.assignments if a.unit == unit), None)

    @property
    def supports(self) -> tuple[AssignmentStatus, ...]:
        return tuple(a for a in self.assignments if a.role is AssignmentRole.SUPPORT)


@dataclass(frozen=True, slots=True)
class PlanStatus(TaskLists[TaskStatus]):
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

    def for_unit(self, unit: str) -> tuple[TaskStatus, ...]:
        return tuple(t for t in self.tasks if t.for_unit(unit) is not None)


def current_period(schedule: Schedule, today: date, plan: Plan) -> Period | None:
    """The period a recurring task is in today, held inside the plan's span and its own."""
    if schedule.kind is not ScheduleKind.RECURRING or schedule.every is None:
        return None
    start, end = recurring_span(schedule, plan)
    return period_of(schedule.every, min(max(today, start), end), schedule.month)


def recurring_span(schedule: Schedule, plan: Plan) -> tuple[date, date]:
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
    verify: bool = False,
) -> PlanStatus:
    """One plan's status on `today`; `several_plans` decides how task addresses are shown.

    With `verify` (`[workflow] verify`) an unverified confirmation is "Chờ duyệt", not done.
    """
    tasks = list(
        await session.scalars(
            select(Task)
            .options(selectinload(Task.assignments).selectinload(Assignment.unit))
            .where(Task.plan_id == plan.id, Task.removed.is_(False))
            .order_by(Task.no)
        )
    )
    assignment_ids = [a.id for t in tasks for a in t.assignments if a.active]
    confirmations, rejected = await active_confirmations(session, assignment_ids)
    statuses = tuple(
        task_status_of(
            plan,
            task,
            confirmations,
            today,
            due_soon_days,
            several_plans,
            rejected=rejected,
            verify=verify,
        )
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
    query = select(Unit.name).where(Unit.id.in_(registered_unit_ids_query()))
    return set(await session.scalars(query))


def registered_unit_ids_query() -> Select[tuple[int]]:
    """The ids of `registered_units`, for the aggregates that filter on them in SQL
    (`bot.services.aggregates`): one definition of who is registered. Read from the contacts'
    side: it costs what the people are, however many units a province stores."""
    return (
        select(Membership.unit_id)
        .join(Contact, Contact.person_id == Membership.person_id)
        .where(Contact.revoked_at.is_(None))
    )


def _running_snooze(until: date | None, today: date) -> date | None:
    return until if until is not None and until >= today else None


async def active_confirmations(
    session: AsyncSession, assignment_ids: list[int]
) -> tuple[dict[tuple[int, str], Confirmation], dict[tuple[int, str], Confirmation]]:
    """The standing confirmation of each (assignment, period), the latest winning; and the
    latest rejected one of each (shown while no new confirmation stands)."""
    found: dict[tuple[int, str], Confirmation] = {}
    rejected: dict[tuple[int, str], Confirmation] = {}
    for chunk_start in range(0, len(assignment_ids), 500):
        chunk = assignment_ids[chunk_start : chunk_start + 500]
        rows = await session.scalars(
            select(Confirmation)
            .where(
                Confirmation.assignment_id.in_(chunk),
                or_(Confirmation.undone_at.is_(None), Confirmation.rejected_at.is_not(None)),
            )
            .order_by(Confirmation.confirmed_at, Confirmation.id)
        )
        for row in rows:
            key = (row.assignment_id, row.period)
            if row.undone_at is None:
                found[key] = row
            else:
                rejected[key] = row
    return found, rejected


def task_status_of(
    plan: Plan,
    task: Task,
    confirmations: dict[tuple[int, str], Confirmation],
    today: date,
    due_soon_days: int,
    several_plans: bool,
    *,
    rejected: dict[tuple[int, str], Confirmation] | None = None,
    verify: bool = False,
    assignments: Sequence[Assignment] | None = None,
) -> TaskStatus:
    """`assignments`: only these of the task's (one unit's part, `bot.services.views`); the
    task's state and missed periods then speak of them alone."""
    schedule = task_schedule(task)
    period = current_period(schedule, today, plan)
    key = period.key if period else ""
    chosen = [a for a in (task.assignments if assignments is None else assignments) if a.active]
    rows: list[AssignmentStatus] = []
    for assignment in sorted(chosen, key=lambda a: (a.role != "lead", a.id)):
        confirmation = confirmations.get((assignment.id, key))
        own = _own_schedule(schedule, assignment)
        state = assignment_state(
            own,
            confirmation.confirmed_on if confirmation else None,
            today,
            due_soon_days=due_soon_days,
            period=period,
            awaiting=verify and confirmation is not None and confirmation.verified_at is None,
        )
        sent_back = None if confirmation else (rejected or {}).get((assignment.id, key))
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
                due=own.due if own is not schedule else None,
                extension_reason=assignment.extension_reason or "" if own is not schedule else "",
                by_unit=confirmation.by_unit if confirmation else None,
                on_behalf=bool(confirmation and confirmation.on_behalf),
                verified=_verified(confirmation, sent_back),
                verified_by=confirmation.verified_by if confirmation else None,
                rejected_reason=sent_back.reject_reason if sent_back else None,
                rejected_by=sent_back.rejected_by if sent_back else None,
                rejected_at=sent_back.rejected_at if sent_back else None,
            )
        )
    lead_states = [r.state for r in rows if r.role is AssignmentRole.LEAD]
    state = task_state(lead_states) if lead_states else State(StateKind.NO_DATE)
    extended = task.due_extended is not None and schedule.due == task.due_extended
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
        missed_periods=_missed_periods(plan, chosen, schedule, confirmations, today),
        original_due=original_schedule(task).due if extended else None,
        extension_reason=(task.extension_reason or "") if extended else "",
    )


def _own_schedule(schedule: Schedule, assignment: Assignment) -> Schedule:
    """The schedule of one unit's part: the task's, or its own extended date."""
    if assignment.due_extended is None or not schedule.has_date:
        return schedule
    return replace(schedule, due=assignment.due_extended)


def _verified(confirmation: Confirmation | None, sent_back: Confirmation | None) -> bool | None:
    if confirmation is not None:
        return confirmation.verified_at is not None
    return False if sent_back is not None else None


def _missed_periods(
    plan: Plan,
    assignments: Sequence[Assignment],
    schedule: Schedule,
    confirmations: dict[tuple[int, str], Confirmation],
    today: date,
) -> int:
    """Lead unit-periods that ended before today with no confirmation (recurring tasks only)."""
    if schedule.kind is not ScheduleKind.RECURRING or schedule.every is None:
        return 0
    start, end = recurring_span(schedule, plan)
    periods = periods_between(schedule.every, start, min(end, today), schedule.month)
    ended = [p for p in periods if p.end < today]
    leads = [a.id for a in assignments if a.role == AssignmentRole.LEAD]
    return sum(1 for p in ended for a in leads if (a, p.key) not in confirmations)
