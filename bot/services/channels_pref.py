"""Where a person's reminders go: every channel they are registered on, or the one they chose.

`Person.prefer_channel` holds "all" or one channel's name; `scheduler.facts.load_recipients`
reads it. A person may only choose a channel they are registered on, so a choice never leaves
them with no reminders at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.audit import record
from bot.services.errors import ServiceError
from bot.services.registry import member_unit_ids
from bot.services.reminder_dates import recompute_unit
from bot.store.models import Contact, Person

ALL = "all"
#: The channels a person can be reached on, in the order they are listed to them.
KNOWN_CHANNELS = ("telegram", "zalo")


@dataclass(frozen=True)
class ChannelChoice:
    """A person's choice and the channels they have (active contacts), in a stable order."""

    prefer: str
    channels: tuple[str, ...]

    @property
    def effective(self) -> str:
        """What the reminder engine does with the choice: a lost channel falls back to all."""
        return self.prefer if self.prefer in self.channels else ALL


@dataclass
class NotOnChannel(ServiceError):
    """The person chose a channel they are not registered on."""

    channel: str
    channels: tuple[str, ...]


async def channels_of(session: AsyncSession, person_id: int) -> tuple[str, ...]:
    """The channels where the person has an active contact: known ones first, then the rest."""
    names = set(
        await session.scalars(
            select(Contact.channel).where(
                Contact.person_id == person_id, Contact.revoked_at.is_(None)
            )
        )
    )
    known = [name for name in KNOWN_CHANNELS if name in names]
    return (*known, *sorted(names - set(KNOWN_CHANNELS)))


async def channel_choice(session: AsyncSession, person_id: int) -> ChannelChoice:
    person = await session.get(Person, person_id)
    prefer = person.prefer_channel if person is not None else ALL
    return ChannelChoice(prefer or ALL, await channels_of(session, person_id))


async def set_prefer_channel(
    session: AsyncSession, person_id: int, choice: str, *, now: datetime, actor: str
) -> ChannelChoice:
    """Send the person's reminders to `choice` ("all" or a channel they are registered on)."""
    channels = await channels_of(session, person_id)
    if choice != ALL and choice not in channels:
        raise NotOnChannel(choice, channels)
    person = await session.get(Person, person_id)
    if person is None:  # the contact was found a moment ago; only a concurrent delete gets here
        raise NotOnChannel(choice, channels)
    if person.prefer_channel != choice:
        person.prefer_channel = choice
        await recompute_unit(session, await member_unit_ids(session, person.id))
        await record(session, now, actor, "channel", person.name, {"prefer_channel": choice})
    return ChannelChoice(choice, channels)
