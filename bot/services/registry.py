"""Who may talk to the bot: one-time invite codes, registration, listing and revoking contacts."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot.channels.base import Sender
from bot.domain.model import Role
from bot.domain.units import UnitCatalog
from bot.services.audit import record
from bot.services.errors import InvalidCode, Throttled, UnknownContact, UnknownUnit
from bot.services.reminder_dates import recompute_unit
from bot.store.models import Contact, FailedAttempt, Invite, Person, Unit

INVITE_LIFETIME = timedelta(days=7)
#: Unambiguous letters and digits (no 0/O, 1/I/L): 32 symbols, 10 of them give 50 bits.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10
MAX_WRONG_CODES = 5
WRONG_CODE_WINDOW = timedelta(hours=1)


@dataclass(frozen=True)
class IssuedInvite:
    code: str
    unit: str
    role: Role
    expires: datetime


@dataclass(frozen=True)
class Registration:
    contact_id: int
    person_id: int
    unit: str
    role: Role
    linked: bool  # True when a second channel was added to an existing person


@dataclass(frozen=True)
class ContactInfo:
    contact_id: int
    person_id: int
    channel: str
    user_id: str
    chat_id: str
    unit: str
    role: Role
    name: str
    since: datetime
    language: str
    prefer_channel: str


def hash_code(code: str) -> str:
    return hashlib.sha256(normalise_code(code).encode()).hexdigest()


def normalise_code(code: str) -> str:
    return "".join(code.split()).upper().replace("-", "")


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


async def resolve_unit(session: AsyncSession, catalog: UnitCatalog, name: str) -> Unit:
    """Find a unit by any spelling; an unknown name is refused with the closest known names."""
    canonical = catalog.canonical(name)
    unit = await session.scalar(
        select(Unit).where(Unit.name == canonical, Unit.is_group.is_(False))
    )
    if unit is not None:
        return unit
    names = list(await session.scalars(select(Unit.name).where(Unit.is_group.is_(False))))
    wanted = name.casefold()
    suggestions = (
        tuple(n for n in names if wanted in n.casefold())[:5] or tuple(sorted(names))[:12]
    )
    raise UnknownUnit(name, suggestions)


async def create_invite(
    session: AsyncSession,
    catalog: UnitCatalog,
    *,
    unit_name: str,
    role: Role,
    now: datetime,
    created_by: str,
    person_id: int | None = None,
) -> IssuedInvite:
    unit = await resolve_unit(session, catalog, unit_name)
    code = new_code()
    session.add(
        Invite(
            code_hash=hash_code(code),
            unit_id=unit.id,
            role=role,
            created_at=now,
            expires_at=now + INVITE_LIFETIME,
            created_by=created_by,
            person_id=person_id,
        )
    )
    await record(session, now, created_by, "invite", unit.name, {"role": str(role)})
    return IssuedInvite(code, unit.name, role, now + INVITE_LIFETIME)


async def register(
    session: AsyncSession, sender: Sender, code: str, *, now: datetime, language: str
) -> Registration:
    """Redeem a code for the sender; wrong codes are counted and throttled per sender."""
    recent = await session.scalar(
        select(func.count(FailedAttempt.id)).where(
            FailedAttempt.channel == sender.channel,
            FailedAttempt.user_id == sender.user_id,
            FailedAttempt.at > now - WRONG_CODE_WINDOW,
        )
    )
    if recent >= MAX_WRONG_CODES:
        oldest = await session.scalar(
            select(func.min(FailedAttempt.at)).where(
                FailedAttempt.channel == sender.channel,
                FailedAttempt.user_id == sender.user_id,
                FailedAttempt.at > now - WRONG_CODE_WINDOW,
            )
        )
        raise Throttled(oldest + WRONG_CODE_WINDOW)
    invite = await session.scalar(
        select(Invite)
        .options(selectinload(Invite.unit))
        .where(Invite.code_hash == hash_code(code))
    )
    reason = None
    if invite is None:
        reason = "unknown"
    elif invite.used_at is not None:
        reason = "used"
    elif invite.expires_at <= now:
        reason = "expired"
    if reason is not None:
        # The caller records the wrong try in its own transaction: this one is rolled back.
        raise InvalidCode(reason)
    assert invite is not None
    person = await _person_for(session, sender, invite, now=now, language=language)
    contact = await session.scalar(
        select(Contact).where(Contact.channel == sender.channel, Contact.user_id == sender.user_id)
    )
    if contact is None:
        contact = Contact(channel=sender.channel, user_id=sender.user_id, since=now)
        session.add(contact)
    contact.person_id = person.id
    contact.chat_id = sender.user_id if sender.is_group_chat else sender.chat_id
    contact.name = sender.name
    contact.revoked_at = None
    await session.flush()
    invite.used_at = now
    invite.used_by_contact_id = contact.id
    # The newcomer hears the reminders standing now for their unit, as its others did.
    await recompute_unit(session, [invite.unit_id])
    await session.execute(
        delete(FailedAttempt).where(
            FailedAttempt.channel == sender.channel, FailedAttempt.user_id == sender.user_id
        )
    )
    await record(
        session,
        now,
        _actor(sender),
        "register",
        invite.unit.name,
        {"role": invite.role, "channel": sender.channel, "contact_id": contact.id},
    )
    return Registration(
        contact.id, person.id, invite.unit.name, Role(invite.role), invite.person_id is not None
    )


async def record_wrong_code(session: AsyncSession, sender: Sender, *, now: datetime) -> None:
    session.add(FailedAttempt(channel=sender.channel, user_id=sender.user_id, at=now))


async def _person_for(
    session: AsyncSession, sender: Sender, invite: Invite, *, now: datetime, language: str
) -> Person:
    if invite.person_id is not None:
        person = await session.get(Person, invite.person_id)
        if person is not None:
            return person
    person = Person(
        name=sender.name,
        unit_id=invite.unit_id,
        role=invite.role,
        language=language,
        created_at=now,
    )
    session.add(person)
    await session.flush()
    return person


async def find_contact(session: AsyncSession, channel: str, user_id: str) -> ContactInfo | None:
    row = await session.scalar(
        select(Contact)
        .options(selectinload(Contact.person).selectinload(Person.unit))
        .where(
            Contact.channel == channel,
            Contact.user_id == user_id,
            Contact.revoked_at.is_(None),
        )
    )
    return _info(row) if row is not None else None


async def list_contacts(session: AsyncSession) -> list[ContactInfo]:
    rows = await session.scalars(
        select(Contact)
        .options(selectinload(Contact.person).selectinload(Person.unit))
        .where(Contact.revoked_at.is_(None))
        .order_by(Contact.id)
    )
    return [_info(row) for row in rows]


async def revoke_contact(
    session: AsyncSession, contact_id: int, *, now: datetime, actor: str
) -> ContactInfo:
    row = await session.scalar(
        select(Contact)
        .options(selectinload(Contact.person).selectinload(Person.unit))
        .where(Contact.id == contact_id, Contact.revoked_at.is_(None))
    )
    if row is None:
        raise UnknownContact(contact_id)
    row.revoked_at = now
    await record(session, now, actor, "revoke", row.person.unit.name, {"contact_id": contact_id})
    return _info(row)


async def set_language(session: AsyncSession, person_id: int, language: str) -> None:
    person = await session.get(Person, person_id)
    if person is not None:
        person.language = language


def _info(row: Contact) -> ContactInfo:
    person = row.person
    return ContactInfo(
        contact_id=row.id,
        person_id=person.id,
        channel=row.channel,
        user_id=row.user_id,
        chat_id=row.chat_id,
        unit=person.unit.name,
        role=Role(person.role),
        name=row.name or person.name,
        since=row.since,
        language=person.language,
        prefer_channel=person.prefer_channel,
    )


def _actor(sender: Sender) -> str:
    return f"{sender.channel}:{sender.user_id} {sender.name}".strip()
