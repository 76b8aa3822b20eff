"""CLI commands of the reminder engine and the reports: tick, run, demo, report."""

from __future__ import annotations

import argparse
from typing import Any

COMMANDS: dict[str, Any] = {}


def add_commands(commands: argparse._SubParsersAction) -> None:
    return None
