"""Every chat command, in one place; this order is the order of /help and the menu."""

from __future__ import annotations

from bot.i18n import N_
from handlers import contacts, deadline, done, help, invite, lang, start, status, tasks, undo
from handlers.base import OFFICE_ONLY, HandlerSpec

HANDLERS: dict[str, HandlerSpec] = {
    spec.name: spec
    for spec in (
        HandlerSpec(
            "start",
            start.handle,
            N_("register with the Office's code"),
            "/start CODE",
            needs_registration=False,
        ),
        HandlerSpec(
            "help", help.handle, N_("list the commands"), "/help", needs_registration=False
        ),
        HandlerSpec(
            "tasks", tasks.handle, N_("my unit's tasks and their state"), "/tasks (/viec)"
        ),
        HandlerSpec(
            "done", done.handle, N_("confirm task N is finished"), "/done N [note] (/xong)"
        ),
        HandlerSpec("undo", undo.handle, N_("take back a confirmation"), "/undo N (/huy)"),
        HandlerSpec(
            "status", status.handle, N_("progress of every task"), "/status [N] (/tinhhinh)"
        ),
        HandlerSpec(
            "deadline",
            deadline.handle,
            N_("set the date of an “as regulated” task"),
            "/deadline N dd/mm/yyyy (/hanchot)",
            roles=OFFICE_ONLY,
        ),
        HandlerSpec(
            "invite",
            invite.handle,
            N_("create a registration code"),
            "/invite UNIT ROLE (/moi)",
            roles=OFFICE_ONLY,
        ),
        HandlerSpec(
            "contacts",
            contacts.handle,
            N_("registered people"),
            "/contacts (/danhba)",
            roles=OFFICE_ONLY,
        ),
        HandlerSpec(
            "revoke",
            contacts.revoke,
            N_("remove a registered person"),
            "/revoke N (/thuhoi)",
            roles=OFFICE_ONLY,
        ),
        HandlerSpec("lang", lang.handle, N_("reply language: vi or en"), "/lang vi|en (/ngonngu)"),
    )
}
