"""The reminder policy: which reminders are due at `now`, as a pure function of the facts.

Everything DESIGN's "Reminder policy" promises is decided here and only here; the tick around it
loads facts, calls `plan_reminders` and hands the result to the outbox, which sends each
reminder once. Because the outbox de-duplicates, this function need not remember what it said
before: it answers "what is the newest reminder each subject should have had by now", and
returns that on every tick.

Reminders leave on working days at the send time (08:00 local). Before it, or on a day off,
nothing is due: a reminder missed during downtime waits for the next morning rather than
arriving at 07:59 or on a Sunday. Each subject (an assignment; a task for task-level kinds) has
a timeline of slots, each a working day; only its newest slot up to today goes out, marked late
when the morning has passed, and older slots since the previous tick are reported as skipped:
after downtime people get one reminder each, never a burst of stale ones.

The timelines follow DESIGN's rhythm, kept kind so people do not mute the bot:
- dated tasks: before the due day (`before_days`, the window opening, the due day); overdue
  every working day for `overdue_daily_working_days`, then on the first working day of each
  week, never later than `overdue_days_after_end` days after the plan's end; one escalation;
- recurring tasks: each period's first working day and `period_closing_days` before its end,
  from the schedule's own start (or the plan's) to its own end or the plan's, whichever is
  earlier; an ended period is missed, never nagged;
- no date yet (as_regulated, unknown): the Office on the import day, then on the first working
  day of each month (`needs_deadline_every`), while the plan runs.
- the Office's weekly digest (`plan_digests`, beside `plan_reminders`): one per plan on the
  first working day of each week, while overdue reminders may still go out.
Nothing is reminded before the plan's start; after its end only overdue reminders. A unit's
snooze holds its own reminders of one task (held slots are neither sent nor recorded as
skipped, and never come back later); task-level reminders are never held.

Speed matters (a tick may see 100,000 assignments), so every timeline is computed per task and
shared by the task's assignments; per assignment there is only a confirmation lookup (and, for
the few that confirmed some periods or are snoozed, a walk back over their task's timeline).
"""

from __future__ import annotations

from collections.abc import Container, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from bot.clock import as_local
from bot.domain.model import AssignmentRole, Schedule, ScheduleKind
from bot.domain.periods import Period, period_of, periods_between
from bot.store.reminder_days import NEVER
from scheduler.calendar import WorkingCalendar
from scheduler.settings import ReminderSettings

_ONE_DAY = timedelta(days=1)
_ONE_WEEK = timedelta(days=7)
_RESOLUTION = timedelta(microseconds=1)


@dataclass(slots=True)  # not frozen: a frozen __init__ costs 5x, paid 100,000 times a tick
class AssignmentFacts:
    """What the policy needs to know about one (task, unit, role) assignment."""

    assignment_id: int
    task_id: int
    task_no: int
    unit: str
    role: AssignmentRole
    schedule: Schedule  # a non-recurring schedule with `due` set behaves as a deadline
    plan_start: date  # the plan's issue date: nothing is reminded before it
    plan_end: date  # after it only overdue reminders, for `overdue_days_after_end` more days
    #: The unit asked for quiet: its reminders of this task are held through this day.
    snoozed_until: date | None = None
    #: The local day the plan was imported (the Office is asked then for missing dates);
    #: None: the plan's start.
    plan_imported: date | None = None


@dataclass(frozen=True, slots=True)
class ConfirmationFacts:
    """A unit's "done": for a one-off task once, for a recurring task once per period."""

    assignment_id: int
    period: str  # "" for one-off tasks, the Period key for recurring ones
    confirmed_on: date


class ReminderKind(StrEnum):
    """Why a reminder is sent; the message wording follows from it."""

    UPCOMING = "upcoming"
    DUE_TODAY = "due_today"
    OPENS = "opens"
    OVERDUE = "overdue"
    ESCALATION = "escalation"
    PERIOD_OPEN = "period_open"
    PERIOD_CLOSING = "period_closing"
    NEEDS_DEADLINE = "needs_deadline"
    PLAN_ENDED = "plan_ended"  # the plan's closing summary to the Office (scheduler/closing.py)
    DIGEST = "digest"  # the Office's weekly digest of one plan (see `plan_digests`)
    #: Not a reminder the policy plans: the notice that the Office or Ban ISO sent a unit's
    #: confirmation back (bot.services.notices), sent through the outbox like a reminder.
    REJECTED = "rejected"


class Audience(StrEnum):
    """Who receives a reminder."""

    UNIT = "unit"  # the assignment unit's contacts
    OVERSIGHT = "oversight"  # Office + Ban ISO contacts
    OFFICE = "office"


@dataclass(frozen=True, slots=True)
class DueReminder:
    """One reminder for one subject and one slot; the outbox sends it once per contact."""

    kind: ReminderKind
    slot: date  # the working day it belongs to (after moving off days off)
    task_id: int
    task_no: int
    assignment_id: int | None  # None for task-level kinds (escalation, needs_deadline)
    unit: str | None
    audience: Audience
    period: str  # recurring period key, "" otherwise
    days: int  # days until due or the period's end; days overdue (overdue, escalation)
    owing_units: tuple[str, ...]  # escalation: the lead units still owing the task
    late: bool  # its send moment (slot at send_time) is more than late_grace before now


@dataclass(frozen=True, slots=True)
class PolicyResult:
    """What to send now, and what was missed and will never be sent."""

    due: list[DueReminder]
    skipped: list[DueReminder]  # older missed slots in (since, newest): recorded, never sent


@dataclass(frozen=True, slots=True)
class _Slot:
    """A point on a subject's timeline, before it is addressed to anyone."""

    day: date
    kind: ReminderKind
    days: int
    period: str = ""
    period_end: date | None = None  # recurring: once the period is over it is never reminded


@dataclass(frozen=True, slots=True)
class _Tick:
    """`now` and `since` turned into days once, so no timeline compares datetimes."""

    today: date
    late_until: date  # slots on or before this day are late
    skip_after: date | None  # older slots after this day are skipped; None: report none


@dataclass(frozen=True, slots=True)
class _Pick:
    """A subject's newest slot (None: nothing to send) and its older slots to skip."""

    newest: _Slot | None
    older: tuple[_Slot, ...]


_NOTHING = _Pick(None, ())


def plan_reminders(
    assignments: Sequence[AssignmentFacts],
    confirmations: Sequence[ConfirmationFacts],
    calendar: WorkingCalendar,
    settings: ReminderSettings,
    now: datetime,
    since: datetime | None = None,
    task_level: Container[int] | None = None,
) -> PolicyResult:
    """Return the reminders due at `now` and the older slots missed since `since`.

    `now` and `since` are compared in Asia/Ho_Chi_Minh whatever the server's zone (a naive value
    is taken as local). `since` is the `now` of the previous tick that ran in send hours (one
    that could send); without it nothing is skipped. Assignments of one task share its plan
    dates and import day (the first one's are used); `snoozed_until` is each one's own. They
    share its schedule too, unless the Office extended one unit's date: assignments whose
    `schedule` is not the first one's object are timed by their own (grouped by schedule, each
    group with its own reminders and escalation), so the common case costs one identity check.

    `task_level` names the tasks whose task-level reminders (escalation, the ask for a date) are
    wanted (None: every task's); the tick passes the tasks whose stored day has come, with all
    their assignments, for an escalation names every lead unit still owing.
    """
    local_now = as_local(now)
    today = local_now.date()
    if local_now.time() < settings.send_time or not calendar.is_working_day(today):
        return PolicyResult([], [])
    grace = timedelta(minutes=settings.late_grace_minutes)
    tick = _Tick(
        today=today,
        # late: the send moment is strictly more than `grace` before now
        late_until=_last_send_day(local_now - grace - _RESOLUTION, settings.send_time),
        skip_after=None if since is None else _last_send_day(since, settings.send_time),
    )
    confirmed = _confirmed_by_assignment(confirmations, today)
    out = PolicyResult([], [])
    for facts in _by_task(assignments).values():
        whole = task_level is None or facts[0].task_id in task_level
        for group in _schedule_groups(facts):
            _plan_task(group, confirmed, calendar, settings, tick, out, task_level=whole)
    return out


def _plan_task(
    facts: list[AssignmentFacts],
    confirmed: dict[int, set[str]],
    calendar: WorkingCalendar,
    settings: ReminderSettings,
    tick: _Tick,
    out: PolicyResult,
    *,
    task_level: bool = True,
) -> None:
    """Add one task's reminders to `out` (its task-level ones too, with `task_level`)."""
    first = facts[0]
    schedule = first.schedule
    if tick.today < first.plan_start:
        return
    if schedule.kind is ScheduleKind.RECURRING:
        if schedule.every is not None:
            _plan_recurring(facts, schedule, confirmed, calendar, settings, tick, out)
    elif schedule.due is not None:  # deadline, window, or a date the Office set
        dated = _dated(schedule, schedule.due, first, calendar, settings)
        after = tick.skip_after
        if tick.today > dated.cutoff and (after is None or after >= dated.cutoff):
            return  # long after the plan's end: nothing is due, nothing more is missed
        shared = _deadline_pick(dated, tick, calendar)  # for every unit not snoozing
        for fact in _reminded(facts, settings):
            if fact.assignment_id not in confirmed:
                held = fact.snoozed_until
                pick = shared if held is None else _deadline_pick(dated, tick, calendar, held)
                _emit_for_assignment(fact, pick, tick, out)
        if task_level:
            owing = _units_owing(facts, confirmed)
            _plan_escalation(first, dated, owing, calendar, settings, tick, out)
    elif task_level:  # as_regulated or unknown, no date yet
        # Once every lead unit has reported, the missing date no longer matters.
        has_leads = any(fact.role is AssignmentRole.LEAD for fact in facts)
        if not has_leads or _units_owing(facts, confirmed):
            _plan_needs_deadline(first, calendar, settings, tick, out)


# --- deadline and window ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Dated:
    """A dated task's timeline: its slots up to the due day and the shape of its overdue ones.

    Overdue slots are every working day in [first_overdue, last_daily], then the first working
    day of each later week, and the plan's first working day when the task was overdue already,
    none after `cutoff`.
    """

    due: date
    before: list[_Slot]  # up to the due day, within the plan's span
    plan_end: date
    first_overdue: date  # the day after due, or the plan's start when that is later
    last_daily: date  # the last day of the daily phase
    start_slot: date | None  # the plan's first working day, if it falls in the weekly phase
    cutoff: date  # the last day any reminder of the task may fall on


def _dated(
    schedule: Schedule,
    due: date,
    first: AssignmentFacts,
    calendar: WorkingCalendar,
    settings: ReminderSettings,
) -> _Dated:
    last_daily = calendar.add_working_days(due, settings.overdue_daily_working_days)
    start = calendar.on_or_after(first.plan_start)
    return _Dated(
        due=due,
        before=_before_due_slots(schedule, due, first, calendar, settings),
        plan_end=first.plan_end,
        first_overdue=max(due + _ONE_DAY, first.plan_start),
        last_daily=last_daily,
        start_slot=start if start > last_daily else None,
        cutoff=first.plan_end + timedelta(days=settings.overdue_days_after_end),
    )


def _deadline_pick(
    dated: _Dated, tick: _Tick, calendar: WorkingCalendar, held: date | None = None
) -> _Pick:
    """Return the newest slot of a dated task and the older ones to skip.

    Slots on or before `held` (a snooze) are neither sent nor skipped: the unit asked for
    quiet, and after the snooze only the rhythm's next slot goes out.
    """
    today = tick.today
    newest: _Slot | None = None
    if today > dated.due:
        day = _newest_overdue(dated, today, calendar)
        if day is not None:
            newest = _overdue_slot(dated, day)
    if newest is None:
        newest = next((slot for slot in reversed(dated.before) if slot.day <= today), None)
    if newest is None or (held is not None and newest.day <= held):
        return _NOTHING
    # Only overdue reminders outlive the plan; none outlives its cut-off.
    stale = today > dated.cutoff or (
        today > dated.plan_end and newest.kind is not ReminderKind.OVERDUE
    )
    if tick.skip_after is None:
        return _NOTHING if stale else _Pick(newest, ())
    after = tick.skip_after if held is None else max(tick.skip_after, held)
    older = [slot for slot in dated.before if after < slot.day < newest.day]
    older += [
        _overdue_slot(dated, day)
        for day in _overdue_days(dated, after + _ONE_DAY, newest.day - _ONE_DAY, calendar)
    ]
    if stale:
        return _Pick(None, (*older, newest) if newest.day > after else tuple(older))
    return _Pick(newest, tuple(older))


def _overdue_slot(dated: _Dated, day: date) -> _Slot:
    return _Slot(day, ReminderKind.OVERDUE, (day - dated.due).days)


def _newest_overdue(dated: _Dated, today: date, calendar: WorkingCalendar) -> date | None:
    """Return the newest overdue slot on or before `today`, if any."""
    last = min(today, dated.cutoff)
    if last <= dated.last_daily:  # daily: the latest working day so far
        day = calendar.on_or_before(last)
        return day if day >= dated.first_overdue else None
    # Weekly: a slot falls in almost every week; a week of Tết may have none.
    recent = _overdue_days(dated, last - timedelta(days=6), last, calendar)
    if not recent:
        recent = _overdue_days(dated, dated.first_overdue, last, calendar)
    return recent[-1] if recent else None


def _overdue_days(dated: _Dated, first: date, last: date, calendar: WorkingCalendar) -> list[date]:
    """Return the overdue slots in [first, last], in order."""
    first = max(first, dated.first_overdue)
    last = min(last, dated.cutoff)
    if last < first:
        return []
    days = calendar.working_days_between(first, min(last, dated.last_daily))
    weekly_from = max(first, dated.last_daily + _ONE_DAY)
    monday = weekly_from - timedelta(days=weekly_from.weekday())
    while monday <= last:
        day = calendar.on_or_after(monday)
        # the week's first working day, when the week has one and it is in range
        if weekly_from <= day <= min(last, monday + timedelta(days=6)):
            days.append(day)
        monday += _ONE_WEEK
    start = dated.start_slot
    if start is not None and first <= start <= last and start not in days:
        days.append(start)
        days.sort()
    return days


def _before_due_slots(
    schedule: Schedule,
    due: date,
    first: AssignmentFacts,
    calendar: WorkingCalendar,
    settings: ReminderSettings,
) -> list[_Slot]:
    """Return the reminders up to the due day, one per working day, in order.

    Each nominal day moves to the working day on or before it; when several land on one day the
    one nearest to the due day wins (due today, then the window opening, then upcoming). Only
    days within the plan's span count.
    """
    # (nominal days before due, tie-break, kind)
    wanted: list[tuple[int, int, ReminderKind]] = [(0, 0, ReminderKind.DUE_TODAY)]
    if schedule.kind is ScheduleKind.WINDOW and schedule.start is not None:
        wanted.append(((due - schedule.start).days, 1, ReminderKind.OPENS))
    wanted += [(days, 2, ReminderKind.UPCOMING) for days in settings.before_days]
    best: dict[date, tuple[int, int, ReminderKind]] = {}
    for entry in wanted:
        day = calendar.on_or_before(due - timedelta(days=entry[0]))
        if first.plan_start <= day <= first.plan_end and (day not in best or entry < best[day]):
            best[day] = entry
    return [_Slot(day, best[day][2], (due - day).days) for day in sorted(best)]


def _plan_escalation(
    first: AssignmentFacts,
    dated: _Dated,
    leads_owing: tuple[str, ...],
    calendar: WorkingCalendar,
    settings: ReminderSettings,
    tick: _Tick,
    out: PolicyResult,
) -> None:
    """Escalate a task once, on its N-th working day overdue, naming the units still owing.

    It is task-level: a unit's snooze never holds it.
    """
    if not leads_owing:
        return
    due = dated.due
    slot = calendar.add_working_days(due, settings.escalate_after_working_days)
    if slot < first.plan_start:  # a plan issued after the deadline: escalate on its first day
        slot = calendar.on_or_after(first.plan_start)
    if slot > tick.today or tick.today > dated.cutoff:
        return
    out.due.append(
        DueReminder(
            kind=ReminderKind.ESCALATION,
            slot=slot,
            task_id=first.task_id,
            task_no=first.task_no,
            assignment_id=None,
            unit=None,
            audience=Audience.OVERSIGHT,
            period="",
            days=(slot - due).days,
            owing_units=leads_owing,
            late=slot <= tick.late_until,
        )
    )


# --- recurring ----------------------------------------------------------------------------


def _plan_recurring(
    facts: list[AssignmentFacts],
    schedule: Schedule,
    confirmed: dict[int, set[str]],
    calendar: WorkingCalendar,
    settings: ReminderSettings,
    tick: _Tick,
    out: PolicyResult,
) -> None:
    """Remind each unconfirmed period when it opens and shortly before it closes."""
    first = facts[0]
    # From the schedule's own start (never before the plan's) to its own end or the plan's.
    begin = max(first.plan_start, schedule.start or first.plan_start)
    finish = min(first.plan_end, schedule.end or first.plan_end)
    timeline = _period_slots(schedule, begin, finish, calendar, settings, tick)
    if not timeline:
        return
    ended = tick.today > finish  # nothing more is reminded; what is left is missed
    unconfirmed = _recurring_pick(timeline, set(), tick, ended)  # for units that confirmed none
    for fact in _reminded(facts, settings):
        done = confirmed.get(fact.assignment_id)
        held = fact.snoozed_until
        if done or held is not None:
            pick = _recurring_pick(timeline, done or set(), tick, ended, held)
        else:
            pick = unconfirmed
        _emit_for_assignment(fact, pick, tick, out)


def _period_slots(
    schedule: Schedule,
    begin: date,
    finish: date,
    calendar: WorkingCalendar,
    settings: ReminderSettings,
    tick: _Tick,
) -> list[_Slot]:
    """Return the opening and closing slots in [begin, finish] up to today, in order.

    Only periods that can still matter are built: the one running today, and those since the
    previous tick (whose slots may be skipped); an older unconfirmed period is missed anyway.
    """
    assert schedule.every is not None
    today = tick.today
    window = today if tick.skip_after is None else min(today, tick.skip_after + _ONE_DAY)
    last = min(finish, today)
    closing_gap = timedelta(days=settings.period_closing_days)
    slots: list[_Slot] = []
    for period in periods_between(schedule.every, max(begin, window), last, schedule.month):
        opening = calendar.on_or_after(period.start)
        closing = calendar.on_or_before(period.end - closing_gap)
        # A period too short for both (a week of Tết) keeps the closing one, nearer the due day.
        if opening <= period.end and opening != closing:
            slots.append(_period_slot(opening, ReminderKind.PERIOD_OPEN, period))
        if closing >= period.start:
            slots.append(_period_slot(closing, ReminderKind.PERIOD_CLOSING, period))
    return [slot for slot in slots if begin <= slot.day <= last]


def _period_slot(day: date, kind: ReminderKind, period: Period) -> _Slot:
    return _Slot(day, kind, (period.end - day).days, period.key, period.end)


def _recurring_pick(
    timeline: list[_Slot],
    done: set[str],
    tick: _Tick,
    ended: bool,
    held: date | None = None,
) -> _Pick:
    """Return the newest slot of the periods not yet confirmed, and older ones to skip.

    A period that has ended is recorded as missed (status and report show it) and is not
    nagged about: its slots can still be skipped but are never sent. Nothing is sent once the
    task's span has `ended` either. Slots on or before `held` (a snooze) are left out.
    """
    newest: _Slot | None = None
    older: list[_Slot] = []
    for slot in reversed(timeline):  # newest first; stop as soon as nothing more is needed
        if held is not None and slot.day <= held:
            break
        if slot.period in done:
            continue
        if newest is None:
            newest = slot
            if tick.skip_after is None:
                break
            continue
        if slot.day <= tick.skip_after:
            break
        older.append(slot)  # days on a timeline are distinct: this one is before `newest`
    if newest is None:
        return _NOTHING
    if ended or (newest.period_end is not None and newest.period_end < tick.today):
        # Stale: nothing to send; with `since`, the missed slot itself is recorded too.
        missed = [newest] if tick.skip_after is not None and newest.day > tick.skip_after else []
        return _Pick(None, tuple(reversed(older + missed)))
    return _Pick(newest, tuple(reversed(older)))


# --- no date yet --------------------------------------------------------------------------


def _plan_needs_deadline(
    first: AssignmentFacts,
    calendar: WorkingCalendar,
    settings: ReminderSettings,
    tick: _Tick,
    out: PolicyResult,
) -> None:
    """Ask the Office to set a missing date: at import, then once a month, until the plan ends.

    The first ask is on the import day (the next working day when imported on a day off);
    after it, on the first working day of each month (`needs_deadline_every`).
    """
    today = tick.today
    if today > first.plan_end:
        return
    imported = max(first.plan_imported or first.plan_start, first.plan_start)
    asked = calendar.on_or_after(imported)
    if asked > today:
        return
    every = settings.needs_deadline_every
    current = _first_working_day(period_of(every, today), calendar)
    newest = current if current is not None and current > asked else asked
    older: list[_Slot] = []
    after = tick.skip_after
    if after is not None:
        days = [asked] if asked > after and asked < newest else []
        for period in periods_between(every, max(asked, after) + _ONE_DAY, newest - _ONE_DAY):
            day = _first_working_day(period, calendar)
            if day is not None and max(asked, after) < day < newest:
                days.append(day)
        older = [_Slot(day, ReminderKind.NEEDS_DEADLINE, 0) for day in days]
    pick = _Pick(_Slot(newest, ReminderKind.NEEDS_DEADLINE, 0), tuple(older))
    _emit(out, pick, tick, first, None, None, Audience.OFFICE)


def _first_working_day(period: Period, calendar: WorkingCalendar) -> date | None:
    """Return the period's first working day; None for a week with none (Tết)."""
    day = calendar.on_or_after(period.start)
    return day if day <= period.end else None


# --- the Office's weekly digest ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DigestFacts:
    """What the weekly digest needs to know about one followed plan."""

    plan_id: int
    #: The plan's first task: the outbox keys a row by task, so the digest of a plan is keyed
    #: by this one (`t{task_id}|digest|{slot}|{contact}`): once per plan, week and contact.
    task_id: int
    task_no: int
    plan_start: date
    plan_end: date
    plan_imported: date | None = None


def plan_digests(
    plans: Sequence[DigestFacts],
    calendar: WorkingCalendar,
    settings: ReminderSettings,
    now: datetime,
    since: datetime | None = None,
) -> PolicyResult:
    """Return the Office's weekly digests due at `now`: one per plan, on each week's first
    working day, at the send time.

    A plan is in the digest from the first such day on or after its start and its import (one
    imported mid-week waits for the next week) until `overdue_days_after_end` days after its
    end, as long as overdue reminders may still go out. It is addressed to the Office and is
    plan-level: no snooze holds it. Like every slot, this week's is returned on each later tick
    of the week (the outbox sends it once); digests of earlier weeks missed since `since` are
    skipped, never sent.
    """
    local_now = as_local(now)
    today = local_now.date()
    if local_now.time() < settings.send_time or not calendar.is_working_day(today):
        return PolicyResult([], [])
    late_until = _last_send_day(
        local_now - timedelta(minutes=settings.late_grace_minutes) - _RESOLUTION,
        settings.send_time,
    )
    slot = _week_start_working_day(today, calendar)
    if slot is None or slot > today:
        return PolicyResult([], [])
    after = None if since is None else _last_send_day(since, settings.send_time)
    out = PolicyResult([], [])
    for plan in plans:
        first = calendar.on_or_after(max(plan.plan_start, plan.plan_imported or plan.plan_start))
        cutoff = plan.plan_end + timedelta(days=settings.overdue_days_after_end)
        if after is not None:
            monday = slot - timedelta(days=slot.weekday()) - _ONE_WEEK
            while monday > after - _ONE_WEEK:
                older = _week_start_working_day(monday, calendar)
                if older is not None and after < older and first <= older <= cutoff:
                    out.skipped.append(_digest(plan, older, late=True))
                monday -= _ONE_WEEK
        if first <= slot and today <= cutoff:
            out.due.append(_digest(plan, slot, late=slot <= late_until))
    return out


def _week_start_working_day(day: date, calendar: WorkingCalendar) -> date | None:
    """Return the first working day of `day`'s week (Monday to Sunday); None for a week off."""
    monday = day - timedelta(days=day.weekday())
    first = calendar.on_or_after(monday)
    return first if first <= monday + timedelta(days=6) else None


def _digest(plan: DigestFacts, slot: date, *, late: bool) -> DueReminder:
    return DueReminder(
        kind=ReminderKind.DIGEST,
        slot=slot,
        task_id=plan.task_id,
        task_no=plan.task_no,
        assignment_id=None,
        unit=None,
        audience=Audience.OFFICE,
        period="",
        days=0,
        owing_units=(),
        late=late,
    )


# --- the next day each subject may need a reminder ------------------------------------------


@dataclass(frozen=True, slots=True)
class NextDays:
    """For each assignment and task asked about, the first day after `today` on which the
    policy may have a reminder for it; `NEVER` when it has none left unless its facts change."""

    assignments: dict[int, date]
    tasks: dict[int, date]


def next_reminder_days(
    assignments: Sequence[AssignmentFacts],
    confirmations: Sequence[ConfirmationFacts],
    calendar: WorkingCalendar,
    settings: ReminderSettings,
    today: date,
    task_level: Container[int] | None = None,
) -> NextDays:
    """Return when each subject may next need a reminder, once every reminder up to `today`
    (a working day, at or after the send time) has been decided.

    The tick stores these days and reads only the rows whose day has come, so a day must never
    be later than the first slot of the subject's timeline after `today`; an earlier day costs
    only a look that finds nothing. The timelines are `plan_reminders`' own: the slots up to the
    due day, the overdue ones, each unconfirmed period's opening and closing, the escalation and
    the ask for a date. A snooze moves a unit's day past it; a confirmed one-off task, a
    supporting unit that is not reminded and a task past its cut-off get `NEVER`.
    `task_level` as in `plan_reminders`: the tasks whose own day is wanted (None: every one).
    """
    confirmed = _confirmed_by_assignment(confirmations, today)
    out = NextDays({}, {})
    for facts in _by_task(assignments).values():
        task_id = facts[0].task_id
        whole = task_level is None or task_id in task_level
        for fact in facts:
            out.assignments[fact.assignment_id] = NEVER
        if whole:
            out.tasks[task_id] = NEVER
        for group in _schedule_groups(facts):
            _next_for_group(group, confirmed, calendar, settings, today, out, task_level=whole)
    return out


def _next_for_group(
    facts: list[AssignmentFacts],
    confirmed: dict[int, set[str]],
    calendar: WorkingCalendar,
    settings: ReminderSettings,
    today: date,
    out: NextDays,
    *,
    task_level: bool,
) -> None:
    """Fill `out` for one task's assignments that share a schedule."""
    first = facts[0]
    schedule = first.schedule
    found: dict[tuple[date, frozenset[str]], date] = {}  # shared by the task's units
    if schedule.kind is ScheduleKind.RECURRING:
        if schedule.every is None:
            return
        begin = max(first.plan_start, schedule.start or first.plan_start)
        finish = min(first.plan_end, schedule.end or first.plan_end)
        for fact in _reminded(facts, settings):
            after = max(today, fact.snoozed_until or today)
            done = frozenset(confirmed.get(fact.assignment_id, ()))
            key = (after, done)
            if key not in found:
                found[key] = _next_period_slot(
                    schedule, begin, finish, after, done, calendar, settings
                )
            out.assignments[fact.assignment_id] = found[key]
    elif schedule.due is not None:
        dated = _dated(schedule, schedule.due, first, calendar, settings)
        for fact in _reminded(facts, settings):
            if fact.assignment_id in confirmed:
                continue
            after = max(today, fact.snoozed_until or today)
            key = (after, frozenset())
            if key not in found:
                found[key] = _next_dated_slot(dated, after, calendar)
            out.assignments[fact.assignment_id] = found[key]
        if task_level:
            escalation = _escalation_day(first, dated, calendar, settings)
            if today < escalation <= dated.cutoff:
                _earlier(out.tasks, first.task_id, escalation)
    elif task_level:
        _earlier(out.tasks, first.task_id, _next_deadline_ask(first, calendar, settings, today))


def _earlier(days: dict[int, date], key: int, day: date) -> None:
    if day < days.get(key, NEVER):
        days[key] = day


def _next_dated_slot(dated: _Dated, after: date, calendar: WorkingCalendar) -> date:
    """The first slot of a dated task after `after`: one before the due day, or overdue."""
    before = next((slot.day for slot in dated.before if slot.day > after), NEVER)
    start = after + _ONE_DAY
    while start <= dated.cutoff and start < before:
        # Overdue slots fall at least once a week; a week of Tet may have none: look further.
        days = _overdue_days(dated, start, start + timedelta(days=13), calendar)
        if days:
            return min(days[0], before)
        start += timedelta(days=14)
    return before


def _next_period_slot(
    schedule: Schedule,
    begin: date,
    finish: date,
    after: date,
    done: frozenset[str],
    calendar: WorkingCalendar,
    settings: ReminderSettings,
) -> date:
    """The first opening or closing slot after `after` of a period not confirmed yet."""
    assert schedule.every is not None
    closing_gap = timedelta(days=settings.period_closing_days)
    for period in periods_between(schedule.every, max(begin, after), finish, schedule.month):
        if period.key in done:
            continue
        opening = calendar.on_or_after(period.start)
        closing = calendar.on_or_before(period.end - closing_gap)
        days = []
        if opening <= period.end and opening != closing:
            days.append(opening)
        if closing >= period.start:
            days.append(closing)
        for day in sorted(days):
            if day > after and begin <= day <= finish:
                return day
    return NEVER


def _escalation_day(
    first: AssignmentFacts, dated: _Dated, calendar: WorkingCalendar, settings: ReminderSettings
) -> date:
    """The day a dated task is escalated (`_plan_escalation`)."""
    slot = calendar.add_working_days(dated.due, settings.escalate_after_working_days)
    if slot < first.plan_start:
        slot = calendar.on_or_after(first.plan_start)
    return slot


def _next_deadline_ask(
    first: AssignmentFacts, calendar: WorkingCalendar, settings: ReminderSettings, today: date
) -> date:
    """The next day the Office is asked for a missing date (`_plan_needs_deadline`): the import
    day, then the first working day of each period, none after the plan's end."""
    imported = max(first.plan_imported or first.plan_start, first.plan_start)
    asked = calendar.on_or_after(imported)
    if asked > today:
        return asked if asked <= first.plan_end else NEVER
    period = period_of(settings.needs_deadline_every, today)
    while period.start <= first.plan_end:
        day = _first_working_day(period, calendar)
        if day is not None and day > today:
            return day if day <= first.plan_end else NEVER
        period = period_of(settings.needs_deadline_every, period.end + _ONE_DAY)
    return NEVER


# --- snooze -------------------------------------------------------------------------------


def snooze_until(
    today: date, days: int | None, calendar: WorkingCalendar, settings: ReminderSettings
) -> date:
    """Return the last day a snooze of `days` working days asked for on `today` holds.

    `days` None is `snooze_default_days`; a reminder already sent today stays sent, so the
    hold covers the next `days` working days. Raise ValueError outside 1..`snooze_max_days`.
    """
    count = settings.snooze_default_days if days is None else days
    if not 1 <= count <= settings.snooze_max_days:
        raise ValueError(f"a snooze lasts 1 to {settings.snooze_max_days} working days")
    return calendar.add_working_days(today, count)


# --- addressing ---------------------------------------------------------------------------


def _emit_for_assignment(
    fact: AssignmentFacts, pick: _Pick, tick: _Tick, out: PolicyResult
) -> None:
    _emit(out, pick, tick, fact, fact.assignment_id, fact.unit, Audience.UNIT)


def _emit(
    out: PolicyResult,
    pick: _Pick,
    tick: _Tick,
    fact: AssignmentFacts,
    assignment_id: int | None,
    unit: str | None,
    audience: Audience,
) -> None:
    """Address a subject's pick: its newest slot to `due`, its older ones to `skipped`."""
    for slot in pick.older:
        out.skipped.append(_reminder(slot, tick, fact, assignment_id, unit, audience))
    if pick.newest is not None:
        out.due.append(_reminder(pick.newest, tick, fact, assignment_id, unit, audience))


def _reminder(
    slot: _Slot,
    tick: _Tick,
    fact: AssignmentFacts,
    assignment_id: int | None,
    unit: str | None,
    audience: Audience,
) -> DueReminder:
    return DueReminder(
        kind=slot.kind,
        slot=slot.day,
        task_id=fact.task_id,
        task_no=fact.task_no,
        assignment_id=assignment_id,
        unit=unit,
        audience=audience,
        period=slot.period,
        days=slot.days,
        owing_units=(),
        late=slot.day <= tick.late_until,
    )


# --- facts --------------------------------------------------------------------------------


def _last_send_day(moment: datetime, send_time: time) -> date:
    """Return the latest day whose send moment is at or before `moment` (local)."""
    local = as_local(moment)
    return local.date() if local.time() >= send_time else local.date() - _ONE_DAY


def _by_task(assignments: Sequence[AssignmentFacts]) -> dict[int, list[AssignmentFacts]]:
    groups: dict[int, list[AssignmentFacts]] = {}
    for fact in assignments:
        group = groups.get(fact.task_id)
        if group is None:
            groups[fact.task_id] = [fact]
        else:
            group.append(fact)
    return groups


def _schedule_groups(facts: list[AssignmentFacts]) -> list[list[AssignmentFacts]]:
    """Split one task's assignments by schedule (a unit's extended date is its own).

    The common case, one schedule object for the whole task, costs one identity check each.
    """
    schedule = facts[0].schedule
    if all(fact.schedule is schedule for fact in facts):
        return [facts]
    groups: dict[Schedule, list[AssignmentFacts]] = {}
    for fact in facts:
        groups.setdefault(fact.schedule, []).append(fact)
    return list(groups.values())


def _confirmed_by_assignment(
    confirmations: Sequence[ConfirmationFacts], today: date
) -> dict[int, set[str]]:
    """Index confirmations made by today: assignment → confirmed period keys ("" if one-off).

    A confirmation dated after `now` does not count yet, so a tick replayed at an earlier
    moment (`tick --at`) sees the plan as it was then.
    """
    confirmed: dict[int, set[str]] = {}
    for confirmation in confirmations:
        if confirmation.confirmed_on <= today:
            confirmed.setdefault(confirmation.assignment_id, set()).add(confirmation.period)
    return confirmed


def _reminded(facts: list[AssignmentFacts], settings: ReminderSettings) -> list[AssignmentFacts]:
    """Return the assignments whose units are reminded: leads, and supporters when configured."""
    if settings.remind_support:
        return facts
    return [fact for fact in facts if fact.role is AssignmentRole.LEAD]


def _units_owing(facts: list[AssignmentFacts], confirmed: dict[int, set[str]]) -> tuple[str, ...]:
    """Return the lead units that have not confirmed a one-off task, in the plan's order.

    The facts come in whatever order the database read them (by the stored day, by task), so
    the order is the assignments' own: an escalation names its units the same way every time.
    """
    owing = [
        fact.unit
        for fact in sorted(facts, key=lambda fact: fact.assignment_id)
        if fact.role is AssignmentRole.LEAD and fact.assignment_id not in confirmed
    ]
    return tuple(dict.fromkeys(owing))
