"""Evidence files: kept on disk when a confirmation brings one, found again for `/minhchung`.

A file is fetched from its channel right after the confirmation is stored, outside any database
transaction (a 20 MB download must not hold the database). It lands under `[storage] dir` at
`PLAN/TASK/UNIT/NAME`, every part cleaned so that no name a person sends (`../../etc/passwd`)
can leave the folder, and never over another file. A download that fails is recorded with its
reason, the confirmation stays, and `/minhchung` tries it again.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import unicodedata
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.channels.base import Attachment, DownloadError, FileSource, FileTooLarge
from bot.domain.model import Role
from bot.domain.unit_lookup import UnitIndex
from bot.domain.units import UnitCatalog
from bot.services.acting import own_unit_in
from bot.services.errors import ServiceError, UnknownUnit
from bot.services.registry import ContactInfo
from bot.store.models import Assignment, Confirmation, EvidenceFile, Plan, Task, Unit

#: The Telegram Bot API hands bots files up to 20 MB; the same cap holds on every channel.
MAX_BYTES = 20 * 1024 * 1024
TOO_LARGE = "too_large"
NO_DOWNLOAD = "channel_cannot_download"
NAME_MAX = 120
_UNSAFE = re.compile(r"[^\w.()+,-]+")
_RETRY_LIMIT = 3  # failed files retried per `/minhchung`, so one command stays quick


@dataclass(frozen=True, slots=True)
class Kept:
    """What became of a message's file: `stored`, `too_large`, `failed`, `unavailable` (the
    channel cannot fetch files) or `none` (no confirmation took it)."""

    outcome: str
    name: str = ""
    size: int | None = None
    sha256: str | None = None
    confirmations: int = 0


@dataclass(frozen=True, slots=True)
class EvidenceItem:
    """One evidence file as `/minhchung` and the reports show it."""

    id: int
    assignment_id: int
    period: str
    unit: str
    by_name: str
    channel: str
    file_ref: str
    kind: str
    name: str
    size: int | None
    sha256: str | None
    path: str | None  # relative to `[storage] dir`; None while not downloaded
    received_at: datetime
    error: str | None


@dataclass(frozen=True, slots=True)
class TaskEvidence:
    """A task's evidence for `/minhchung`: its address as shown, the unit asked for, the files."""

    task: str
    unit: str | None
    items: tuple[EvidenceItem, ...]


@dataclass
class NotConfirmed(ServiceError):
    """Files are added to a confirmation, and the unit has none standing for this task."""

    no: str
    unit: str


@dataclass
class OwnUnitOnly(ServiceError):
    """A head or member asked for another unit's evidence."""

    no: str
    unit: str


@dataclass(frozen=True, slots=True)
class _Target:
    confirmation_id: int
    plan_key: str
    task_no: int
    unit: str


class Storage:
    """The `[storage] dir` folder; every path handed out is inside it."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def locate(self, relative: str) -> Path:
        """The absolute place of a stored path; ValueError if it would leave the folder."""
        root = self.root.resolve()
        found = (root / relative).resolve()
        if not found.is_relative_to(root) or found == root:
            raise ValueError(f"{relative!r} is outside the storage folder")
        return found

    def incoming(self) -> Path:
        """A fresh temporary file name inside the folder, for a download in progress."""
        folder = self.root / ".incoming"
        folder.mkdir(parents=True, exist_ok=True)
        return folder / uuid.uuid4().hex

    def place(self, source: Path, folder: PurePosixPath, name: str) -> str:
        """Copy `source` to `folder/name` (or `name-2`, `name-3`… if taken); the relative path."""
        stem, dot, suffix = name.rpartition(".")
        if not dot or not stem:
            stem, suffix = name, ""
        for attempt in range(1, 10_000):
            ending = "." + suffix if suffix else ""
            candidate = name if attempt == 1 else f"{stem}-{attempt}{ending}"
            relative = str(folder / candidate)
            target = self.locate(relative)
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                # "x": created here or refused; two confirmations never share or overwrite a file.
                with target.open("xb") as out, source.open("rb") as data:
                    while chunk := data.read(1024 * 1024):
                        out.write(chunk)
            except FileExistsError:
                continue
            return relative
        raise OSError(f"no free name for {name} in {folder}")


def safe_part(text: str, fallback: str) -> str:
    """One path part from anything a person or a plan wrote: letters, digits, `._-()+,` only.

    Vietnamese letters stay (NFC); slashes, backslashes, `..`, control and shell characters
    do not; a name that is only dots or empty becomes `fallback`.
    """
    text = unicodedata.normalize("NFC", text or "")
    text = text.replace("\\", "/").rsplit("/", 1)[-1]
    text = _UNSAFE.sub("_", text).strip("._ ")
    if len(text) > NAME_MAX:
        _stem, dot, suffix = text.rpartition(".")
        keep = suffix if dot and len(suffix) <= 10 else ""
        text = text[: NAME_MAX - len(keep) - 1].rstrip("._ ") + ("." + keep if keep else "")
    return text or fallback


def folder_for(plan_key: str, task_no: int, unit: str) -> PurePosixPath:
    """`187/6/Ban_ISO_Sở`: where a unit's evidence of one task is kept."""
    return PurePosixPath(safe_part(plan_key, "plan"), str(int(task_no)), safe_part(unit, "unit"))


def file_name_for(attachment: Attachment, confirmation_id: int) -> str:
    """The name to keep: the sender's own (cleaned), or one made up for a photo."""
    fallback = f"{attachment.kind}-{confirmation_id}" + (
        ".jpg" if attachment.kind == "photo" else ""
    )
    return safe_part(attachment.file_name or "", fallback)


async def targets_for(session: AsyncSession, file_ref: str) -> list[_Target]:
    """The confirmations that carry this file and have no evidence row yet."""
    have = select(EvidenceFile.confirmation_id)
    rows = await session.execute(
        select(Confirmation.id, Plan.key, Task.no, Unit.name)
        .join(Assignment, Assignment.id == Confirmation.assignment_id)
        .join(Task, Task.id == Assignment.task_id)
        .join(Plan, Plan.id == Task.plan_id)
        .join(Unit, Unit.id == Assignment.unit_id)
        .where(
            Confirmation.attachment_ref == file_ref,
            Confirmation.undone_at.is_(None),
            Confirmation.id.not_in(have),
        )
        .order_by(Confirmation.id)
    )
    return [_Target(cid, key, no, unit) for cid, key, no, unit in rows]


async def fetch(
    source: FileSource | None, file_ref: str, storage: Storage
) -> tuple[Path | None, int | None, str | None, str | None]:
    """Download into a temporary file: (path, size, sha256, error); the caller removes it."""
    if source is None:
        return None, None, None, NO_DOWNLOAD
    try:
        temporary = await asyncio.to_thread(storage.incoming)
    except OSError as exc:
        return None, None, None, f"storage: {exc.strerror or exc}"
    try:
        size = await source.download(file_ref, temporary, max_bytes=MAX_BYTES)
        digest = await asyncio.to_thread(_sha256, temporary)
    except FileTooLarge as exc:
        temporary.unlink(missing_ok=True)
        return None, exc.size, None, TOO_LARGE
    except (DownloadError, OSError) as exc:
        temporary.unlink(missing_ok=True)
        return None, None, None, str(exc)[:500] or "download failed"
    return temporary, size, digest, None


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as data:
        while chunk := data.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


async def keep(
    sessions,  # a callable giving a session context, `Database.session`
    source: FileSource | None,
    channel: str,
    attachment: Attachment,
    storage: Storage,
    *,
    now: datetime,
) -> Kept:
    """Fetch the file sent with a message and record it for every confirmation it came with."""
    async with sessions() as session:
        targets = await targets_for(session, attachment.file_ref)
    return await store(sessions, source, channel, attachment, storage, targets, now=now)


async def standing_confirmation(session: AsyncSession, task: Task, unit: str) -> _Target | None:
    """The unit's latest confirmation of the task that still stands, as a place for files."""
    row = (
        await session.execute(
            select(Confirmation.id, Plan.key)
            .join(Assignment, Assignment.id == Confirmation.assignment_id)
            .join(Unit, Unit.id == Assignment.unit_id)
            .join(Task, Task.id == Assignment.task_id)
            .join(Plan, Plan.id == Task.plan_id)
            .where(
                Assignment.task_id == task.id,
                Unit.name == unit,
                Confirmation.undone_at.is_(None),
            )
            .order_by(Confirmation.confirmed_at.desc(), Confirmation.id.desc())
            .limit(1)
        )
    ).first()
    return _Target(row[0], row[1], task.no, unit) if row is not None else None


async def store(
    sessions,
    source: FileSource | None,
    channel: str,
    attachment: Attachment,
    storage: Storage,
    targets: Sequence[_Target],
    *,
    now: datetime,
) -> Kept:
    """Fetch the file once and record it for each confirmation in `targets`."""
    name = attachment.file_name or ""
    if not targets:
        return Kept("none", name)
    temporary, size, digest, error = await fetch(source, attachment.file_ref, storage)
    try:
        rows = []
        for target in targets:
            stored_name = file_name_for(attachment, target.confirmation_id)
            path, problem = None, error
            if temporary is not None:
                folder = folder_for(target.plan_key, target.task_no, target.unit)
                try:
                    path = await asyncio.to_thread(storage.place, temporary, folder, stored_name)
                except OSError as exc:  # a full or read-only disk: recorded, tried again later
                    problem = f"storage: {exc.strerror or exc}"
            rows.append(
                EvidenceFile(
                    confirmation_id=target.confirmation_id,
                    channel=channel,
                    file_ref=attachment.file_ref,
                    name=attachment.file_name or stored_name,
                    size=size,
                    sha256=digest,
                    path=path,
                    received_at=now,
                    error=problem,
                )
            )
    finally:
        if temporary is not None:
            temporary.unlink(missing_ok=True)
    async with sessions() as session:
        session.add_all(rows)
    error = next((row.error for row in rows if row.error is not None), None)
    outcome = {None: "stored", TOO_LARGE: "too_large", NO_DOWNLOAD: "unavailable"}.get(
        error, "failed"
    )
    return Kept(outcome, attachment.file_name or rows[0].name, size, digest, len(targets))


async def task_units(session: AsyncSession, task: Task) -> list[str]:
    """The units with a part in the task, in the plan's order."""
    rows = await session.scalars(
        select(Unit.name)
        .join(Assignment, Assignment.unit_id == Unit.id)
        .where(Assignment.task_id == task.id, Assignment.active)
        .order_by(Assignment.id)
    )
    return list(rows)


async def evidence_of_task(
    session: AsyncSession, task: Task, unit: str | None = None
) -> list[EvidenceItem]:
    """The evidence of a task's standing confirmations (of one unit), oldest first."""
    query = (
        select(EvidenceFile, Confirmation, Unit.name)
        .join(Confirmation, Confirmation.id == EvidenceFile.confirmation_id)
        .join(Assignment, Assignment.id == Confirmation.assignment_id)
        .join(Unit, Unit.id == Assignment.unit_id)
        .where(Assignment.task_id == task.id, Confirmation.undone_at.is_(None))
        .order_by(EvidenceFile.received_at, EvidenceFile.id)
    )
    if unit is not None:
        query = query.where(Unit.name == unit)
    rows = await session.execute(query)
    return [_item(file, confirmation, name) for file, confirmation, name in rows]


async def evidence_by_assignment(
    session: AsyncSession, assignment_ids: Sequence[int]
) -> dict[tuple[int, str], list[EvidenceItem]]:
    """Evidence of standing confirmations, by (assignment, period), for the reports."""
    found: dict[tuple[int, str], list[EvidenceItem]] = {}
    ids = list(assignment_ids)
    for start in range(0, len(ids), 500):
        rows = await session.execute(
            select(EvidenceFile, Confirmation, Unit.name)
            .join(Confirmation, Confirmation.id == EvidenceFile.confirmation_id)
            .join(Assignment, Assignment.id == Confirmation.assignment_id)
            .join(Unit, Unit.id == Assignment.unit_id)
            .where(
                Confirmation.assignment_id.in_(ids[start : start + 500]),
                Confirmation.undone_at.is_(None),
            )
            .order_by(EvidenceFile.received_at, EvidenceFile.id)
        )
        for file, confirmation, name in rows:
            key = (confirmation.assignment_id, confirmation.period)
            found.setdefault(key, []).append(_item(file, confirmation, name))
    return found


def _item(file: EvidenceFile, confirmation: Confirmation, unit: str) -> EvidenceItem:
    return EvidenceItem(
        id=file.id,
        assignment_id=confirmation.assignment_id,
        period=confirmation.period,
        unit=unit,
        by_name=confirmation.by_name,
        channel=file.channel,
        file_ref=file.file_ref,
        kind=confirmation.attachment_kind or "document",
        name=file.name,
        size=file.size,
        sha256=file.sha256,
        path=file.path,
        received_at=file.received_at,
        error=file.error,
    )


def retryable(item: EvidenceItem) -> bool:
    """A failed file whose reason may pass (not too large, not a channel without files)."""
    return item.path is None and item.error not in (None, TOO_LARGE, NO_DOWNLOAD)


async def retry(
    sessions,
    sources: Mapping[str, FileSource],
    items: Sequence[EvidenceItem],
    storage: Storage,
    plan_key: str,
    task_no: int,
) -> int:
    """Try the failed downloads among `items` again; how many are now stored."""
    done = 0
    for item in [i for i in items if retryable(i)][:_RETRY_LIMIT]:
        temporary, size, digest, error = await fetch(
            sources.get(item.channel), item.file_ref, storage
        )
        path = None
        try:
            if temporary is not None:
                folder = folder_for(plan_key, task_no, item.unit)
                name = safe_part(item.name, f"{item.kind}-{item.id}")
                try:
                    path = await asyncio.to_thread(storage.place, temporary, folder, name)
                except OSError as exc:
                    error = f"storage: {exc.strerror or exc}"
        finally:
            if temporary is not None:
                temporary.unlink(missing_ok=True)
        async with sessions() as session:
            row = await session.get(EvidenceFile, item.id)
            if row is None:
                continue
            row.path, row.size, row.sha256, row.error = path, size, digest, error
        done += path is not None
    return done


def match_unit(
    catalog: UnitCatalog, wanted: str, units: Sequence[str]
) -> tuple[str | None, tuple[str, ...]]:
    """The task's unit that `@wanted` names (as `/xong N @UNIT` reads it), else suggestions."""
    found = UnitIndex(units, catalog).lookup(wanted.strip().lstrip("@").strip())
    if found is not None and found in units:
        return found, ()
    return None, tuple(catalog.short_name(unit) for unit in units)


def unit_to_show(
    catalog: UnitCatalog,
    contact: ContactInfo,
    shown: str,
    units: Sequence[str],
    wanted: str | None,
) -> str | None:
    """Whose files `/minhchung` shows: the Office, Ban ISO and the leadership every unit's (or
    the one named), a head or member their own units' only. None: every unit's."""
    if wanted is not None:
        found = _named_unit(catalog, wanted, units)
        if not contact.role.sees_everything and found not in contact.units:
            raise OwnUnitOnly(shown, contact.unit)
        return found
    if contact.role.sees_everything:
        return None
    return own_unit_in(contact, units, shown, catalog=catalog, command="evidence")


def unit_to_add(
    catalog: UnitCatalog,
    contact: ContactInfo,
    shown: str,
    units: Sequence[str],
    wanted: str | None,
) -> str:
    """Whose confirmation a file sent with `/minhchung` joins: one's own unit's; the Office may
    name the unit it received a file for."""
    if wanted is None:
        if not any(unit in units for unit in contact.units):
            return contact.unit  # and the caller says it has not confirmed
        return own_unit_in(contact, units, shown, catalog=catalog, command="evidence")
    found = _named_unit(catalog, wanted, units)
    if found not in contact.units and contact.role is not Role.OFFICE:
        raise OwnUnitOnly(shown, contact.unit)
    return found


def _named_unit(catalog: UnitCatalog, wanted: str, units: Sequence[str]) -> str:
    found, suggestions = match_unit(catalog, wanted, units)
    if found is None:
        raise UnknownUnit(wanted.strip().lstrip("@").strip(), suggestions)
    return found


def size_text(size: int | None) -> str:
    """`512 B`, `34 KB`, `2,4 MB` (Vietnamese decimal comma)."""
    if size is None:
        return "?"
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{round(size / 1024)} KB"
    return f"{size / (1024 * 1024):.1f} MB".replace(".", ",")


def on_disk(storage: Storage, item: EvidenceItem) -> Path | None:
    """The stored copy of `item`, when it is there and inside the folder."""
    if item.path is None:
        return None
    try:
        found = storage.locate(item.path)
    except ValueError:
        return None
    return found if found.is_file() else None
