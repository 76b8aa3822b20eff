"""The object handlers, the CLI and the scheduler call: a session per call, time from the clock."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from bot.channels.base import Attachment, Sender
from bot.clock import Clock, local_today
from bot.config import Config
from bot.domain.model import ParsedPlan, Role
from bot.domain.units import UnitCatalog
from bot.services import confirmations, plans, registry, status
from bot.services.errors import InvalidCode
from bot.services.report_data import build_report_data
from bot.store.db import Database

if TYPE_CHECKING:
    from bot.reports.data import ReportData


@dataclass
class BotServices:
    db: Database
    clock: Clock
    config: Config
    catalog: UnitCatalog

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

    async def import_plan(self, parsed: ParsedPlan, source: str = "") -> plans.ImportSummary:
        async with self.db.session() as session:
            return await plans.store_plan(
                session, parsed, self.catalog, now=self.now(), source=source
            )

    async def apply_routine_every(self) -> int:
        """Bring stored "Thường xuyên" tasks to the configured period (`nhacviec init`)."""
        async with self.db.session() as session:
            return await plans.apply_routine_every(
                session, self.config.reminder_settings().routine_every
            )

    async def has_plan(self) -> bool:
        async with self.db.session() as session:
            return await plans.has_plan(session)

    async def status(self) -> status.PlanStatus:
        async with self.db.session() as session:
            return await status.plan_status(
                session, self.today(), due_soon_days=self.due_soon_days
            )

    async def report_data(self, current: status.PlanStatus | None = None) -> ReportData:
        async with self.db.session() as session:
            return await build_report_data(
                session,
                current.today if current else self.today(),
                agency=self.config.agency,
                due_soon_days=self.due_soon_days,
                status=current,
            )

    async def write_report(
        self, fmt: str, path: Path, language: str, current: status.PlanStatus | None = None
    ) -> Path:
        """Write a report file; the writers block for a moment, so they run in a thread.

        Pass the status just computed (`current`), if any, so it is not computed again.
        """
        from bot.i18n import Translator
        from bot.reports import ReportFormat, write_report

        data = await self.report_data(current)
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

    async def set_language(self, contact: registry.ContactInfo, language: str) -> None:
        async with self.db.session() as session:
            await registry.set_language(session, contact.person_id, language)

    async def confirm(
        self,
        contact: registry.ContactInfo,
        task_no: int,
        note: str = "",
        attachment: Attachment | None = None,
    ) -> confirmations.Confirmed:
        async with self.db.session() as session:
            return await confirmations.confirm(
                session,
                contact,
                task_no,
                now=self.now(),
                today=self.today(),
                note=note,
                attachment=attachment,
            )

    async def undo(self, contact: registry.ContactInfo, task_no: int) -> confirmations.Undone:
        async with self.db.session() as session:
            return await confirmations.undo(session, contact, task_no, now=self.now())

    async def set_deadline(
        self, contact: registry.ContactInfo | None, task_no: int, due: date
    ) -> confirmations.DeadlineSet:
        async with self.db.session() as session:
            return await confirmations.set_deadline(session, contact, task_no, due, now=self.now())
