"""Refusals worded for the person: what went wrong and what to type instead."""

from __future__ import annotations

from bot.i18n import Translator, chat_date
from bot.services import errors
from handlers.render import local_time, period_label


def explain(error: errors.ServiceError, tr: Translator) -> str:
    _ = tr.gettext
    if isinstance(error, errors.NoPlan):
        return _("No plan has been loaded yet. Please ask the Office to import the plan.")
    if isinstance(error, errors.UnknownTask):
        if not error.highest and error.keys:
            return _(
                "No plan being followed has a task {no}. The plans are {keys}: type a task as "
                "KEY.N, for example {first}.6, or /tasks to see your tasks.",
                no=error.no,
                keys=", ".join(error.keys),
                first=error.keys[0],
            )
        if not error.highest:
            return _(
                "No plan being followed has a task {no}. Type /tasks to see your tasks, or "
                "/plans to see the plans.",
                no=error.no,
            )
        if "." in error.no:
            return _(
                "Plan {plan} has no task {no} (its tasks run from {plan}.1 to {plan}.{highest})."
                " Type /tasks to see them.",
                plan=error.plan,
                no=error.no,
                highest=error.highest,
            )
        return _(
            "The plan has no task {no} (tasks run from 1 to {highest}). Type /tasks to see them.",
            no=error.no,
            highest=error.highest,
        )
    if isinstance(error, errors.UnknownPlan):
        return _(
            "There is no plan with the key “{key}”. The plans are: {keys}. Type /plans to see "
            "them.",
            key=error.key,
            keys=", ".join(error.keys),
        )
    if isinstance(error, errors.PlanClosed):
        return _(
            "Plan {key} has been closed by the Office: nothing more is recorded or reminded in "
            "it. Type /plans to see the plans being followed.",
            key=error.key,
        )
    if isinstance(error, errors.AmbiguousTask):
        return _(
            "Task {no} could be any of: {addresses}. Please type the task with its plan's key, "
            "for example {first}.",
            no=error.no,
            addresses=", ".join(error.addresses),
            first=error.addresses[0],
        )
    if isinstance(error, errors.WhichPlan):
        return _(
            "Several plans are being followed: {keys}. Please add the plan's key, for example "
            "{first}.",
            keys=", ".join(error.keys),
            first=error.keys[0],
        )
    if isinstance(error, errors.KeyTaken):
        return _(
            "The key “{key}” already belongs to plan {number}. Please choose another key.",
            key=error.key,
            number=error.number,
        )
    if isinstance(error, errors.NotYourTask):
        return _(
            "{unit} has no part in task {no}. Type /tasks to see your unit's tasks.",
            unit=error.unit,
            no=error.no,
        )
    if isinstance(error, errors.AlreadyConfirmed):
        if error.period:
            text = _(
                "Task {no} ({period}) was already confirmed by {by} at {when}.",
                no=error.no,
                period=period_label(error.period, tr),
                by=error.by or "?",
                when=local_time(error.at, tr),
            )
        else:
            text = _(
                "Task {no} was already confirmed by {by} at {when}.",
                no=error.no,
                by=error.by or "?",
                when=local_time(error.at, tr),
            )
        return text + "\n" + _("To correct it, type /undo {no} and confirm again.", no=error.no)
    if isinstance(error, errors.NothingToUndo):
        return _(
            "Your unit has not confirmed task {no}, so there is nothing to take back.",
            no=error.no,
        )
    if isinstance(error, errors.NotAllowed):
        return _("Only the Office may do this. Type /help to see your commands.")
    if isinstance(error, errors.NotRegularTask):
        return _(
            "Task {no} already has its time in the plan; only tasks marked "
            "“as regulated” get a deadline from the Office.",
            no=error.no,
        )
    if isinstance(error, errors.DateOutOfRange):
        return _(
            "{date} is outside the plan's time. Please give a date within the plan's year.",
            date=chat_date(error.value),
        )
    if isinstance(error, errors.UnknownUnit):
        return _(
            "No unit is called “{name}”. Known units: {units}.",
            name=error.name,
            units=", ".join(error.suggestions),
        )
    if isinstance(error, errors.InvalidCode):
        return {
            "unknown": _(
                "This invitation code is not valid. Please check the code the Office gave you "
                "and type: /start CODE"
            ),
            "used": _(
                "This invitation code has already been used; each code works once. "
                "Please ask the Office for a new one."
            ),
            "expired": _(
                "This invitation code has expired (codes last 7 days). "
                "Please ask the Office for a new one."
            ),
        }[error.reason]
    if isinstance(error, errors.Throttled):
        return _(
            "Too many wrong codes. Please try again after {when}.",
            when=local_time(error.until, tr),
        )
    if isinstance(error, errors.UnknownContact):
        return _(
            "There is no contact number {id}. Type /contacts to see the list.",
            id=error.contact_id,
        )
    return _("Sorry, that could not be done. Type /help to see the commands.")
