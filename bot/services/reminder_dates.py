"""Keep every stored next-reminder day honest: whatever changes a fact, asks for a recompute.

The tick reads only the assignments and tasks whose stored day has come (see
`bot.store.reminder_days`). A day too late would lose a reminder, so every write of a fact the
reminder policy reads (a confirmation and its undo or rejection, a snooze, a date set or
extended, a plan imported, ended, closed or reopened, a new person to remind, a changed rhythm)
calls one of these in the same transaction. They do not compute anything: they set the day to
`RECOMPUTE` and raise the row's generation, and the next tick asks the policy. The generation
keeps a tick that read the facts before the change from writing a day computed from them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping
from datetime import date

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.store.engine_state import read_value, write_value
from bot.store.models import Assignment, Task
from bot.store.reminder_days import NEVER, RECOMPUTE

_CHUNK = 500
#: `engine_state` rows: the rules the stored days were computed under, and the last day a tick
#: decided with them (a replay of an earlier moment cannot trust days computed after it).
RULES = "reminder_rules"
AS_OF = "reminder_days_as_of"


async def recompute_assignments(session: AsyncSession, assignment_ids: Collection[int]) -> None:
    """These units' parts changed (a confirmation, a snooze): ask again about them and their
    tasks (a task's escalation names the units still owing)."""
    ids = sorted(set(assignment_ids))
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        await _mark(session, Assignment, Assignment.id.in_(chunk), RECOMPUTE)
        owning = select(Assignment.task_id).where(Assignment.id.in_(chunk)).scalar_subquery()
        await _mark(session, Task, Task.id.in_(owning), RECOMPUTE)


async def recompute_tasks(session: AsyncSession, task_ids: Collection[int]) -> None:
    """These tasks' dates changed (an extension, a date set): ask again about every part."""
    ids = sorted(set(task_ids))
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        await _mark(session, Task, Task.id.in_(chunk), RECOMPUTE)
        await _mark(session, Assignment, Assignment.task_id.in_(chunk), RECOMPUTE)


async def recompute_plan(session: AsyncSession, plan_id: int) -> None:
    """The plan was imported again, reopened or given another end: ask about all of it."""
    await _for_plan(session, plan_id, RECOMPUTE)


async def park_plan(session: AsyncSession, plan_id: int) -> None:
    """The plan is closed: nothing of it is reminded until it is reopened."""
    await _for_plan(session, plan_id, NEVER)


async def recompute_unit(session: AsyncSession, unit_ids: Collection[int]) -> None:
    """Someone new hears these units' reminders: they get the reminders standing now, as the
    unit's other people did, and the Office's task-level ones (few) are asked about again."""
    ids = sorted(set(unit_ids))
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        await _mark(session, Assignment, Assignment.unit_id.in_(chunk), RECOMPUTE)
    await recompute_task_level(session)


async def recompute_task_level(session: AsyncSession) -> None:
    """Someone new hears the Office's reminders (escalations, asks for a date)."""
    await _mark(session, Task, Task.id.is_not(None), RECOMPUTE)


async def recompute_everything(session: AsyncSession) -> None:
    """The rhythm changed (`[reminders]`): every stored day may be wrong."""
    await _mark(session, Task, Task.id.is_not(None), RECOMPUTE)
    await _mark(session, Assignment, Assignment.id.is_not(None), RECOMPUTE)


async def _for_plan(session: AsyncSession, plan_id: int, day: object) -> None:
    tasks = select(Task.id).where(Task.plan_id == plan_id).scalar_subquery()
    await _mark(session, Task, Task.plan_id == plan_id, day)
    await _mark(session, Assignment, Assignment.task_id.in_(tasks), day)


async def _mark(
    session: AsyncSession,
    table: type[Task] | type[Assignment],
    where: ColumnElement[bool],
    day: object,
) -> None:
    await session.execute(
        update(table)
        .where(where)
        .values(next_reminder_on=day, reminder_gen=table.reminder_gen + 1)
        .execution_options(synchronize_session=False)
    )


async def store_next_days(
    session: AsyncSession,
    table: type[Task] | type[Assignment],
    days: Mapping[int, date],
    generations: Mapping[int, int],
) -> int:
    """Store the days a tick computed, except on rows changed since it read them; return how
    many rows were written.

    Rows are written in groups of one day and one generation (a province's rows share few
    of either), so a busy tick costs a few statements, not one per row.
    """
    groups: dict[tuple[date, int], list[int]] = defaultdict(list)
    for row_id, day in days.items():
        groups[(day, generations[row_id])].append(row_id)
    written = 0
    for (day, generation), ids in groups.items():
        ids.sort()
        for start in range(0, len(ids), _CHUNK):
            result = await session.execute(
                update(table)
                .where(
                    table.id.in_(ids[start : start + _CHUNK]),
                    table.reminder_gen == generation,
                )
                .values(next_reminder_on=day)
                .execution_options(synchronize_session=False)
            )
            written += result.rowcount or 0
    return written


async def sync_rules(session: AsyncSession, fingerprint: str) -> bool:
    """Ask again about everything when the reminder rules changed since the days were stored;
    return whether they had (a database that never recorded any has nothing to redo)."""
    recorded = await read_value(session, RULES)
    if recorded == fingerprint:
        return False
    await write_value(session, RULES, fingerprint)
    await recompute_everything(session)
    return recorded is not None


async def rules_changed(session: AsyncSession, fingerprint: str) -> bool:
    return await read_value(session, RULES) != fingerprint


async def days_as_of(session: AsyncSession) -> date | None:
    """The last day whose reminders a tick decided with the stored days."""
    value = await read_value(session, AS_OF)
    return date.fromisoformat(value) if value else None


async def set_days_as_of(session: AsyncSession, day: date) -> None:
    await write_value(session, AS_OF, day.isoformat())
