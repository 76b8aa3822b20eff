"""What one task and one unit look like in chat, read without the rest of the plan.

`/status N` of a small task lists every unit with its confirmation: its rows are few, so they
are read in full (`status.task_status_of` on that task alone); a large task is shown as counts
(`aggregates.task_summaries`). `/tasks` and a unit's `/status N` read only the sender's unit's
assignments (indexed by unit), so neither grows with the plan's other units.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import contains_eager, selectinload

from bot.services import aggregates
from bot.services.status import (
    AssignmentStatus,
    TaskStatus,
    active_confirmations,
    registered_units,
    task_status_of,
)
from bot.services.summary import TaskSummary
from bot.store.models import Assignment, Plan, Task, Unit

#: Past this many units a task is shown as counts and the first owing units, not unit by unit.
LARGE_TASK = 15


@dataclass(frozen=True, slots=True)
class StatusOptions:
    """How states are worded: the same for every view of one request."""

    today: date
    due_soon_days: int = 7
    several_plans: bool = False
    verify: bool = False


@dataclass(frozen=True, slots=True)
class TaskView:
    """One task for `/status N`: every unit (a small task) or counts (a large one)."""

    key: str
    several_plans: bool
    task: TaskStatus | TaskSummary
    #: Lead units of `task` that owe it and have nobody registered (a small task's rows).
    unregistered: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class UnitPlanTasks:
    """A unit's parts in one plan: each task (with only that unit's row) and the row."""

    number: str
    parts: tuple[tuple[TaskStatus, AssignmentStatus], ...]


async def task_view(
    session: AsyncSession, plan: Plan, task: Task, options: StatusOptions
) -> TaskView:
    """The task as the Office, Ban ISO and the leaders see it in `/status N`."""
    count = await session.scalar(
        select(func.count())
        .select_from(Assignment)
        .where(Assignment.task_id == task.id, Assignment.active.is_(True))
    )
    if (count or 0) > LARGE_TASK:
        [summary] = await aggregates.task_summaries(
            session,
            plan,
            [task],
            options.today,
            due_soon_days=options.due_soon_days,
            several_plans=options.several_plans,
            verify=options.verify,
        )
        return TaskView(plan.key, options.several_plans, summary)
    rows = list(
        await session.scalars(
            select(Assignment)
            .options(selectinload(Assignment.unit))
            .where(Assignment.task_id == task.id)
        )
    )
    full = await _task_status(session, plan, task, rows, options)
    registered = await registered_units(session)
    owing = frozenset(full.owing)
    return TaskView(
        plan.key,
        options.several_plans,
        full,
        frozenset(unit for unit in owing if unit not in registered),
    )


async def unit_part(
    session: AsyncSession, plan: Plan, task: Task, unit: str, options: StatusOptions
) -> tuple[TaskStatus, AssignmentStatus] | None:
    """One unit's part of a task (`/status N` by a head or member), or None.

    The task's own state and missed periods speak of every unit: they come from the task's
    aggregates, the unit's row from its own assignment.
    """
    rows = await _unit_assignments(session, [plan.id], unit, task_id=task.id)
    if not rows:
        return None
    found = await _task_status(session, plan, task, rows, options)
    [whole] = await aggregates.task_summaries(
        session,
        plan,
        [task],
        options.today,
        due_soon_days=options.due_soon_days,
        several_plans=options.several_plans,
        verify=options.verify,
    )
    found = replace(found, state=whole.state, missed_periods=whole.missed_periods)
    return found, found.assignments[0]


async def unit_tasks(
    session: AsyncSession, plans: Sequence[Plan], unit: str, options: StatusOptions
) -> list[UnitPlanTasks]:
    """A unit's tasks in each plan (`/tasks`), in task order; plans it has no part in: none."""
    rows = await _unit_assignments(session, [plan.id for plan in plans], unit)
    if not rows:
        return []
    confirmations, rejected = await active_confirmations(session, [a.id for a in rows])
    out = []
    for plan in plans:
        parts = []
        for assignment in rows:
            if assignment.task.plan_id != plan.id:
                continue
            found = task_status_of(
                plan,
                assignment.task,
                confirmations,
                options.today,
                options.due_soon_days,
                options.several_plans,
                rejected=rejected,
                verify=options.verify,
                assignments=[assignment],
            )
            parts.append((found, found.assignments[0]))
        if parts:
            out.append(UnitPlanTasks(plan.number, tuple(parts)))
    return out


async def _unit_assignments(
    session: AsyncSession, plan_ids: list[int], unit: str, *, task_id: int | None = None
) -> list[Assignment]:
    """The unit's active assignments in these plans' tasks, task by task (by the unit index)."""
    query = (
        select(Assignment)
        .join(Assignment.task)
        .join(Assignment.unit)
        .options(contains_eager(Assignment.task), contains_eager(Assignment.unit))
        .where(
            Unit.name == unit,
            Assignment.active.is_(True),
            Task.plan_id.in_(plan_ids),
            Task.removed.is_(False),
        )
        .order_by(Task.plan_id, Task.no)
    )
    if task_id is not None:
        query = query.where(Task.id == task_id)
    return list(await session.scalars(query))


async def _task_status(
    session: AsyncSession,
    plan: Plan,
    task: Task,
    rows: Sequence[Assignment],
    options: StatusOptions,
) -> TaskStatus:
    confirmations, rejected = await active_confirmations(session, [a.id for a in rows])
    return task_status_of(
        plan,
        task,
        confirmations,
        options.today,
        options.due_soon_days,
        options.several_plans,
        rejected=rejected,
        verify=options.verify,
        assignments=rows,
    )
