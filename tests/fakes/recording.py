"""A channel that records what it is asked to send, and can be told to fail."""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import count

from bot.channels.base import Buttons, MessageHandler, OutgoingFile, SendError


@dataclass
class RecordingChannel:
    name: str = "console"
    max_text_length: int = 4096
    sent: list[tuple[str, str]] = field(default_factory=list)
    buttons: list[Buttons] = field(default_factory=list)
    failures: list[SendError] = field(default_factory=list)
    _ids: count = field(default_factory=lambda: count(1))

    async def start(self, on_message: MessageHandler) -> None:
        self.on_message = on_message

    async def stop(self) -> None:
        return None

    async def send_text(self, chat_id: str, text: str, buttons: Buttons = ()) -> str:
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append((chat_id, text))
        self.buttons.append(buttons)
        return str(next(self._ids))

    async def send_file(self, chat_id: str, file: OutgoingFile) -> str:
        self.sent.append((chat_id, f"[{file.kind}] {file.file_name}"))
        return str(next(self._ids))

    def to(self, chat_id: str) -> list[str]:
        return [text for chat, text in self.sent if chat == chat_id]
