"""The configuration file (TOML) and its built-in defaults.

Every key is checked when the file is read, so a typo fails at start-up with one line that
names the key, instead of surfacing as odd behaviour weeks later. Secrets may come from the
environment so that the file itself can be shared.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from bot.domain import units

DEFAULT_CONFIG_PATH = Path("config.toml")
DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///nhacviec.db"
DEFAULT_STORAGE_DIR = Path("files")
TELEGRAM_TOKEN_ENV = "NHACVIEC_TELEGRAM_TOKEN"
ZALO_TOKEN_ENV = "NHACVIEC_ZALO_TOKEN"

#: The departments of Sở GDĐT Hưng Yên, an editable sample: the members of "Các phòng thuộc Sở".
SAMPLE_DEPARTMENTS = (
    "Văn phòng Sở",
    "Phòng Tổ chức cán bộ",
    "Phòng Kế hoạch - Tài chính",
    "Phòng Giáo dục Mầm non",
    "Phòng Giáo dục Tiểu học",
    "Phòng Giáo dục Trung học",
    "Phòng Giáo dục nghề nghiệp - Giáo dục thường xuyên",
    "Phòng Khảo thí và Kiểm định chất lượng giáo dục",
    "Thanh tra Sở",
)


class ConfigError(Exception):
    """A configuration problem, worded for the person who edits the file."""


@dataclass(frozen=True, slots=True)
class TelegramConfig:
    enabled: bool = False
    token: str = ""
    base_url: str = "https://api.telegram.org/bot"
    mode: str = "polling"
    webhook_url: str = ""
    webhook_listen: str = "127.0.0.1:8443"
    secret: str = ""
    #: The bot's @username, for invitation links (https://t.me/USERNAME?start=CODE).
    username: str = ""


@dataclass(frozen=True, slots=True)
class ZaloConfig:
    enabled: bool = False
    token: str = ""
    base_url: str = "https://bot-api.zaloplatforms.com"
    mode: str = "polling"
    webhook_url: str = ""
    webhook_listen: str = "127.0.0.1:8444"
    secret: str = ""
    rate_per_second: float = 10.0


@dataclass(frozen=True, slots=True)
class AgencyConfig:
    """Who the agency is and who signs, for the heading and the signature block of reports.

    The signer is left empty by default: a report with a blank signature block is filled in by
    hand, one with an invented title would be sent out wrong.
    """

    #: The governing body, the heading's first line ("UBND TỈNH HƯNG YÊN"); may be empty.
    parent: str = "UBND TỈNH HƯNG YÊN"
    #: The agency itself, in capitals, the heading's bold line.
    name: str = "SỞ GIÁO DỤC VÀ ĐÀO TẠO"
    #: The place before the date ("Hưng Yên, ngày …").
    place: str = "Hưng Yên"
    #: The agency's short code in document numbers: "Số: /BC-SGDĐT"; empty gives "Số: /BC".
    code: str = "SGDĐT"
    #: The signer's title lines, top to bottom ("KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC").
    signer_title: tuple[str, ...] = ()
    #: The signer's full name, under the space for the signature.
    signer_name: str = ""
    #: The lines of "Nơi nhận", without the leading "- " or the closing ";" and ".".
    recipients: tuple[str, ...] = ("Lưu: VT",)


@dataclass(frozen=True, slots=True)
class WorkflowConfig:
    """How a confirmation becomes final."""

    #: True: a confirmation waits for the Office or Ban ISO (`/duyet`) and the assignment shows
    #: "Chờ duyệt" until then; a task is complete only when every lead unit's part is verified.
    verify: bool = False


@dataclass(frozen=True, slots=True)
class Config:
    database_url: str = DEFAULT_DATABASE_URL
    plan_file: Path | None = None
    language: str = "vi"
    telegram: TelegramConfig = field(default_factory=TelegramConfig)
    zalo: ZaloConfig = field(default_factory=ZaloConfig)
    reminders: Mapping[str, Any] = field(default_factory=dict)
    groups: Mapping[str, tuple[str, ...]] = field(
        default_factory=lambda: {units.DEPARTMENTS: SAMPLE_DEPARTMENTS}
    )
    #: `[units.aliases]`: another spelling = the canonical unit name.
    unit_aliases: Mapping[str, str] = field(default_factory=dict)
    #: `[units.short]`: canonical unit name = the short name shown in lists.
    unit_short: Mapping[str, str] = field(default_factory=dict)
    agency: AgencyConfig = field(default_factory=AgencyConfig)
    workflow: WorkflowConfig = field(default_factory=WorkflowConfig)
    #: `[storage] dir`: where evidence files are kept (relative to the config file's folder).
    storage_dir: Path = DEFAULT_STORAGE_DIR
    source: Path | None = None

    def reminder_settings(self):  # -> ReminderSettings; imported lazily to keep config light
        """Build the reminder policy's settings; a bad `[reminders]` key becomes a ConfigError."""
        from scheduler.settings import ReminderSettings

        try:
            return ReminderSettings.from_toml(self.reminders)
        except ValueError as error:
            raise ConfigError(str(error)) from error

    @property
    def reminders_enabled(self) -> bool:
        return bool(self.reminders.get("enabled", True))


_SECTIONS = {
    "database",
    "plan",
    "language",
    "telegram",
    "zalo",
    "reminders",
    "units",
    "agency",
    "workflow",
    "storage",
}


def load_config(path: Path | None = None, environ: Mapping[str, str] | None = None) -> Config:
    """Read the config file; with no path, `./config.toml` if it exists, else built-in defaults."""
    environ = os.environ if environ is None else environ
    explicit = path is not None
    path = path or DEFAULT_CONFIG_PATH
    if not path.exists():
        if explicit:
            raise ConfigError(f"config file {path} does not exist (copy config.example.toml)")
        return _apply_environment(Config(), environ)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path} is not valid TOML: {error}") from error
    except OSError as error:
        raise ConfigError(f"cannot read {path}: {error.strerror}") from error
    config = _from_mapping(raw, base_dir=path.resolve().parent)
    config = Config(**{**_as_dict(config), "source": path})
    return _apply_environment(config, environ)


def _as_dict(config: Config) -> dict[str, Any]:
    return {name: getattr(config, name) for name in Config.__dataclass_fields__}


def _from_mapping(raw: Mapping[str, Any], base_dir: Path) -> Config:
    unknown = set(raw) - _SECTIONS
    if unknown:
        raise ConfigError(
            f"unknown section [{sorted(unknown)[0]}] (known: {', '.join(sorted(_SECTIONS))})"
        )
    database = _table(raw, "database")
    _check_keys("database", database, {"url"})
    plan = _table(raw, "plan")
    _check_keys("plan", plan, {"file"})
    plan_file = _string("plan", plan, "file", "")
    storage = _table(raw, "storage")
    _check_keys("storage", storage, {"dir"})
    storage_dir = _string("storage", storage, "dir", str(DEFAULT_STORAGE_DIR)).strip()
    if not storage_dir:
        raise ConfigError('[storage] dir must not be empty (the default is "files")')
    language = raw.get("language", "vi")
    if language not in ("vi", "en"):
        raise ConfigError(f'language must be "vi" or "en", got {language!r}')
    return Config(
        database_url=_string("database", database, "url", DEFAULT_DATABASE_URL),
        plan_file=(base_dir / plan_file) if plan_file else None,
        language=language,
        telegram=_dataclass_from("telegram", _table(raw, "telegram"), TelegramConfig),
        zalo=_dataclass_from("zalo", _table(raw, "zalo"), ZaloConfig),
        reminders=_table(raw, "reminders"),
        groups=_groups(_table(raw, "units")),
        unit_aliases=_names(_table(raw, "units"), "aliases"),
        unit_short=_names(_table(raw, "units"), "short"),
        agency=_agency(_table(raw, "agency")),
        workflow=_dataclass_from("workflow", _table(raw, "workflow"), WorkflowConfig),
        storage_dir=base_dir / storage_dir,
    )


def _table(raw: Mapping[str, Any], name: str) -> dict[str, Any]:
    value = raw.get(name, {})
    if not isinstance(value, dict):
        raise ConfigError(f"[{name}] must be a table")
    return value


def _check_keys(section: str, table: Mapping[str, Any], known: set[str]) -> None:
    unknown = set(table) - known
    if unknown:
        key = sorted(unknown)[0]
        raise ConfigError(f"unknown key [{section}] {key} (known: {', '.join(sorted(known))})")


def _string(section: str, table: Mapping[str, Any], key: str, default: str) -> str:
    value = table.get(key, default)
    if not isinstance(value, str):
        raise ConfigError(f"[{section}] {key} must be a string, got {value!r}")
    return value


def _dataclass_from(section: str, table: Mapping[str, Any], kind: type) -> Any:
    defaults = kind()
    _check_keys(section, table, set(kind.__dataclass_fields__))
    values: dict[str, Any] = {}
    for key, value in table.items():
        expected = type(getattr(defaults, key))
        if expected is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, expected) or (expected is not bool and isinstance(value, bool)):
            raise ConfigError(f"[{section}] {key} must be {_type_name(expected)}, got {value!r}")
        values[key] = value
    if "mode" in values and values["mode"] not in ("polling", "webhook"):
        raise ConfigError(
            f'[{section}] mode must be "polling" or "webhook", got {values["mode"]!r}'
        )
    return kind(**values)


def _type_name(kind: type) -> str:
    return {bool: "true or false", str: "a string", float: "a number", int: "a whole number"}.get(
        kind, kind.__name__
    )


def _groups(table: Mapping[str, Any]) -> dict[str, tuple[str, ...]]:
    _check_keys("units", table, {"groups", "aliases", "short"})
    groups_table = table.get("groups")
    if groups_table is None:
        return {units.DEPARTMENTS: SAMPLE_DEPARTMENTS}
    if not isinstance(groups_table, dict):
        raise ConfigError("[units.groups] must be a table of group name = [member units]")
    groups: dict[str, tuple[str, ...]] = {}
    for name, members in groups_table.items():
        if not isinstance(members, list) or not all(isinstance(m, str) for m in members):
            raise ConfigError(f'[units.groups] "{name}" must be a list of unit names')
        groups[name] = tuple(m.strip() for m in members if m.strip())
    return groups


def _agency(table: Mapping[str, Any]) -> AgencyConfig:
    """Read [agency]; every problem is one line naming the key and what to write instead."""
    _check_keys("agency", table, set(AgencyConfig.__dataclass_fields__))
    defaults = AgencyConfig()
    parent = _string("agency", table, "parent", defaults.parent).strip()
    name = _required("agency", table, "name", defaults.name)
    place = _required("agency", table, "place", defaults.place)
    code = _string("agency", table, "code", defaults.code).strip()
    if any(character.isspace() or character == "/" for character in code):
        raise ConfigError(
            f'[agency] code must be a short code without spaces or "/" (e.g. "SGDĐT"), '
            f"got {code!r}"
        )
    title = table.get("signer_title", "\n".join(defaults.signer_title))
    if isinstance(title, str):
        title = title.split("\n")
    if not isinstance(title, list) or not all(isinstance(line, str) for line in title):
        raise ConfigError(
            '[agency] signer_title must be a string (lines joined by "\\n") or a list of '
            f"strings, got {title!r}"
        )
    recipients = table.get("recipients", list(defaults.recipients))
    if not isinstance(recipients, list) or not all(isinstance(r, str) for r in recipients):
        raise ConfigError(f"[agency] recipients must be a list of strings, got {recipients!r}")
    return AgencyConfig(
        parent=parent,
        name=name,
        place=place,
        code=code,
        signer_title=tuple(line.strip() for line in title if line.strip()),
        signer_name=_string("agency", table, "signer_name", defaults.signer_name).strip(),
        recipients=tuple(line.strip() for line in recipients if line.strip()),
    )


def _required(section: str, table: Mapping[str, Any], key: str, default: str) -> str:
    value = _string(section, table, key, default).strip()
    if not value:
        raise ConfigError(f"[{section}] {key} must not be empty")
    return value


def _names(table: Mapping[str, Any], key: str) -> dict[str, str]:
    """Read `[units.aliases]` or `[units.short]`: a table of name = name."""
    names = table.get(key, {})
    if not isinstance(names, dict) or not all(
        isinstance(value, str) and value.strip() for value in names.values()
    ):
        raise ConfigError(f'[units.{key}] must be a table of "name" = "name"')
    return {name.strip(): value.strip() for name, value in names.items() if name.strip()}


def _apply_environment(config: Config, environ: Mapping[str, str]) -> Config:
    """Let tokens come from the environment, so they need not sit in a file."""
    telegram, zalo = config.telegram, config.zalo
    if environ.get(TELEGRAM_TOKEN_ENV):
        telegram = replace(telegram, token=environ[TELEGRAM_TOKEN_ENV])
    if environ.get(ZALO_TOKEN_ENV):
        zalo = replace(zalo, token=environ[ZALO_TOKEN_ENV])
    for section, channel in (("telegram", telegram), ("zalo", zalo)):
        if channel.enabled and not channel.token:
            env = TELEGRAM_TOKEN_ENV if section == "telegram" else ZALO_TOKEN_ENV
            raise ConfigError(
                f"[{section}] is enabled but has no token: set [{section}] token or {env}"
            )
        if channel.enabled and channel.mode == "webhook" and not channel.secret:
            raise ConfigError(
                f'[{section}] mode = "webhook" needs [{section}] secret (8–256 characters)'
            )
    return Config(**{**_as_dict(config), "telegram": telegram, "zalo": zalo})
