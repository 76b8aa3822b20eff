"""States of assignments and tasks, as Vietnamese e-office systems name them.

`/status`, the report and the reminders all say "Sắp đến hạn" or "Quá hạn 3 ngày" the same way
because they all ask this module. Days are calendar days: that is how a deadline is read.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from bot.domain.model import Schedule, ScheduleKind, State, StateKind
from bot.domain.periods import Period, period_of

# Open states from the most to the least urgent: a task shows its most urgent assignment.
# Waiting for verification comes last: the task waits on the Office, not on a unit.
_OPEN_URGENCY = (
    StateKind.OVERDUE,
    StateKind.DUE_SOON,
    StateKind.NOT_DUE,
    StateKind.NO_DATE,
    StateKind.AWAITING,
)


def due_date(schedule: Schedule, period: Period | None = None) -> date | None:
    """Return the last day that counts as on time, or None when there is no date yet.

    A recurring task is due at the end of its period; `period` names which one (None: none).
    """
    if schedule.kind is ScheduleKind.RECURRING:
        return period.end if period is not None else None
    if schedule.kind is ScheduleKind.UNKNOWN:
        return None
    return schedule.due


def assignment_state(
    schedule: Schedule,
    confirmed_on: date | None,
    today: date,
    *,
    due_soon_days: int = 7,
    period: Period | None = None,
    awaiting: bool = False,
) -> State:
    """Return an assignment's state on `today`.

    For a recurring task `period` is the period asked about (default: the one holding `today`) and
    `confirmed_on` is that period's confirmation. `awaiting`: the confirmation still waits for
    verification (`[workflow] verify`), so the state is "Chờ duyệt" rather than done.
    """
    if period is None and schedule.kind is ScheduleKind.RECURRING and schedule.every is not None:
        period = period_of(schedule.every, today, schedule.month)
    due = due_date(schedule, period)
    if confirmed_on is not None and awaiting:
        return State(StateKind.AWAITING)
    if confirmed_on is not None:
        if due is None or confirmed_on <= due:
            return State(StateKind.DONE_ON_TIME)
        return State(StateKind.DONE_LATE, (confirmed_on - due).days)
    if due is None:
        return State(StateKind.NO_DATE)
    days_left = (due - today).days
    if days_left < 0:
        return State(StateKind.OVERDUE, -days_left)
    if days_left <= due_soon_days:
        return State(StateKind.DUE_SOON, days_left)
    return State(StateKind.NOT_DUE, days_left)


def task_state(lead_states: Sequence[State]) -> State:
    """Return a task's state from its lead assignments' states.

    Complete only when every lead unit is done (late if any was late, by the latest one);
    otherwise the most urgent open state: the Office chases the unit furthest behind.
    """
    if not lead_states:
        return State(StateKind.NO_DATE)
    if all(state.kind.is_done for state in lead_states):
        late = [state.days for state in lead_states if state.kind is StateKind.DONE_LATE]
        return State(StateKind.DONE_LATE, max(late)) if late else State(StateKind.DONE_ON_TIME)
    for kind in _OPEN_URGENCY:
        days = [state.days for state in lead_states if state.kind is kind]
        if days:
            # Overdue: the longest overdue; due soon / not due: the nearest due.
            return State(kind, max(days) if kind is StateKind.OVERDUE else min(days))
    raise AssertionError("unreachable: every state is done or open")
