"""The object handlers, the CLI and the scheduler call: a session per call, time from the clock."""

from __future__ import annotations

import asyncio
import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from bot.channels.base import Attachment, FileSource, Sender
from bot.clock import Clock, local_today
from bot.config import Config
from bot.domain.model import ParsedPlan, Role
from bot.domain.plans import TaskRef, address, file_name_part
from bot.domain.units import UnitCatalog
from bot.services import (
    addressing,
    aggregates,
    checks,
    confirmations,
    dates,
    evidence,
    plans,
    registry,
    reminder_dates,
    snooze,
    status,
    views,
)
from bot.services.errors import InvalidCode, ServiceError
from bot.services.report_data import build_report_data, chart_data
from bot.services.summary import PlanSummary
from bot.store.db import Database
from bot.store.models import Task

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from bot.reports.data import ReportData
    from bot.store.models import Plan


def as_ref(ref: TaskRef | int) -> TaskRef:
    """A bare number is a task address without a plan key (scripts and tests pass ints)."""
    return TaskRef(None, ref) if isinstance(ref, int) else ref


@dataclass
class BotServices:
    db: Database
    clock: Clock
    config: Config
    catalog: UnitCatalog
    #: Channels that can fetch the files people send (evidence), by channel name.
    file_sources: dict[str, FileSource] = field(default_factory=dict)

    def now(self) -> datetime:
        return self.clock.now()

    def today(self) -> date:
        return local_today(self.clock)

    @property
    def due_soon_days(self) -> int:
        return int(self.config.reminders.get("due_soon_days", 7))

    def read_plan(self, path: Path) -> ParsedPlan:
        """Read a plan document with this agency's units and its `routine_every`."""
        from bot.importer import read_plan

        return read_plan(
            path, self.catalog, routine_every=self.config.reminder_settings().routine_every
        )

    async def import_plan(
        self, parsed: ParsedPlan, source: str = "", key: str | None = None
    ) -> plans.ImportSummary:
        async with self.db.session() as session:
            return await plans.store_plan(
                session, parsed, self.catalog, now=self.now(), source=source, key=key
            )

    async def apply_routine_every(self) -> int:
        """Bring stored "Thường xuyên" tasks to the configured period (`nhacviec init`)."""
        async with self.db.session() as session:
            return await plans.apply_routine_every(
                session, self.config.reminder_settings().routine_every
            )

    async def sync_reminder_rules(self) -> bool:
        """Work every stored reminder day out again if `[reminders]` changed (`nhacviec init`);
        return whether it had."""
        fingerprint = self.config.reminder_settings().rules_fingerprint()
        async with self.db.session() as session:
            return await reminder_dates.sync_rules(session, fingerprint)

    async def has_plan(self) -> bool:
        async with self.db.session() as session:
            return await plans.has_plan(session)

    async def status(self, key: str | None = None) -> status.PlanStatus:
        """One plan's status: the plan named by `key`, or the only one followed."""
        async with self.db.session() as session:
            plan = await plans.one_plan(session, key)
            return await self._plan_status(session, plan)

    async def statuses(self, *, include_closed: bool = False) -> list[status.PlanStatus]:
        """Every followed plan's status (with `include_closed`, every stored plan's)."""
        async with self.db.session() as session:
            if include_closed:
                found = await plans.all_plans(session)
            else:
                found = await plans.followed_plans(session)
            return [await self._plan_status(session, plan) for plan in found]

    async def _plan_status(self, session: AsyncSession, plan: Plan) -> status.PlanStatus:
        several = len(await plans.followed_plans(session)) > 1
        return await status.plan_status(
            session,
            plan,
            self.today(),
            due_soon_days=self.due_soon_days,
            several_plans=several,
            verify=self.config.workflow.verify,
        )

    # ---- what the chat shows: aggregates and one unit's rows, never every assignment -----

    def _options(self, several_plans: bool) -> views.StatusOptions:
        return views.StatusOptions(
            today=self.today(),
            due_soon_days=self.due_soon_days,
            several_plans=several_plans,
            verify=self.config.workflow.verify,
        )

    async def summary(self, key: str | None = None, *, detail: bool = False) -> PlanSummary:
        """One plan as `/status KEY` shows it (`detail`: with what only that overview shows,
        the chart's counts, the first owing units and the units with nobody registered;
        without it, the counts a list of plans shows)."""
        async with self.db.reading() as session:
            plan = await plans.one_plan(session, key)
            return await self._summary(session, plan, detail=detail)

    async def summaries(
        self, *, include_closed: bool = False, detail: bool = False
    ) -> list[PlanSummary]:
        """Every followed plan (with `include_closed`, every stored plan) as `/status` shows it.

        `detail`: when there is only one, `/status` shows it in full: read its details too.
        """
        async with self.db.reading() as session:
            if include_closed:
                found = await plans.all_plans(session)
            else:
                found = await plans.followed_plans(session)
            one = detail and len(found) == 1
            return [await self._summary(session, plan, detail=one) for plan in found]

    async def _summary(
        self, session: AsyncSession, plan: Plan, *, detail: bool = False
    ) -> PlanSummary:
        options = self._options(len(await plans.followed_plans(session)) > 1)
        return await aggregates.plan_summary(
            session,
            plan,
            options.today,
            due_soon_days=options.due_soon_days,
            several_plans=options.several_plans,
            verify=options.verify,
            chart=detail,
            unregistered=detail,
            first_units=detail,
        )

    async def task_view(
        self, ref: TaskRef | int, contact: registry.ContactInfo | None
    ) -> views.TaskView:
        """The task `ref` names as the Office sees it in `/status 187.6`."""
        async with self.db.reading() as session:
            plan, task = await addressing.resolve_task(
                session, as_ref(ref), contact, allow_closed=True
            )
            several = len(await plans.followed_plans(session)) > 1
            return await views.task_view(session, plan, task, self._options(several))

    async def unit_parts(
        self, ref: TaskRef | int, contact: registry.ContactInfo
    ) -> tuple[str, dict[str, tuple[status.TaskStatus, status.AssignmentStatus]]]:
        """The task's address, and the part of each of the sender's units that has one
        (`/status 6` by a head): the handler picks the unit as `own_unit_arg` decides."""
        async with self.db.reading() as session:
            plan, task = await addressing.resolve_task(
                session, as_ref(ref), contact, allow_closed=True
            )
            several = len(await plans.followed_plans(session)) > 1
            options = self._options(several)
            parts = {}
            for unit in contact.units:
                found = await views.unit_part(session, plan, task, unit, options)
                if found is not None:
                    parts[unit] = found
            return address(plan.key, task.no, several_plans=several), parts

    async def unit_tasks(
        self, units: Sequence[str]
    ) -> tuple[list[tuple[str, views.UnitPlanTasks]], list[str]]:
        """Each unit's tasks in each followed plan (unit by unit, then plan by plan), and the
        followed plans' numbers."""
        async with self.db.reading() as session:
            followed = await plans.followed_plans(session)
            options = self._options(len(followed) > 1)
            found = [
                (unit, part)
                for unit in units
                for part in await views.unit_tasks(session, followed, unit, options)
            ]
            return found, [plan.number for plan in followed]

    async def status_chart(self, summary: PlanSummary, directory: Path, language: str) -> Path:
        """The status chart of a summary read with `detail=True`, in `directory`.

        Drawing takes 300–400 ms whatever the plan's size, so a chart is drawn once per content
        (the day, every count it shows, the language): its file is named by a digest of them,
        and until a count changes every `/status`, from any process, sends the same file.
        """
        from bot.i18n import Translator
        from bot.reports import ReportFormat, write_report

        data = chart_data(summary, self.config.agency)
        digest = hashlib.sha256(repr((data, language)).encode()).hexdigest()[:20]
        path = directory / f"{file_name_part(summary.number)}-chart-{digest}.png"
        try:
            os.utime(path)  # used again: keep it past the folder's hourly clean-up
            return path
        except FileNotFoundError:
            pass
        drawing = path.with_name(f"{path.stem}.{os.getpid()}.{id(data)}.png")
        await asyncio.to_thread(
            write_report, data, ReportFormat.PNG, drawing, tr=Translator(language)
        )
        os.replace(drawing, path)  # whole or absent, whoever reads it meanwhile
        return path

    async def is_plan_key(self, text: str) -> bool:
        """True when `text` is a stored plan's key (`/status 187` means the plan, not a task)."""
        async with self.db.session() as session:
            wanted = text.strip().casefold()
            return any(plan.key.casefold() == wanted for plan in await plans.all_plans(session))

    async def set_plan_end(self, key: str | None, end: date) -> plans.PlanChange:
        async with self.db.session() as session:
            return await plans.set_end(session, key, end, now=self.now())

    async def set_plan_closed(self, key: str, closed: bool, *, actor: str) -> plans.PlanChange:
        async with self.db.session() as session:
            return await plans.set_closed(session, key, closed, now=self.now(), actor=actor)

    async def report_data(
        self, key: str | None = None, current: status.PlanStatus | None = None
    ) -> ReportData:
        async with self.db.session() as session:
            if current is not None:
                plan = await plans.find_plan(session, current.key)
            else:
                plan = await plans.one_plan(session, key)
            return await build_report_data(
                session,
                plan,
                current.today if current else self.today(),
                agency=self.config.agency,
                due_soon_days=self.due_soon_days,
                status=current,
                storage_dir=self.config.storage_dir,
                verify=self.config.workflow.verify,
            )

    async def write_report(
        self,
        fmt: str,
        path: Path,
        language: str,
        current: status.PlanStatus | None = None,
        key: str | None = None,
    ) -> Path:
        """Write a report file; the writers block for a moment, so they run in a thread.

        Pass the status just computed (`current`), if any, so it is not computed again.
        """
        from bot.i18n import Translator
        from bot.reports import ReportFormat, write_report

        data = await self.report_data(key, current)
        return await asyncio.to_thread(
            write_report, data, ReportFormat(fmt), path, tr=Translator(language)
        )

    async def find_contact(self, sender: Sender) -> registry.ContactInfo | None:
        async with self.db.session() as session:
            return await registry.find_contact(session, sender.channel, sender.user_id)

    async def contacts(self) -> list[registry.ContactInfo]:
        async with self.db.session() as session:
            return await registry.list_contacts(session)

    async def invite(
        self, unit: str, role: Role, *, created_by: str, person_id: int | None = None
    ) -> registry.IssuedInvite:
        async with self.db.session() as session:
            return await registry.create_invite(
                session,
                self.catalog,
                unit_name=unit,
                role=role,
                now=self.now(),
                created_by=created_by,
                person_id=person_id,
            )

    async def register(self, sender: Sender, code: str) -> registry.Registration:
        try:
            async with self.db.session() as session:
                return await registry.register(
                    session, sender, code, now=self.now(), language=self.config.language
                )
        except InvalidCode:
            async with self.db.session() as session:
                await registry.record_wrong_code(session, sender, now=self.now())
            raise

    async def revoke(self, contact_id: int, *, actor: str) -> registry.ContactInfo:
        async with self.db.session() as session:
            return await registry.revoke_contact(session, contact_id, now=self.now(), actor=actor)

    async def remove_membership(
        self, contact_id: int, unit_words: str, *, actor: str
    ) -> registry.MembershipRemoved:
        """`/revoke N @UNIT`: the person of contact N no longer acts for UNIT."""
        async with self.db.session() as session:
            return await registry.remove_membership(
                session, contact_id, unit_words, self.catalog, now=self.now(), actor=actor
            )

    async def set_language(self, contact: registry.ContactInfo, language: str) -> None:
        async with self.db.session() as session:
            await registry.set_language(session, contact.person_id, language)

    async def confirm(
        self,
        contact: registry.ContactInfo,
        ref: TaskRef | int,
        note: str = "",
        attachment: Attachment | None = None,
    ) -> confirmations.Confirmed:
        async with self.db.session() as session:
            return await confirmations.confirm(
                session,
                contact,
                as_ref(ref),
                now=self.now(),
                today=self.today(),
                note=note,
                attachment=attachment,
                catalog=self.catalog,
                verify=self.config.workflow.verify,
            )

    async def confirm_many(
        self,
        contact: registry.ContactInfo,
        refs: list[TaskRef],
        attachment: Attachment | None = None,
    ) -> list[tuple[TaskRef, confirmations.Confirmed | ServiceError]]:
        """Confirm each task in its own transaction: one refusal leaves the others recorded."""
        results: list[tuple[TaskRef, confirmations.Confirmed | ServiceError]] = []
        for ref in refs:
            try:
                results.append((ref, await self.confirm(contact, ref, attachment=attachment)))
            except ServiceError as error:
                results.append((ref, error))
        return results

    async def verify(
        self, contact: registry.ContactInfo, ref: TaskRef | int, words: str = ""
    ) -> checks.Verified:
        async with self.db.session() as session:
            return await checks.verify(
                session, contact, as_ref(ref), words, now=self.now(), catalog=self.catalog
            )

    async def reject(
        self, contact: registry.ContactInfo, ref: TaskRef | int, words: str = ""
    ) -> checks.Rejected:
        async with self.db.session() as session:
            return await checks.reject(
                session,
                contact,
                as_ref(ref),
                words,
                now=self.now(),
                today=self.today(),
                catalog=self.catalog,
            )

    async def extend(
        self,
        contact: registry.ContactInfo | None,
        ref: TaskRef | int,
        date_text: str,
        words: str = "",
    ) -> dates.Extended:
        async with self.db.session() as session:
            return await dates.extend(
                session,
                contact,
                as_ref(ref),
                date_text,
                words,
                now=self.now(),
                today=self.today(),
                catalog=self.catalog,
            )

    async def undo(
        self, contact: registry.ContactInfo, ref: TaskRef | int, words: str = ""
    ) -> confirmations.Undone:
        async with self.db.session() as session:
            return await confirmations.undo(
                session, contact, as_ref(ref), now=self.now(), words=words, catalog=self.catalog
            )

    async def set_deadline(
        self, contact: registry.ContactInfo | None, ref: TaskRef | int, due: date | str
    ) -> dates.DeadlineSet:
        """Set a task's missing date; `due` may be the text typed (`15/12`, `15-12-2022`)."""
        async with self.db.session() as session:
            return await dates.set_deadline(
                session, contact, as_ref(ref), due, now=self.now(), today=self.today()
            )

    async def snooze(
        self,
        contact: registry.ContactInfo,
        ref: TaskRef | int,
        days: int | None = None,
        words: str = "",
    ) -> snooze.Snoozed:
        """Hold the contact's unit's reminders of a task for `days` working days (`words`: an
        `@UNIT` naming which of the contact's units)."""
        settings = self.config.reminder_settings()
        async with self.db.session() as session:
            return await snooze.snooze(
                session,
                contact,
                as_ref(ref),
                days,
                now=self.now(),
                today=self.today(),
                calendar=settings.calendar(),
                settings=settings,
                words=words,
                catalog=self.catalog,
            )

    # ---- evidence --------------------------------------------------------------------------

    @property
    def storage(self) -> evidence.Storage:
        return evidence.Storage(self.config.storage_dir)

    async def keep_evidence(self, channel: str, attachment: Attachment) -> evidence.Kept:
        """Download the file a just-stored confirmation carries into `[storage] dir`."""
        return await evidence.keep(
            self.db.session,
            self.file_sources.get(channel),
            channel,
            attachment,
            self.storage,
            now=self.now(),
        )

    async def evidence(
        self, contact: registry.ContactInfo, ref: TaskRef | int, unit: str | None = None
    ) -> evidence.TaskEvidence:
        """The evidence files of a task (of one unit), failed downloads tried once more.

        The Office, Ban ISO and the leadership see every unit's; a head or member their own.
        """
        async with self.db.session() as session:
            plan, task = await addressing.resolve_task(
                session, as_ref(ref), contact, allow_closed=True
            )
            shown = (await addressing.addressing(session)).of(plan, task.no)
            units = await evidence.task_units(session, task)
            chosen = evidence.unit_to_show(self.catalog, contact, shown, units, unit)
            items = await evidence.evidence_of_task(session, task, chosen)
            key, no = plan.key, task.no
        if await evidence.retry(self.db.session, self.file_sources, items, self.storage, key, no):
            async with self.db.session() as session:
                task = await session.get(Task, task.id)
                items = await evidence.evidence_of_task(session, task, chosen)
        return evidence.TaskEvidence(shown, chosen, tuple(items))

    async def add_evidence(
        self,
        contact: registry.ContactInfo,
        ref: TaskRef | int,
        attachment: Attachment,
        unit: str | None = None,
    ) -> tuple[str, str, evidence.Kept]:
        """Add a file to a unit's standing confirmation (`/minhchung 6` sent with a file).

        A unit adds to its own; the Office may name the unit (`@UNIT`) it received a file for.
        """
        async with self.db.session() as session:
            plan, task = await addressing.resolve_task(session, as_ref(ref), contact)
            shown = (await addressing.addressing(session)).of(plan, task.no)
            units = await evidence.task_units(session, task)
            owner = evidence.unit_to_add(self.catalog, contact, shown, units, unit)
            target = await evidence.standing_confirmation(session, task, owner)
        if target is None:
            raise evidence.NotConfirmed(shown, owner)
        kept = await evidence.store(
            self.db.session,
            self.file_sources.get(contact.channel),
            contact.channel,
            attachment,
            self.storage,
            [target],
            now=self.now(),
        )
        return shown, owner, kept
