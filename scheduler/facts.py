"""Read what the reminder policy needs from the database, as plain facts, in a few flat queries.

Columns, not ORM objects: a tick over 100,000 assignments must stay well under a second.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import as_local
from bot.domain.model import AssignmentRole, Role, Schedule
from bot.domain.plans import address
from bot.services.plans import followed_plans, original_schedule, plan_bounds, task_schedule
from bot.store.models import (
    Assignment,
    Confirmation,
    Contact,
    Membership,
    Person,
    Plan,
    Task,
    Unit,
)
from scheduler.closing import EndedPlan
from scheduler.policy import AssignmentFacts, ConfirmationFacts

_ROLES = {str(role): role for role in AssignmentRole}
ROWS_PER_SLICE = 5000
_CHUNK = 500  # ids per IN list: well under SQLite's and asyncpg's limits on parameters


@dataclass(frozen=True, slots=True)
class TaskInfo:
    """What a reminder message quotes of its task."""

    task_id: int
    no: int
    content: str
    when: str
    schedule: Schedule
    plan_id: int = 0
    plan_key: str = ""
    plan_number: str = ""
    address: str = ""  # `6`, or `187.6` while several plans are followed
    #: The due date before the Office extended it (None: not extended); `schedule` has the new.
    original_due: date | None = None


@dataclass(frozen=True, slots=True)
class Recipient:
    contact_id: int
    channel: str
    chat_id: str
    name: str
    unit: str
    role: Role
    language: str


@dataclass
class PlanFacts:
    tasks: dict[int, TaskInfo]
    assignments: list[AssignmentFacts]
    confirmations: list[ConfirmationFacts]
    plans: list[EndedPlan]  # every followed plan, for its closing summary
    #: The tasks whose own stored day has come (None: every task was read in full).
    task_level: set[int] | None = None
    #: The generation of each row read (`bot.services.reminder_dates`): a day computed from
    #: these facts is stored only where no change came in between.
    generations: dict[int, int] = field(default_factory=dict)
    task_generations: dict[int, int] = field(default_factory=dict)
    #: Rows whose day came but that nothing can remind (a unit taken off its task, a closed
    #: plan's, a removed task's): their generation, to store "never" for them.
    parked: dict[int, int] = field(default_factory=dict)


async def load_task_infos(session: AsyncSession) -> dict[int, TaskInfo]:
    """The tasks of every plan not closed, as reminder messages quote them."""
    return await _task_infos(session, await followed_plans(session))


async def _task_infos(session: AsyncSession, plans: list[Plan]) -> dict[int, TaskInfo]:
    by_id = {plan.id: plan for plan in plans}
    several = len(plans) > 1
    rows = await session.scalars(
        select(Task).where(Task.plan_id.in_(list(by_id)), Task.removed.is_(False))
    )
    return {
        t.id: TaskInfo(
            t.id,
            t.no,
            t.content,
            t.when_text,
            task_schedule(t),
            plan_id=t.plan_id,
            plan_key=by_id[t.plan_id].key,
            plan_number=by_id[t.plan_id].number,
            address=address(by_id[t.plan_id].key, t.no, several_plans=several),
            original_due=original_schedule(t).due if t.due_extended is not None else None,
        )
        for t in rows
    }


async def load_plan_facts(session: AsyncSession, due_by: date | None = None) -> PlanFacts:
    """What the policy needs about the plans not closed: tasks, assignments, confirmations.

    With `due_by`, only the rows whose stored next-reminder day is on or before it, and every
    assignment of the tasks whose own day is: a tick's cost follows what is due, not what is
    stored. Without it, everything (a replay of a past moment, `tick --at`).
    """
    plans = await followed_plans(session)
    tasks = await _task_infos(session, plans)
    task_days = await session.execute(
        select(Task.id, Task.next_reminder_on, Task.reminder_gen).where(Task.id.in_(list(tasks)))
    )
    task_generations: dict[int, int] = {}
    task_level: set[int] | None = set() if due_by is not None else None
    for task_id, day, generation in task_days:
        task_generations[task_id] = generation
        if task_level is not None and due_by is not None and day <= due_by:
            task_level.add(task_id)
    reading = _AssignmentReading(session, plans, tasks)
    if due_by is None:
        await reading.read(Assignment.task_id.in_(list(tasks)), Assignment.active.is_(True))
    else:
        # By the index on the stored day; rows of closed plans are filtered out as they come.
        await reading.read(Assignment.next_reminder_on <= due_by)
        whole = sorted(task_level or ())
        for start in range(0, len(whole), _CHUNK):
            await reading.read(Assignment.task_id.in_(whole[start : start + _CHUNK]))
    if due_by is None:
        confirmations = await _confirmations_of_tasks(session, list(tasks))
    else:
        confirmations = await _confirmations_of(session, sorted(reading.generations))
    task_ids: dict[int, set[int]] = defaultdict(set)
    for info in tasks.values():
        task_ids[info.plan_id].add(info.task_id)
    spans = [
        EndedPlan(
            min(task_ids[plan.id]),
            plan.key,
            reading.bounds[plan.id][1],
            frozenset(task_ids[plan.id]),
        )
        for plan in plans
        if task_ids[plan.id]
    ]
    return PlanFacts(
        tasks,
        reading.assignments,
        confirmations,
        spans,
        task_level=task_level,
        generations=reading.generations,
        task_generations=task_generations,
        parked=reading.parked,
    )


class _AssignmentReading:
    """Assignments read as policy facts, each once however many queries find it."""

    def __init__(
        self, session: AsyncSession, plans: list[Plan], tasks: dict[int, TaskInfo]
    ) -> None:
        self.session = session
        self.tasks = tasks
        self.bounds = {plan.id: plan_bounds(plan) for plan in plans}
        self.imported = {plan.id: as_local(plan.imported_at).date() for plan in plans}
        self.own = _OwnSchedules()
        self.assignments: list[AssignmentFacts] = []
        self.generations: dict[int, int] = {}
        self.parked: dict[int, int] = {}

    async def read(self, *where: ColumnElement[bool]) -> None:
        # Streamed in slices: each slice is a short stretch of work, and the event loop answers
        # commands between them (a province's plans hold hundreds of thousands of assignments).
        rows = await self.session.stream(
            select(
                Assignment.id,
                Assignment.task_id,
                Assignment.role,
                Unit.name,
                Assignment.snoozed_until,
                Assignment.due_extended,
                Assignment.reminder_gen,
                Assignment.active,
            )
            .join(Unit, Unit.id == Assignment.unit_id)
            .where(*where)
        )
        async for part in rows.partitions(ROWS_PER_SLICE):
            for row in part:
                self._add(*row)
            await asyncio.sleep(0)  # a slice the driver had buffered: let others in anyway

    def _add(
        self,
        assignment_id: int,
        task_id: int,
        role: str,
        unit: str,
        snoozed_until: date | None,
        extended: date | None,
        generation: int,
        active: bool,
    ) -> None:
        task = self.tasks.get(task_id)
        if task is None or not active:
            self.parked[assignment_id] = generation
            return
        if assignment_id in self.generations:
            return  # found by both queries
        self.generations[assignment_id] = generation
        plan_start, plan_end = self.bounds[task.plan_id]
        self.assignments.append(
            AssignmentFacts(
                assignment_id=assignment_id,
                task_id=task_id,
                task_no=task.no,
                unit=unit,
                role=_ROLES[role],
                schedule=task.schedule
                if extended is None
                else self.own.of(task.schedule, task_id, extended),
                plan_start=plan_start,
                plan_end=plan_end,
                snoozed_until=snoozed_until,
                plan_imported=self.imported[task.plan_id],
            )
        )


async def _confirmations_of(
    session: AsyncSession, assignment_ids: list[int]
) -> list[ConfirmationFacts]:
    """The standing confirmations of these assignments."""
    found: list[ConfirmationFacts] = []
    for start in range(0, len(assignment_ids), _CHUNK):
        rows = await session.execute(
            select(
                Confirmation.assignment_id, Confirmation.period, Confirmation.confirmed_on
            ).where(
                Confirmation.assignment_id.in_(assignment_ids[start : start + _CHUNK]),
                Confirmation.undone_at.is_(None),
            )
        )
        found.extend(ConfirmationFacts(a, p, on) for a, p, on in rows)
    return found


async def _confirmations_of_tasks(
    session: AsyncSession, task_ids: list[int]
) -> list[ConfirmationFacts]:
    """The standing confirmations of every assignment of these tasks, in one query."""
    rows = await session.execute(
        select(Confirmation.assignment_id, Confirmation.period, Confirmation.confirmed_on)
        .join(Assignment, Assignment.id == Confirmation.assignment_id)
        .where(Assignment.task_id.in_(task_ids), Confirmation.undone_at.is_(None))
    )
    return [ConfirmationFacts(a, p, on) for a, p, on in rows]


async def load_owed_tasks(session: AsyncSession, task_ids: list[int], today: date) -> set[int]:
    """The tasks among these that some lead unit has not reported done (one-off tasks)."""
    done = (
        select(Confirmation.id)
        .where(
            Confirmation.assignment_id == Assignment.id,
            Confirmation.period == "",
            Confirmation.undone_at.is_(None),
            Confirmation.confirmed_on <= today,
        )
        .exists()
    )
    owed: set[int] = set()
    for start in range(0, len(task_ids), _CHUNK):
        owed.update(
            await session.scalars(
                select(Assignment.task_id)
                .where(
                    Assignment.task_id.in_(task_ids[start : start + _CHUNK]),
                    Assignment.active.is_(True),
                    Assignment.role == str(AssignmentRole.LEAD),
                    ~done,
                )
                .distinct()
            )
        )
    return owed


class _OwnSchedules:
    """The schedules of units whose date the Office extended for them alone (`/giahan N … @UNIT`).

    The policy times an assignment by its own schedule when it is not its task's object, so the
    units of one extension share one object, and a task's other units keep the task's.
    """

    def __init__(self) -> None:
        self._made: dict[tuple[int, date], Schedule] = {}

    def of(self, schedule: Schedule, task_id: int, due: date) -> Schedule:
        if not schedule.has_date:
            return schedule
        made = self._made.get((task_id, due))
        if made is None:
            made = self._made[(task_id, due)] = replace(schedule, due=due)
        return made


async def load_extended_dues(session: AsyncSession, assignment_ids: list[int]) -> dict[int, date]:
    """Assignment → its own extended due date, among these (the few units the Office extended
    alone), for the reminders about to be sent to one person."""
    found: dict[int, date] = {}
    for start in range(0, len(assignment_ids), _CHUNK):
        rows = await session.execute(
            select(Assignment.id, Assignment.due_extended).where(
                Assignment.id.in_(assignment_ids[start : start + _CHUNK]),
                Assignment.due_extended.is_not(None),
                Assignment.active.is_(True),
            )
        )
        found.update({assignment_id: due for assignment_id, due in rows})
    return found


@dataclass
class Recipients:
    """Active contacts by unit and by role, honouring each person's choice of channel."""

    by_unit: dict[str, list[Recipient]]
    by_role: dict[Role, list[Recipient]]


async def load_recipients(session: AsyncSession) -> Recipients:
    # A row per membership: a person in two units hears about both, each contact once per unit.
    rows = await session.execute(
        select(
            Contact.id,
            Contact.channel,
            Contact.chat_id,
            Contact.name,
            Unit.name,
            Membership.role,
            Person.language,
            Person.prefer_channel,
            Person.id,
        )
        .join(Person, Person.id == Contact.person_id)
        .join(Membership, Membership.person_id == Person.id)
        .join(Unit, Unit.id == Membership.unit_id)
        .where(Contact.revoked_at.is_(None))
        .order_by(Contact.id, Membership.id)
    )
    channels_of: dict[int, set[str]] = defaultdict(set)
    all_rows = list(rows)
    for row in all_rows:
        channels_of[row[8]].add(row[1])
    by_unit: dict[str, list[Recipient]] = defaultdict(list)
    by_role: dict[Role, list[Recipient]] = defaultdict(list)
    in_unit: set[tuple[str, int]] = set()
    in_role: set[tuple[str, int]] = set()
    for contact_id, channel, chat_id, name, unit, role, language, prefer, person_id in all_rows:
        # A person who chose one channel hears only there, if they are registered there.
        if prefer not in ("all", channel) and prefer in channels_of[person_id]:
            continue
        recipient = Recipient(contact_id, channel, chat_id, name, unit, Role(role), language)
        if (unit, contact_id) not in in_unit:
            in_unit.add((unit, contact_id))
            by_unit[unit].append(recipient)
        if (role, contact_id) not in in_role:
            in_role.add((role, contact_id))
            by_role[Role(role)].append(recipient)
    return Recipients(by_unit, by_role)
