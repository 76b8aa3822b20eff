"""The outbox: each reminder is a row written once, before it is sent: the proof of sending.

Rows move pending → sending → sent. A failed send goes back to `failed` with the error and a time
to retry; a permanent refusal (the person blocked the bot) becomes `undeliverable`. Claiming is a
conditional UPDATE, so two processes can never take the same row (see `claim`).

A claim is fenced: `claimed_by` holds a token new for each claim, and right before sending the
sender renews its claim in one conditional UPDATE that compares that token in the database
(`fence`). A process that was paused (SIGSTOP, a frozen VM) past the claim timeout finds its rows
given to another and sends nothing; what no check can recall is a request already on its way to
the channel when the pause began.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import String, and_, any_, bindparam, func, or_, select, text, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession

from bot.store.models import Assignment, Confirmation, Contact, OutboxItem
from scheduler.facts import Recipient
from scheduler.policy import DueReminder

PENDING, SENDING, SENT, FAILED = "pending", "sending", "sent", "failed"
UNDELIVERABLE, SKIPPED, CANCELLED = "undeliverable", "skipped", "cancelled"
#: A claim older than this belongs to a process that died mid-send; the row is sent again.
STALE_CLAIM = timedelta(minutes=2)
MAX_BACKOFF = timedelta(hours=1)
FIRST_BACKOFF = timedelta(seconds=30)
INSERT_CHUNK = 2000
KEYS_PER_ARRAY = 20_000
#: A write of this many rows or more refreshes the planner's statistics (`refresh_statistics`).
ANALYZE_AFTER = 1000


@dataclass(frozen=True, slots=True)
class Addressed:
    """A reminder, who receives it, and the key that makes it unique in the outbox."""

    reminder: DueReminder
    recipient: Recipient
    dedupe_key: str

    @classmethod
    def of(cls, reminder: DueReminder, recipient: Recipient) -> Addressed:
        return cls(reminder, recipient, dedupe_key(reminder, recipient.contact_id))


def dedupe_key(reminder: DueReminder, contact_id: int) -> str:
    subject = (
        f"a{reminder.assignment_id}"
        if reminder.assignment_id is not None
        else f"t{reminder.task_id}"
    )
    return f"{subject}|{reminder.kind}|{reminder.slot.isoformat()}|{contact_id}"


async def existing_keys(session: AsyncSession, keys: list[str]) -> set[str]:
    """The keys among `keys` the outbox already holds, by its unique index.

    On PostgreSQL the keys go as one array (`= ANY(:keys)`): one statement whatever their number,
    looked up in the index however large the table has grown. SQLite takes them as an IN list.
    """
    found: set[str] = set()
    postgres = session.bind.dialect.name == "postgresql"
    chunk_size = KEYS_PER_ARRAY if postgres else INSERT_CHUNK
    for start in range(0, len(keys), chunk_size):
        chunk = keys[start : start + chunk_size]
        if postgres:
            match = OutboxItem.dedupe_key == any_(
                bindparam("keys", chunk, type_=postgresql.ARRAY(String))
            )
        else:
            match = OutboxItem.dedupe_key.in_(chunk)
        found.update(await session.scalars(select(OutboxItem.dedupe_key).where(match)))
    return found


_COLUMNS = (
    "dedupe_key",
    "task_id",
    "assignment_id",
    "contact_id",
    "kind",
    "slot",
    "period",
    "days",
    "owing_units",
    "late",
    "status",
    "created_at",
    "attempts",
)


async def write(
    session: AsyncSession, addressed: list[Addressed], *, status: str, now: datetime
) -> None:
    """Insert the rows that are not there yet; a row another process wrote first is left alone.

    The first tick of a large plan writes tens of thousands of rows, so values are converted
    once per distinct value with the columns' own bind processors and handed to the driver's
    executemany; the conflict clause keeps a concurrent writer's row.
    """
    if not addressed:
        return
    connection = await session.connection()
    dialect = connection.dialect
    table = OutboxItem.__table__
    convert = {name: table.c[name].type.bind_processor(dialect) for name in _COLUMNS}
    created_at = _processed(convert["created_at"], now)
    status_value = _processed(convert["status"], status)
    slots: dict[object, object] = {}
    json_lists: dict[tuple[str, ...], object] = {}
    rows = []
    for item in addressed:
        reminder = item.reminder
        slot = slots.get(reminder.slot)
        if slot is None:
            slot = slots[reminder.slot] = _processed(convert["slot"], reminder.slot)
        owing = json_lists.get(reminder.owing_units)
        if owing is None:
            owing = json_lists[reminder.owing_units] = _processed(
                convert["owing_units"], list(reminder.owing_units)
            )
        rows.append(
            (
                item.dedupe_key,
                reminder.task_id,
                reminder.assignment_id,
                item.recipient.contact_id,
                str(reminder.kind),
                slot,
                reminder.period,
                reminder.days,
                owing,
                _processed(convert["late"], reminder.late),
                status_value,
                created_at,
                0,
            )
        )
    marker = "%s" if dialect.paramstyle in ("format", "pyformat") else "?"
    if dialect.paramstyle == "numeric_dollar":
        values = ", ".join(f"${n}" for n in range(1, len(_COLUMNS) + 1))
    else:
        values = ", ".join([marker] * len(_COLUMNS))
    sql = (
        f"INSERT INTO {table.name} ({', '.join(_COLUMNS)}) VALUES ({values}) "
        "ON CONFLICT (dedupe_key) DO NOTHING"
    )
    for start in range(0, len(rows), INSERT_CHUNK):
        await connection.exec_driver_sql(sql, rows[start : start + INSERT_CHUNK])


async def refresh_statistics(session: AsyncSession) -> None:
    """Tell PostgreSQL's planner what the outbox holds now, after a large write.

    Its statistics otherwise date from autovacuum's last look, often a moment when every row was
    `sent`: a claim then takes `status = 'pending'` for rare and walks every pending row of the
    morning for each person. Run it in a transaction of its own: it must never undo a write.
    """
    if session.bind.dialect.name == "postgresql":
        # Autovacuum may be working on the table: wait a moment for it, never a whole tick.
        await session.execute(text("SET LOCAL lock_timeout = '2s'"))
        await session.execute(text(f"ANALYZE {OutboxItem.__tablename__}"))


def _processed(processor: object, value: object) -> object:
    return processor(value) if processor is not None else value  # type: ignore[operator]


async def release_stale_claims(
    session: AsyncSession, now: datetime, claim_timeout: timedelta = STALE_CLAIM
) -> int:
    """Give back rows claimed by a process that died before it could mark them."""
    result = await session.execute(
        update(OutboxItem)
        .where(OutboxItem.status == SENDING, OutboxItem.claimed_at < now - claim_timeout)
        .values(status=PENDING, claimed_by=None, claimed_at=None)
    )
    return result.rowcount or 0


def _ready(now: datetime):
    return or_(
        OutboxItem.status == PENDING,
        and_(OutboxItem.status == FAILED, OutboxItem.next_attempt_at <= now),
    )


async def contacts_waiting(session: AsyncSession, channel: str, now: datetime) -> list[int]:
    """Contacts of one channel with rows ready to send, oldest first."""
    rows = await session.execute(
        select(OutboxItem.contact_id)
        .join(Contact, Contact.id == OutboxItem.contact_id)
        .where(Contact.channel == channel, _ready(now))
        .group_by(OutboxItem.contact_id)
        .order_by(func.min(OutboxItem.id))
    )
    return [row[0] for row in rows]


async def count_waiting(session: AsyncSession, *, exclude_channels: list[str]) -> int:
    """Rows waiting for a channel this process does not run (e.g. Telegram switched off)."""
    return await session.scalar(
        select(func.count(OutboxItem.id))
        .join(Contact, Contact.id == OutboxItem.contact_id)
        .where(OutboxItem.status.in_([PENDING, FAILED]), Contact.channel.not_in(exclude_channels))
    )


async def claim(
    session: AsyncSession,
    contact_id: int,
    claim_token: str,
    now: datetime,
    *,
    claimed_at: datetime | None = None,
) -> list[int]:
    """Take every ready row of one contact under `claim_token`; rows another took are not ours.

    The token is new for each claim (`ReminderEngine` makes it from its worker id), so a claim
    that ran out and was given to another is told apart from a later claim of the same process.

    The UPDATE is conditional (only rows still ready), so of two processes one gets the rows.
    On PostgreSQL the contact is first picked `FOR NO KEY UPDATE SKIP LOCKED`: a contact another
    process is claiming at this instant is left to it, never waited for, and a person's rows are
    never split between two processes (two messages instead of one merged). SQLite's BEGIN
    IMMEDIATE makes the whole claim one writer's already.
    """
    if session.bind.dialect.name == "postgresql":
        mine = await session.scalar(
            select(Contact.id)
            .where(Contact.id == contact_id)
            .with_for_update(skip_locked=True, key_share=True)
        )
        if mine is None:
            return []
    result = await session.execute(
        update(OutboxItem)
        .where(OutboxItem.contact_id == contact_id, _ready(now))
        .values(status=SENDING, claimed_by=claim_token, claimed_at=claimed_at or now)
        .returning(OutboxItem.id)
    )
    return [row[0] for row in result]


async def fence(
    session: AsyncSession, ids: list[int], claim_token: str, now: datetime
) -> list[int]:
    """Renew this claim on `ids` where the database still says it is ours; the ids renewed.

    The token is compared and the claim's time moved in the same statement, so no other process
    can give the rows back in between: after it, they are ours for the claim timeout again.
    """
    if not ids:
        return []
    result = await session.execute(
        update(OutboxItem)
        .where(
            OutboxItem.id.in_(ids),
            OutboxItem.claimed_by == claim_token,
            OutboxItem.status == SENDING,
        )
        .values(claimed_at=now)
        .returning(OutboxItem.id)
    )
    return [row[0] for row in result]


async def give_back(session: AsyncSession, ids: list[int], claim_token: str) -> None:
    """Return rows this claim still holds to `pending`, unsent, for the next drain."""
    if ids:
        await session.execute(
            update(OutboxItem)
            .where(
                OutboxItem.id.in_(ids),
                OutboxItem.claimed_by == claim_token,
                OutboxItem.status == SENDING,
            )
            .values(status=PENDING, claimed_by=None, claimed_at=None)
        )


async def load_claimed(session: AsyncSession, ids: list[int]) -> list[OutboxItem]:
    return list(
        await session.scalars(
            select(OutboxItem).where(OutboxItem.id.in_(ids)).order_by(OutboxItem.id)
        )
    )


async def confirmed_since_queued(session: AsyncSession, rows: list[OutboxItem]) -> set[int]:
    """Rows whose assignment was confirmed after they were queued: they must not be sent."""
    keyed = [(row.id, row.assignment_id, row.period) for row in rows if row.assignment_id]
    if not keyed:
        return set()
    found = set(
        await session.execute(
            select(Confirmation.assignment_id, Confirmation.period).where(
                Confirmation.assignment_id.in_({a for _, a, _ in keyed}),
                Confirmation.undone_at.is_(None),
            )
        )
    )
    inactive = set(
        await session.scalars(
            select(Assignment.id).where(
                Assignment.id.in_({a for _, a, _ in keyed}), Assignment.active.is_(False)
            )
        )
    )
    return {row_id for row_id, a, p in keyed if (a, p) in found or a in inactive}


async def notice_details(
    session: AsyncSession, rows: list[OutboxItem]
) -> dict[int, tuple[str, str]]:
    """Row id → (reason, who) of the rows that are notices about a confirmation (a rejection)."""
    ids = {row.confirmation_id for row in rows if row.confirmation_id is not None}
    if not ids:
        return {}
    found = {
        confirmation_id: (reason or "", by or "")
        for confirmation_id, reason, by in await session.execute(
            select(Confirmation.id, Confirmation.reject_reason, Confirmation.rejected_by).where(
                Confirmation.id.in_(ids)
            )
        )
    }
    return {
        row.id: found[row.confirmation_id]
        for row in rows
        if row.confirmation_id is not None and row.confirmation_id in found
    }


async def mark(
    session: AsyncSession,
    ids: list[int],
    *,
    status: str,
    claim_token: str,
    now: datetime,
    message_id: str | None = None,
    error: str | None = None,
    retry_after: timedelta | None = None,
) -> None:
    """Record the outcome of rows this claim holds; rows since given to another are left alone."""
    values: dict[str, object] = {"status": status, "claimed_by": None, "claimed_at": None}
    if status == SENT:
        values.update(sent_at=now, message_id=message_id, last_error=None)
    if error is not None:
        values.update(last_error=error[:500], attempts=OutboxItem.attempts + 1)
    if retry_after is not None:
        values["next_attempt_at"] = now + retry_after
    await session.execute(
        update(OutboxItem)
        .where(OutboxItem.id.in_(ids), OutboxItem.claimed_by == claim_token)
        .values(**values)
    )


def backoff(attempts: int, retry_after: float | None) -> timedelta:
    """Exponential backoff from 30 s up to an hour, never shorter than the server asked."""
    delay = min(FIRST_BACKOFF * (2 ** max(attempts, 0)), MAX_BACKOFF)
    if retry_after:
        delay = max(delay, timedelta(seconds=retry_after))
    return delay
