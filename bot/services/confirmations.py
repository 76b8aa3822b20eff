"""Confirming a task (`/done`, several at once, a past period) and taking it back (`/undo`).

A confirmation is never deleted: an undo or a rejection marks it undone, so the audit trail shows
every step. The Office may confirm for a unit (`/done N @UNIT`): the row records who did it and
from which unit.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot.channels.base import Attachment
from bot.domain.confirming import period_named, split_period
from bot.domain.model import Role, Schedule, ScheduleKind
from bot.domain.periods import Period
from bot.domain.plans import TaskRef
from bot.domain.unit_lookup import UnitIndex, UnitMatch
from bot.domain.units import UnitCatalog
from bot.services.acting import check_own, own_unit_in
from bot.services.addressing import addressing, resolve_task
from bot.services.audit import record
from bot.services.errors import (
    AlreadyConfirmed,
    NothingToUndo,
    NotYourTask,
    PeriodNotFound,
    UnknownUnit,
)
from bot.services.plans import task_schedule
from bot.services.registry import ContactInfo
from bot.services.status import current_period, recurring_span
from bot.store.models import Assignment, Confirmation, Plan, Task, Unit

MAX_NOTE_LENGTH = 1000


@dataclass(frozen=True)
class Confirmed:
    task_no: str  # the task's address as shown now: `6`, or `187.6` with several plans
    unit: str
    period: str
    on: date
    note: str = ""
    #: The Office confirmed for the unit (`/done N @UNIT`).
    on_behalf: bool = False
    #: A period that had already ended (`/done 4 tháng 3`): counted late.
    late: bool = False
    #: `[workflow] verify`: the confirmation waits for the Office or Ban ISO.
    awaiting: bool = False


@dataclass(frozen=True)
class Undone:
    task_no: str
    unit: str
    period: str
    confirmed_on: date


async def unit_assignment(session: AsyncSession, task: Task, unit: str, shown: str) -> Assignment:
    assignment = await session.scalar(
        select(Assignment)
        .join(Unit, Unit.id == Assignment.unit_id)
        .where(Assignment.task_id == task.id, Unit.name == unit, Assignment.active)
    )
    if assignment is None:
        raise NotYourTask(shown, unit)
    return assignment


async def own_units_in_task(session: AsyncSession, task: Task, contact: ContactInfo) -> set[str]:
    """Those of the sender's units that have a part in the task (a few rows, whatever its size)."""
    return set(
        await session.scalars(
            select(Unit.name)
            .join(Assignment, Assignment.unit_id == Unit.id)
            .where(
                Assignment.task_id == task.id,
                Assignment.active.is_(True),
                Unit.name.in_(contact.units),
            )
        )
    )


async def acting_unit(
    session: AsyncSession,
    contact: ContactInfo,
    task: Task,
    shown: str,
    words: str = "",
    *,
    catalog: UnitCatalog | None = None,
    command: str = "done",
) -> tuple[str, str]:
    """The sender's unit a command acts for on `task` (`@UNIT` first in `words` picks one of
    theirs), and the words after the unit."""
    words = words.strip()
    mine = await own_units_in_task(session, task, contact)
    if words.startswith("@"):
        unit, words = await named_unit(session, task, words, catalog)
        check_own(contact, unit, catalog=catalog)
        if unit not in mine:
            raise NotYourTask(shown, unit)
        return unit, words
    return own_unit_in(contact, mine, shown, catalog=catalog, command=command), words


async def _task_units(session: AsyncSession, task: Task) -> list[str]:
    return list(
        await session.scalars(
            select(Unit.name)
            .join(Assignment, Assignment.unit_id == Unit.id)
            .where(Assignment.task_id == task.id, Assignment.active.is_(True))
            .order_by(Assignment.role, Assignment.id)
        )
    )


async def named_unit(
    session: AsyncSession, task: Task, words: str, catalog: UnitCatalog | None
) -> tuple[str, str]:
    """Read `@UNIT rest…`: the unit named (longest match) and the words after it.

    The names that may be meant are the task's units and every unit the catalog knows, so a
    unit with no part in the task is named as such rather than called unknown.
    """
    catalog = catalog or UnitCatalog()
    names = [*await _task_units(session, task), *catalog.units]
    if len(names) > _UNITS_IN_LOOP:
        # A task of thousands of units takes a second to index: keep the event loop free.
        found, near = await asyncio.to_thread(_lookup_unit, names, catalog, words)
    else:
        found, near = _lookup_unit(names, catalog, words)
    if found is None:
        typed = " ".join(words.lstrip("@").split()[:6])[:60]
        raise UnknownUnit(typed, near)
    return found.name, found.rest


#: Up to this many names are matched in the event loop (a few milliseconds).
_UNITS_IN_LOOP = 300


def _lookup_unit(
    names: list[str], catalog: UnitCatalog, words: str
) -> tuple[UnitMatch | None, tuple[str, ...]]:
    """The unit `words` begins with, or None and the names nearest to what was typed."""
    index = UnitIndex(names, catalog)
    found = index.match_prefix(words)
    return found, (() if found is not None else index.closest(words))


async def confirm(
    session: AsyncSession,
    contact: ContactInfo,
    ref: TaskRef,
    *,
    now: datetime,
    today: date,
    note: str = "",
    attachment: Attachment | None = None,
    catalog: UnitCatalog | None = None,
    verify: bool = False,
) -> Confirmed:
    """Record that a unit finished a task (this period, or the one `note` begins with).

    `note` is what followed the task: an optional `@UNIT` (the Office, for a unit), an optional
    period of a recurring task (`tháng 3`, `quý I/2022`), then the note itself.
    """
    plan, task = await resolve_task(session, ref, contact)
    shown = (await addressing(session)).of(plan, task.no)
    schedule = task_schedule(task)
    unit: str | None = None
    period: Period | None = None
    words = note.strip()
    for _ in range(2):  # `@UNIT tháng 3 …` or `tháng 3 @UNIT …`
        if words.startswith("@"):
            unit, words = await named_unit(session, task, words, catalog)
        elif schedule.kind is ScheduleKind.RECURRING and period is None:
            span, rest = split_period(words)
            if span is None:
                break
            period = _named_period(plan, schedule, span, today, shown)
            words = rest
        else:
            break
    if unit is None:
        mine = await own_units_in_task(session, task, contact)
        unit = own_unit_in(contact, mine, shown, catalog=catalog)
    # The Office confirms for a unit not its own; anyone else names one of theirs only.
    on_behalf = unit not in contact.units
    if on_behalf and contact.role is not Role.OFFICE:
        check_own(contact, unit, catalog=catalog)
    assignment = await unit_assignment(session, task, unit, shown)
    if period is None:
        period = current_period(schedule, today, plan)
    key = period.key if period else ""
    existing = await session.scalar(
        select(Confirmation).where(
            Confirmation.assignment_id == assignment.id,
            Confirmation.period == key,
            Confirmation.undone_at.is_(None),
        )
    )
    if existing is not None:
        raise AlreadyConfirmed(shown, existing.confirmed_at, existing.by_name, key)
    text = words.strip()[:MAX_NOTE_LENGTH]
    session.add(
        Confirmation(
            assignment_id=assignment.id,
            period=key,
            confirmed_at=now,
            confirmed_on=today,
            by_contact_id=contact.contact_id,
            by_name=contact.name,
            by_unit=contact.unit if on_behalf else unit,
            on_behalf=on_behalf,
            note=text,
            attachment_kind=attachment.kind if attachment else None,
            attachment_ref=attachment.file_ref if attachment else None,
            attachment_name=attachment.file_name if attachment else None,
        )
    )
    detail: dict[str, object] = {"unit": unit, "period": key, "note": text}
    if on_behalf:
        detail.update(on_behalf=True, by_unit=contact.unit)
    await record(session, now, actor(contact), "confirm", f"{plan.number} #{task.no}", detail)
    return Confirmed(
        shown,
        unit,
        key,
        today,
        note=text,
        on_behalf=on_behalf,
        late=period is not None and today > period.end,
        awaiting=verify,
    )


def _named_period(
    plan: Plan, schedule: Schedule, span: tuple[int, int, int | None], today: date, shown: str
) -> Period:
    """The period `/done 4 tháng 3` names, which must have begun and lie in the task's span."""
    every = schedule.every
    assert every is not None
    start, end = recurring_span(schedule, plan)
    period = period_named(span, every, schedule.month, today)
    if period is not None and span[2] is None and period.end < start:
        # `quý IV` typed in August of the plan's first year means this year's, not last year's.
        period = period_named((span[0], span[1], today.year), every, schedule.month, today)
    if period is None:
        raise PeriodNotFound(shown, str(every))
    if period.start > today:
        raise PeriodNotFound(shown, str(every), future=True)
    if period.end < start or period.start > end:
        raise PeriodNotFound(shown, str(every))
    return period


async def undo(
    session: AsyncSession,
    contact: ContactInfo,
    ref: TaskRef,
    *,
    now: datetime,
    words: str = "",
    catalog: UnitCatalog | None = None,
) -> Undone:
    """Take back the last confirmation of the sender's unit (`@UNIT` in `words` picks one)."""
    plan, task = await resolve_task(session, ref, contact)
    shown = (await addressing(session)).of(plan, task.no)
    unit, _rest = await acting_unit(
        session, contact, task, shown, words, catalog=catalog, command="undo"
    )
    assignment = await unit_assignment(session, task, unit, shown)
    latest = await session.scalar(
        select(Confirmation)
        .where(Confirmation.assignment_id == assignment.id, Confirmation.undone_at.is_(None))
        .order_by(Confirmation.confirmed_at.desc(), Confirmation.id.desc())
    )
    if latest is None:
        raise NothingToUndo(shown)
    latest.undone_at = now
    latest.undone_by = contact.name
    await record(
        session,
        now,
        actor(contact),
        "undo",
        f"{plan.number} #{task.no}",
        {"unit": unit, "period": latest.period, "confirmation_id": latest.id},
    )
    return Undone(shown, unit, latest.period, latest.confirmed_on)


async def task_with_units(session: AsyncSession, task_id: int) -> Task:
    return await session.scalar(
        select(Task)
        .options(selectinload(Task.assignments).selectinload(Assignment.unit))
        .where(Task.id == task_id)
    )


def actor(contact: ContactInfo) -> str:
    return f"{contact.channel}:{contact.user_id} {contact.name} ({contact.unit})"
