"""The chat's view of a plan read as SQL aggregates: counts per task and state, first units.

Within one task every assignment shares the task's schedule and current period, so a unit's
state follows from its standing confirmation for that period (confirmed on which day, verified
or not) or, without one, from the task's own schedule (the unit's own date when the Office
extended it for that unit alone). So the database answers with counts, never a row per unit:

- the units per (task, role): kept on the task by the import; those with an own extended date
  are read through a partial index and counted apart;
- the standing confirmations per (task, role, own date, day confirmed, verified), read from the
  confirmations' side; the units not confirmed are the difference;
- the owing units of the registered units (people are few): the unregistered by difference;
- the first ten owing units of each task: a walk of its index in assignment order, LIMITed,
  all of a plan's walks in one statement, and only where names are shown.

The states are then worded by the same functions as the full computation (`bot.services.status`)
once per group, so the two agree; `tests/test_aggregates.py` holds them equal on varied plans on
both databases.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy import (
    ColumnElement,
    Integer,
    and_,
    case,
    exists,
    func,
    literal,
    literal_column,
    select,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.model import AssignmentRole, Schedule, ScheduleKind, State, StateKind
from bot.domain.periods import Period, periods_between
from bot.domain.plans import address
from bot.domain.states import assignment_state, due_date, task_state
from bot.reports.data import MISSED, PeriodCounts
from bot.services.plans import original_schedule, plan_bounds, state_of, task_schedule
from bot.services.status import current_period, recurring_span, registered_unit_ids_query
from bot.services.summary import (
    FIRST,
    FirstUnits,
    PlanSummary,
    TaskSummary,
    state_counts,
)
from bot.store.models import Assignment, Confirmation, Plan, Task, Unit

LEAD = AssignmentRole.LEAD.value
SUPPORT = AssignmentRole.SUPPORT.value


@dataclass(frozen=True, slots=True)
class _TaskFrame:
    """What one task's states depend on, worked out once in Python before the queries."""

    task: Task
    schedule: Schedule
    period: Period | None

    @property
    def key(self) -> str:
        return self.period.key if self.period else ""


async def plan_summary(
    session: AsyncSession,
    plan: Plan,
    today: date,
    *,
    due_soon_days: int = 7,
    several_plans: bool = False,
    verify: bool = False,
    chart: bool = False,
    unregistered: bool = False,
    first_units: bool = True,
) -> PlanSummary:
    """One plan as the chat shows it, the same as `summarize(plan_status(...))`.

    What only some views show is read when asked for: `chart`, the chart's period counts of
    recurring tasks; `unregistered`, the lead units with nobody registered (the one-plan
    overview and the digest; without it `unregistered_leads` is None); `first_units`, the
    names of each task's first owing units (a list of plans shows counts only: without it the
    owing lists hold their counts and no name).
    """
    tasks = list(
        await session.scalars(
            select(Task).where(Task.plan_id == plan.id, Task.removed.is_(False)).order_by(Task.no)
        )
    )
    summaries = await task_summaries(
        session,
        plan,
        tasks,
        today,
        due_soon_days=due_soon_days,
        several_plans=several_plans,
        verify=verify,
        chart=chart,
        first_units=first_units,
    )
    start, end = plan_bounds(plan)
    return PlanSummary(
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
        tasks=summaries,
        several_plans=several_plans,
        unregistered_leads=(
            await _unregistered_leads(session, _frames(plan, tasks, today))
            if unregistered
            else None
        ),
    )


async def task_summaries(
    session: AsyncSession,
    plan: Plan,
    tasks: Sequence[Task],
    today: date,
    *,
    due_soon_days: int = 7,
    several_plans: bool = False,
    verify: bool = False,
    chart: bool = False,
    first_units: bool = True,
) -> tuple[TaskSummary, ...]:
    """The summaries of `tasks` (of one plan), in the order given (`first_units`: see
    `plan_summary`)."""
    if not tasks:
        return ()
    frames = _frames(plan, tasks, today)
    totals = await _totals(session, frames)
    confirmed_now = await _confirmed(session, frames)
    registered_owing = await _registered_owing(session, frames)
    history = await _lead_confirmations(session, frames)
    counted = []
    for frame in frames:
        task_id = frame.task.id
        state_of_row = _RowStates(frame, today, due_soon_days, verify)
        counts: dict[str, Counter[State]] = {LEAD: Counter(), SUPPORT: Counter()}
        owing_count = 0
        for (role, due), total in totals.get(task_id, {}).items():
            schedule = frame.schedule if due is None else _own(frame.schedule, due)
            states = counts[LEAD if role == LEAD else SUPPORT]
            for (confirmed_on, verified), count in confirmed_now.get(
                (task_id, role, due), {}
            ).items():
                states[state_of_row(schedule, confirmed_on, verified)] += count
                total -= count
            if total > 0:
                states[state_of_row(schedule, None, False)] += total
                owing_count += total if role == LEAD else 0
        silent_count = owing_count - registered_owing.get(task_id, 0)
        counted.append((frame, counts, owing_count, silent_count))
    wanted = [
        (frame, silent)
        for frame, _, owing_count, silent_count in counted
        for silent, count in ((False, owing_count), (True, silent_count))
        if count and first_units
    ]
    names = await _first_owing(session, wanted)
    out = []
    for frame, counts, owing_count, silent_count in counted:
        task_id = frame.task.id
        leads = counts[LEAD]
        lead_total = sum(leads.values())
        confirmed = history.get(task_id, {})
        out.append(
            _summary(
                plan,
                frame,
                several_plans,
                leads=leads,
                supports=counts[SUPPORT],
                owing=FirstUnits(names.get((task_id, False), ()), owing_count),
                owing_unregistered=FirstUnits(names.get((task_id, True), ()), silent_count),
                missed=_missed(plan, frame, lead_total, confirmed, today),
                periods=(
                    _period_counts(plan, frame, lead_total, confirmed, today, due_soon_days)
                    if chart
                    else ()
                ),
            )
        )
    return tuple(out)


@dataclass(frozen=True, slots=True)
class _RowStates:
    """A unit's state from its standing confirmation, as `status.task_status_of` words it."""

    frame: _TaskFrame
    today: date
    due_soon_days: int
    verify: bool

    def __call__(self, schedule: Schedule, confirmed_on: date | None, verified: bool) -> State:
        return assignment_state(
            schedule,
            confirmed_on,
            self.today,
            due_soon_days=self.due_soon_days,
            period=self.frame.period,
            awaiting=self.verify and confirmed_on is not None and not verified,
        )


def _summary(
    plan: Plan,
    frame: _TaskFrame,
    several_plans: bool,
    *,
    leads: Counter[State],
    supports: Counter[State],
    owing: FirstUnits,
    owing_unregistered: FirstUnits,
    missed: int,
    periods: tuple[PeriodCounts, ...],
) -> TaskSummary:
    task, schedule = frame.task, frame.schedule
    extended = task.due_extended is not None and schedule.due == task.due_extended
    lead_states = list(leads)  # task_state reads kinds and extremes: one of each state will do
    return TaskSummary(
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
        period=frame.period,
        due=due_date(schedule, frame.period),
        state=task_state(lead_states) if lead_states else State(StateKind.NO_DATE),
        missed_periods=missed,
        original_due=original_schedule(task).due if extended else None,
        extension_reason=(task.extension_reason or "") if extended else "",
        lead_states=state_counts(leads),
        support_count=sum(supports.values()),
        support_done=sum(c for state, c in supports.items() if state.kind.is_done),
        owing=owing,
        owing_unregistered=owing_unregistered,
        periods=periods,
    )


def _frames(plan: Plan, tasks: Sequence[Task], today: date) -> list[_TaskFrame]:
    frames = []
    for task in tasks:
        schedule = task_schedule(task)
        frames.append(_TaskFrame(task, schedule, current_period(schedule, today, plan)))
    return frames


def _own(schedule: Schedule, due: date) -> Schedule:
    """One unit's own extended date, as `status._own_schedule` applies it."""
    return replace(schedule, due=due) if schedule.has_date else schedule


def _period_key(frames: Sequence[_TaskFrame]) -> ColumnElement[str]:
    """Each assignment's task's current period key, as SQL (one-off tasks: "")."""
    keys = {f.task.id: f.key for f in frames if f.key}
    if not keys:
        return literal("")
    return case(keys, value=Assignment.task_id, else_=literal(""))


def _standing(
    frames: Sequence[_TaskFrame], *, from_confirmations: bool = False
) -> ColumnElement[bool]:
    """The confirmation that stands for an assignment's current period (at most one does)."""
    return and_(
        _same_assignment(from_confirmations),
        Confirmation.undone_at.is_(None),
        Confirmation.period == _period_key(frames),
    )


def _same_assignment(from_confirmations: bool) -> ColumnElement[bool]:
    """A confirmation's assignment. `from_confirmations`: a join the database must walk from
    the confirmations: `+ 0` on the key (and, in the callers, on the task id) leaves it no
    index but the assignments' primary key. Without it SQLite, which keeps no statistics,
    walks every assignment of the plan (or of the table) and probes each for a confirmation;
    so the read grows with the confirmations, not with the assignments. PostgreSQL plans by
    its statistics; `+ 0` changes nothing there."""
    if from_confirmations:
        return Confirmation.assignment_id + 0 == Assignment.id
    return Confirmation.assignment_id == Assignment.id


def _registered() -> ColumnElement[bool]:
    """The assignment's unit has somebody registered (few units: the set is small)."""
    return Assignment.unit_id.in_(registered_unit_ids_query())


async def _totals(
    session: AsyncSession, frames: Sequence[_TaskFrame]
) -> dict[int, dict[tuple[str, date | None], int]]:
    """Per task: how many active units per (role, own extended date).

    The counts per role are kept on the task by the import; only the units with a date of their
    own are read, by a partial index, and taken out of their role's count."""
    out: dict[int, dict[str, int]] = {
        f.task.id: {LEAD: f.task.lead_units, SUPPORT: f.task.support_units} for f in frames
    }
    rows = await session.execute(
        select(Assignment.task_id, Assignment.role, Assignment.due_extended, func.count())
        .where(
            Assignment.task_id.in_([f.task.id for f in frames]),
            Assignment.due_extended.is_not(None),
            Assignment.active.is_(True),
        )
        .group_by(Assignment.task_id, Assignment.role, Assignment.due_extended)
    )
    totals: dict[int, dict[tuple[str, date | None], int]] = defaultdict(dict)
    for task_id, role, due, count in rows:
        totals[task_id][(role, due)] = count
        out[task_id][role] -= count
    for task_id, per_role in out.items():
        for role, count in per_role.items():
            if count:
                totals[task_id][(role, None)] = count
    return totals


async def _confirmed(
    session: AsyncSession, frames: Sequence[_TaskFrame]
) -> dict[tuple[int, str, date | None], dict[tuple[date, bool], int]]:
    """The standing confirmations of each task's current period, counted per (role, own date)
    and (day confirmed, verified): read from the confirmations, so it grows with them."""
    verified = Confirmation.verified_at.is_not(None)
    rows = await session.execute(
        select(
            Assignment.task_id,
            Assignment.role,
            Assignment.due_extended,
            Confirmation.confirmed_on,
            verified,
            func.count(),
        )
        .select_from(Confirmation)
        .join(Assignment, _standing(frames, from_confirmations=True))
        .where(
            (Assignment.task_id + 0).in_([f.task.id for f in frames]),
            Assignment.active.is_(True),
        )
        .group_by(
            Assignment.task_id,
            Assignment.role,
            Assignment.due_extended,
            Confirmation.confirmed_on,
            verified,
        )
    )
    out: dict[tuple[int, str, date | None], dict[tuple[date, bool], int]] = defaultdict(dict)
    for task_id, role, due, confirmed_on, is_verified, count in rows:
        out[(task_id, role, due)][(confirmed_on, bool(is_verified))] = count
    return out


async def _registered_owing(session: AsyncSession, frames: Sequence[_TaskFrame]) -> dict[int, int]:
    """Per task, the lead units that owe it and have somebody registered: read from the
    registered units' assignments (people are few), so the others are counted by difference."""
    rows = await session.execute(
        select(Assignment.task_id, func.count())
        .where(
            _registered(),
            # `+ 0`: walk the registered units' assignments by their unit, not every
            # assignment of the plan's tasks (SQLite would pick the task index otherwise).
            (Assignment.task_id + 0).in_([f.task.id for f in frames]),
            Assignment.active.is_(True),
            Assignment.role == LEAD,
            ~exists().where(_standing(frames)),
        )
        .group_by(Assignment.task_id)
    )
    return {task_id: count for task_id, count in rows}


#: Walks per statement in `_first_owing`: under SQLite's 500 terms of a compound SELECT.
WALKS_PER_STATEMENT = 200


async def _first_owing(
    session: AsyncSession, wanted: Sequence[tuple[_TaskFrame, bool]]
) -> dict[tuple[int, bool], tuple[str, ...]]:
    """The first owing units of each (task, silent) in `wanted` (`silent`: of those with nobody
    registered), by task id and flag.

    Per task, a walk of its assignments in id order that stops at the tenth: the cost follows
    what is shown, not how many units the task has. The walks go as one UNION ALL, one round
    trip for a plan's tasks instead of two per task.
    """
    out: dict[tuple[int, bool], list[tuple[int, str]]] = defaultdict(list)
    for start in range(0, len(wanted), WALKS_PER_STATEMENT):
        walks = []
        for frame, silent in wanted[start : start + WALKS_PER_STATEMENT]:
            walk = (
                select(
                    literal_column(str(int(frame.task.id)), Integer).label("task_id"),
                    literal_column("1" if silent else "0", Integer).label("silent"),
                    Assignment.id.label("assignment_id"),
                    Unit.name.label("name"),
                )
                .select_from(Assignment)
                .join(Unit, Unit.id == Assignment.unit_id)
                .where(
                    Assignment.task_id == frame.task.id,
                    Assignment.active.is_(True),
                    Assignment.role == LEAD,
                    ~exists().where(_standing([frame])),
                )
                .order_by(Assignment.id)
                .limit(FIRST)
            )
            if silent:
                walk = walk.where(~_registered())
            walks.append(select(walk.subquery()))  # each walk keeps its ORDER BY … LIMIT
        if not walks:
            continue
        for task_id, silent, assignment_id, name in await session.execute(union_all(*walks)):
            out[(task_id, bool(silent))].append((assignment_id, name))
    return {key: tuple(name for _, name in sorted(rows)) for key, rows in out.items()}


async def _lead_confirmations(
    session: AsyncSession, frames: Sequence[_TaskFrame]
) -> dict[int, dict[str, Counter[date]]]:
    """Recurring tasks: per task and period, the lead units' standing confirmations by day."""
    recurring = [f.task.id for f in frames if _is_recurring(f.schedule)]
    if not recurring:
        return {}
    rows = await session.execute(
        select(Assignment.task_id, Confirmation.period, Confirmation.confirmed_on, func.count())
        .select_from(Confirmation)
        .join(
            Assignment,
            and_(_same_assignment(from_confirmations=True), Confirmation.undone_at.is_(None)),
        )
        .where(
            (Assignment.task_id + 0).in_(recurring),
            Assignment.active.is_(True),
            Assignment.role == LEAD,
            Confirmation.undone_at.is_(None),
        )
        .group_by(Assignment.task_id, Confirmation.period, Confirmation.confirmed_on)
    )
    out: dict[int, dict[str, Counter[date]]] = defaultdict(lambda: defaultdict(Counter))
    for task_id, period, confirmed_on, count in rows:
        out[task_id][period][confirmed_on] += count
    return out


def _is_recurring(schedule: Schedule) -> bool:
    return schedule.kind is ScheduleKind.RECURRING and schedule.every is not None


def _missed(
    plan: Plan,
    frame: _TaskFrame,
    leads: int,
    confirmed: dict[str, Counter[date]],
    today: date,
) -> int:
    """Lead unit-periods that ended before today unconfirmed, as `status._missed_periods`."""
    schedule = frame.schedule
    if not _is_recurring(schedule):
        return 0
    assert schedule.every is not None
    start, end = recurring_span(schedule, plan)
    periods = periods_between(schedule.every, start, min(end, today), schedule.month)
    return sum(
        leads - sum(confirmed.get(p.key, Counter()).values()) for p in periods if p.end < today
    )


def _period_counts(
    plan: Plan,
    frame: _TaskFrame,
    leads: int,
    confirmed: dict[str, Counter[date]],
    today: date,
    due_soon_days: int,
) -> tuple[PeriodCounts, ...]:
    """The chart's cells of a recurring task, as `report_data._task_row` makes its rows:
    the plan's periods up to today, each unit's state in it, "missed" once it ended unconfirmed.
    """
    schedule = frame.schedule
    if not _is_recurring(schedule):
        return ()
    assert schedule.every is not None
    first, end = plan_bounds(plan)
    last = max(first, min(end, today))
    out = []
    for period in periods_between(schedule.every, first, last, schedule.month):
        counts: Counter[str] = Counter()
        days = confirmed.get(period.key, Counter())
        for confirmed_on, count in days.items():
            state = assignment_state(schedule, confirmed_on, today, period=period)
            counts[state.kind.value] += count
        open_units = leads - sum(days.values())
        if open_units > 0:
            state = assignment_state(
                schedule, None, today, due_soon_days=due_soon_days, period=period
            )
            counts[MISSED if period.end < today else state.kind.value] += open_units
        out.append(PeriodCounts(period.end, tuple(sorted(counts.items()))))
    return tuple(out)


async def _unregistered_leads(session: AsyncSession, frames: Sequence[_TaskFrame]) -> FirstUnits:
    """Lead units owing something in the plan with nobody registered: how many, and the first.

    In the order of `plan_status`: the units owing the most tasks first, then as first met
    (task by task, assignment by assignment).
    """
    if not frames:
        return FirstUnits()
    no = case({f.task.id: f.task.no for f in frames}, value=Assignment.task_id)
    owing = (
        select(Assignment.unit_id, Assignment.id.label("assignment_id"), no.label("no"))
        .where(
            Assignment.task_id.in_([f.task.id for f in frames]),
            Assignment.active.is_(True),
            Assignment.role == LEAD,
            ~exists().where(_standing(frames)),
            ~_registered(),
        )
        .subquery()
    )
    per_unit = (
        select(owing.c.unit_id, func.count().label("tasks"), func.min(owing.c.no).label("first"))
        .group_by(owing.c.unit_id)
        .subquery()
    )
    total = await session.scalar(select(func.count()).select_from(per_unit))
    if not total:
        return FirstUnits()
    first_id = func.min(owing.c.assignment_id)
    rows = await session.execute(
        select(Unit.name)
        .select_from(per_unit)
        .join(
            owing,
            and_(owing.c.unit_id == per_unit.c.unit_id, owing.c.no == per_unit.c.first),
        )
        .join(Unit, Unit.id == per_unit.c.unit_id)
        .group_by(per_unit.c.unit_id, Unit.name, per_unit.c.tasks, per_unit.c.first)
        .order_by(per_unit.c.tasks.desc(), per_unit.c.first, first_id)
        .limit(FIRST)
    )
    return FirstUnits(tuple(rows.scalars()), total)
