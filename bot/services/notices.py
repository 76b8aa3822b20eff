"""Notices to a unit that are not reminders: a rejected confirmation, with the reason.

They go through the outbox like reminders, so each is sent once and survives a restart; the
engine sends them at its next tick, whatever the hour. The reason is read from the confirmation
when the notice is sent.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.store.models import (
    Assignment,
    Confirmation,
    Contact,
    Membership,
    OutboxItem,
    Person,
)

#: The outbox kind of a rejection notice (scheduler.policy.ReminderKind.REJECTED).
REJECTED = "rejected"


async def queue_rejection(
    session: AsyncSession,
    confirmation: Confirmation,
    assignment: Assignment,
    *,
    now: datetime,
    today: date,
) -> int:
    """Queue the rejection notice for every contact of the assignment's unit; return how many."""
    contacts = await _unit_contacts(session, assignment.unit_id)
    for contact_id in contacts:
        session.add(
            OutboxItem(
                dedupe_key=f"c{confirmation.id}|{REJECTED}|{contact_id}",
                task_id=assignment.task_id,
                assignment_id=assignment.id,
                contact_id=contact_id,
                kind=REJECTED,
                slot=today,
                period=confirmation.period,
                days=0,
                owing_units=[],
                late=False,
                status="pending",
                created_at=now,
                attempts=0,
                confirmation_id=confirmation.id,
            )
        )
    return len(contacts)


async def _unit_contacts(session: AsyncSession, unit_id: int) -> list[int]:
    """The unit's active contacts, honouring each person's choice of channel (as reminders do)."""
    rows = list(
        await session.execute(
            select(Contact.id, Contact.channel, Person.id, Person.prefer_channel)
            .join(Person, Person.id == Contact.person_id)
            .where(
                Contact.revoked_at.is_(None),
                Person.id.in_(select(Membership.person_id).where(Membership.unit_id == unit_id)),
            )
            .order_by(Contact.id)
        )
    )
    channels: dict[int, set[str]] = {}
    for _, channel, person_id, _ in rows:
        channels.setdefault(person_id, set()).add(channel)
    return [
        contact_id
        for contact_id, channel, person_id, prefer in rows
        if prefer in ("all", channel) or prefer not in channels[person_id]
    ]
