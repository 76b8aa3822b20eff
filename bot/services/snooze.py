"""Holding a unit's reminders of one task for a few working days (`/hoanlai N [ngày]`).

A snooze sets the assignment's `snoozed_until`; the pure policy leaves the unit's reminders of
that task out through that day. Nothing else moves: the due date, the state, the escalation to
the Office and Ban ISO, the Office's digest. Every snooze is in the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.plans import TaskRef
from bot.domain.units import UnitCatalog
from bot.services.addressing import addressing, resolve_task
from bot.services.audit import record
from bot.services.confirmations import acting_unit, unit_assignment
from bot.services.errors import AlreadyConfirmed
from bot.services.plans import task_schedule
from bot.services.registry import ContactInfo
from bot.services.status import current_period
from bot.store.models import Confirmation
from scheduler.calendar import WorkingCalendar
from scheduler.policy import snooze_until
from scheduler.settings import ReminderSettings


@dataclass(frozen=True)
class Snoozed:
    task_no: str  # the task's address as shown now
    unit: str
    until: date  # the last day held
    days: int


async def snooze(
    session: AsyncSession,
    contact: ContactInfo,
    ref: TaskRef,
    days: int | None,
    *,
    now: datetime,
    today: date,
    calendar: WorkingCalendar,
    settings: ReminderSettings,
    words: str = "",
    catalog: UnitCatalog | None = None,
) -> Snoozed:
    """Hold `contact`'s unit's reminders of `ref` for `days` working days (None: the default).

    Raise ValueError for a count outside 1..`snooze_max_days` (the handler words it first);
    NotYourTask when the unit has no part in the task; WhichUnit when several of the sender's
    units do and `words` names none (`@UNIT`); AlreadyConfirmed when its part (of the current
    period) is done, for there is nothing left to remind.
    """
    until = snooze_until(today, days, calendar, settings)
    plan, task = await resolve_task(session, ref, contact)
    shown = (await addressing(session)).of(plan, task.no)
    unit, _rest = await acting_unit(
        session, contact, task, shown, words, catalog=catalog, command="snooze"
    )
    assignment = await unit_assignment(session, task, unit, shown)
    period = current_period(task_schedule(task), today, plan)
    key = period.key if period else ""
    done = await session.scalar(
        select(Confirmation).where(
            Confirmation.assignment_id == assignment.id,
            Confirmation.period == key,
            Confirmation.undone_at.is_(None),
        )
    )
    if done is not None:
        raise AlreadyConfirmed(shown, done.confirmed_at, done.by_name, key)
    previous = assignment.snoozed_until
    assignment.snoozed_until = until
    await record(
        session,
        now,
        f"{contact.channel}:{contact.user_id} {contact.name} ({unit})",
        "snooze",
        f"{plan.number} #{task.no}",
        {
            "unit": unit,
            "until": until.isoformat(),
            "previous": previous.isoformat() if previous else None,
        },
    )
    count = settings.snooze_default_days if days is None else days
    return Snoozed(shown, unit, until, count)
