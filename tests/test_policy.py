"""The reminder policy on plan 187/KH-SGDĐT: who hears what, on which morning.

The tests run the policy as the tick does and read the result as the people would: which unit
gets which task's reminder on which day, and what never arrives.
"""

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.model import AssignmentRole, Every, Schedule, ScheduleKind
from scheduler.calendar import WorkingCalendar
from scheduler.policy import (
    AssignmentFacts,
    Audience,
    ConfirmationFacts,
    DueReminder,
    PolicyResult,
    ReminderKind,
    plan_reminders,
)
from scheduler.settings import ReminderSettings

VN = ZoneInfo("Asia/Ho_Chi_Minh")
CALENDAR = WorkingCalendar()
DEFAULTS = ReminderSettings()

ISO = "Ban ISO Sở"
LEADERS = "Lãnh đạo Sở"
DEPARTMENTS = ("Phòng Tổ chức cán bộ", "Phòng Kế hoạch - Tài chính", "Phòng Giáo dục Trung học")
PLAN_START = date(2022, 2, 7)
PLAN_END = date(2022, 12, 31)

MONTHLY = Schedule.recurring(Every.MONTH)
# Plan 187's appendix: task number → (schedule, lead units, supporting units).
PLAN_187: dict[int, tuple[Schedule, tuple[str, ...], tuple[str, ...]]] = {
    1: (Schedule.deadline(date(2022, 2, 9)), (ISO,), DEPARTMENTS),
    2: (Schedule.deadline(date(2022, 8, 24)), DEPARTMENTS, (ISO,)),
    3: (Schedule.deadline(date(2022, 9, 4)), (ISO,), DEPARTMENTS),
    4: (MONTHLY, DEPARTMENTS, (ISO,)),
    5: (MONTHLY, DEPARTMENTS, (ISO,)),
    6: (Schedule.window(date(2022, 6, 1), date(2022, 7, 30)), (LEADERS, ISO), DEPARTMENTS),
    7: (Schedule.window(date(2022, 8, 1), date(2022, 9, 15)), (LEADERS, ISO), DEPARTMENTS),
    8: (Schedule.deadline(date(2022, 9, 29)), (LEADERS, ISO), DEPARTMENTS),
    9: (MONTHLY, DEPARTMENTS, (ISO,)),
    10: (Schedule.as_regulated(), (ISO,), (LEADERS, *DEPARTMENTS)),
}


def plan_facts(
    plan: dict[int, tuple[Schedule, tuple[str, ...], tuple[str, ...]]] = PLAN_187,
    plan_start: date = PLAN_START,
) -> list[AssignmentFacts]:
    """One assignment per (task, unit, role); task ids are 100 + the task number."""
    facts = []
    for no, (schedule, leads, supporters) in plan.items():
        for role, units in ((AssignmentRole.LEAD, leads), (AssignmentRole.SUPPORT, supporters)):
            for unit in units:
                facts.append(
                    AssignmentFacts(
                        assignment_id=len(facts) + 1,
                        task_id=100 + no,
                        task_no=no,
                        unit=unit,
                        role=role,
                        schedule=schedule,
                        plan_start=plan_start,
                        plan_end=PLAN_END,
                    )
                )
    return facts


FACTS = plan_facts()


def assignment(no: int, unit: str, facts: Sequence[AssignmentFacts] = FACTS) -> int:
    return next(f.assignment_id for f in facts if f.task_no == no and f.unit == unit)


def done(no: int, unit: str, on: date, period: str = "") -> ConfirmationFacts:
    return ConfirmationFacts(assignment(no, unit), period, on)


def at(day: date, hour: int = 8, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=VN)


def tick(
    now: datetime,
    confirmations: Sequence[ConfirmationFacts] = (),
    *,
    since: datetime | None = None,
    settings: ReminderSettings = DEFAULTS,
    facts: Sequence[AssignmentFacts] = FACTS,
) -> PolicyResult:
    return plan_reminders(facts, confirmations, settings.calendar(), settings, now, since)


def inbox(reminders: Iterable[DueReminder], unit: str) -> set[tuple[int, ReminderKind]]:
    """What one unit's contacts are told: (task number, kind)."""
    return {(r.task_no, r.kind) for r in reminders if r.unit == unit}


def every_morning(
    first: date,
    last: date,
    confirmations: Sequence[ConfirmationFacts] = (),
    *,
    settings: ReminderSettings = DEFAULTS,
    facts: Sequence[AssignmentFacts] = FACTS,
) -> list[DueReminder]:
    """Tick each day at 08:05 and keep each reminder once, as the outbox would."""
    sent: dict[tuple[object, ...], DueReminder] = {}
    day = first
    while day <= last:
        for r in tick(at(day, 8, 5), confirmations, settings=settings, facts=facts).due:
            sent.setdefault((r.kind, r.slot, r.task_id, r.assignment_id), r)
        day += timedelta(days=1)
    return list(sent.values())


def timeline(sent: Iterable[DueReminder], no: int, unit: str) -> list[tuple[date, str, int]]:
    return sorted(
        (r.slot, r.kind.value, r.days) for r in sent if r.task_no == no and r.unit == unit
    )


MONDAY = date(2022, 8, 1)
AUDIT_DONE = [done(6, LEADERS, date(2022, 7, 28)), done(6, ISO, date(2022, 7, 29))]


def test_monday_1_august_2022_at_8() -> None:
    result = tick(at(MONDAY), AUDIT_DONE)
    # Ban ISO: the plan for the year is still not reported; the remediation window opens.
    assert inbox(result.due, ISO) == {(1, ReminderKind.OVERDUE), (7, ReminderKind.OPENS)}
    overdue = next(r for r in result.due if r.task_no == 1 and r.unit == ISO)
    assert overdue.days == 173
    assert overdue.slot == MONDAY
    assert overdue.audience is Audience.UNIT
    assert not overdue.late
    assert inbox(result.due, LEADERS) == {(7, ReminderKind.OPENS)}
    for department in DEPARTMENTS:
        assert inbox(result.due, department) == {
            (4, ReminderKind.PERIOD_OPEN),
            (5, ReminderKind.PERIOD_OPEN),
            (9, ReminderKind.PERIOD_OPEN),
        }
    assert {r.period for r in result.due if r.kind is ReminderKind.PERIOD_OPEN} == {"2022-08"}
    # Task-level: task 1's escalation (long past, still owed) and task 10's weekly question.
    task_level = {(r.task_no, r.kind, r.audience) for r in result.due if r.assignment_id is None}
    assert task_level == {
        (1, ReminderKind.ESCALATION, Audience.OVERSIGHT),
        (10, ReminderKind.NEEDS_DEADLINE, Audience.OFFICE),
    }
    assert result.skipped == []


def test_an_unfinished_internal_audit_is_two_days_overdue_on_1_august() -> None:
    result = tick(at(MONDAY))
    overdue = {(r.unit, r.days) for r in result.due if r.task_no == 6}
    assert overdue == {(LEADERS, 2), (ISO, 2)}


def test_nothing_at_7_59() -> None:
    assert tick(at(MONDAY, 7, 59)) == PolicyResult([], [])
    assert tick(at(MONDAY, 7, 59), since=at(date(2022, 7, 25))) == PolicyResult([], [])


def test_now_in_any_time_zone_means_the_same_moment() -> None:
    in_utc = datetime(2022, 8, 1, 1, 0, tzinfo=UTC)  # 08:00 in Hà Nội
    assert tick(in_utc) == tick(at(MONDAY))
    assert tick(in_utc.astimezone(ZoneInfo("America/New_York"))) == tick(at(MONDAY))
    assert tick(datetime(2022, 8, 1, 0, 59, tzinfo=UTC)).due == []


def test_a_confirmed_assignment_gets_nothing_more() -> None:
    confirmations = [
        *AUDIT_DONE,
        done(1, ISO, date(2022, 3, 1)),
        done(4, DEPARTMENTS[0], MONDAY, "2022-08"),
    ]
    result = tick(at(MONDAY), confirmations)
    assert inbox(result.due, ISO) == {(7, ReminderKind.OPENS)}
    assert not [r for r in result.due if r.task_no == 1]  # no escalation either
    assert inbox(result.due, DEPARTMENTS[0]) == {
        (5, ReminderKind.PERIOD_OPEN),
        (9, ReminderKind.PERIOD_OPEN),
    }


def test_a_confirmation_dated_after_now_does_not_count_yet() -> None:
    later = [done(1, ISO, date(2022, 8, 2))]
    assert (1, ReminderKind.OVERDUE) in inbox(tick(at(MONDAY), later).due, ISO)


def test_what_a_department_hears_about_task_2() -> None:
    sent = every_morning(date(2022, 8, 1), date(2022, 8, 31))
    assert timeline(sent, 2, DEPARTMENTS[1]) == [
        (date(2022, 8, 10), "upcoming", 14),
        (date(2022, 8, 17), "upcoming", 7),
        (date(2022, 8, 19), "upcoming", 5),  # 21/8 is a Sunday: moved to Friday
        (date(2022, 8, 23), "upcoming", 1),
        (date(2022, 8, 24), "due_today", 0),
        (date(2022, 8, 25), "overdue", 1),
        (date(2022, 8, 26), "overdue", 2),
        (date(2022, 8, 29), "overdue", 5),
        (date(2022, 8, 30), "overdue", 6),
        (date(2022, 8, 31), "overdue", 7),
    ]
    assert timeline(sent, 2, ISO) == []  # a supporting unit is not reminded


def test_reminders_start_with_the_plan() -> None:
    sent = every_morning(date(2022, 1, 1), date(2022, 2, 14))
    assert timeline(sent, 1, ISO) == [
        (date(2022, 2, 8), "upcoming", 1),  # 14, 7 and 3 days before fell before 07/02
        (date(2022, 2, 9), "due_today", 0),
        (date(2022, 2, 10), "overdue", 1),
        (date(2022, 2, 11), "overdue", 2),
        (date(2022, 2, 14), "overdue", 5),
    ]


def test_national_day_2022_moves_reminders_to_31_august() -> None:
    sent = every_morning(date(2022, 8, 1), date(2022, 9, 9), AUDIT_DONE)
    # Task 3 is due Sunday 04/9, and 01/9-02/9 are off: the due day and 1 and 3 days before all
    # land on Wednesday 31/8, where people get one message, the due-day one.
    assert timeline(sent, 3, ISO)[:3] == [
        (date(2022, 8, 19), "upcoming", 16),  # 21/8 is a Sunday
        (date(2022, 8, 26), "upcoming", 9),  # so is 28/8
        (date(2022, 8, 31), "due_today", 4),
    ]
    assert timeline(sent, 3, ISO)[3] == (date(2022, 9, 5), "overdue", 1)
    # Task 7 is due 15/9; 14 days before is 01/9.
    assert (date(2022, 8, 31), "upcoming", 15) in timeline(sent, 7, ISO)
    assert all(r.slot not in (date(2022, 9, 1), date(2022, 9, 2)) for r in sent)


def test_tet_moves_reminders_to_the_friday_before() -> None:
    tet_deadline = {1: (Schedule.deadline(date(2022, 2, 7)), (ISO,), ())}
    facts = plan_facts(tet_deadline, plan_start=date(2022, 1, 4))
    sent = every_morning(date(2022, 1, 4), date(2022, 2, 7), facts=facts)
    # 7, 3 and 1 days before (31/1, 04/2, 06/2) fall in Tết: one reminder on Friday 28/1.
    assert timeline(sent, 1, ISO) == [
        (date(2022, 1, 24), "upcoming", 14),
        (date(2022, 1, 28), "upcoming", 10),
        (date(2022, 2, 7), "due_today", 0),
    ]


def test_nothing_is_due_on_a_day_off() -> None:
    day = date(2022, 1, 1)
    days_off = 0
    while day.year == 2022:
        if not CALENDAR.is_working_day(day):
            days_off += 1
            for hour in (8, 17):
                assert tick(at(day, hour), since=at(day - timedelta(days=7))) == PolicyResult(
                    [], []
                ), day
        day += timedelta(days=1)
    assert days_off > 104  # every weekend and the holidays were tried


def test_every_reminder_of_the_year_is_on_a_working_day() -> None:
    sent = every_morning(date(2022, 2, 1), date(2022, 12, 31))
    assert sent
    assert all(CALENDAR.is_working_day(r.slot) for r in sent)
    assert all(r.slot >= PLAN_START for r in sent)


def test_a_week_of_downtime_sends_one_late_reminder_each() -> None:
    since = at(date(2022, 7, 25), 8, 1)  # the last tick before the server went down
    result = tick(at(MONDAY, 9, 30), AUDIT_DONE, since=since)
    per_subject: dict[tuple[int, int | None], int] = {}
    for r in result.due:
        per_subject[(r.task_id, r.assignment_id)] = (
            per_subject.get((r.task_id, r.assignment_id), 0) + 1
        )
    assert set(per_subject.values()) == {1}
    assert all(r.late for r in result.due)
    # Ban ISO's task 1, long overdue, is reminded on Mondays only: last Monday's went out before
    # the server went down, so there is nothing older to record for it.
    assert timeline(result.skipped, 1, ISO) == []
    # July's closing reminder of the monthly tasks is recorded, superseded by August's opening.
    assert timeline(result.skipped, 4, DEPARTMENTS[0]) == [
        (date(2022, 7, 28), "period_closing", 3)
    ]
    sent_keys = {(r.kind, r.slot, r.assignment_id) for r in result.due}
    assert all((r.kind, r.slot, r.assignment_id) not in sent_keys for r in result.skipped)
    assert all(date(2022, 7, 25) < r.slot < MONDAY for r in result.skipped)


def test_late_only_after_the_grace_period() -> None:
    assert not any(r.late for r in tick(at(MONDAY, 8, 15)).due if r.slot == MONDAY)
    assert all(r.late for r in tick(at(MONDAY, 8, 16)).due)
    grace = ReminderSettings(late_grace_minutes=60)
    assert not any(r.late for r in tick(at(MONDAY, 8, 16), settings=grace).due if r.slot == MONDAY)


def test_escalation_once_after_three_working_days_naming_who_still_owes() -> None:
    confirmations = [done(8, LEADERS, date(2022, 9, 29))]
    sent = every_morning(date(2022, 9, 20), date(2022, 10, 31), confirmations)
    escalations = [r for r in sent if r.kind is ReminderKind.ESCALATION and r.task_no == 8]
    # Due Thursday 29/9; overdue working days 30/9, 03/10, 04/10.
    assert len(escalations) == 1
    escalation = escalations[0]
    assert escalation.slot == date(2022, 10, 4)
    assert escalation.owing_units == (ISO,)
    assert escalation.audience is Audience.OVERSIGHT
    assert escalation.assignment_id is None
    assert escalation.days == 5
    assert not [
        r
        for r in tick(at(date(2022, 10, 3))).due
        if r.kind is ReminderKind.ESCALATION and r.task_no == 8
    ]


def test_no_escalation_when_every_lead_reported_in_time() -> None:
    confirmations = [done(8, LEADERS, date(2022, 9, 29)), done(8, ISO, date(2022, 10, 3))]
    sent = every_morning(date(2022, 9, 20), date(2022, 10, 31), confirmations)
    assert not [r for r in sent if r.task_no == 8 and r.kind is ReminderKind.ESCALATION]
    # Reported on Monday 03/10 before the tick: Friday's reminder was the last one.
    assert max(r.slot for r in sent if r.task_no == 8) == date(2022, 9, 30)


def test_monthly_task_closing_reminder_only_while_unconfirmed() -> None:
    first, second = DEPARTMENTS[0], DEPARTMENTS[1]
    confirmations = [done(4, first, date(2022, 8, 2), "2022-08")]
    sent = every_morning(date(2022, 8, 1), date(2022, 9, 30), confirmations)
    # 3 days before 31/8 is Sunday 28/8: the closing reminder comes on Friday 26/8.
    assert timeline(sent, 4, second) == [
        (date(2022, 8, 1), "period_open", 30),
        (date(2022, 8, 26), "period_closing", 5),
        (date(2022, 9, 5), "period_open", 25),  # 01-04/9 are off
        (date(2022, 9, 27), "period_closing", 3),
    ]
    assert timeline(sent, 4, first) == [
        (date(2022, 8, 1), "period_open", 30),
        (date(2022, 9, 5), "period_open", 25),
        (date(2022, 9, 27), "period_closing", 3),
    ]
    assert {r.period for r in sent if r.task_no == 4 and r.slot.month == 8} == {"2022-08"}


def test_a_missed_period_is_not_nagged_after_it_ends() -> None:
    september = [done(4, d, date(2022, 9, 5), "2022-09") for d in DEPARTMENTS]
    result = tick(at(date(2022, 9, 6)), september, since=at(date(2022, 8, 20)))
    assert not [r for r in result.due if r.task_no == 4]
    # August's closing reminder (missed while the bot was down) is only recorded.
    assert {(r.kind, r.period) for r in result.skipped if r.task_no == 4} == {
        (ReminderKind.PERIOD_CLOSING, "2022-08")
    }


def test_recurring_tasks_stop_with_the_plan_year() -> None:
    sent = every_morning(date(2022, 12, 1), date(2023, 1, 31))
    assert {r.period for r in sent if r.task_no == 4} == {"2022-12"}
    assert max(r.slot for r in sent if r.task_no == 4) == date(2022, 12, 28)


def test_needs_deadline_monthly_to_the_office() -> None:
    sent = every_morning(date(2022, 4, 25), date(2022, 6, 30))
    asks = sorted(r.slot for r in sent if r.kind is ReminderKind.NEEDS_DEADLINE)
    # The first working day of each month: 25/4 still sees April's (01/4), May's is Wednesday
    # 04/5 (30/4 and 01/5 fell on a weekend and were made up on 02-03/5).
    assert asks == [date(2022, 4, 1), date(2022, 5, 4), date(2022, 6, 1)]
    ask = next(r for r in sent if r.kind is ReminderKind.NEEDS_DEADLINE)
    assert (ask.task_no, ask.audience, ask.assignment_id, ask.unit) == (
        10,
        Audience.OFFICE,
        None,
        None,
    )
    assert not [r for r in sent if r.task_no == 10 and r.kind is not ReminderKind.NEEDS_DEADLINE]


def test_once_the_office_sets_a_date_the_task_is_a_deadline() -> None:
    plan = {**PLAN_187, 10: (Schedule.as_regulated(date(2022, 12, 15)), (ISO,), (LEADERS,))}
    facts = plan_facts(plan)
    sent = every_morning(date(2022, 11, 1), date(2022, 12, 16), facts=facts)
    assert timeline(sent, 10, ISO) == [
        (date(2022, 12, 1), "upcoming", 14),
        (date(2022, 12, 8), "upcoming", 7),
        (date(2022, 12, 12), "upcoming", 3),
        (date(2022, 12, 14), "upcoming", 1),
        (date(2022, 12, 15), "due_today", 0),
        (date(2022, 12, 16), "overdue", 1),
    ]
    assert not [r for r in sent if r.kind is ReminderKind.NEEDS_DEADLINE]


def test_unknown_schedules_ask_the_office_for_a_date_like_as_regulated() -> None:
    unknown = every_morning(date(2022, 2, 7), date(2022, 12, 31), facts=plan_facts(UNKNOWN_10))
    as_regulated = every_morning(date(2022, 2, 7), date(2022, 12, 31), facts=plan_facts(ASKED_10))
    assert [(r.slot, r.kind, r.audience) for r in unknown] == [
        (r.slot, r.kind, r.audience) for r in as_regulated
    ]
    assert {r.kind for r in unknown} == {ReminderKind.NEEDS_DEADLINE}
    assert len(unknown) == 11  # 07/02, then the first working day of March to December


UNKNOWN_10 = {10: (Schedule.unknown(), (ISO,), ())}
ASKED_10 = {10: (Schedule.as_regulated(), (ISO,), ())}


def test_remind_support_on_and_off() -> None:
    off = tick(at(MONDAY), AUDIT_DONE)
    on = tick(at(MONDAY), AUDIT_DONE, settings=ReminderSettings(remind_support=True))
    department = DEPARTMENTS[2]
    assert (7, ReminderKind.OPENS) not in inbox(off.due, department)
    assert {(1, ReminderKind.OVERDUE), (7, ReminderKind.OPENS)} <= inbox(on.due, department)
    assert {(4, ReminderKind.PERIOD_OPEN)} <= inbox(on.due, ISO)  # ISO supports task 4
    # Escalations still name only the lead units.
    escalation = next(r for r in on.due if r.kind is ReminderKind.ESCALATION)
    assert escalation.owing_units == (ISO,)


def test_settings_change_the_schedule() -> None:
    settings = ReminderSettings(before_days=(10,), escalate_after_working_days=1)
    sent = every_morning(date(2022, 8, 1), date(2022, 8, 31), settings=settings)
    assert [r[:2] for r in timeline(sent, 2, DEPARTMENTS[0])[:3]] == [
        (date(2022, 8, 12), "upcoming"),  # 14/8 is a Sunday
        (date(2022, 8, 24), "due_today"),
        (date(2022, 8, 25), "overdue"),
    ]
    escalation = next(r for r in sent if r.task_no == 2 and r.kind is ReminderKind.ESCALATION)
    assert escalation.slot == date(2022, 8, 25)
    assert escalation.owing_units == DEPARTMENTS
    later = ReminderSettings(send_time=datetime(2022, 1, 1, 9, 30).time())
    assert tick(at(MONDAY, 9, 29), settings=later).due == []
    assert tick(at(MONDAY, 9, 30), settings=later).due


def test_100000_assignments_are_planned_per_task_for_each_unit() -> None:
    """The per-task timelines shared by 10,000 units each still address every unit.

    Its speed is measured by bench/ (a timed assertion here would fail on a busy machine).
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
    confirmations = [ConfirmationFacts(f.assignment_id, "", MONDAY) for f in facts[::3]]
    calendar = WorkingCalendar()
    result = plan_reminders(facts, confirmations, calendar, DEFAULTS, at(MONDAY))
    reminded = {reminder.assignment_id for reminder in result.due if reminder.assignment_id}
    one_off = {f.assignment_id for f in facts if f.schedule.kind is not ScheduleKind.RECURRING}
    confirmed = {c.assignment_id for c in confirmations} & one_off  # "" confirms one-off tasks
    assert len(reminded) > 40_000  # the unconfirmed two thirds of the tasks due that Monday
    assert not reminded & confirmed
