"""Storing plans side by side: tasks, units, group members and one assignment per unit that owes a
task; each plan's key, end and state.

Importing the same plan number again updates that plan in place: tasks and assignments keep their
ids, so every confirmation and every outbox row stays attached to what it confirmed or reminded.
Importing another number adds a plan and never touches the others.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.model import AssignmentRole, Every, ParsedPlan, Schedule, ScheduleKind
from bot.domain.plans import PlanState, choose_key, derive_end, is_valid_key, plan_state
from bot.domain.timeexpr import is_routine
from bot.domain.units import UnitCatalog
from bot.services.audit import record
from bot.services.errors import DateOutOfRange, KeyTaken, NoPlan, UnknownPlan, WhichPlan
from bot.services.reminder_dates import park_plan, recompute_plan, recompute_tasks
from bot.store.models import Assignment, GroupMember, Plan, Task, Unit


@dataclass
class ImportSummary:
    plan_id: int
    number: str
    created: bool
    key: str = ""
    end: date | None = None
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
    key: str | None = None,
) -> ImportSummary:
    """Insert or update a plan and everything that hangs off it, in the caller's transaction.

    `key` chooses the plan's key (`import --key`); without it a new plan gets its number's head
    (`-YYYY` added on a clash) and an updated plan keeps the key people already type.
    """
    plan = await session.scalar(select(Plan).where(Plan.number == parsed.number))
    created = plan is None
    year = parsed.year or now.year
    chosen = await _key_for(session, plan, parsed, key)
    if plan is None:
        plan = Plan(number=parsed.number)
        session.add(plan)
    plan.key = chosen
    plan.issued = parsed.issued
    plan.title = parsed.title
    plan.year = year
    plan.source = source
    plan.imported_at = now
    plan.end_derived = derive_end(
        parsed.issued, year, parsed.title, (task.schedule for task in parsed.tasks)
    )
    await session.flush()

    summary = ImportSummary(
        plan.id,
        plan.number,
        created,
        key=plan.key,
        end=plan.end,
        source=source,
        warnings=list(parsed.warnings),
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
        task.label = parsed_task.label or str(parsed_task.no)
        task.section = parsed_task.section
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
            task.lead_units = task.support_units = 0
            summary.tasks_removed += 1
            for assignment in await session.scalars(
                select(Assignment).where(Assignment.task_id == task.id)
            ):
                assignment.active = False
    await session.flush()
    await recompute_plan(session, plan.id)
    return summary


class _UnitRows:
    """Unit rows by name, created on first use; group members kept in step with the config.

    A province's group may hold thousands of units: their rows are read and created in bulk
    (`load`), not one query and one flush per name.
    """

    #: Names per `IN (…)` query: well under SQLite's and asyncpg's bound-parameter limits.
    CHUNK = 900

    def __init__(self, session: AsyncSession, catalog: UnitCatalog) -> None:
        self.session = session
        self.catalog = catalog
        self._cache: dict[str, Unit] = {}

    async def load(self, names: Iterable[str]) -> None:
        """Read the rows of `names` and create the missing ones, with one insert for all."""
        wanted = list(dict.fromkeys(name for name in names if name not in self._cache))
        await self._read(wanted)
        missing = [name for name in wanted if name not in self._cache]
        if not missing:
            return
        # One executemany; the new ids are read back by name (an ORM add would insert row by
        # row on SQLite to learn each id).
        await self.session.execute(
            insert(Unit), [{"name": n, "is_group": self.catalog.is_group(n)} for n in missing]
        )
        await self._read(missing)

    async def _read(self, names: list[str]) -> None:
        for start in range(0, len(names), self.CHUNK):
            chunk = names[start : start + self.CHUNK]
            for unit in await self.session.scalars(select(Unit).where(Unit.name.in_(chunk))):
                self._cache[unit.name] = unit

    async def get(self, name: str) -> Unit:
        if name not in self._cache:
            await self.load([name])
        return self._cache[name]

    async def sync_groups(self) -> None:
        groups = [name for name in self.catalog.units if self.catalog.is_group(name)]
        await self.load(
            [*groups, *(member for group in groups for member in self.catalog.members(group))]
        )
        for group_name in groups:
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
    new_rows = []
    for unit_id, (role, via) in wanted.items():
        row = rows.get(unit_id)
        if row is None:
            new_rows.append(
                {"task_id": task.id, "unit_id": unit_id, "role": role.value, "via_group": via}
            )
            added += 1
        else:
            if not row.active:
                added += 1
            row.role, row.via_group, row.active = role, via, True
    for unit_id, row in rows.items():
        if unit_id not in wanted and row.active:
            row.active = False
            removed += 1
    if new_rows:  # one executemany, not an insert per unit
        await session.execute(insert(Assignment), new_rows)
    task.lead_units = sum(role is AssignmentRole.LEAD for role, _ in wanted.values())
    task.support_units = len(wanted) - task.lead_units
    return added, removed


async def recount_units(session: AsyncSession, plan_id: int) -> None:
    """Set the plan's stored unit counts from its assignments: for rows written around
    `store_plan` (bulk loads); `store_plan` keeps them itself."""
    counts = ((Task.lead_units, AssignmentRole.LEAD), (Task.support_units, AssignmentRole.SUPPORT))
    for column, role in counts:
        count = (
            select(func.count())
            .where(
                Assignment.task_id == Task.id,
                Assignment.active.is_(True),
                Assignment.role == role.value,
            )
            .scalar_subquery()
        )
        await session.execute(update(Task).where(Task.plan_id == plan_id).values({column: count}))


async def apply_routine_every(session: AsyncSession, every: Every) -> int:
    """Give every stored "Thường xuyên" task the configured period; return how many changed.

    The period is the agency's choice, not the document's, so a change in the config applies
    to plans imported before it (at `nhacviec init`) without importing them again.
    """
    changed: list[int] = []
    for task in await session.scalars(select(Task).where(Task.removed.is_(False))):
        if task.schedule.get("kind") != "recurring" or not is_routine(task.when_text):
            continue
        wanted = Schedule.recurring(every).to_json()
        if task.schedule != wanted:
            task.schedule = wanted
            changed.append(task.id)
    await session.flush()
    await recompute_tasks(session, changed)
    return len(changed)


async def _key_for(
    session: AsyncSession, plan: Plan | None, parsed: ParsedPlan, wanted: str | None
) -> str:
    others = [
        row
        for row in await session.execute(
            select(Plan.key, Plan.number).where(Plan.key.is_not(None))
        )
        if row.number != parsed.number
    ]
    if wanted is not None:
        if not is_valid_key(wanted):
            raise ValueError(
                f"--key {wanted!r}: use letters, digits and '-' only, at most 32 (e.g. 187-2023)"
            )
        clash = next((row for row in others if row.key.casefold() == wanted.casefold()), None)
        if clash is not None:
            raise KeyTaken(clash.key, clash.number)
        return wanted
    if plan is not None and plan.key:
        return plan.key
    return choose_key(parsed.number, parsed.issued, (row.key for row in others))


async def all_plans(session: AsyncSession) -> list[Plan]:
    """Every stored plan, oldest issue first."""
    return list(await session.scalars(select(Plan).order_by(Plan.issued, Plan.id)))


async def followed_plans(session: AsyncSession) -> list[Plan]:
    """The plans not closed by the Office: the ones reminded and meant by a bare task number."""
    return list(
        await session.scalars(
            select(Plan).where(Plan.closed_at.is_(None)).order_by(Plan.issued, Plan.id)
        )
    )


async def find_plan(session: AsyncSession, key: str) -> Plan:
    """The plan with this key (any case); UnknownPlan naming the keys that exist."""
    plans = await all_plans(session)
    if not plans:
        raise NoPlan()
    wanted = key.strip().casefold()
    for plan in plans:
        if plan.key.casefold() == wanted:
            return plan
    raise UnknownPlan(key.strip()[:40], tuple(plan.key for plan in plans))


async def one_plan(session: AsyncSession, key: str | None) -> Plan:
    """The plan a command is about: the one named, or the only one followed when none is."""
    if key:
        return await find_plan(session, key)
    followed = await followed_plans(session)
    if len(followed) == 1:
        return followed[0]
    plans = followed or await all_plans(session)
    if not plans:
        raise NoPlan()
    if len(plans) == 1:
        return plans[0]
    raise WhichPlan(tuple(plan.key for plan in plans))


@dataclass(frozen=True)
class PlanChange:
    """What `close`, `reopen` or `--end` did, for the reply."""

    key: str
    number: str
    end: date
    changed: bool


async def set_end(
    session: AsyncSession, key: str | None, end: date, *, now: datetime
) -> PlanChange:
    """The Office sets the plan's last day; reminders of recurring tasks run to it."""
    plan = await one_plan(session, key)
    if end < plan.start:
        raise DateOutOfRange(end)
    changed = plan.end_set != end
    previous = plan.end
    plan.end_set = end
    await recompute_plan(session, plan.id)
    await record(
        session,
        now,
        "cli",
        "plan_end",
        plan.number,
        {"end": end.isoformat(), "previous": previous.isoformat()},
    )
    return PlanChange(plan.key, plan.number, plan.end, changed)


async def set_closed(
    session: AsyncSession, key: str, closed: bool, *, now: datetime, actor: str
) -> PlanChange:
    """Close a plan (every reminder stops; its status and reports stay) or open it again."""
    plan = await find_plan(session, key)
    changed = (plan.closed_at is None) == closed
    if changed:
        plan.closed_at = now if closed else None
        await (park_plan if closed else recompute_plan)(session, plan.id)
        action = "plan_close" if closed else "plan_reopen"
        await record(session, now, actor, action, plan.number, {"key": plan.key})
    return PlanChange(plan.key, plan.number, plan.end, changed)


def state_of(plan: Plan, today: date) -> PlanState:
    return plan_state(plan.closed_at is not None, plan.end, today)


async def refresh_end(session: AsyncSession, plan: Plan) -> None:
    """Recompute the end the plan's tasks reach (after a date was set or moved)."""
    tasks = list(
        await session.scalars(select(Task).where(Task.plan_id == plan.id, Task.removed.is_(False)))
    )
    # A unit's own extension reaches as far as the task's: the plan runs until it is due.
    extended = await session.scalars(
        select(Assignment.due_extended).where(
            Assignment.task_id.in_([task.id for task in tasks]),
            Assignment.active.is_(True),
            Assignment.due_extended.is_not(None),
        )
    )
    schedules = [task_schedule(task) for task in tasks]
    schedules += [Schedule.deadline(day) for day in extended]
    before = plan.end
    plan.end_derived = derive_end(plan.issued, plan.year, plan.title, schedules)
    if plan.end != before:  # every task's overdue reminders and periods run to the end
        await recompute_plan(session, plan.id)


async def has_plan(session: AsyncSession) -> bool:
    return await session.scalar(select(Plan.id).limit(1)) is not None


def task_schedule(task: Task) -> Schedule:
    """The schedule reminders and states use: a task the Office gave a date is a deadline, and
    one whose date the Office extended for every unit is due on the extended date."""
    schedule = original_schedule(task)
    if task.due_extended is not None and schedule.has_date:
        return replace(schedule, due=task.due_extended)
    return schedule


def original_schedule(task: Task) -> Schedule:
    """The schedule before any extension: the plan's own, or the date the Office set."""
    schedule = Schedule.from_json(task.schedule)
    no_date = (ScheduleKind.AS_REGULATED, ScheduleKind.UNKNOWN)
    if schedule.kind in no_date and task.deadline_set is not None:
        return Schedule.as_regulated(task.deadline_set)
    return schedule


def plan_bounds(plan: Plan) -> tuple[date, date]:
    """The plan's span: from its issue date to its end (derived, or set by the Office)."""
    return plan.start, plan.end
