"""One tick of the reminder engine: ask the policy what is due, write it to the outbox, send it.

The tick is the only place that turns the pure policy into rows and messages. It keeps no state of
its own between runs: the last tick's time, the outbox and the confirmations are all in the
database, so a restart, a crash or a second process repeats and loses nothing.
"""

from __future__ import annotations

import asyncio
import gc
import itertools
import logging
import os
import secrets
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot.channels.base import Buttons, Channel, SendError
from bot.channels.console import CONSOLE
from bot.channels.retry import send_guard
from bot.clock import Clock, as_local
from bot.domain.model import Role, ScheduleKind
from bot.fit import TELEGRAM_LIMIT
from bot.i18n import Translator
from bot.services import reminder_dates
from bot.services.facade import BotServices
from bot.store.db import in_background
from bot.store.engine_state import read_value, write_value
from bot.store.models import Assignment, Contact, Membership, OutboxItem, Person, Task
from bot.store.reminder_days import NEVER
from scheduler import outbox
from scheduler.closing import closing_summaries, summary_block
from scheduler.digest import DigestBook, is_digest, load_digest_facts
from scheduler.digest_text import with_digest
from scheduler.facts import (
    PlanFacts,
    Recipient,
    Recipients,
    TaskInfo,
    load_extended_dues,
    load_owed_tasks,
    load_plan_facts,
    load_recipients,
    load_task_infos,
)
from scheduler.messages import OWED_KINDS, ReminderItem, compose, reminder_buttons
from scheduler.policy import (
    Audience,
    DigestFacts,
    DueReminder,
    NextDays,
    ReminderKind,
    next_reminder_days,
    plan_digests,
    plan_reminders,
)

log = logging.getLogger(__name__)

LAST_TICK = "last_tick"
SENDERS_PER_CHANNEL = 4
#: After a fence, a send may start for this share of the claim timeout; the rest is left for
#: hosts whose clocks disagree (claims are aged by each process's own clock).
FENCE_SHARE = 0.75


class ClaimLapsed(Exception):
    """The claim on a person's rows ran out before their message left: it is not ours to send."""


@dataclass
class TickReport:
    """What one tick did; `queued` are the reminders new in this tick (or that would be, dry)."""

    at: datetime
    dry_run: bool
    queued: list[outbox.Addressed] = field(default_factory=list)
    skipped: int = 0
    sent: int = 0
    messages: int = 0
    failed: int = 0
    cancelled: int = 0
    waiting_for_channel: int = 0
    #: Assignments the policy was asked about: those whose stored day had come (and all of the
    #: tasks whose own day had), or every one when the stored days could not be trusted.
    examined: int = 0


class ReminderEngine:
    def __init__(
        self,
        services: BotServices,
        channels: Mapping[str, Channel],
        *,
        worker: str | None = None,
        claim_timeout: timedelta | None = None,
        claim_clock: Clock | None = None,
        stored_days: bool = True,
    ) -> None:
        """`claim_clock` ages claims; `tick --at` replays a past moment but claims age in real
        time, or a claim left by a killed replay would never look stale to the next one.

        `stored_days` False asks the policy about every row on every tick, as if no day were
        stored: the yardstick the stored days are tested against.
        """
        self.services = services
        self.claim_clock = claim_clock or services.clock
        self.channels = dict(channels)
        # Host, pid and a random tail; the host is cut so the id fits `claimed_by` (64).
        self.worker = worker or f"{os.uname().nodename[:40]}:{os.getpid()}:{secrets.token_hex(3)}"
        self.settings = services.config.reminder_settings()
        self.claim_timeout = claim_timeout or timedelta(
            seconds=self.settings.claim_timeout_seconds
        )
        self.calendar = self.settings.calendar()
        self.stored_days = stored_days
        self._lock = asyncio.Lock()
        self._claims = itertools.count(1)

    async def tick(self, now: datetime | None = None, *, dry_run: bool = False) -> TickReport:
        """Queue what is due at `now` (default: the clock) and, unless dry, send it."""
        now = as_local(now or self.services.now())
        async with self._lock:
            with in_background():  # a chat command's writes go before the tick's
                with _collector_paused():
                    report = await self._queue(now, dry_run=dry_run)
                if not dry_run:
                    await self.drain(now, report)
            return report

    async def _queue(self, now: datetime, *, dry_run: bool) -> TickReport:
        report = TickReport(at=now, dry_run=dry_run)
        # Building a year of working days takes tens of milliseconds: off the event loop, for
        # the years the policy looks into around a day.
        for year in (now.year - 1, now.year, now.year + 1):
            if not self.calendar.knows(year):
                await asyncio.to_thread(self.calendar.prepare, year)
        if not self._in_send_hours(now):
            return report  # before the send time or on a day off nothing is due: read nothing
        db = self.services.db
        today = now.date()
        stored = await self._days_hold(today, dry_run=dry_run)
        async with db.reading() as session:  # commands may write meanwhile
            facts = await load_plan_facts(session, today if stored else None)
            recipients = await load_recipients(session)
            since = await _read_last_tick(session)
            digests = await load_digest_facts(session)
            closing = await self._closing_summaries(session, facts, recipients, now)
        report.examined = len(facts.assignments)
        # The policy is CPU work (a whole province's rows on the day rules change): a worker
        # thread keeps the event loop answering commands meanwhile.
        due, skipped, next_days = await asyncio.to_thread(
            self._decide, facts, digests, recipients, now, since, closing
        )
        async with db.session() as session:
            known = await outbox.existing_keys(session, [item.dedupe_key for item in due])
            report.queued = [item for item in due if item.dedupe_key not in known]
            report.skipped = len(skipped)
            if dry_run:
                return report
            await outbox.write(session, report.queued, status=outbox.PENDING, now=now)
            await outbox.write(session, skipped, status=outbox.SKIPPED, now=now)
            await _store_next_days(session, facts, next_days)
            await reminder_dates.set_days_as_of(session, today)
            await _write_last_tick(session, now)
        if len(report.queued) + len(skipped) >= outbox.ANALYZE_AFTER:
            try:
                async with db.session() as session:
                    await outbox.refresh_statistics(session)
            except Exception:  # only the plans are at stake; the rows are written
                log.warning("could not refresh the outbox's statistics", exc_info=True)
        return report

    async def work_out_days(self, decided_through: date) -> int:
        """Ask the policy about every followed row and store its next day, as if every reminder
        up to `decided_through` had been decided; return how many assignments were asked about.

        What the first tick after a change of the rules would do, done ahead (a province's first
        tick then stays short); `decided_through` should be a day whose reminders did go out.
        """
        async with self._lock:
            async with self.services.db.session() as session:
                await reminder_dates.sync_rules(session, self.settings.rules_fingerprint())
            async with self.services.db.reading() as session:
                facts = await load_plan_facts(session)
            days = await asyncio.to_thread(
                next_reminder_days,
                facts.assignments,
                facts.confirmations,
                self.calendar,
                self.settings,
                decided_through,
            )
            async with self.services.db.session() as session:
                await _store_next_days(session, facts, days)
                await reminder_dates.set_days_as_of(session, decided_through)
            return len(facts.assignments)

    async def _days_hold(self, today: date, *, dry_run: bool) -> bool:
        """Whether this tick may read only the rows whose stored day has come.

        Not when the days were stored for a later day than `today` (`tick --at` replaying an
        earlier moment), nor under rules other than the ones they were computed with: then the
        tick asks about everything, and (unless dry) the days are worked out again.
        """
        if not self.stored_days:
            return False
        fingerprint = self.settings.rules_fingerprint()
        db = self.services.db
        async with db.reading() as session:
            changed = await reminder_dates.rules_changed(session, fingerprint)
            as_of = await reminder_dates.days_as_of(session)
        if changed:
            if dry_run:
                return False
            async with db.session() as session:
                await reminder_dates.sync_rules(session, fingerprint)
        return as_of is None or as_of <= today

    async def _closing_summaries(
        self, session: AsyncSession, facts: PlanFacts, recipients: Recipients, now: datetime
    ) -> list[DueReminder]:
        """The Office's one message about each plan whose end has passed (scheduler/closing).

        The open tasks it names are read only while some Office contact has not had it.
        """
        moment = as_local(now) - timedelta(minutes=self.settings.late_grace_minutes)
        late_until = moment.date()
        if moment.time() < self.settings.send_time:
            late_until -= timedelta(days=1)
        today = as_local(now).date()
        wanted = closing_summaries(
            facts.plans, set(), {}, self.calendar, self.settings, today, late_until
        )
        addressed = address(wanted, recipients)
        known = await outbox.existing_keys(session, [item.dedupe_key for item in addressed])
        news = {item.reminder.task_id for item in addressed if item.dedupe_key not in known}
        plans = [plan for plan in facts.plans if plan.anchor_task_id in news]
        if not plans:
            return []
        dated = [
            task_id
            for plan in plans
            for task_id in sorted(plan.task_ids)
            if facts.tasks[task_id].schedule.kind is not ScheduleKind.RECURRING
            and facts.tasks[task_id].schedule.due is not None
        ]
        return closing_summaries(
            plans,
            await load_owed_tasks(session, dated, today),
            {task_id: info.address for task_id, info in facts.tasks.items()},
            self.calendar,
            self.settings,
            today,
            late_until,
        )

    def _decide(
        self,
        facts: PlanFacts,
        digests: list[DigestFacts],
        recipients: Recipients,
        now: datetime,
        since: datetime | None,
        closing: list[DueReminder],
    ) -> tuple[list[outbox.Addressed], list[outbox.Addressed], NextDays]:
        result = plan_reminders(
            facts.assignments,
            facts.confirmations,
            self.calendar,
            self.settings,
            now,
            since,
            task_level=facts.task_level,
        )
        next_days = next_reminder_days(
            facts.assignments,
            facts.confirmations,
            self.calendar,
            self.settings,
            as_local(now).date(),
            task_level=facts.task_level,
        )
        weekly = plan_digests(digests, self.calendar, self.settings, now, since)
        due = address(result.due + closing + weekly.due, recipients)
        skipped = address(result.skipped + weekly.skipped, recipients)
        return due, skipped, next_days

    def _in_send_hours(self, now: datetime) -> bool:
        local = as_local(now)
        return local.time() >= self.settings.send_time and self.calendar.is_working_day(
            local.date()
        )

    async def drain(self, now: datetime | None = None, report: TickReport | None = None) -> None:
        """Send every ready outbox row, one merged message per contact, channels in parallel."""
        now = as_local(now or self.services.now())
        report = report or TickReport(at=now, dry_run=False)
        async with self.services.db.session() as session:
            await outbox.release_stale_claims(
                session, as_local(self.claim_clock.now()), self.claim_timeout
            )
            tasks = await load_task_infos(session)
        quoting = _Quoting(tasks, DigestBook(self.settings.due_soon_days))
        await asyncio.gather(
            *(
                self._drain_channel(name, channel, report, quoting, now)
                for name, channel in self.channels.items()
            )
        )
        async with self.services.db.session() as session:
            report.waiting_for_channel = await outbox.count_waiting(
                session, exclude_channels=list(self.channels)
            )

    async def _drain_channel(
        self, name: str, channel: Channel, report: TickReport, quoting: _Quoting, now: datetime
    ) -> None:
        async with self.services.db.session() as session:
            contact_ids = iter(await outbox.contacts_waiting(session, name, now))

        async def worker() -> None:
            for contact_id in contact_ids:  # the workers share one iterator: each id once
                try:
                    await self._send_to_contact(contact_id, channel, report, quoting, now)
                except Exception:  # one person's failure must not stop the others' reminders
                    log.exception("sending reminders to contact %s failed", contact_id)

        # A few sends in flight keep the channel's pacing full: with one, every late wake-up of
        # the limiter and every database round trip is a slot lost for good.
        # The console prints for a person to read: one at a time keeps its order fixed.
        senders = 1 if name == CONSOLE else SENDERS_PER_CHANNEL
        await asyncio.gather(*(worker() for _ in range(senders)))

    async def _send_to_contact(
        self,
        contact_id: int,
        channel: Channel,
        report: TickReport,
        quoting: _Quoting,
        now: datetime,
    ) -> None:
        """Claim one person's ready rows, send them as one message, and record the outcome.

        `now` is the tick's time: the claim, the outcome and the retry time are all measured
        against it, so `tick --at` replays behave like the live clock.
        """
        db = self.services.db
        claim_token = self._new_claim_token()
        # The writer's transaction holds the claim alone: on SQLite each one is a turn a chat
        # command (`/done`) may be queued behind, so what the message needs is read after it.
        async with db.session() as session:
            # A claim is stamped with the moment it is made, not the tick's start: a fan-out
            # may outlast the claim timeout, and another process must not take back live claims.
            claimed_at = as_local(self.claim_clock.now())
            ids = await outbox.claim(session, contact_id, claim_token, now, claimed_at=claimed_at)
        if not ids:
            return  # another process took them
        async with db.reading() as session:
            rows = await outbox.load_claimed(session, ids)
            notices = await outbox.notice_details(session, rows)
            stale = await outbox.confirmed_since_queued(session, rows)
            # A plan closed since the row was queued: its reminders are no longer wanted.
            stale |= {row.id for row in rows if row.task_id not in quoting.tasks}
            rows = [row for row in rows if row.id not in stale]
            quoting = replace(
                quoting,
                extended=await load_extended_dues(
                    session, [row.assignment_id for row in rows if row.assignment_id]
                ),
            )
            contact = await session.scalar(
                select(Contact)
                .options(
                    selectinload(Contact.person)
                    .selectinload(Person.memberships)
                    .selectinload(Membership.unit)
                )
                .where(Contact.id == contact_id)
            )
            session.expunge_all()  # keep what was read: the read-only transaction rolls back
        # Rows piled up while sending failed: only the newest of each subject is news.
        older = _older_of_same_subject(rows)
        rows = [row for row in rows if row.id not in older]
        if stale or older:
            async with db.session() as session:
                for marked, status in ((stale, outbox.CANCELLED), (older, outbox.SKIPPED)):
                    if marked:
                        await outbox.mark(
                            session,
                            sorted(marked),
                            status=status,
                            claim_token=claim_token,
                            now=now,
                        )
            report.cancelled += len(stale)
        if not rows:
            return
        assert contact is not None
        reminders = [row for row in rows if not is_digest(row)]
        digest = []
        if len(reminders) < len(rows):  # the Office's weekly digest: each plan's status now
            async with db.session() as session:
                digest = await quoting.digests.statuses(session, rows, quoting.tasks, now.date())
        text = self._compose(reminders, contact, quoting, now, notices) if reminders else ""
        if digest:
            late = [r.slot for r in rows if is_digest(r) and (r.late or r.slot < now.date())]
            text = with_digest(
                text,
                digest,
                Translator(contact.person.language),
                now.date(),
                late_from=min(late, default=None),
                send_time=self.settings.send_time.strftime("%H:%M"),
                limit=min(channel.max_text_length, TELEGRAM_LIMIT),
            )
        buttons = self._buttons(reminders, contact, quoting)
        row_ids = [row.id for row in rows]
        held_until = await self._fence(row_ids, claim_token)
        if held_until is None:
            return
        guard = send_guard.set(lambda: _check_claim(held_until, contact_id))
        try:
            message_id = await channel.send_text(contact.chat_id, text, buttons)
        except ClaimLapsed:
            async with db.session() as session:
                await outbox.give_back(session, row_ids, claim_token)
            log.warning("claim on contact %s's reminders ran out before sending", contact_id)
            return
        except SendError as error:
            attempts = max(row.attempts for row in rows)
            status = outbox.UNDELIVERABLE if error.permanent else outbox.FAILED
            async with db.session() as session:
                await outbox.mark(
                    session,
                    row_ids,
                    status=status,
                    claim_token=claim_token,
                    now=now,
                    error=str(error),
                    retry_after=None
                    if error.permanent
                    else outbox.backoff(attempts, error.retry_after),
                )
            report.failed += len(row_ids)
            log.warning("reminder to contact %s not sent: %s", contact_id, error)
            return
        finally:
            send_guard.reset(guard)
        async with db.session() as session:
            await outbox.mark(
                session,
                row_ids,
                status=outbox.SENT,
                claim_token=claim_token,
                now=now,
                message_id=message_id,
            )
        report.sent += len(row_ids)
        report.messages += 1

    def _new_claim_token(self) -> str:
        """A token for one claim: the worker id (up to 55 characters) and a counter."""
        return f"{self.worker[:55]}#{next(self._claims):x}"

    async def _fence(self, row_ids: list[int], claim_token: str) -> float | None:
        """Renew the claim right before sending; the monotonic time it surely holds until.

        None when another process has taken the rows meanwhile (this one was paused past the
        claim timeout): they are that process's to send. The time counts from before the
        statement, so it ends no later than the claim the database renewed.
        """
        started = time.monotonic()
        async with self.services.db.session() as session:
            held = await outbox.fence(
                session, row_ids, claim_token, as_local(self.claim_clock.now())
            )
            if len(held) < len(row_ids):
                await outbox.give_back(session, held, claim_token)
        if len(held) < len(row_ids):
            log.warning("reminders %s were taken over by another process; not sending", row_ids)
            return None
        return started + FENCE_SHARE * self.claim_timeout.total_seconds()

    def _buttons(self, rows: list[OutboxItem], contact: Contact, quoting: _Quoting) -> Buttons:
        """A Done and a Later button per task the person owes (channels without any skip them)."""
        owed = {str(kind) for kind in OWED_KINDS}
        items = [
            ReminderItem(
                kind=ReminderKind(row.kind),
                slot=row.slot,
                task=quoting.tasks[row.task_id],
                unit=None,
                period=row.period,
                days=row.days,
                owing_units=(),
                late=False,
            )
            for row in rows
            if row.kind in owed
        ]
        return reminder_buttons(items, Translator(contact.person.language))

    def _compose(
        self,
        rows: list[OutboxItem],
        contact: Contact,
        quoting: _Quoting,
        now: datetime,
        notices: Mapping[int, tuple[str, str]] | None = None,
    ) -> str:
        notices = notices or {}
        items = [
            ReminderItem(
                kind=ReminderKind(row.kind),
                slot=row.slot,
                task=quoting.task_of(row),
                unit=None,
                period=row.period,
                days=row.days,
                owing_units=tuple(row.owing_units),
                late=row.kind != ReminderKind.REJECTED and (row.late or row.slot < now.date()),
                detail=notices.get(row.id, ("", ""))[0],
                detail_by=notices.get(row.id, ("", ""))[1],
            )
            for row in rows
            if row.kind != ReminderKind.PLAN_ENDED
        ]
        person = contact.person
        tr = Translator(person.language)
        text = compose(
            items,
            recipient_unit=", ".join(dict.fromkeys(m.unit.name for m in person.memberships)),
            today=now.date(),
            send_time=self.settings.send_time.strftime("%H:%M"),
            tr=tr,
        )
        # A plan's closing summary is about the plan, not a task: it follows the tasks.
        summaries = [
            summary_block(
                quoting.tasks[row.task_id].plan_number,
                quoting.tasks[row.task_id].plan_key,
                row.slot,
                row.days,
                row.owing_units,
                self.settings.overdue_days_after_end,
                tr,
            )
            for row in rows
            if row.kind == ReminderKind.PLAN_ENDED
        ]
        return "\n\n".join([text, *summaries])


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Keep Python's cyclic collector from walking every loaded fact while the tick decides.

    Loading hundreds of thousands of facts set off a full collection every few tens of thousands
    of objects, each holding the event loop 60–150 ms (eleven of them at 200,000 assignments).
    The facts form no cycles: reference counting frees them when `_queue` returns, and with them
    the collector's count of new objects, so pausing it leaves no collection owed afterwards.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def settle_heap() -> None:
    """Put what a started process keeps for its whole life out of the cyclic collector's reach.

    A full collection walks every tracked object: with the modules, mappings and compiled
    queries of a started bot that held the event loop ~60 ms in the middle of a fan-out (and a
    `/done` behind it). Frozen, they are never walked again; a full collection then costs what
    ticks and commands create since, under 20 ms (`python -m bench.scale`). Call once, after
    start-up, before serving.
    """
    gc.collect()
    gc.freeze()


def _check_claim(held_until: float, contact_id: int) -> None:
    """Refuse to send when the fenced claim may have run out (the process was paused)."""
    if time.monotonic() >= held_until:
        raise ClaimLapsed(f"claim on contact {contact_id}'s reminders ran out")


def _older_of_same_subject(rows: list[OutboxItem]) -> set[int]:
    """Ids of rows superseded by a newer row about the same assignment (or task, and kind)."""
    newest: dict[tuple[object, ...], OutboxItem] = {}
    for row in rows:
        if row.kind == ReminderKind.REJECTED:
            continue  # a notice is news of its own: never superseded, never superseding
        subject = (row.assignment_id,) if row.assignment_id else (row.task_id, row.kind)
        kept = newest.get(subject)
        if kept is None or (row.slot, row.id) > (kept.slot, kept.id):
            newest[subject] = row
    keep = {row.id for row in newest.values()}
    return {row.id for row in rows if row.id not in keep and row.kind != ReminderKind.REJECTED}


@dataclass(frozen=True)
class _Quoting:
    """What messages quote of the followed plans' tasks, read once per drain."""

    tasks: Mapping[int, TaskInfo]
    digests: DigestBook = field(default_factory=DigestBook)
    #: Units whose date the Office extended alone: their reminders quote their own date.
    extended: Mapping[int, date] = field(default_factory=dict)

    def task_of(self, row: OutboxItem) -> TaskInfo:
        task = self.tasks[row.task_id]
        due = self.extended.get(row.assignment_id) if row.assignment_id else None
        if due is None or not task.schedule.has_date:
            return task
        original = task.original_due or task.schedule.due
        return replace(task, schedule=replace(task.schedule, due=due), original_due=original)


def address(reminders: list[DueReminder], recipients: Recipients) -> list[outbox.Addressed]:
    """Who receives each reminder: the unit's contacts, or the Office (and Ban ISO)."""
    out: list[outbox.Addressed] = []
    for reminder in reminders:
        for recipient in _audience(reminder, recipients):
            out.append(outbox.Addressed.of(reminder, recipient))
    return out


def _audience(reminder: DueReminder, recipients: Recipients) -> list[Recipient]:
    if reminder.audience is Audience.UNIT:
        return recipients.by_unit.get(reminder.unit or "", [])
    if reminder.audience is Audience.OFFICE:
        return recipients.by_role.get(Role.OFFICE, [])
    seen: dict[int, Recipient] = {}
    for role in (Role.OFFICE, Role.ISO):
        for recipient in recipients.by_role.get(role, []):
            seen.setdefault(recipient.contact_id, recipient)
    return list(seen.values())


async def _store_next_days(session: AsyncSession, facts: PlanFacts, days: NextDays) -> None:
    """Keep the days the policy worked out, and "never" for rows nothing can remind."""
    assignment_days = dict(days.assignments)
    assignment_days.update(dict.fromkeys(facts.parked, NEVER))
    generations = {**facts.generations, **facts.parked}
    await reminder_dates.store_next_days(session, Assignment, assignment_days, generations)
    await reminder_dates.store_next_days(session, Task, days.tasks, facts.task_generations)


async def _read_last_tick(session: AsyncSession) -> datetime | None:
    value = await read_value(session, LAST_TICK)
    return datetime.fromisoformat(value) if value else None


async def _write_last_tick(session: AsyncSession, now: datetime) -> None:
    last = await _read_last_tick(session)
    if last is None or last < now:
        await write_value(session, LAST_TICK, now.isoformat())
