"""CLI commands about people: invite, contacts, and the console chat to try commands."""

from __future__ import annotations

import argparse
import json

from bot.cli_support import CliError, opened
from bot.config import load_config


async def cmd_invite(args: argparse.Namespace) -> int:
    from bot.app import telegram_link
    from bot.domain.model import Role
    from bot.services.errors import UnknownUnit

    config = load_config(args.config)
    async with opened(config) as services:
        try:
            invite = await services.invite(args.unit, Role(args.role), created_by="cli")
        except UnknownUnit as error:
            known = ", ".join(error.suggestions)
            raise CliError(f'no unit is called "{error.name}"; known units: {known}') from error
    link = telegram_link(config, invite.code)
    if args.json:
        out = {
            "code": invite.code,
            "unit": invite.unit,
            "role": str(invite.role),
            "expires": invite.expires.isoformat(),
            "link": link,
        }
        print(json.dumps(out, ensure_ascii=False))
    else:
        print(f"Code for {invite.unit} ({invite.role}): {invite.code}")
        print(f"Valid until {invite.expires.astimezone().strftime('%d/%m/%Y %H:%M')}.")
        print(f"The person types on Telegram or Zalo: /start {invite.code}")
        if link:
            print(f"Or opens: {link}")
    return 0


async def cmd_contacts(args: argparse.Namespace) -> int:
    async with opened(load_config(args.config)) as services:
        contacts = await services.contacts()
    rows = [
        {
            "id": c.contact_id,
            "channel": c.channel,
            "unit": c.unit,
            "role": str(c.role),
            "name": c.name,
            "since": c.since.isoformat(),
            # Every (unit, role) the person holds; `unit` and `role` are the strongest one.
            "memberships": [{"unit": m.unit, "role": str(m.role)} for m in c.memberships],
        }
        for c in contacts
    ]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=1))
    elif not rows:
        print('Nobody is registered yet. Create a code: nhacviec invite "UNIT" --role head')
    else:
        for row in rows:
            print(
                f"#{row['id']:<4} {row['channel']:<9} {row['role']:<7} {row['unit']} — "
                f"{row['name']} (since {row['since'][:10]})"
            )
            for more in row["memberships"]:  # the person's other units, under the first line
                if (more["unit"], more["role"]) != (row["unit"], row["role"]):
                    print(f"{'':15}{more['role']:<7} {more['unit']}")
    return 0


async def cmd_chat(args: argparse.Namespace) -> int:
    from bot.channels.console import run_console_chat

    return await run_console_chat(load_config(args.config), args.unit, args.role, args.name)
