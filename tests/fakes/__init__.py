"""In-process stand-ins for the servers nhacviec talks to, reached over real HTTP on loopback.

Import from the modules themselves (`from tests.fakes.telegram_server import FakeTelegramServer`):
this package stays empty so that `python -m tests.fakes.telegram_server` runs without a warning.
"""
