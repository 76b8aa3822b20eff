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
    no: int
    highest: int


@dataclass
class NotYourTask(ServiceError):
    no: int
    unit: str


@dataclass
class AlreadyConfirmed(ServiceError):
    no: int
    at: datetime
    by: str
    period: str


@dataclass
class NothingToUndo(ServiceError):
    no: int


@dataclass
class NotAllowed(ServiceError):
    action: str


@dataclass
class NotRegularTask(ServiceError):
    """`/deadline` on a task whose date comes from the plan itself."""

    no: int


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
