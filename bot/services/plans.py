"""Storing a parsed plan: tasks, units, group members and one assignment per unit that owes a task.

Importing the same plan number again updates it in place: tasks and assignments keep their ids, so
every confirmation and every outbox row stays attached to what it confirmed or reminded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.model import AssignmentRole, Every, ParsedPlan, Schedule, ScheduleKind
from bot.domain.timeexpr import is_routine
from bot.domain.units import UnitCatalog
from bot.services.errors import NoPlan
from bot.store.models import Assignment, GroupMember, Plan, Task, Unit


@dataclass
class ImportSummary:
    plan_id: int
    number: str
    created: bool
    source: str = ""
    tasks_added: int = 0
    tasks_updated: int = 0
    tasks_removed: int = 0
    assignments_added: int = 0
    assignments_removed: int = 0
    warnings: list[str] = field(default_factory=list)


async def store_plan(
    session: AsyncSession,
    parsed: ParsedPlan,
    catalog: UnitCatalog,
    *,
    now: datetime,
    source: str = "",
) -> ImportSummary:
    """Insert or update a plan and everything that hangs off it, in the caller's transaction."""
    plan = await session.scalar(select(Plan).where(Plan.number == parsed.number))
    created = plan is None
    year = parsed.year or now.year
    if plan is None:
        plan = Plan(number=parsed.number)
        session.add(plan)
    plan.issued = parsed.issued
    plan.title = parsed.title
    plan.year = year
    plan.source = source
    plan.imported_at = now
    await session.flush()

    summary = ImportSummary(
        plan.id, plan.number, created, source=source, warnings=list(parsed.warnings)
    )
    units = _UnitRows(session, catalog)
    await units.sync_groups()

    existing = {
        t.no: t for t in await session.scalars(select(Task).where(Task.plan_id == plan.id))
    }
    seen: set[int] = set()
    for parsed_task in parsed.tasks:
        seen.add(parsed_task.no)
        task = existing.get(parsed_task.no)
        if task is None:
            task = Task(plan_id=plan.id, no=parsed_task.no)
            session.add(task)
            summary.tasks_added += 1
        else:
            summary.tasks_updated += 1
        task.content = parsed_task.content
        task.lead = list(parsed_task.lead)
        task.support = list(parsed_task.support)
        task.when_text = parsed_task.when
        task.schedule = parsed_task.schedule.to_json()
        task.removed = False
        await session.flush()
        added, removed = await _sync_assignments(session, task, units)
        summary.assignments_added += added
        summary.assignments_removed += removed
    for no, task in existing.items():
        if no not in seen and not task.removed:
            task.removed = True
            summary.tasks_removed += 1
            for assignment in await session.scalars(
                select(Assignment).where(Assignment.task_id == task.id)
            ):
                assignment.active = False
    await session.flush()
    return summary


class _UnitRows:
    """Unit rows by name, created on first use; group members kept in step with the config."""

    def __init__(self, session: AsyncSession, catalog: UnitCatalog) -> None:
        self.session = session
        self.catalog = catalog
        self._cache: dict[str, Unit] = {}

    async def get(self, name: str) -> Unit:
        if name in self._cache:
            return self._cache[name]
        unit = await self.session.scalar(select(Unit).where(Unit.name == name))
        if unit is None:
            unit = Unit(name=name, is_group=self.catalog.is_group(name))
            self.session.add(unit)
            await self.session.flush()
        self._cache[name] = unit
        return unit

    async def sync_groups(self) -> None:
        for group_name in [name for name in self.catalog.units if self.catalog.is_group(name)]:
            group = await self.get(group_name)
            group.is_group = True
            wanted = {(await self.get(member)).id for member in self.catalog.members(group_name)}
            rows = await self.session.scalars(
                select(GroupMember).where(GroupMember.group_id == group.id)
            )
            have = {row.unit_id: row for row in rows}
            for unit_id in wanted - set(have):
                self.session.add(GroupMember(group_id=group.id, unit_id=unit_id))
            for unit_id in set(have) - wanted:
                await self.session.delete(have[unit_id])


async def _sync_assignments(
    session: AsyncSession, task: Task, units: _UnitRows
) -> tuple[int, int]:
    """Make the task's assignments match its lead and support cells; return (added, removed)."""
    wanted: dict[int, tuple[AssignmentRole, str | None]] = {}
    for role, names in ((AssignmentRole.LEAD, task.lead), (AssignmentRole.SUPPORT, task.support)):
        for name in names:
            via = name if units.catalog.is_group(name) else None
            for member in units.catalog.expand(name):
                unit = await units.get(member)
                # A unit that leads is not also supporting, even when a group names it again.
                wanted.setdefault(unit.id, (role, via))
    rows = {
        a.unit_id: a
        for a in await session.scalars(select(Assignment).where(Assignment.task_id == task.id))
    }
    added = removed = 0
    for unit_id, (role, via) in wanted.items():
        row = rows.get(unit_id)
        if row is None:
            session.add(Assignment(task_id=task.id, unit_id=unit_id, role=role, via_group=via))
            added += 1
        else:
            if not row.active:
                added += 1
            row.role, row.via_group, row.active = role, via, True
    for unit_id, row in rows.items():
        if unit_id not in wanted and row.active:
            row.active = False
            removed += 1
    return added, removed


async def apply_routine_every(session: AsyncSession, every: Every) -> int:
    """Give every stored "Thường xuyên" task the configured period; return how many changed.

    The period is the agency's choice, not the document's, so a change in the config applies
    to plans imported before it (at `nhacviec init`) without importing them again.
    """
    changed = 0
    for task in await session.scalars(select(Task).where(Task.removed.is_(False))):
        if task.schedule.get("kind") != "recurring" or not is_routine(task.when_text):
            continue
        wanted = Schedule.recurring(every).to_json()
        if task.schedule != wanted:
            task.schedule = wanted
            changed += 1
    return changed


async def current_plan(session: AsyncSession) -> Plan:
    """The plan the bot follows: the one imported last."""
    plan = await session.scalar(select(Plan).order_by(Plan.imported_at.desc(), Plan.id.desc()))
    if plan is None:
        raise NoPlan()
    return plan


async def has_plan(session: AsyncSession) -> bool:
    return await session.scalar(select(Plan.id).limit(1)) is not None


def task_schedule(task: Task) -> Schedule:
    """The schedule reminders and states use: an as_regulated task with a date is a deadline."""
    schedule = Schedule.from_json(task.schedule)
    if schedule.kind is ScheduleKind.AS_REGULATED and task.deadline_set is not None:
        return Schedule.as_regulated(task.deadline_set)
    return schedule


def plan_bounds(plan: Plan) -> tuple[date, date]:
    """The days reminders may fall on: from the plan's issue date to the end of its year."""
    start = plan.issued or date(plan.year, 1, 1)
    return start, date(plan.year, 12, 31)
