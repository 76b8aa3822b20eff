"""States as the Office reads them on /status: Chưa đến hạn, Sắp đến hạn, Quá hạn N ngày…"""

from datetime import date

import pytest

from bot.domain.model import Every, Schedule, State, StateKind
from bot.domain.periods import parse_period_key
from bot.domain.states import assignment_state, due_date, task_state

TASK_2 = Schedule.deadline(date(2022, 8, 24))  # "Trước 25/8/2022"
TASK_7 = Schedule.window(date(2022, 8, 1), date(2022, 9, 15))
MONTHLY = Schedule.recurring(Every.MONTH)


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2022, 8, 1), State(StateKind.NOT_DUE, 23)),
        (date(2022, 8, 16), State(StateKind.NOT_DUE, 8)),
        (date(2022, 8, 17), State(StateKind.DUE_SOON, 7)),
        (date(2022, 8, 24), State(StateKind.DUE_SOON, 0)),  # the due day is still on time
        (date(2022, 8, 25), State(StateKind.OVERDUE, 1)),
        (date(2022, 9, 5), State(StateKind.OVERDUE, 12)),  # calendar days, holidays included
    ],
)
def test_open_deadline(today: date, expected: State) -> None:
    assert assignment_state(TASK_2, None, today) == expected


def test_done_on_the_due_day_is_on_time_and_the_day_after_is_late() -> None:
    today = date(2022, 10, 1)
    assert assignment_state(TASK_2, date(2022, 8, 24), today) == State(StateKind.DONE_ON_TIME)
    assert assignment_state(TASK_2, date(2022, 8, 1), today) == State(StateKind.DONE_ON_TIME)
    assert assignment_state(TASK_2, date(2022, 8, 27), today) == State(StateKind.DONE_LATE, 3)


def test_window_is_due_at_its_end() -> None:
    assert due_date(TASK_7) == date(2022, 9, 15)
    assert assignment_state(TASK_7, None, date(2022, 9, 10)) == State(StateKind.DUE_SOON, 5)
    assert assignment_state(TASK_7, None, date(2022, 7, 1)).kind is StateKind.NOT_DUE


def test_due_soon_days_is_configurable() -> None:
    state = assignment_state(TASK_2, None, date(2022, 8, 14), due_soon_days=10)
    assert state == State(StateKind.DUE_SOON, 10)


def test_as_regulated_has_no_date_until_the_office_sets_one() -> None:
    today = date(2022, 12, 20)
    assert assignment_state(Schedule.as_regulated(), None, today) == State(StateKind.NO_DATE)
    assert assignment_state(Schedule.unknown(), None, today) == State(StateKind.NO_DATE)
    dated = Schedule.as_regulated(date(2022, 12, 15))
    assert assignment_state(dated, None, today) == State(StateKind.OVERDUE, 5)
    assert due_date(Schedule.unknown()) is None


def test_done_without_a_date_is_on_time() -> None:
    state = assignment_state(Schedule.as_regulated(), date(2022, 6, 1), date(2022, 7, 1))
    assert state == State(StateKind.DONE_ON_TIME)


def test_recurring_is_due_at_the_end_of_each_period() -> None:
    august = parse_period_key("2022-08")
    assert due_date(MONTHLY, august) == date(2022, 8, 31)
    assert due_date(MONTHLY) is None
    assert assignment_state(MONTHLY, None, date(2022, 8, 26), period=august) == State(
        StateKind.DUE_SOON, 5
    )
    # Without a period, the one holding today.
    assert assignment_state(MONTHLY, None, date(2022, 8, 2)) == State(StateKind.NOT_DUE, 29)
    # A missed period stays overdue when asked about it later.
    july = parse_period_key("2022-07")
    assert assignment_state(MONTHLY, None, date(2022, 8, 2), period=july) == State(
        StateKind.OVERDUE, 2
    )
    assert assignment_state(MONTHLY, date(2022, 8, 3), date(2022, 9, 1), period=july) == State(
        StateKind.DONE_LATE, 3
    )


def test_task_is_complete_only_when_every_lead_unit_is_done() -> None:
    done = State(StateKind.DONE_ON_TIME)
    assert task_state([done, done]) == done
    assert task_state([done, State(StateKind.DUE_SOON, 3)]) == State(StateKind.DUE_SOON, 3)
    assert task_state([State(StateKind.DONE_LATE, 2), done, State(StateKind.DONE_LATE, 5)]) == (
        State(StateKind.DONE_LATE, 5)
    )


def test_task_shows_its_most_urgent_open_assignment() -> None:
    states = [
        State(StateKind.NOT_DUE, 20),
        State(StateKind.OVERDUE, 2),
        State(StateKind.DUE_SOON, 4),
        State(StateKind.OVERDUE, 9),
        State(StateKind.DONE_ON_TIME),
    ]
    assert task_state(states) == State(StateKind.OVERDUE, 9)
    assert task_state(states[2:3] + states[:1]) == State(StateKind.DUE_SOON, 4)
    assert task_state([State(StateKind.NOT_DUE, 20), State(StateKind.NOT_DUE, 12)]) == State(
        StateKind.NOT_DUE, 12
    )


def test_task_without_a_date() -> None:
    assert task_state([State(StateKind.NO_DATE), State(StateKind.DONE_ON_TIME)]) == State(
        StateKind.NO_DATE
    )
    assert task_state([]) == State(StateKind.NO_DATE)
