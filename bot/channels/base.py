"""The one small interface every channel implements, so handlers never know which app is used."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Literal, Protocol

# Kept importable from here, where it was first written; the splitter lives in `splitting`.
from bot.channels.splitting import split_text as split_text


@dataclass(frozen=True, slots=True)
class Sender:
    """Who wrote: a person's id on a channel, and the chat the reply goes back to."""

    channel: str
    user_id: str
    chat_id: str
    name: str = ""
    is_group_chat: bool = False


@dataclass(frozen=True, slots=True)
class Attachment:
    """Evidence sent with a command (a document or photo); `file_ref` is the channel's file id."""

    kind: Literal["document", "photo"]
    file_ref: str
    file_name: str | None = None


@dataclass(frozen=True, slots=True)
class IncomingMessage:
    """A message as a channel received it, before any command parsing."""

    sender: Sender
    text: str
    message_id: str
    received_at: datetime
    attachment: Attachment | None = None


@dataclass(frozen=True, slots=True)
class OutgoingFile:
    """A file to send: the status chart (photo) or a report (document)."""

    kind: Literal["document", "photo"]
    path: Path
    file_name: str
    caption: str = ""


@dataclass(frozen=True, slots=True)
class Button:
    """A button under a message; pressing it types `command` (`done 187.6`) for the presser.

    The command is only what to do, never who may: the core checks the presser's rights again,
    exactly as for a typed command. Channels without buttons (Zalo, console) leave them out; the
    text always says what to type instead.
    """

    label: str
    command: str


#: Rows of buttons, top to bottom.
Buttons = tuple[tuple[Button, ...], ...]


@dataclass(frozen=True, slots=True)
class ButtonPress:
    """A press on one of our buttons: who pressed, what it says, and the message it is under."""

    sender: Sender
    command: str
    press_id: str
    received_at: datetime
    message_text: str = ""  # the text of the message under which it was pressed ('' if unknown)


@dataclass(frozen=True, slots=True)
class MessageEdit:
    """How a press changes the message it was pressed under: new text, and buttons gone."""

    text: str
    drop: frozenset[str] = frozenset()  # the `command` of every button to take away


@dataclass(frozen=True, slots=True)
class Reply:
    """What a handler answers: text, files when it produced any, and buttons to offer.

    To a button press, `text` is the short notice the presser sees at once, and `edit` (set
    only when the press changed something) what becomes of the message.
    """

    text: str
    files: tuple[OutgoingFile, ...] = field(default=())
    buttons: Buttons = ()
    edit: MessageEdit | None = None
    #: What a pressed button's message says in the button's place ('' : the core's default).
    mark: str = ""


MessageHandler = Callable[[IncomingMessage | ButtonPress], Awaitable[Reply | None]]


class SendError(Exception):
    """A send that did not go through; `retry_after` is set when the server asked us to wait."""

    def __init__(self, message: str, *, retry_after: float | None = None, permanent: bool = False):
        super().__init__(message)
        self.retry_after = retry_after
        self.permanent = permanent


class Channel(Protocol):
    """A way to reach people. `send_*` return the channel's id of the (last) message sent."""

    name: str
    max_text_length: int

    async def start(self, on_message: MessageHandler) -> None:
        """Begin receiving; each message (or button press) goes to `on_message`, its reply back."""
        ...

    async def stop(self) -> None: ...

    async def send_text(self, chat_id: str, text: str, buttons: Buttons = ()) -> str:
        """Send `text`; a channel with buttons shows `buttons` under it, others leave them out."""
        ...

    async def send_file(self, chat_id: str, file: OutgoingFile) -> str: ...


class FileTooLarge(Exception):
    """The channel holds the file but will not hand it over: it is over `limit` bytes."""

    def __init__(self, size: int | None, limit: int) -> None:
        super().__init__(f"the file is larger than {limit} bytes")
        self.size = size
        self.limit = limit


class DownloadError(Exception):
    """A file could not be fetched now (network, server, expired id); it may work later."""


class FileSource(Protocol):
    """A channel that can fetch a file people sent it (their evidence), by the channel's id."""

    async def download(self, file_ref: str, dest: Path, *, max_bytes: int) -> int:
        """Write the file to `dest` and return its size; FileTooLarge or DownloadError else."""
        ...
