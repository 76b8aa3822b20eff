"""What the chat shows of a plan: counts per task and state, and the first units of each list.

`/status`, `/status N` (a large task), `/plans` and the chart never show more than ten units of
a list, so they need not hold every assignment: a `PlanSummary` holds the counts and the first
units, read by SQL aggregates (`bot.services.aggregates`) whose cost does not grow with the
number of assignments. The reports, `status --json` and the .xlsx keep the full `PlanStatus`.

`summarize` derives the same summary from a full `PlanStatus`: the tests compare the two, and a
view handed a full status (the CLI, the demo) summarises it first, so both paths word the same
text.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import overload

from bot.domain.model import Schedule, State
from bot.domain.periods import Period
from bot.domain.plans import PlanState
from bot.fit import UNITS_AT_MOST
from bot.reports.data import PeriodCounts
from bot.services.status import PlanStatus, TaskStatus
from bot.services.task_lists import TaskLists

#: How many units of a list a summary keeps: what `bot.fit.unit_list` shows before "và N khác".
FIRST = UNITS_AT_MOST


@dataclass(frozen=True, slots=True)
class FirstUnits(Sequence[str]):
    """The first units of a list and how many the list holds in all.

    `len()` is the whole list's length while indexing and iteration see only the first units:
    exactly what `bot.fit.unit_list` reads (`units[:10]` and `len(units)`) to write
    "A, B … và 9.987 đơn vị khác".
    """

    shown: tuple[str, ...] = ()
    total: int = 0

    @classmethod
    def of(cls, units: Sequence[str], first: int = FIRST) -> FirstUnits:
        return cls(tuple(units[:first]), len(units))

    def __len__(self) -> int:
        return self.total

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[str, ...]: ...
    def __getitem__(self, index: int | slice) -> str | tuple[str, ...]:
        return self.shown[index]

    def __iter__(self) -> Iterator[str]:
        return iter(self.shown)

    def __contains__(self, unit: object) -> bool:
        return unit in self.shown


@dataclass(frozen=True, slots=True)
class TaskSummary:
    """A task as the chat shows it: its header, its state, counts, and the first owing units."""

    task_id: int
    no: int
    address: str
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
    missed_periods: int
    original_due: date | None
    extension_reason: str
    #: Lead units per state (`9.997 Quá hạn 22 ngày · 3 Hoàn thành quá hạn`).
    lead_states: tuple[tuple[State, int], ...]
    support_count: int
    support_done: int
    #: Lead units that owe the task now (no confirmation stands), first by assignment.
    owing: FirstUnits
    #: Those of `owing` whose unit has nobody registered.
    owing_unregistered: FirstUnits
    #: The chart's cells of a recurring task (empty for other tasks, and when not asked for).
    periods: tuple[PeriodCounts, ...] = field(default=(), compare=False)

    @property
    def lead_count(self) -> int:
        return sum(count for _, count in self.lead_states)

    @property
    def done_count(self) -> int:
        return sum(count for state, count in self.lead_states if state.kind.is_done)

    @property
    def assignment_count(self) -> int:
        return self.lead_count + self.support_count


@dataclass(frozen=True, slots=True)
class PlanSummary(TaskLists[TaskSummary]):
    """A plan as the chat shows it: `PlanStatus`'s fields, with `TaskSummary`s."""

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
    tasks: tuple[TaskSummary, ...]
    several_plans: bool = False
    #: Lead units owing here with nobody registered, those owing the most tasks first; None
    #: when not read (only the one-plan overview shows them).
    unregistered_leads: FirstUnits | None = None


def state_counts(states: Counter[State]) -> tuple[tuple[State, int], ...]:
    """Counts in one canonical order, so two summaries of the same plan compare equal."""
    return tuple(sorted(states.items(), key=lambda item: (item[0].kind.value, item[0].days)))


def summarize_task(task: TaskStatus, unregistered: frozenset[str] = frozenset()) -> TaskSummary:
    """A full task status cut down to what the chat shows."""
    leads = task.leads
    supports = task.supports
    owing = task.owing
    return TaskSummary(
        task_id=task.task_id,
        no=task.no,
        address=task.address,
        label=task.label,
        section=task.section,
        content=task.content,
        when=task.when,
        lead=task.lead,
        support=task.support,
        schedule=task.schedule,
        period=task.period,
        due=task.due,
        state=task.state,
        missed_periods=task.missed_periods,
        original_due=task.original_due,
        extension_reason=task.extension_reason,
        lead_states=state_counts(Counter(a.state for a in leads)),
        support_count=len(supports),
        support_done=sum(1 for a in supports if a.done),
        owing=FirstUnits.of(owing),
        owing_unregistered=FirstUnits.of([u for u in owing if u in unregistered]),
    )


def summarize(status: PlanStatus) -> PlanSummary:
    """A full plan status cut down to what the chat shows (the same as the SQL aggregates)."""
    unregistered = frozenset(status.unregistered_leads)
    return PlanSummary(
        plan_id=status.plan_id,
        key=status.key,
        number=status.number,
        title=status.title,
        issued=status.issued,
        year=status.year,
        start=status.start,
        end=status.end,
        state=status.state,
        today=status.today,
        tasks=tuple(summarize_task(t, unregistered) for t in status.tasks),
        several_plans=status.several_plans,
        unregistered_leads=FirstUnits.of(status.unregistered_leads),
    )


def as_summary(status: PlanSummary | PlanStatus) -> PlanSummary:
    """The views read summaries; a full status (the CLI, the demo, a test) is summarised."""
    return summarize(status) if isinstance(status, PlanStatus) else status
