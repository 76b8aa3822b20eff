"""Who may talk to the bot: one-time invite codes, registration, listing and revoking contacts.

A person holds one or more memberships (unit, role): the Chánh Văn phòng may also sit on Ban ISO.
A code for a unit and role the person does not hold yet adds a membership; it never moves them
out of the units they act for already.
"""

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
from bot.domain.unit_lookup import UnitIndex
from bot.domain.units import UnitCatalog
from bot.services.audit import record
from bot.services.errors import (
    InvalidCode,
    LastMembership,
    NotAMember,
    Throttled,
    UnknownContact,
    UnknownUnit,
)
from bot.store.models import Contact, FailedAttempt, Invite, Membership, Person, Unit

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
    #: The code gave a registered person one more membership (`unit`, `role`).
    added: bool = False
    #: The person held that membership already: nothing changed, the code stays unused.
    already: bool = False
    #: Every unit the person acts for now.
    units: tuple[str, ...] = ()


@dataclass(frozen=True)
class MembershipInfo:
    unit: str
    role: Role


#: Strongest first: each role may do what the ones after it may (DESIGN: Roles).
_ROLE_ORDER = (Role.OFFICE, Role.ISO, Role.LEADER, Role.HEAD, Role.MEMBER)


@dataclass(frozen=True)
class ContactInfo:
    contact_id: int
    person_id: int
    channel: str
    user_id: str
    chat_id: str
    name: str
    since: datetime
    language: str
    prefer_channel: str
    #: What the person holds, in the order they were given; never empty.
    memberships: tuple[MembershipInfo, ...]

    @property
    def roles(self) -> frozenset[Role]:
        """The union of the memberships' roles: what the person may do."""
        return frozenset(m.role for m in self.memberships)

    @property
    def role(self) -> Role:
        """The strongest role held; every right of a weaker one comes with it."""
        return min(self.roles, key=_ROLE_ORDER.index)

    @property
    def units(self) -> tuple[str, ...]:
        """The units the person acts for, each once, in the order they were given."""
        return tuple(dict.fromkeys(m.unit for m in self.memberships))

    @property
    def unit(self) -> str:
        """The unit of the strongest membership: who the person is when no task says more."""
        return next(m.unit for m in self.memberships if m.role is self.role)

    @property
    def several_units(self) -> bool:
        return len(self.units) > 1


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
    contact = await session.scalar(
        select(Contact).where(Contact.channel == sender.channel, Contact.user_id == sender.user_id)
    )
    if invite.person_id is None and contact is not None and contact.revoked_at is None:
        return await _add_membership(session, sender, contact, invite, now=now)
    person = await _person_for(session, sender, invite, now=now, language=language)
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
        contact.id,
        person.id,
        invite.unit.name,
        Role(invite.role),
        invite.person_id is not None,
        units=await _unit_names(session, person.id),
    )


async def _add_membership(
    session: AsyncSession, sender: Sender, contact: Contact, invite: Invite, *, now: datetime
) -> Registration:
    """A registered person's new code: one more unit or role, the ones they hold kept."""
    held = await session.scalar(
        select(Membership.id).where(
            Membership.person_id == contact.person_id,
            Membership.unit_id == invite.unit_id,
            Membership.role == invite.role,
        )
    )
    if held is None:
        session.add(
            Membership(
                person_id=contact.person_id, unit_id=invite.unit_id, role=invite.role, since=now
            )
        )
        invite.used_at = now
        invite.used_by_contact_id = contact.id
        await session.flush()
        await record(
            session,
            now,
            _actor(sender),
            "membership_add",
            invite.unit.name,
            {"role": invite.role, "person_id": contact.person_id, "contact_id": contact.id},
        )
    await session.execute(
        delete(FailedAttempt).where(
            FailedAttempt.channel == sender.channel, FailedAttempt.user_id == sender.user_id
        )
    )
    return Registration(
        contact.id,
        contact.person_id,
        invite.unit.name,
        Role(invite.role),
        linked=False,
        added=held is None,
        already=held is not None,
        units=await _unit_names(session, contact.person_id),
    )


async def _unit_names(session: AsyncSession, person_id: int) -> tuple[str, ...]:
    names = await session.scalars(
        select(Unit.name)
        .join(Membership, Membership.unit_id == Unit.id)
        .where(Membership.person_id == person_id)
        .order_by(Membership.id)
    )
    return tuple(dict.fromkeys(names))


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
    session.add(
        Membership(person_id=person.id, unit_id=invite.unit_id, role=invite.role, since=now)
    )
    return person


_WITH_MEMBERSHIPS = (
    selectinload(Contact.person).selectinload(Person.memberships).selectinload(Membership.unit)
)


async def find_contact(session: AsyncSession, channel: str, user_id: str) -> ContactInfo | None:
    row = await session.scalar(
        select(Contact)
        .options(_WITH_MEMBERSHIPS)
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
        .options(_WITH_MEMBERSHIPS)
        .where(Contact.revoked_at.is_(None))
        .order_by(Contact.id)
    )
    return [_info(row) for row in rows]


async def revoke_contact(
    session: AsyncSession, contact_id: int, *, now: datetime, actor: str
) -> ContactInfo:
    row = await session.scalar(
        select(Contact)
        .options(_WITH_MEMBERSHIPS)
        .where(Contact.id == contact_id, Contact.revoked_at.is_(None))
    )
    if row is None:
        raise UnknownContact(contact_id)
    row.revoked_at = now
    info = _info(row)
    await record(session, now, actor, "revoke", ", ".join(info.units), {"contact_id": contact_id})
    return info


@dataclass(frozen=True)
class MembershipRemoved:
    contact: ContactInfo  # as it is after the removal
    unit: str
    roles: tuple[Role, ...]


async def remove_membership(
    session: AsyncSession,
    contact_id: int,
    words: str,
    catalog: UnitCatalog,
    *,
    now: datetime,
    actor: str,
) -> MembershipRemoved:
    """`/revoke N @UNIT`: the person of contact N stops acting for UNIT; the rest stays.

    Every channel of the person loses it (a membership belongs to the person). The last
    membership is not removed this way: that is revoking the contact (`/revoke N`).
    """
    row = await session.scalar(
        select(Contact)
        .options(_WITH_MEMBERSHIPS)
        .where(Contact.id == contact_id, Contact.revoked_at.is_(None))
    )
    if row is None:
        raise UnknownContact(contact_id)
    person = row.person
    held = [m.unit.name for m in person.memberships]
    index = UnitIndex([*held, *catalog.units], catalog)
    found = index.match_prefix(words)
    if found is None:
        raise UnknownUnit(" ".join(words.lstrip("@").split()[:6])[:60], tuple(dict.fromkeys(held)))
    doomed = [m for m in person.memberships if m.unit.name == found.name]
    if not doomed:
        raise NotAMember(
            contact_id, row.name or person.name, found.name, tuple(dict.fromkeys(held))
        )
    if len(doomed) == len(person.memberships):
        raise LastMembership(contact_id, row.name or person.name, found.name)
    for membership in doomed:
        await session.delete(membership)
    remaining = [m for m in person.memberships if m not in doomed]
    person.memberships = remaining
    # The legacy single unit follows the first membership still held.
    person.unit_id, person.role = remaining[0].unit_id, remaining[0].role
    await session.flush()
    roles = tuple(Role(m.role) for m in doomed)
    await record(
        session,
        now,
        actor,
        "membership_remove",
        found.name,
        {"person_id": person.id, "contact_id": contact_id, "roles": [str(r) for r in roles]},
    )
    return MembershipRemoved(_info(row), found.name, roles)


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
        name=row.name or person.name,
        since=row.since,
        language=person.language,
        prefer_channel=person.prefer_channel,
        memberships=tuple(MembershipInfo(m.unit.name, Role(m.role)) for m in person.memberships),
    )


def _actor(sender: Sender) -> str:
    return f"{sender.channel}:{sender.user_id} {sender.name}".strip()
