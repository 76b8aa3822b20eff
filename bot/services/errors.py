"""What can go wrong in a use case, as types, so each channel can word it for its reader."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


class ServiceError(Exception):
    """A refusal the person can act on; nothing was changed."""


class NoPlan(ServiceError):
    """No plan has been imported yet."""


@dataclass
class UnknownTask(ServiceError):
    """No task by that number: `highest` is the plan's last (0: several plans were searched)."""

    no: str
    highest: int
    plan: str = ""
    keys: tuple[str, ...] = ()  # with several plans searched: the keys to type before `.N`


@dataclass
class NotYourTask(ServiceError):
    no: str
    unit: str


@dataclass
class UnknownPlan(ServiceError):
    """A key that names no stored plan; `keys` are the ones that exist."""

    key: str
    keys: tuple[str, ...]


@dataclass
class PlanClosed(ServiceError):
    """The Office closed the plan: nothing more is confirmed or reminded in it."""

    key: str


@dataclass
class AmbiguousTask(ServiceError):
    """A bare number that more than one plan could mean; `addresses` are the candidates."""

    no: int
    addresses: tuple[str, ...]


@dataclass
class WhichPlan(ServiceError):
    """A command about one plan, given none, while several are followed."""

    keys: tuple[str, ...]


@dataclass
class KeyTaken(ServiceError):
    """`import --key K` or a new key that another plan already has."""

    key: str
    number: str


@dataclass
class AlreadyConfirmed(ServiceError):
    no: str
    at: datetime
    by: str
    period: str


@dataclass
class NothingToUndo(ServiceError):
    no: str


@dataclass
class NotAllowed(ServiceError):
    action: str


@dataclass
class NotRegularTask(ServiceError):
    """`/deadline` on a task whose date comes from the plan itself."""

    no: str


@dataclass
class DateOutOfRange(ServiceError):
    value: date


@dataclass
class UnknownUnit(ServiceError):
    name: str
    suggestions: tuple[str, ...]


@dataclass
class InvalidCode(ServiceError):
    reason: str  # "unknown", "used", "expired"


@dataclass
class Throttled(ServiceError):
    until: datetime


@dataclass
class UnknownContact(ServiceError):
    contact_id: int


@dataclass
class NotAMember(ServiceError):
    """`/revoke N @UNIT` for a unit the person of contact N does not act for."""

    contact_id: int
    name: str
    unit: str
    held: tuple[str, ...]


@dataclass
class LastMembership(ServiceError):
    """`/revoke N @UNIT` for the only unit the person has: that is revoking the contact."""

    contact_id: int
    name: str
    unit: str


@dataclass
class WhichUnit(ServiceError):
    """Several of the sender's units have a part in the task: `@UNIT` must say which."""

    no: str
    units: tuple[str, ...]  # short names, as they may be typed after @
    command: str = "done"


@dataclass
class NotOneOfYours(ServiceError):
    """A head or member named a unit they do not act for (`/xong 6 @KH-TC`)."""

    unit: str
    units: tuple[str, ...]  # the sender's own units, short names


@dataclass
class OnBehalfNotAllowed(ServiceError):
    """A head or member typed `@UNIT` for a unit other than their own."""

    unit: str


@dataclass
class UnitRequired(ServiceError):
    """`/tuchoi N` without the `@UNIT` whose confirmation is sent back."""

    action: str
    no: str


@dataclass
class ReasonRequired(ServiceError):
    """`/tuchoi N @UNIT` without the reason the unit must read."""

    no: str
    unit: str


@dataclass
class NothingToVerify(ServiceError):
    no: str
    unit: str | None


@dataclass
class NothingToReject(ServiceError):
    no: str
    unit: str


@dataclass
class NotDated(ServiceError):
    """`/giahan` on a task with no due date to move (recurring, or no date yet)."""

    no: str
    recurring: bool


@dataclass
class AlreadyFinished(ServiceError):
    """`/giahan` on a task (or a unit's part) that is already complete."""

    no: str
    unit: str | None


@dataclass
class DateBeforeStart(ServiceError):
    value: date
    start: date


@dataclass
class NotLater(ServiceError):
    """An extension must move the due date later than it is now."""

    no: str
    value: date
    due: date


@dataclass
class PeriodNotFound(ServiceError):
    """`/xong 4 quý I` for a task confirmed by month, or a period not begun or outside the plan."""

    no: str
    every: str
    future: bool = False


@dataclass
class InvalidDate(ServiceError):
    """A date the Office typed that is no date (`31/02/2022`, `mai`)."""

    value: str
    command: str
