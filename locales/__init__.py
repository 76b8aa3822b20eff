"""Gettext catalogs of nhacviec: one `.po` file per part of the bot under `<lang>/LC_MESSAGES/`."""

from pathlib import Path

LOCALES_DIR = Path(__file__).resolve().parent
