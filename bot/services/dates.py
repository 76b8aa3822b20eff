"""The Office's dates: giving a task without one its date (`/deadline`) and moving a dated task's
deadline for every unit or one (`/extend`), keeping the original.

A date typed without a year lands in the plan's span; reminders, states and reports follow the
new date, and `/status N` shows both.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.confirming import chat_date_in_span
from bot.domain.model import AssignmentRole, Role, ScheduleKind
from bot.domain.plans import TaskRef
from bot.services.addressing import addressing, resolve_task
from bot.services.audit import record
from bot.services.confirmations import MAX_NOTE_LENGTH, actor, named_unit, unit_assignment
from bot.services.errors import (
    AlreadyFinished,
    DateBeforeStart,
    DateOutOfRange,
    InvalidDate,
    NotAllowed,
    NotDated,
    NotLater,
    NotRegularTask,
)
from bot.services.plans import original_schedule, plan_bounds, refresh_end, task_schedule
from bot.services.registry import ContactInfo
from bot.services.reminder_dates import recompute_tasks
from bot.store.models import Assignment, Confirmation, Plan

if TYPE_CHECKING:
    from bot.domain.units import UnitCatalog


@dataclass(frozen=True)
class DeadlineSet:
    task_no: str
    due: date
    previous: date | None


@dataclass(frozen=True)
class Extended:
    task_no: str
    unit: str | None  # None: every unit of the task
    original: date
    due: date
    reason: str


async def set_deadline(
    session: AsyncSession,
    contact: ContactInfo | None,
    ref: TaskRef,
    due: date | str,
    *,
    now: datetime,
    today: date | None = None,
) -> DeadlineSet:
    """Give a task without a date (as regulated, or a time not understood) its date.

    `due` may be the text typed (`15/12`, `15-12-2022`): a date without a year lands in the
    plan's span.
    """
    if contact is not None and contact.role is not Role.OFFICE:
        raise NotAllowed("deadline")
    plan, task = await resolve_task(session, ref, contact)
    shown = (await addressing(session)).of(plan, task.no)
    kind = ScheduleKind(task.schedule.get("kind"))
    if kind not in (ScheduleKind.AS_REGULATED, ScheduleKind.UNKNOWN):
        raise NotRegularTask(shown)
    due = _office_date(plan, due, today or now.date(), "deadline")
    previous = task.deadline_set
    task.deadline_set = due
    task.due_extended = None  # a new date replaces any extension of the old one
    await session.flush()
    await recompute_tasks(session, [task.id])
    await refresh_end(session, plan)
    await record(
        session,
        now,
        actor(contact) if contact else "cli",
        "deadline",
        f"{plan.number} #{task.no}",
        {"due": due.isoformat(), "previous": previous.isoformat() if previous else None},
    )
    return DeadlineSet(shown, due, previous)


def _office_date(plan: Plan, value: date | str, today: date, command: str) -> date:
    """A date the Office typed, checked against the plan's span."""
    start, end = plan_bounds(plan)
    if isinstance(value, str):
        parsed = chat_date_in_span(value, start, end, today)
        if parsed is None:
            raise InvalidDate(value.strip()[:40], command)
        value = parsed
    if value < start:
        raise DateBeforeStart(value, start)
    if value > max(end, date(plan.year + 1, 12, 31)):
        raise DateOutOfRange(value)
    return value


async def extend(
    session: AsyncSession,
    contact: ContactInfo | None,
    ref: TaskRef,
    date_text: str,
    words: str = "",
    *,
    now: datetime,
    today: date,
    catalog: UnitCatalog | None = None,
) -> Extended:
    """Move a dated task's due date for every unit, or with `@UNIT` for one; keep the original.

    Reminders, states and reports follow the extended date; `/status N` shows both.
    """
    if contact is not None and contact.role is not Role.OFFICE:
        raise NotAllowed("extend")
    plan, task = await resolve_task(session, ref, contact)
    shown = (await addressing(session)).of(plan, task.no)
    original = original_schedule(task)
    if not original.has_date or original.due is None:
        raise NotDated(shown, original.kind is ScheduleKind.RECURRING)
    due = _office_date(plan, date_text, today, "extend")
    unit: str | None = None
    words = words.strip()
    if words.startswith("@"):
        unit, words = await named_unit(session, task, words, catalog)
    reason = words.strip()[:MAX_NOTE_LENGTH]
    current = task_schedule(task).due
    assert current is not None
    if unit is not None:
        assignment = await unit_assignment(session, task, unit, shown)
        if await _standing(session, [assignment.id]):
            raise AlreadyFinished(shown, unit)
        current = assignment.due_extended or current
        if due <= current:
            raise NotLater(shown, due, current)
        assignment.due_extended = due
        assignment.extension_reason = reason
    else:
        leads = list(
            await session.scalars(
                select(Assignment).where(
                    Assignment.task_id == task.id,
                    Assignment.active.is_(True),
                    Assignment.role == str(AssignmentRole.LEAD),
                )
            )
        )
        if leads and len(await _standing(session, [a.id for a in leads])) == len(leads):
            raise AlreadyFinished(shown, None)
        if due <= current:
            raise NotLater(shown, due, current)
        task.due_extended = due
        task.extension_reason = reason
        for assignment in leads:  # a unit's own earlier extension is overtaken by this one
            if assignment.due_extended is not None and assignment.due_extended < due:
                assignment.due_extended = None
    await session.flush()
    await recompute_tasks(session, [task.id])
    await refresh_end(session, plan)
    await record(
        session,
        now,
        actor(contact) if contact else "cli",
        "extend",
        f"{plan.number} #{task.no}",
        {
            "unit": unit,
            "due": due.isoformat(),
            "previous": current.isoformat(),
            "original": original.due.isoformat(),
            "reason": reason,
        },
    )
    return Extended(shown, unit, original.due, due, reason)


async def _standing(session: AsyncSession, assignment_ids: list[int]) -> set[int]:
    """The assignments among these with a confirmation that counts (one-off tasks)."""
    return set(
        await session.scalars(
            select(Confirmation.assignment_id).where(
                Confirmation.assignment_id.in_(assignment_ids),
                Confirmation.undone_at.is_(None),
                Confirmation.period == "",
            )
        )
    )
