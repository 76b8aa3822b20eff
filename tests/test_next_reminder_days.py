"""The stored next-reminder day against the policy itself: never later than the subject's next
reminder (a later day would lose it), and exactly it wherever nothing changes in between.

Each scenario is replayed morning by morning through `plan_reminders`, with the previous
morning as `since`, as the tick does; the days on which a subject gets a reminder (sent or
recorded as skipped) are its timeline. Then, for every working morning T, `next_reminder_days`
asked at T must name the first day of that timeline after T.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta

import pytest

from bot.domain.model import Every, Schedule
from bot.store.reminder_days import NEVER
from scheduler.calendar import WorkingCalendar
from scheduler.policy import (
    AssignmentFacts,
    ConfirmationFacts,
    next_reminder_days,
    plan_reminders,
)
from scheduler.settings import ReminderSettings
from tests.plan_facts import facts_of_187

CALENDAR = WorkingCalendar()
START = date(2022, 2, 7)
END = date(2022, 12, 31)
DEFAULTS = ReminderSettings()
UNITS = ("Phòng Tổ chức cán bộ", "Phòng Kế hoạch - Tài chính", "Thanh tra Sở")


def facts_187(start: date = START, end: date = END, imported: date | None = None) -> list:
    return facts_of_187(UNITS, start, end, imported)


def timelines(
    facts: list[AssignmentFacts],
    confirmations: list[ConfirmationFacts],
    settings: ReminderSettings,
    first: date,
    last: date,
) -> dict[tuple[str, int], list[date]]:
    """Subject → the mornings it gets a reminder, sent or skipped, ticking every morning."""
    seen: dict[tuple[str, int], list[date]] = {}
    since: datetime | None = None
    day = first
    while day <= last:
        if CALENDAR.is_working_day(day):
            now = datetime.combine(day, time(8, 0))
            result = plan_reminders(facts, confirmations, CALENDAR, settings, now, since)
            for reminder in result.due + result.skipped:
                subject = (
                    ("a", reminder.assignment_id)
                    if reminder.assignment_id is not None
                    else ("t", reminder.task_id)
                )
                days = seen.setdefault(subject, [])
                if reminder.slot > (since.date() if since else date.min) and day not in days:
                    days.append(day)
            since = now
        day += timedelta(days=1)
    return seen


def check(
    facts: list[AssignmentFacts],
    confirmations: list[ConfirmationFacts],
    settings: ReminderSettings = DEFAULTS,
    *,
    exact: bool = True,
) -> int:
    """Compare every morning's stored days with the timelines; return how many were compared."""
    first = min(f.plan_start for f in facts) - timedelta(days=20)
    last = max(f.plan_end for f in facts) + timedelta(days=settings.overdue_days_after_end + 20)
    seen = timelines(facts, confirmations, settings, first, last)
    compared = 0
    late: list[str] = []
    early: list[str] = []
    day = first
    while day <= last:
        if CALENDAR.is_working_day(day):
            found = next_reminder_days(facts, confirmations, CALENDAR, settings, day)
            stored = {("a", k): v for k, v in found.assignments.items()}
            stored |= {("t", k): v for k, v in found.tasks.items()}
            for subject, value in stored.items():
                truth = next((d for d in seen.get(subject, ()) if d > day), NEVER)
                compared += 1
                if value > truth:
                    late.append(f"{subject} at {day}: stored {value}, reminded {truth}")
                elif value < truth and exact:
                    early.append(f"{subject} at {day}: stored {value}, reminded {truth}")
        day += timedelta(days=1)
    assert not late, "\n".join(late[:20])
    assert not early, "\n".join(early[:20])
    return compared


def test_plan_187_nobody_confirms() -> None:
    assert check(facts_187(), []) > 10_000


def test_plan_187_everyone_confirms_on_time() -> None:
    facts = facts_187()
    confirmations = []
    for fact in facts:
        schedule = fact.schedule
        if schedule.due is not None and schedule.kind.value != "recurring":
            confirmations.append(ConfirmationFacts(fact.assignment_id, "", schedule.due))
    # Confirmations change the timelines from their day on: the stored day may be early then
    # (a look that finds nothing), never late.
    check(facts, confirmations, exact=False)


def test_recurring_periods_confirmed_ahead_are_passed_over() -> None:
    facts = [f for f in facts_187() if f.task_no in (4, 5, 9)]
    confirmations = [
        ConfirmationFacts(f.assignment_id, period, START)
        for f in facts
        if f.unit == UNITS[0]
        for period in ("2022-Q2", "2022-Q3")
    ]
    check(facts, confirmations)


def test_snoozes_move_the_day_past_them() -> None:
    facts = facts_187()
    held = [
        replace(fact, snoozed_until=date(2022, 2, 7) + timedelta(days=9 * index))
        if index % 3 == 0
        else fact
        for index, fact in enumerate(facts)
    ]
    check(held, [])


def test_one_unit_extended_alone_keeps_its_own_days() -> None:
    facts = facts_187()
    task_2 = facts[[f.task_no for f in facts].index(2)].schedule
    own = replace(task_2, due=date(2022, 10, 14))
    changed = [
        replace(fact, schedule=own) if fact.task_no == 2 and fact.unit == UNITS[1] else fact
        for fact in facts
    ]
    check(changed, [])


def test_a_plan_issued_mid_year_ending_early_imported_late() -> None:
    check(facts_187(date(2022, 5, 18), date(2022, 9, 30), imported=date(2022, 6, 3)), [])


@pytest.mark.parametrize(
    "settings",
    [
        ReminderSettings(remind_support=True),
        ReminderSettings(before_days=(10, 2), overdue_daily_working_days=2),
        ReminderSettings(escalate_after_working_days=8, period_closing_days=10),
        ReminderSettings(needs_deadline_every=Every.QUARTER, overdue_days_after_end=5),
    ],
    ids=["support", "short-rhythm", "late-escalation", "quarterly-ask"],
)
def test_other_rhythms(settings: ReminderSettings) -> None:
    check(facts_187(), [], settings)


def test_monthly_and_multi_year_recurring_tasks() -> None:
    base = facts_187()[0]
    schedules = [
        Schedule.recurring(Every.MONTH),
        replace(Schedule.recurring(Every.MONTH), start=date(2022, 4, 10), end=date(2023, 2, 20)),
        Schedule.recurring(Every.WEEK),
        Schedule.recurring(Every.HALF_YEAR),
        Schedule.recurring(Every.YEAR),
    ]
    facts = [
        replace(
            base,
            assignment_id=index + 1,
            task_id=index + 1,
            task_no=index + 1,
            schedule=s,
            plan_end=date(2023, 3, 31),
        )
        for index, s in enumerate(schedules)
    ]
    check(facts, [])
