"""The reminder rhythm, one rule at a time: overdue daily then weekly, the cut-off after the plan's
end, recurring spans, the Office's ask for a date, snooze, and nothing before the plan starts."""

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain.model import AssignmentRole, Every, Schedule
from scheduler.calendar import WorkingCalendar
from scheduler.policy import (
    AssignmentFacts,
    Audience,
    ConfirmationFacts,
    DueReminder,
    PolicyResult,
    ReminderKind,
    plan_reminders,
    snooze_until,
)
from scheduler.settings import ReminderSettings

VN = ZoneInfo("Asia/Ho_Chi_Minh")
CALENDAR = WorkingCalendar()
DEFAULTS = ReminderSettings()
START = date(2022, 2, 7)
END = date(2022, 12, 31)
ISO = "Ban ISO Sở"
TCCB = "Phòng Tổ chức cán bộ"
KHTC = "Phòng Kế hoạch - Tài chính"


def task(
    schedule: Schedule,
    *units: str,
    start: date = START,
    end: date = END,
    imported: date | None = None,
    snoozed: dict[str, date] | None = None,
) -> list[AssignmentFacts]:
    """One task (no 1) led by `units` (ISO by default), in a plan running `start`..`end`."""
    snoozed = snoozed or {}
    return [
        AssignmentFacts(
            assignment_id=n,
            task_id=1,
            task_no=1,
            unit=unit,
            role=AssignmentRole.LEAD,
            schedule=schedule,
            plan_start=start,
            plan_end=end,
            snoozed_until=snoozed.get(unit),
            plan_imported=imported,
        )
        for n, unit in enumerate(units or (ISO,), start=1)
    ]


def at(day: date, hour: int = 8) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=VN)


def tick(
    facts: Sequence[AssignmentFacts],
    day: date,
    confirmations: Sequence[ConfirmationFacts] = (),
    *,
    since: date | None = None,
    settings: ReminderSettings = DEFAULTS,
) -> PolicyResult:
    return plan_reminders(
        facts,
        confirmations,
        settings.calendar(),
        settings,
        at(day),
        None if since is None else at(since),
    )


def mornings(
    facts: Sequence[AssignmentFacts],
    first: date,
    last: date,
    confirmations: Sequence[ConfirmationFacts] = (),
    *,
    settings: ReminderSettings = DEFAULTS,
) -> list[DueReminder]:
    """Tick each working morning with the previous one as `since`; keep each reminder once."""
    sent: dict[tuple[object, ...], DueReminder] = {}
    since = None
    day = first
    while day <= last:
        if CALENDAR.is_working_day(day):
            result = tick(facts, day, confirmations, since=since, settings=settings)
            assert result.skipped == [], day  # ticked every morning: nothing is ever missed
            for r in result.due:
                sent.setdefault((r.kind, r.slot, r.assignment_id), r)
            since = day
        day += timedelta(days=1)
    return sorted(sent.values(), key=lambda r: (r.slot, r.kind))


def days(sent: Sequence[DueReminder], kind: ReminderKind, unit: str | None = ISO) -> list[date]:
    return [r.slot for r in sent if r.kind is kind and r.unit == unit]


def d(text: str) -> date:
    """`dd/mm/yyyy`, as the tests' comments write dates."""
    day, month, year = (int(part) for part in text.split("/"))
    return date(year, month, day)


# --- overdue ------------------------------------------------------------------------------

TASK_2 = Schedule.deadline(date(2022, 8, 24))  # a Wednesday


def test_overdue_every_working_day_for_five_days_then_each_monday() -> None:
    sent = mornings(task(TASK_2), d("24/08/2022"), d("30/09/2022"))
    overdue = [(r.slot, r.days) for r in sent if r.kind is ReminderKind.OVERDUE]
    assert overdue == [
        (d("25/08/2022"), 1),
        (d("26/08/2022"), 2),
        (d("29/08/2022"), 5),
        (d("30/08/2022"), 6),
        (d("31/08/2022"), 7),  # the 5th working day overdue: the last daily one
        (d("05/09/2022"), 12),  # 01-02/09 are off; then the first working day of each week
        (d("12/09/2022"), 19),
        (d("19/09/2022"), 26),
        (d("26/09/2022"), 33),
    ]


def test_the_weekly_reminder_takes_the_weeks_first_working_day() -> None:
    # Due Fri 01/04/2022: the daily phase ends Fri 08/04; Monday 11/04 is Giỗ Tổ Hùng Vương
    # (10/04 made up), so that week's reminder comes on Tuesday 12/04.
    sent = mornings(task(Schedule.deadline(d("01/04/2022"))), d("01/04/2022"), d("20/04/2022"))
    assert days(sent, ReminderKind.OVERDUE) == [
        d("04/04/2022"),
        d("05/04/2022"),
        d("06/04/2022"),
        d("07/04/2022"),
        d("08/04/2022"),
        d("12/04/2022"),
        d("18/04/2022"),
    ]


def test_the_daily_phase_follows_the_setting() -> None:
    weekly_at_once = ReminderSettings(overdue_daily_working_days=0)
    sent = mornings(task(TASK_2), d("24/08/2022"), d("12/09/2022"), settings=weekly_at_once)
    assert days(sent, ReminderKind.OVERDUE) == [d("29/08/2022"), d("05/09/2022"), d("12/09/2022")]
    two = ReminderSettings(overdue_daily_working_days=2)
    sent = mornings(task(TASK_2), d("24/08/2022"), d("12/09/2022"), settings=two)
    assert days(sent, ReminderKind.OVERDUE) == [
        d("25/08/2022"),
        d("26/08/2022"),
        d("29/08/2022"),  # Monday: the next week's first working day
        d("05/09/2022"),
        d("12/09/2022"),
    ]


def test_between_mondays_the_last_weekly_reminder_stays_the_newest() -> None:
    # Wednesday 14/09: Monday 12/09's reminder is the one due (sent already: the outbox keeps
    # it once); a tick after a week of downtime sends only Monday's, late, and records the one
    # in between as skipped.
    result = tick(task(TASK_2), d("14/09/2022"))
    assert [(r.slot, r.days) for r in result.due if r.unit] == [(d("12/09/2022"), 19)]
    after_downtime = tick(task(TASK_2), d("13/09/2022"), since=d("30/08/2022"))
    assert [(r.slot, r.late) for r in after_downtime.due if r.unit] == [(d("12/09/2022"), True)]
    assert [r.slot for r in after_downtime.skipped] == [d("31/08/2022"), d("05/09/2022")]


def test_a_task_already_overdue_when_the_plan_starts_is_reminded_on_its_first_day() -> None:
    # Due 01/05/2022, plan issued Wednesday 15/06/2022: long past the daily phase, so weekly,
    # starting on the plan's first day rather than the Monday after it.
    facts = task(Schedule.deadline(d("01/05/2022")), start=d("15/06/2022"))
    sent = mornings(facts, d("01/01/2022"), d("30/06/2022"))
    assert days(sent, ReminderKind.OVERDUE) == [d("15/06/2022"), d("20/06/2022"), d("27/06/2022")]
    assert [r.slot for r in sent if r.kind is ReminderKind.ESCALATION] == [d("15/06/2022")]


# --- the plan's end and the cut-off -------------------------------------------------------


def test_overdue_reminders_stop_30_days_after_the_plans_end() -> None:
    facts = task(Schedule.deadline(d("20/12/2022")))
    sent = mornings(facts, d("01/12/2022"), d("31/03/2023"))
    assert days(sent, ReminderKind.OVERDUE)[-3:] == [
        d("16/01/2023"),
        d("27/01/2023"),  # Tết 2023 takes 20-26/01: Friday is the week's first working day
        d("30/01/2023"),  # 31/12/2022 + 30 days, a Monday: the last one
    ]
    assert max(r.slot for r in sent) == d("30/01/2023")
    # The day after, nothing is due, even after downtime from before the cut-off: the last
    # Monday's reminder, never sent, is recorded as skipped instead of going out late.
    assert tick(facts, d("31/01/2023")).due == []
    late = tick(facts, d("02/02/2023"), since=d("20/01/2023"))
    assert late.due == []
    assert [r.slot for r in late.skipped] == [d("27/01/2023"), d("30/01/2023")]
    assert tick(facts, d("06/02/2023"), since=d("31/01/2023")) == PolicyResult([], [])


def test_the_cut_off_follows_the_setting() -> None:
    facts = task(Schedule.deadline(d("20/12/2022")))
    none_after_end = ReminderSettings(overdue_days_after_end=0)
    sent = mornings(facts, d("01/12/2022"), d("31/03/2023"), settings=none_after_end)
    # The 5th working day overdue, 27/12, is the last: the next Monday is past the plan's end.
    assert max(r.slot for r in sent) == d("27/12/2022")


def test_after_the_plans_end_only_overdue_reminders() -> None:
    # Due 10/01/2023, after a plan that ended 31/12/2022 (the Office set the end earlier): the
    # 14-days-before reminder falls in the plan (27/12); 7, 3, 1 days before and the due day do
    # not. Overdue from 11/01, until 30/01.
    facts = task(Schedule.deadline(d("10/01/2023")))
    sent = mornings(facts, d("01/12/2022"), d("31/03/2023"))
    assert [(r.slot, r.kind) for r in sent if r.kind is not ReminderKind.OVERDUE] == [
        (d("27/12/2022"), ReminderKind.UPCOMING),
        (d("13/01/2023"), ReminderKind.ESCALATION),  # the 3rd working day overdue
    ]
    assert days(sent, ReminderKind.OVERDUE) == [
        d("11/01/2023"),
        d("12/01/2023"),
        d("13/01/2023"),
        d("16/01/2023"),
        d("17/01/2023"),
        d("27/01/2023"),
        d("30/01/2023"),
    ]
    # A tick in January never brings back December's reminder.
    assert tick(facts, d("03/01/2023")).due == []


def test_no_escalation_after_the_cut_off() -> None:
    # Due Fri 27/01/2023: its 3rd working day overdue is 01/02, past the cut-off (30/01).
    facts = task(Schedule.deadline(d("27/01/2023")))
    sent = mornings(facts, d("01/01/2023"), d("28/02/2023"))
    assert days(sent, ReminderKind.OVERDUE) == [d("30/01/2023")]
    assert [r for r in sent if r.kind is ReminderKind.ESCALATION] == []


# --- recurring ----------------------------------------------------------------------------


def test_a_recurring_task_runs_from_its_own_start_to_its_own_end() -> None:
    # Monthly "from 15/06 until 15/10/2022": June's opening (01/06) is before the task starts,
    # October's closing (28/10) after it ends.
    schedule = Schedule.recurring(Every.MONTH, start=d("15/06/2022"), end=d("15/10/2022"))
    sent = mornings(task(schedule), d("01/01/2022"), d("31/12/2022"))
    assert [(r.slot, r.kind.value, r.period) for r in sent] == [
        (d("27/06/2022"), "period_closing", "2022-06"),
        (d("01/07/2022"), "period_open", "2022-07"),
        (d("28/07/2022"), "period_closing", "2022-07"),
        (d("01/08/2022"), "period_open", "2022-08"),
        (d("26/08/2022"), "period_closing", "2022-08"),
        (d("05/09/2022"), "period_open", "2022-09"),
        (d("27/09/2022"), "period_closing", "2022-09"),
        (d("03/10/2022"), "period_open", "2022-10"),
    ]
    # On 20/10 the task has ended: October's opening reminder is not due again.
    assert tick(task(schedule), d("20/10/2022")).due == []


def test_a_recurring_task_stops_at_the_plans_end_when_that_is_earlier() -> None:
    schedule = Schedule.recurring(Every.QUARTER, end=d("30/06/2023"))
    sent = mornings(task(schedule), d("01/10/2022"), d("31/07/2023"))
    assert [(r.slot, r.period) for r in sent] == [
        (d("03/10/2022"), "2022-Q4"),
        (d("28/12/2022"), "2022-Q4"),
    ]


def test_a_quarter_running_past_the_plans_end_gets_no_closing_reminder() -> None:
    # A school-year plan ends 31/05/2023; Q2 ends 30/06: its closing day (27/06) is past the end.
    facts = task(Schedule.recurring(Every.QUARTER), start=d("05/09/2022"), end=d("31/05/2023"))
    sent = mornings(facts, d("01/09/2022"), d("31/07/2023"))
    assert [(r.slot, r.kind.value) for r in sent if r.period == "2023-Q2"] == [
        (d("03/04/2023"), "period_open")
    ]
    assert max(r.slot for r in sent) == d("03/04/2023")


def test_thang_12_hang_nam_is_december_of_each_year() -> None:
    schedule = Schedule.recurring(Every.YEAR, start=d("01/01/2025"), end=d("31/12/2027"), month=12)
    facts = task(schedule, start=d("15/03/2025"), end=d("31/12/2027"))
    sent = mornings(facts, d("15/03/2025"), d("31/01/2028"))
    assert [(r.slot, r.kind.value, r.period, r.days) for r in sent] == [
        (d("01/12/2025"), "period_open", "2025-12", 30),
        (d("26/12/2025"), "period_closing", "2025-12", 5),  # 28/12 is a Sunday
        (d("01/12/2026"), "period_open", "2026-12", 30),
        (d("28/12/2026"), "period_closing", "2026-12", 3),
        (d("01/12/2027"), "period_open", "2027-12", 30),
        (d("28/12/2027"), "period_closing", "2027-12", 3),
    ]
    # Confirmed for December 2026 ("/xong 1 tháng 12"): that closing reminder is not sent.
    done = [ConfirmationFacts(1, "2026-12", d("02/12/2026"))]
    sent = mornings(facts, d("15/03/2025"), d("31/01/2028"), done)
    assert [r.period for r in sent] == ["2025-12", "2025-12", "2026-12", "2027-12", "2027-12"]


def test_a_multi_year_task_starts_with_the_plan_not_before() -> None:
    # "Giai đoạn 2026-2030" in a plan issued 15/03/2026: yearly from 01/01/2026, whose opening
    # reminder (05/01/2026) falls before the plan; its closing one (28/12) does not.
    schedule = Schedule.recurring(Every.YEAR, start=d("01/01/2026"), end=d("31/12/2030"))
    facts = task(schedule, start=d("15/03/2026"), end=d("31/12/2030"))
    sent = mornings(facts, d("01/01/2026"), d("31/12/2027"))
    assert [(r.slot, r.kind.value, r.period) for r in sent] == [
        (d("28/12/2026"), "period_closing", "2026"),
        (d("04/01/2027"), "period_open", "2027"),
        (d("28/12/2027"), "period_closing", "2027"),
    ]


# --- no date yet --------------------------------------------------------------------------


@pytest.mark.parametrize("schedule", [Schedule.as_regulated(), Schedule.unknown()])
def test_the_office_is_asked_at_import_then_monthly(schedule: Schedule) -> None:
    # Imported Tuesday 15/03/2022: asked that day, then on each month's first working day.
    facts = task(schedule, imported=d("15/03/2022"))
    sent = mornings(facts, d("07/02/2022"), d("31/03/2023"))
    asks = [(r.slot, r.audience, r.unit) for r in sent]
    assert [slot for slot, _, _ in asks] == [
        d("15/03/2022"),
        d("01/04/2022"),
        d("04/05/2022"),  # 02-03/05 make up 30/04 and 01/05
        d("01/06/2022"),
        d("01/07/2022"),
        d("01/08/2022"),
        d("05/09/2022"),  # 01-02/09 are off
        d("03/10/2022"),
        d("01/11/2022"),
        d("01/12/2022"),  # the last: the plan ends 31/12
    ]
    assert {(audience, unit) for _, audience, unit in asks} == {(Audience.OFFICE, None)}
    assert {r.kind for r in sent} == {ReminderKind.NEEDS_DEADLINE}


def test_imported_on_a_day_off_the_office_is_asked_the_next_working_day() -> None:
    facts = task(Schedule.as_regulated(), imported=d("02/04/2022"))  # a Saturday
    sent = mornings(facts, d("01/04/2022"), d("31/05/2022"))
    assert [r.slot for r in sent] == [d("04/04/2022"), d("04/05/2022")]


def test_the_office_is_not_asked_before_the_import_nor_once_a_date_is_set() -> None:
    facts = task(Schedule.as_regulated(), imported=d("15/03/2022"))
    assert tick(facts, d("14/03/2022")).due == []
    dated = task(Schedule.as_regulated(d("30/06/2022")), imported=d("15/03/2022"))
    sent = mornings(dated, d("15/03/2022"), d("30/06/2022"))
    assert {r.kind for r in sent} == {ReminderKind.UPCOMING, ReminderKind.DUE_TODAY}


def test_after_downtime_the_office_gets_the_newest_ask_only() -> None:
    facts = task(Schedule.unknown(), imported=d("15/03/2022"))
    result = tick(facts, d("10/06/2022"), since=d("20/04/2022"))
    assert [(r.slot, r.late) for r in result.due] == [(d("01/06/2022"), True)]
    assert [r.slot for r in result.skipped] == [d("04/05/2022")]
    assert tick(facts, d("03/01/2023")).due == []  # the plan has ended


def test_needs_deadline_every_week_when_configured() -> None:
    weekly = ReminderSettings(needs_deadline_every=Every.WEEK)
    facts = task(Schedule.as_regulated(), imported=d("27/04/2022"))
    sent = mornings(facts, d("01/04/2022"), d("16/05/2022"), settings=weekly)
    assert [r.slot for r in sent] == [
        d("27/04/2022"),
        d("04/05/2022"),  # the week of 02/05 begins with two days off
        d("09/05/2022"),
        d("16/05/2022"),
    ]


# --- snooze -------------------------------------------------------------------------------


def test_snooze_holds_the_units_reminders_but_not_the_escalation() -> None:
    # Task 2 (due Wed 24/08), led by two departments. On Thursday 25/08, after the first overdue
    # reminder, Phòng TCCB snoozes for 3 working days: 26, 29 and 30/08 are held.
    held = snooze_until(d("25/08/2022"), None, CALENDAR, DEFAULTS)
    assert held == d("30/08/2022")
    facts = task(TASK_2, TCCB, KHTC, snoozed={TCCB: held})
    sent = mornings(facts, d("24/08/2022"), d("12/09/2022"))
    assert days(sent, ReminderKind.OVERDUE, KHTC) == [
        d("25/08/2022"),
        d("26/08/2022"),
        d("29/08/2022"),
        d("30/08/2022"),
        d("31/08/2022"),
        d("05/09/2022"),
        d("12/09/2022"),
    ]
    # The snooze was set on 25/08, so that morning's reminder had gone out already.
    before = mornings(task(TASK_2, TCCB, KHTC), d("25/08/2022"), d("25/08/2022"))
    assert days(before, ReminderKind.OVERDUE, TCCB) == [d("25/08/2022")]
    # Held days bring nothing back afterwards: the rhythm simply resumes.
    assert days(sent, ReminderKind.OVERDUE, TCCB) == [
        d("31/08/2022"),
        d("05/09/2022"),
        d("12/09/2022"),
    ]
    escalation = [r for r in sent if r.kind is ReminderKind.ESCALATION]
    assert [(r.slot, r.owing_units, r.audience) for r in escalation] == [
        (d("29/08/2022"), (TCCB, KHTC), Audience.OVERSIGHT)
    ]


def test_a_held_reminder_does_not_come_back_late() -> None:
    # Snoozed through 19/08, over the 7-days-before (17/08) and 5-days-before (19/08)
    # reminders: on Monday 22/08 nothing is due, not even one of them late; 23/08 resumes.
    facts = task(TASK_2, snoozed={ISO: d("19/08/2022")})
    assert tick(facts, d("18/08/2022")).due == []
    monday = tick(facts, d("22/08/2022"), since=d("16/08/2022"))
    assert monday == PolicyResult([], [])  # held slots are not recorded as skipped either
    assert [(r.slot, r.kind) for r in tick(facts, d("23/08/2022")).due] == [
        (d("23/08/2022"), ReminderKind.UPCOMING)
    ]


def test_snooze_holds_a_recurring_tasks_opening_not_its_closing() -> None:
    facts = task(MONTHLY, TCCB, KHTC, snoozed={TCCB: d("05/08/2022")})
    sent = mornings(facts, d("01/08/2022"), d("31/08/2022"))
    assert [(r.slot, r.kind.value) for r in sent if r.unit == TCCB] == [
        (d("26/08/2022"), "period_closing")
    ]
    assert [(r.slot, r.kind.value) for r in sent if r.unit == KHTC] == [
        (d("01/08/2022"), "period_open"),
        (d("26/08/2022"), "period_closing"),
    ]


def test_snooze_never_moves_the_due_date_or_the_asks_to_the_office() -> None:
    facts = task(TASK_2, snoozed={ISO: d("31/12/2022")})
    sent = mornings(facts, d("01/08/2022"), d("30/09/2022"))
    assert [(r.kind, r.slot, r.days) for r in sent] == [
        (ReminderKind.ESCALATION, d("29/08/2022"), 5)  # counted from 24/08 as ever
    ]
    asked = task(Schedule.as_regulated(), snoozed={ISO: d("31/12/2022")})
    assert [r.kind for r in tick(asked, d("01/08/2022")).due] == [ReminderKind.NEEDS_DEADLINE]


@pytest.mark.parametrize(
    ("today", "count", "until"),
    [
        (d("25/08/2022"), 3, d("30/08/2022")),
        (d("31/08/2022"), 3, d("07/09/2022")),  # 01-02/09 and the weekend do not count
        (d("27/08/2022"), 1, d("29/08/2022")),  # asked on a Saturday
        (d("25/08/2022"), 10, d("12/09/2022")),
    ],
)
def test_snooze_until_counts_working_days(today: date, count: int, until: date) -> None:
    assert snooze_until(today, count, CALENDAR, DEFAULTS) == until


@pytest.mark.parametrize("count", [0, 11, -1])
def test_snooze_outside_its_bounds_is_refused(count: int) -> None:
    with pytest.raises(ValueError, match="a snooze lasts 1 to 10 working days"):
        snooze_until(d("25/08/2022"), count, CALENDAR, DEFAULTS)


# --- the plan's start ---------------------------------------------------------------------


def test_nothing_before_the_plan_starts() -> None:
    start = d("15/06/2022")  # a Wednesday
    plan = [
        *task(Schedule.deadline(d("20/06/2022")), start=start),  # task 1, due Monday 20/06
        AssignmentFacts(2, 2, 2, ISO, AssignmentRole.LEAD, MONTHLY, start, END),
        AssignmentFacts(3, 3, 3, ISO, AssignmentRole.LEAD, Schedule.as_regulated(), start, END),
    ]
    day = d("01/01/2022")
    while day < start:
        assert tick(plan, day, since=day - timedelta(days=7)) == PolicyResult([], []), day
        day += timedelta(days=1)
    sent = mornings(plan, d("01/01/2022"), d("30/06/2022"))
    assert [(r.task_no, r.slot, r.kind.value) for r in sent] == [
        # 14 and 7 days before (06/06, 13/06) fell before the plan, and June's opening (01/06).
        (3, d("15/06/2022"), "needs_deadline"),  # imported with the plan's start
        (1, d("17/06/2022"), "upcoming"),  # 3 days before; 1 day before is Sunday 19/06
        (1, d("20/06/2022"), "due_today"),
        (1, d("21/06/2022"), "overdue"),
        (1, d("22/06/2022"), "overdue"),
        (1, d("23/06/2022"), "escalation"),
        (1, d("23/06/2022"), "overdue"),
        (1, d("24/06/2022"), "overdue"),
        (1, d("27/06/2022"), "overdue"),
        (2, d("27/06/2022"), "period_closing"),
    ]


MONTHLY = Schedule.recurring(Every.MONTH)
