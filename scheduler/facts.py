"""Read what the reminder policy needs from the database, as plain facts, in a few flat queries.

Columns, not ORM objects: a tick over 100,000 assignments must stay well under a second.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy import select
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


async def load_plan_facts(session: AsyncSession) -> PlanFacts:
    """What the policy needs about every plan not closed: tasks, assignments, confirmations."""
    plans = await followed_plans(session)
    bounds = {plan.id: plan_bounds(plan) for plan in plans}
    imported = {plan.id: as_local(plan.imported_at).date() for plan in plans}
    tasks = await _task_infos(session, plans)
    # Streamed in slices: each slice is a short stretch of work, and the event loop answers
    # commands between them (a province's plans hold hundreds of thousands of assignments).
    rows = await session.stream(
        select(
            Assignment.id,
            Assignment.task_id,
            Assignment.role,
            Unit.name,
            Assignment.snoozed_until,
            Assignment.due_extended,
        )
        .join(Unit, Unit.id == Assignment.unit_id)
        .where(Assignment.task_id.in_(list(tasks)), Assignment.active.is_(True))
    )
    own = _OwnSchedules()
    assignments: list[AssignmentFacts] = []
    async for part in rows.partitions(ROWS_PER_SLICE):
        assignments.extend(
            AssignmentFacts(
                assignment_id=assignment_id,
                task_id=task_id,
                task_no=tasks[task_id].no,
                unit=unit,
                role=_ROLES[role],
                schedule=tasks[task_id].schedule
                if extended is None
                else own.of(tasks[task_id].schedule, task_id, extended),
                plan_start=bounds[tasks[task_id].plan_id][0],
                plan_end=bounds[tasks[task_id].plan_id][1],
                snoozed_until=snoozed_until,
                plan_imported=imported[tasks[task_id].plan_id],
            )
            for assignment_id, task_id, role, unit, snoozed_until, extended in part
        )
        await asyncio.sleep(0)  # a slice the driver had buffered: let others in anyway
    confirmation_rows = await session.execute(
        select(Confirmation.assignment_id, Confirmation.period, Confirmation.confirmed_on)
        .join(Assignment, Assignment.id == Confirmation.assignment_id)
        .where(Assignment.task_id.in_(list(tasks)), Confirmation.undone_at.is_(None))
    )
    confirmations = [ConfirmationFacts(a, p, on) for a, p, on in confirmation_rows]
    task_ids: dict[int, set[int]] = defaultdict(set)
    for info in tasks.values():
        task_ids[info.plan_id].add(info.task_id)
    spans = [
        EndedPlan(
            min(task_ids[plan.id]), plan.key, bounds[plan.id][1], frozenset(task_ids[plan.id])
        )
        for plan in plans
        if task_ids[plan.id]
    ]
    return PlanFacts(tasks, assignments, confirmations, spans)


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


async def load_extended_dues(session: AsyncSession) -> dict[int, date]:
    """Assignment → its own extended due date, for the few units the Office extended alone."""
    rows = await session.execute(
        select(Assignment.id, Assignment.due_extended).where(
            Assignment.due_extended.is_not(None), Assignment.active.is_(True)
        )
    )
    return {assignment_id: due for assignment_id, due in rows}


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
