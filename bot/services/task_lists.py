"""The task lists `/status` shows, by state: the same for the full status and the summary.

`PlanStatus` (every assignment, for the reports) and `PlanSummary` (counts, for the chat) hold
different rows per task, but pick overdue, due-soon, undated and finished tasks alike.
"""

from __future__ import annotations

from typing import Generic, Protocol, TypeVar

from bot.domain.model import State, StateKind


class _HasState(Protocol):
    @property
    def no(self) -> int: ...

    @property
    def state(self) -> State: ...


T = TypeVar("T", bound=_HasState)


class TaskLists(Generic[T]):
    """Selections over `tasks` by state; a slotted dataclass subclass provides `tasks`."""

    __slots__ = ()
    tasks: tuple[T, ...]

    def task(self, no: int) -> T | None:
        return next((t for t in self.tasks if t.no == no), None)

    @property
    def done(self) -> int:
        return sum(1 for t in self.tasks if t.state.kind.is_done)

    @property
    def overdue(self) -> tuple[T, ...]:
        """Overdue tasks, the most overdue first."""
        late = [t for t in self.tasks if t.state.kind is StateKind.OVERDUE]
        return tuple(sorted(late, key=lambda t: (-t.state.days, t.no)))

    @property
    def due_soon(self) -> tuple[T, ...]:
        return tuple(t for t in self.tasks if t.state.kind is StateKind.DUE_SOON)

    @property
    def no_date(self) -> tuple[T, ...]:
        """Tasks still waiting for the Office to give them a date."""
        return tuple(t for t in self.tasks if t.state.kind is StateKind.NO_DATE)

    @property
    def finished(self) -> tuple[T, ...]:
        return tuple(t for t in self.tasks if t.state.kind.is_done)
