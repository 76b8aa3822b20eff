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

Speed matters (a tick may see 100,000 assignments), so every timeline is computed per task and
shared by the task's assignments; per assignment there is only a confirmation lookup.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from bot.clock import as_local
from bot.domain.model import AssignmentRole, Every, Schedule, ScheduleKind
from bot.domain.periods import Period, periods_between
from scheduler.calendar import WorkingCalendar
from scheduler.settings import ReminderSettings

_ONE_DAY = timedelta(days=1)
_RESOLUTION = timedelta(microseconds=1)


@dataclass(slots=True)  # not frozen: a frozen __init__ costs 5x, paid 100,000 times a tick
class AssignmentFacts:
    """What the policy needs to know about one (task, unit, role) assignment."""

    assignment_id: int
    task_id: int
    task_no: int
    unit: str
    role: AssignmentRole
    schedule: Schedule  # an as_regulated schedule with `due` set behaves as a deadline
    plan_start: date  # the plan's issue date: nothing is reminded before it
    plan_end: date  # 31/12 of the plan's year: recurring periods stop there


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
) -> PolicyResult:
    """Return the reminders due at `now` and the older slots missed since `since`.

    `now` and `since` are compared in Asia/Ho_Chi_Minh whatever the server's zone (a naive value
    is taken as local). `since` is the `now` of the previous tick that ran in send hours (one
    that could send); without it nothing is skipped. Assignments of one task share its schedule
    and plan dates (the first one's are used).
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
        _plan_task(facts, confirmed, calendar, settings, tick, out)
    return out


def _plan_task(
    facts: list[AssignmentFacts],
    confirmed: dict[int, set[str]],
    calendar: WorkingCalendar,
    settings: ReminderSettings,
    tick: _Tick,
    out: PolicyResult,
) -> None:
    """Add one task's reminders to `out`."""
    first = facts[0]
    schedule = first.schedule
    if tick.today < first.plan_start:
        return
    if schedule.kind is ScheduleKind.RECURRING:
        if schedule.every is not None:
            _plan_recurring(facts, schedule.every, confirmed, calendar, settings, tick, out)
    elif schedule.kind is ScheduleKind.UNKNOWN:
        return  # nothing can be counted; the import warned about it
    elif schedule.due is not None:  # deadline, window, or as_regulated once the Office set a date
        pick = _deadline_pick(schedule, schedule.due, first.plan_start, calendar, settings, tick)
        for fact in _reminded(facts, settings):
            if fact.assignment_id not in confirmed:
                _emit_for_assignment(fact, pick, tick, out)
        owing = _units_owing(facts, confirmed)
        _plan_escalation(first, schedule.due, owing, calendar, settings, tick, out)
    elif schedule.kind is ScheduleKind.AS_REGULATED:
        # Once every lead unit has reported, the missing date no longer matters.
        has_leads = any(fact.role is AssignmentRole.LEAD for fact in facts)
        if not has_leads or _units_owing(facts, confirmed):
            _plan_needs_deadline(first, calendar, settings, tick, out)


# --- deadline and window ------------------------------------------------------------------


def _deadline_pick(
    schedule: Schedule,
    due: date,
    plan_start: date,
    calendar: WorkingCalendar,
    settings: ReminderSettings,
    tick: _Tick,
) -> _Pick:
    """Return the newest slot of a dated task and the older ones to skip."""
    before = _before_due_slots(schedule, due, plan_start, calendar, settings)
    today = tick.today
    if today > due:
        # Overdue every working day; today is a working day, or no tick would get here.
        newest: _Slot | None = _Slot(today, ReminderKind.OVERDUE, (today - due).days)
    else:
        newest = next((slot for slot in reversed(before) if slot.day <= today), None)
    if newest is None or tick.skip_after is None:
        return _Pick(newest, ())
    after = tick.skip_after
    older = [slot for slot in before if after < slot.day < newest.day]
    first_overdue = max(due + _ONE_DAY, plan_start, after + _ONE_DAY)
    older += [
        _Slot(day, ReminderKind.OVERDUE, (day - due).days)
        for day in calendar.working_days_between(first_overdue, newest.day - _ONE_DAY)
    ]
    return _Pick(newest, tuple(older))


def _before_due_slots(
    schedule: Schedule,
    due: date,
    plan_start: date,
    calendar: WorkingCalendar,
    settings: ReminderSettings,
) -> list[_Slot]:
    """Return the reminders up to the due day, one per working day, in order.

    Each nominal day moves to the working day on or before it; when several land on one day the
    one nearest to the due day wins (due today, then the window opening, then upcoming).
    """
    # (nominal days before due, tie-break, kind)
    wanted: list[tuple[int, int, ReminderKind]] = [(0, 0, ReminderKind.DUE_TODAY)]
    if schedule.kind is ScheduleKind.WINDOW and schedule.start is not None:
        wanted.append(((due - schedule.start).days, 1, ReminderKind.OPENS))
    wanted += [(days, 2, ReminderKind.UPCOMING) for days in settings.before_days]
    best: dict[date, tuple[int, int, ReminderKind]] = {}
    for entry in wanted:
        day = calendar.on_or_before(due - timedelta(days=entry[0]))
        if day >= plan_start and (day not in best or entry < best[day]):
            best[day] = entry
    return [_Slot(day, best[day][2], (due - day).days) for day in sorted(best)]


def _plan_escalation(
    first: AssignmentFacts,
    due: date,
    leads_owing: tuple[str, ...],
    calendar: WorkingCalendar,
    settings: ReminderSettings,
    tick: _Tick,
    out: PolicyResult,
) -> None:
    """Escalate a task once, on its N-th working day overdue, naming the units still owing."""
    if not leads_owing:
        return
    slot = calendar.add_working_days(due, settings.escalate_after_working_days)
    if slot < first.plan_start:  # a plan issued after the deadline: escalate on its first day
        slot = calendar.on_or_after(first.plan_start)
    if slot > tick.today:
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
    every: Every,
    confirmed: dict[int, set[str]],
    calendar: WorkingCalendar,
    settings: ReminderSettings,
    tick: _Tick,
    out: PolicyResult,
) -> None:
    """Remind each unconfirmed period when it opens and shortly before it closes."""
    first = facts[0]
    timeline = _period_slots(every, first.plan_start, first.plan_end, calendar, settings, tick)
    if not timeline:
        return
    unconfirmed = _recurring_pick(timeline, set(), tick)  # shared by units that confirmed nothing
    for fact in _reminded(facts, settings):
        done = confirmed.get(fact.assignment_id)
        pick = _recurring_pick(timeline, done, tick) if done else unconfirmed
        _emit_for_assignment(fact, pick, tick, out)


def _period_slots(
    every: Every,
    plan_start: date,
    plan_end: date,
    calendar: WorkingCalendar,
    settings: ReminderSettings,
    tick: _Tick,
) -> list[_Slot]:
    """Return the opening and closing slots of the plan's periods up to today, in order."""
    closing_gap = timedelta(days=settings.period_closing_days)
    slots: list[_Slot] = []
    for period in periods_between(every, plan_start, min(plan_end, tick.today)):
        opening = calendar.on_or_after(period.start)
        closing = calendar.on_or_before(period.end - closing_gap)
        # A period too short for both (a week of Tết) keeps the closing one, nearer the due day.
        if opening <= period.end and opening != closing:
            slots.append(_period_slot(opening, ReminderKind.PERIOD_OPEN, period))
        if closing >= period.start:
            slots.append(_period_slot(closing, ReminderKind.PERIOD_CLOSING, period))
    return [slot for slot in slots if plan_start <= slot.day <= tick.today]


def _period_slot(day: date, kind: ReminderKind, period: Period) -> _Slot:
    return _Slot(day, kind, (period.end - day).days, period.key, period.end)


def _recurring_pick(timeline: list[_Slot], done: set[str], tick: _Tick) -> _Pick:
    """Return the newest slot of the periods not yet confirmed, and older ones to skip.

    A period that has ended is recorded as missed (status and report show it) and is not
    nagged about: its slots can still be skipped but are never sent.
    """
    newest: _Slot | None = None
    older: list[_Slot] = []
    for slot in reversed(timeline):  # newest first; stop as soon as nothing more is needed
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
    if newest.period_end is not None and newest.period_end < tick.today:
        # Stale: nothing to send; with `since`, the missed slot itself is recorded too.
        missed = [newest] if tick.skip_after is not None and newest.day > tick.skip_after else []
        return _Pick(None, tuple(reversed(older + missed)))
    return _Pick(newest, tuple(reversed(older)))


# --- as regulated, no date yet ------------------------------------------------------------


def _plan_needs_deadline(
    first: AssignmentFacts,
    calendar: WorkingCalendar,
    settings: ReminderSettings,
    tick: _Tick,
    out: PolicyResult,
) -> None:
    """Ask the Office once a week to set the missing date, while the plan's year lasts."""
    if tick.today > first.plan_end:
        return
    slots = [
        _Slot(day, ReminderKind.NEEDS_DEADLINE, 0)
        for day in _weekly_days(first.plan_start, tick.today, calendar, settings)
    ]
    if not slots:
        return
    newest = slots[-1]
    after = tick.skip_after
    older = tuple(s for s in slots[:-1] if after is not None and s.day > after)
    _emit(out, _Pick(newest, older), tick, first, None, None, Audience.OFFICE)


def _weekly_days(
    first: date, last: date, calendar: WorkingCalendar, settings: ReminderSettings
) -> Iterator[date]:
    """Yield each week's reminder day in [first, last]: the weekday set, or the next working day
    of that week when it is off (a week with no working day left has none)."""
    monday = first - timedelta(days=first.weekday())
    while monday <= last:
        sunday = monday + timedelta(days=6)
        day = calendar.on_or_after(monday + timedelta(days=settings.needs_deadline_weekday))
        if first <= day <= min(last, sunday):
            yield day
        monday += timedelta(days=7)


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
    """Return the lead units that have not confirmed a one-off task, in the facts' order."""
    owing = [
        fact.unit
        for fact in facts
        if fact.role is AssignmentRole.LEAD and fact.assignment_id not in confirmed
    ]
    return tuple(dict.fromkeys(owing))
