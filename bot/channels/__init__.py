"""Channels carry commands in and replies and reminders out: Telegram, Zalo, the console."""
