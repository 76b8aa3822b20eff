"""Plan 187's whole year, replayed through the policy morning by morning: how many reminders
each unit gets when it never confirms, and when it always confirms on time.

The plan is read from the bundled document as `nhacviec init` reads it, so `Thường xuyên` is
quarterly (`routine_every`). Its group lead `Các phòng thuộc Sở` stands for one department here
(each member owes the same, separately). Every working morning of 2022 and 2023 at 08:00 the
policy is asked, with the previous morning as `since`, and each reminder is kept once, as the
outbox would. A unit that confirms does so after the morning's reminder: the policy sees a
confirmation from the next morning on.
"""

from collections import Counter
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain.model import AssignmentRole, ScheduleKind
from bot.domain.periods import periods_between
from scheduler.calendar import WorkingCalendar
from scheduler.policy import (
    AssignmentFacts,
    ConfirmationFacts,
    DueReminder,
    PolicyResult,
    plan_reminders,
)
from scheduler.settings import ReminderSettings
from tests.plan_facts import PLAN_187, facts_of_187

VN = ZoneInfo("Asia/Ho_Chi_Minh")
CALENDAR = WorkingCalendar()
SETTINGS = ReminderSettings()
PLAN_START = date(2022, 2, 7)  # the issue date
PLAN_END = date(2022, 12, 31)
CUT_OFF = date(2023, 1, 30)  # the plan's end + 30 days: the last day anything may be due

ISO = "Ban ISO Sở"
LEADERS = "Lãnh đạo Sở"
DEPARTMENT = "Phòng Tổ chức cán bộ"  # standing for "Các phòng thuộc Sở"
OFFICE = "office"  # task-level: the Office's ask for a date
OVERSIGHT = "oversight"  # task-level: the escalation to the Office and Ban ISO


def facts() -> list[AssignmentFacts]:
    assert PLAN_187.issued == PLAN_START
    return facts_of_187((DEPARTMENT,), PLAN_START, PLAN_END)


FACTS = facts()


def on_time(assignments: list[AssignmentFacts]) -> list[ConfirmationFacts]:
    """Every lead confirms on the due day, and each period on its first working day in the plan."""
    out = []
    for fact in assignments:
        schedule = fact.schedule
        if fact.role is not AssignmentRole.LEAD:
            continue
        if schedule.kind is ScheduleKind.RECURRING:
            assert schedule.every is not None
            for period in periods_between(schedule.every, PLAN_START, PLAN_END):
                day = CALENDAR.on_or_after(max(period.start, PLAN_START))
                out.append(ConfirmationFacts(fact.assignment_id, period.key, day))
        elif schedule.due is not None:
            out.append(ConfirmationFacts(fact.assignment_id, "", schedule.due))
    return out  # task 10 has no date: nobody can be on time for it


Ticks = list[tuple[date, PolicyResult]]


def replay(confirmations: list[ConfirmationFacts]) -> tuple[list[DueReminder], Ticks]:
    """Tick every working morning of 2022 and 2023; return what was sent and each tick."""
    sent: dict[tuple[object, ...], DueReminder] = {}
    results: Ticks = []
    since = None
    day = date(2022, 1, 1)
    while day <= date(2023, 12, 31):
        if CALENDAR.is_working_day(day):
            now = datetime(day.year, day.month, day.day, 8, tzinfo=VN)
            known = [c for c in confirmations if c.confirmed_on < day]
            result = plan_reminders(FACTS, known, CALENDAR, SETTINGS, now, since)
            for r in result.due:
                sent.setdefault((r.kind, r.slot, r.task_id, r.assignment_id), r)
            results.append((day, result))
            since = now
        day += timedelta(days=1)
    return list(sent.values()), results


def per_task(sent: list[DueReminder]) -> dict[tuple[int, str, str], int]:
    counts = Counter((r.task_no, r.unit or r.audience.value, r.kind.value) for r in sent)
    return dict(sorted(counts.items()))


def per_unit(sent: list[DueReminder]) -> dict[tuple[str, str], int]:
    counts = Counter((r.unit or r.audience.value, r.kind.value) for r in sent)
    return dict(sorted(counts.items()))


def mornings(sent: list[DueReminder]) -> dict[str, int]:
    """How many mornings each unit hears anything: one merged message per person per morning."""
    return dict(Counter(unit for unit, _ in {(r.unit or r.audience.value, r.slot) for r in sent}))


# Dated tasks: 14, 7, 3 and 1 days before due and the due day, each moved to the working day on
# or before it, and dropped before 07/02/2022 or when it lands on a nearer reminder's day;
# windows also when they open. Overdue: the first 5 working days after due, then the first
# working day of each week up to 30/01/2023 (a Monday, 31/12/2022 + 30 days): 02/01/2023 is off
# (New Year), so 03/01, and Tết 2023 (20-26/01) leaves Friday 27/01 for its week.
# Quarterly tasks: each quarter's first working day and 3 days before its end. Q1's opening
# (04/01) is before the plan, so Q1 has only its closing one (28/03): 3 openings (01/04,
# 01/07, 03/10) and 4 closings (28/03, 27/06, 27/09, 28/12).
NEVER_CONFIRMED = {
    # Task 1, due Wed 09/02: 14, 7 and 3 days before fall before the plan (7 and 3 in Tết);
    # 1 day before (08/02). Overdue daily 10, 11, 14, 15, 16/02, then the first working day of
    # 50 weeks, 21/02/2022 .. 30/01/2023.
    (1, ISO, "due_today"): 1,
    (1, ISO, "overdue"): 5 + 50,
    (1, ISO, "upcoming"): 1,
    (1, OVERSIGHT, "escalation"): 1,  # 14/02, the 3rd working day overdue
    # Task 2, due Wed 24/08: 10/08, 17/08, 19/08 (21/08 is a Sunday), 23/08, then the due day.
    # Overdue daily 25, 26, 29, 30, 31/08, then weekly 05/09 .. 30/01/2023: 22 weeks.
    (2, DEPARTMENT, "due_today"): 1,
    (2, DEPARTMENT, "overdue"): 5 + 22,
    (2, DEPARTMENT, "upcoming"): 4,
    (2, OVERSIGHT, "escalation"): 1,
    # Task 3, due Sun 04/09 with 01-02/09 off: 1 and 3 days before and the due day all land on
    # 31/08, one due-day reminder; 19/08 and 26/08 before it. Overdue 05-09/09, then Mondays
    # 12/09 .. 30/01/2023: 21 weeks.
    (3, ISO, "due_today"): 1,
    (3, ISO, "overdue"): 5 + 21,
    (3, ISO, "upcoming"): 2,
    (3, OVERSIGHT, "escalation"): 1,
    # Quarterly, see above.
    (4, DEPARTMENT, "period_closing"): 4,
    (4, DEPARTMENT, "period_open"): 3,
    (5, DEPARTMENT, "period_closing"): 4,
    (5, DEPARTMENT, "period_open"): 3,
    # Task 6, window 01/06 .. Sat 30/07: opens 01/06; 15/07, 22/07, 27/07; the due day moves to
    # Fri 29/07, where 1 day before lands too. Overdue 01-05/08, then Mondays 08/08 .. 30/01:
    # 26 weeks. Both lead units, each on its own.
    (6, ISO, "due_today"): 1,
    (6, ISO, "opens"): 1,
    (6, ISO, "overdue"): 5 + 26,
    (6, ISO, "upcoming"): 3,
    (6, LEADERS, "due_today"): 1,
    (6, LEADERS, "opens"): 1,
    (6, LEADERS, "overdue"): 5 + 26,
    (6, LEADERS, "upcoming"): 3,
    (6, OVERSIGHT, "escalation"): 1,
    # Task 7, window 01/08 .. Thu 15/09: opens 01/08; 31/08 (14 days before is 01/09, off),
    # 08/09, 12/09, 14/09; due 15/09. Overdue 16, 19, 20, 21, 22/09, then 26/09 .. 30/01: 19.
    (7, ISO, "due_today"): 1,
    (7, ISO, "opens"): 1,
    (7, ISO, "overdue"): 5 + 19,
    (7, ISO, "upcoming"): 4,
    (7, LEADERS, "due_today"): 1,
    (7, LEADERS, "opens"): 1,
    (7, LEADERS, "overdue"): 5 + 19,
    (7, LEADERS, "upcoming"): 4,
    (7, OVERSIGHT, "escalation"): 1,
    # Task 8, due Thu 29/09: 15/09, 22/09, 26/09, 28/09, 29/09. Overdue 30/09, 03-06/10, then
    # Mondays 10/10 .. 30/01: 17.
    (8, ISO, "due_today"): 1,
    (8, ISO, "overdue"): 5 + 17,
    (8, ISO, "upcoming"): 4,
    (8, LEADERS, "due_today"): 1,
    (8, LEADERS, "overdue"): 5 + 17,
    (8, LEADERS, "upcoming"): 4,
    (8, OVERSIGHT, "escalation"): 1,
    (9, DEPARTMENT, "period_closing"): 4,
    (9, DEPARTMENT, "period_open"): 3,
    # Task 10 has no date: the Office is asked at import (07/02, also February's first working
    # day after Tết), then on the first working day of March .. December: 01/03, 01/04, 04/05,
    # 01/06, 01/07, 01/08, 05/09, 03/10, 01/11, 01/12. Nothing once the plan has ended.
    (10, OFFICE, "needs_deadline"): 1 + 10,
}

# On time, each dated task keeps its reminders up to and including the due day and nothing
# after; each quarter gets its opening reminder and no closing one (Q1, confirmed on 07/02,
# nothing at all); nobody is escalated; the Office is still asked for task 10's date.
ALWAYS_ON_TIME = {
    (1, ISO, "due_today"): 1,
    (1, ISO, "upcoming"): 1,
    (2, DEPARTMENT, "due_today"): 1,
    (2, DEPARTMENT, "upcoming"): 4,
    (3, ISO, "due_today"): 1,
    (3, ISO, "upcoming"): 2,
    (4, DEPARTMENT, "period_open"): 3,
    (5, DEPARTMENT, "period_open"): 3,
    (6, ISO, "due_today"): 1,
    (6, ISO, "opens"): 1,
    (6, ISO, "upcoming"): 3,
    (6, LEADERS, "due_today"): 1,
    (6, LEADERS, "opens"): 1,
    (6, LEADERS, "upcoming"): 3,
    (7, ISO, "due_today"): 1,
    (7, ISO, "opens"): 1,
    (7, ISO, "upcoming"): 4,
    (7, LEADERS, "due_today"): 1,
    (7, LEADERS, "opens"): 1,
    (7, LEADERS, "upcoming"): 4,
    (8, ISO, "due_today"): 1,
    (8, ISO, "upcoming"): 4,
    (8, LEADERS, "due_today"): 1,
    (8, LEADERS, "upcoming"): 4,
    (9, DEPARTMENT, "period_open"): 3,
    (10, OFFICE, "needs_deadline"): 1 + 10,
}


@pytest.fixture(scope="module")
def never() -> tuple[list[DueReminder], Ticks]:
    return replay([])


@pytest.fixture(scope="module")
def always() -> tuple[list[DueReminder], Ticks]:
    return replay(on_time(FACTS))


def test_a_unit_that_never_confirms(never: tuple[list[DueReminder], Ticks]) -> None:
    sent, _ = never
    assert per_task(sent) == NEVER_CONFIRMED
    assert per_unit(sent) == {
        (ISO, "due_today"): 5,
        (ISO, "opens"): 2,
        (ISO, "overdue"): 55 + 26 + 31 + 24 + 22,  # tasks 1, 3, 6, 7, 8
        (ISO, "upcoming"): 1 + 2 + 3 + 4 + 4,
        (LEADERS, "due_today"): 3,
        (LEADERS, "opens"): 2,
        (LEADERS, "overdue"): 31 + 24 + 22,  # tasks 6, 7, 8
        (LEADERS, "upcoming"): 3 + 4 + 4,
        (DEPARTMENT, "due_today"): 1,
        (DEPARTMENT, "overdue"): 27,
        (DEPARTMENT, "period_closing"): 12,
        (DEPARTMENT, "period_open"): 9,
        (DEPARTMENT, "upcoming"): 4,
        (OFFICE, "needs_deadline"): 11,
        (OVERSIGHT, "escalation"): 6,  # tasks 1, 2, 3, 6, 7, 8
    }
    # A department late with task 2 hears from the bot on 38 mornings of the plan (it was 102):
    # task 2's 32 and the 7 quarterly days tasks 4, 5 and 9 share, less Monday 03/10, both.
    assert mornings(sent)[DEPARTMENT] == 38


def test_a_unit_that_always_confirms_on_time(
    always: tuple[list[DueReminder], Ticks],
) -> None:
    sent, _ = always
    assert per_task(sent) == ALWAYS_ON_TIME
    assert per_unit(sent) == {
        (ISO, "due_today"): 5,
        (ISO, "opens"): 2,
        (ISO, "upcoming"): 14,
        (LEADERS, "due_today"): 3,
        (LEADERS, "opens"): 2,
        (LEADERS, "upcoming"): 11,
        (DEPARTMENT, "due_today"): 1,
        (DEPARTMENT, "period_open"): 9,
        (DEPARTMENT, "upcoming"): 4,
        (OFFICE, "needs_deadline"): 11,
    }
    # Task 2's five mornings and the three quarters' openings, shared by tasks 4, 5 and 9.
    assert mornings(sent) == {ISO: 19, LEADERS: 15, DEPARTMENT: 5 + 3, OFFICE: 11}


@pytest.mark.parametrize("scenario", ["never", "always"])
def test_nothing_after_the_cut_off_and_nothing_skipped(
    scenario: str, request: pytest.FixtureRequest
) -> None:
    sent, ticks = request.getfixturevalue(scenario)
    last = max(r.slot for r in sent)
    assert last == (CUT_OFF if scenario == "never" else date(2022, 12, 1))
    assert all(r.slot >= PLAN_START for r in sent)
    assert all(CALENDAR.is_working_day(r.slot) for r in sent)
    # Every working morning after 30/01/2023: nothing due, nothing missed, whatever is owed.
    after = [result for day, result in ticks if day > CUT_OFF]
    assert len(after) == 234  # the working days of 2023 from 31/01
    assert after == [PolicyResult([], [])] * len(after)
    # Ticked every working morning, so nothing was ever missed.
    assert [day for day, result in ticks if result.skipped] == []
