"""A deadline the Office extended for one unit only: that unit is timed by its own date.

Task 2 of plan 187 is due 24/08/2022 for three departments; the Office gives Phòng Kế hoạch -
Tài chính until 15/09/2022 (`/giahan 2 15/09/2022 @KH-TC`). The facts of that assignment carry
their own schedule; the others keep the task's.
"""

from dataclasses import replace
from datetime import date

from bot.domain.model import AssignmentRole, Schedule
from scheduler.calendar import WorkingCalendar
from scheduler.policy import AssignmentFacts, ReminderKind, plan_reminders
from tests.test_policy import DEFAULTS, FACTS, PLAN_187, PLAN_END, PLAN_START, at, tick

KHTC = "Phòng Kế hoạch - Tài chính"
EXTENDED = Schedule.deadline(date(2022, 9, 15))


def extended_facts(first_extended: bool = False) -> list[AssignmentFacts]:
    """Plan 187's facts with KH-TC's part of task 2 due 15/09/2022 (optionally listed first)."""
    facts = [
        replace(f, schedule=EXTENDED) if f.task_no == 2 and f.unit == KHTC else f for f in FACTS
    ]
    if first_extended:
        mine = [f for f in facts if f.task_no == 2 and f.unit == KHTC]
        facts = mine + [f for f in facts if f not in mine]
    return facts


def kinds(result, unit: str, no: int = 2) -> set[ReminderKind]:
    return {r.kind for r in result.due if r.unit == unit and r.task_no == no}


def test_the_extended_unit_is_not_overdue_when_the_others_are() -> None:
    for first_extended in (False, True):  # whichever fact comes first, each keeps its own date
        facts = extended_facts(first_extended)
        on_due = tick(at(date(2022, 8, 24)), facts=facts)
        assert kinds(on_due, "Phòng Tổ chức cán bộ") == {ReminderKind.DUE_TODAY}
        assert kinds(on_due, KHTC) == set()  # 22 days left: no reminder that morning
        after = tick(at(date(2022, 8, 25)), facts=facts)
        assert kinds(after, "Phòng Tổ chức cán bộ") == {ReminderKind.OVERDUE}
        assert kinds(after, KHTC) == set()
        # Its own rhythm: 7 days before 15/09 is Thursday 08/09.
        assert kinds(tick(at(date(2022, 9, 8)), facts=facts), KHTC) == {ReminderKind.UPCOMING}
        assert kinds(tick(at(date(2022, 9, 15)), facts=facts), KHTC) == {ReminderKind.DUE_TODAY}
        assert kinds(tick(at(date(2022, 9, 16)), facts=facts), KHTC) == {ReminderKind.OVERDUE}


def test_the_escalation_names_only_units_past_their_own_date() -> None:
    facts = extended_facts()
    first = tick(at(date(2022, 8, 29)), facts=facts)  # third working day after 24/08
    [escalation] = [r for r in first.due if r.kind is ReminderKind.ESCALATION and r.task_no == 2]
    assert KHTC not in escalation.owing_units
    assert escalation.owing_units == ("Phòng Tổ chức cán bộ", "Phòng Giáo dục Trung học")
    later = tick(at(date(2022, 9, 20)), facts=facts)  # third working day after 15/09
    escalations = [r for r in later.due if r.kind is ReminderKind.ESCALATION and r.task_no == 2]
    assert {r.owing_units for r in escalations} == {
        ("Phòng Tổ chức cán bộ", "Phòng Giáo dục Trung học"),
        (KHTC,),
    }


def test_100000_assignments_with_some_units_extended() -> None:
    """Splitting a task by schedule addresses each unit by its own date, at any size.

    Speed is bench/'s to measure: the common case (no unit extended) costs one identity check
    per assignment, and only a task with own dates is grouped.
    """
    schedules = [schedule for schedule, _, _ in PLAN_187.values()]
    facts = [
        AssignmentFacts(
            n,
            task,
            task,
            f"Đơn vị {n}",
            AssignmentRole.LEAD,
            schedules[task - 1],
            PLAN_START,
            PLAN_END,
        )
        for task in range(1, 11)
        for n in range(task * 100_000, task * 100_000 + 10_000)
    ]
    # One unit in ten of task 2 (due 24/08/2022) has until 15/09/2022.
    own = Schedule.deadline(date(2022, 9, 15))
    extended = {f.assignment_id for f in facts if f.task_id == 2 and f.assignment_id % 10 == 0}
    facts = [replace(f, schedule=own) if f.assignment_id in extended else f for f in facts]
    result = plan_reminders(facts, [], WorkingCalendar(), DEFAULTS, at(date(2022, 8, 25)))
    overdue = {r.assignment_id for r in result.due if r.task_no == 2 and r.assignment_id}
    assert len(overdue) == 10_000 - len(extended) == 9_000
    assert not overdue & extended
    # The escalation waits for the third working day overdue.
    assert not [r for r in result.due if r.task_no == 2 and r.kind is ReminderKind.ESCALATION]
