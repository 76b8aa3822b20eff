"""A throwaway PostgreSQL server for the test session, and a fresh database per test.

The server is Debian's `postgresql` package run by hand: `initdb` into a temporary folder and
`pg_ctl start` on a free loopback port, with durability switched off (`fsync=off`) because the
data dies with the session. Root cannot run postgres, so as root the binaries run as the
`postgres` system user. Each test gets `CREATE DATABASE … TEMPLATE` of a database migrated
once: a copy of the template's files, much faster than running the migrations again.

`NHACVIEC_TEST_POSTGRES_URL` (e.g. `postgresql://postgres@127.0.0.1:5432/postgres`) uses a server
that is already running instead; `NHACVIEC_TEST_POSTGRES=off` skips the PostgreSQL half, `=require`
makes a server that cannot start an error instead of a skip (CI sets it).
"""

from __future__ import annotations

import asyncio
import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import threading
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

URL_ENV = "NHACVIEC_TEST_POSTGRES_URL"
MODE_ENV = "NHACVIEC_TEST_POSTGRES"
TEMPLATE = "nhacviec_template"
SYSTEM_USER = "postgres"
START_TIMEOUT_S = 60

_T = TypeVar("_T")
#: What the session learnt about PostgreSQL, printed once at the end of the run.
SESSION_NOTES: list[str] = []


class PostgresUnavailable(Exception):
    """No PostgreSQL server could be started or reached; the message says why."""


class PgServer:
    """One PostgreSQL server: either started here (and stopped by `stop`) or given by URL."""

    def __init__(self, host: str, port: int, user: str, *, data_dir: Path | None = None) -> None:
        self.host = host
        self.port = port
        self.user = user
        self.data_dir = data_dir
        self._names = itertools.count(1)
        self._template_ready = False
        self._strategy = ""
        self._lock = threading.Lock()
        self._bin: Path | None = None
        self._as_user: list[str] = []

    @property
    def version(self) -> str:
        return str(self.execute("SHOW server_version")).split()[0]

    # ---- URLs ---------------------------------------------------------------------------------

    def url(self, database: str, driver: str = "asyncpg") -> str:
        """A SQLAlchemy URL (`postgresql+asyncpg://…`), or a plain one with driver=""."""
        scheme = f"postgresql+{driver}" if driver else "postgresql"
        return f"{scheme}://{self.user}@{self.host}:{self.port}/{database}"

    # ---- databases ----------------------------------------------------------------------------

    def create_database(self, prefix: str = "t") -> str:
        """A new database, migrated to the newest schema (copied from the template)."""
        with self._lock:
            if not self._template_ready:
                self._make_template()
                self._template_ready = True
            name = f"{prefix}_{os.getpid()}_{next(self._names)}"
        self.execute(f'CREATE DATABASE "{name}" TEMPLATE {TEMPLATE}{self._strategy}')
        return name

    def drop_database(self, name: str) -> None:
        self.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def execute(self, sql: str, database: str = "postgres") -> Any:
        """Run one statement outside a transaction (CREATE/DROP DATABASE need that).

        Return the first column of the first row, if the statement returns rows.
        """

        async def run() -> Any:
            import asyncpg

            connection = await asyncpg.connect(self.url(database, driver=""))
            try:
                return await connection.fetchval(sql)
            finally:
                await connection.close()

        return _run_in_thread(run)

    def _make_template(self) -> None:
        """Create the template database and run the Alembic migrations on it, once."""
        from bot.store.db import Database

        # PostgreSQL 15 copies a small template faster file by file than through the WAL.
        if int(self.execute("SHOW server_version_num")) >= 150000:
            self._strategy = " STRATEGY FILE_COPY"
        self.execute(f"DROP DATABASE IF EXISTS {TEMPLATE} WITH (FORCE)")
        self.execute(f"CREATE DATABASE {TEMPLATE}")

        async def migrate() -> None:
            db = Database(self.url(TEMPLATE))
            try:
                await db.upgrade()
            finally:
                await db.dispose()

        _run_in_thread(migrate)

    # ---- lifecycle ----------------------------------------------------------------------------

    def stop(self) -> None:
        """Stop a server started here at once (its data is thrown away) and remove its folder."""
        if self.data_dir is None or self._bin is None:
            return
        pg_ctl = str(self._bin / "pg_ctl")
        subprocess.run(
            [*self._as_user, pg_ctl, "stop", "-D", str(self.data_dir), "-m", "immediate", "-w"],
            capture_output=True,
            check=False,
            timeout=START_TIMEOUT_S,
        )
        shutil.rmtree(self.data_dir.parent, ignore_errors=True)


def start_server() -> PgServer:
    """Start a PostgreSQL server for this session, or use the one named by the URL_ENV variable.

    Raises PostgresUnavailable with a one-line reason when neither works.
    """
    if os.environ.get(MODE_ENV, "").lower() in ("off", "0", "no", "false"):
        raise PostgresUnavailable(f"{MODE_ENV}={os.environ[MODE_ENV]}")
    if url := os.environ.get(URL_ENV):
        return _external(url)
    bindir = find_bindir()
    if bindir is None:
        raise PostgresUnavailable(
            "no initdb/pg_ctl found (apt-get install postgresql, or set "
            f"{URL_ENV} to a running server)"
        )
    as_user: list[str] = []
    owner: pwd.struct_passwd | None = None
    if os.geteuid() == 0:
        try:
            owner = pwd.getpwnam(SYSTEM_USER)
        except KeyError:
            raise PostgresUnavailable(
                f"running as root and there is no '{SYSTEM_USER}' user to run the server as"
            ) from None
        runuser = shutil.which("runuser")
        if not runuser:
            raise PostgresUnavailable("running as root and runuser (util-linux) is missing")
        as_user = [runuser, "-u", SYSTEM_USER, "--"]
    root = Path(tempfile.mkdtemp(prefix="nhacviec-pg-"))
    data = root / "data"
    if owner is not None:
        os.chmod(root, 0o755)
        os.chown(root, owner.pw_uid, owner.pw_gid)
    port = _free_port()
    server = PgServer("127.0.0.1", port, "postgres", data_dir=data)
    server._bin, server._as_user = bindir, as_user
    initdb = [
        *as_user,
        str(bindir / "initdb"),
        "-D",
        str(data),
        "-U",
        "postgres",
        "--auth=trust",
        "--encoding=UTF8",
        "--locale=C.UTF-8",
        "--no-sync",
        "--no-instructions",
    ]
    _checked(initdb, "initdb", root)
    options = " ".join(
        [
            f"-p {port}",
            "-c listen_addresses=127.0.0.1",
            f"-c unix_socket_directories={root}",
            "-c fsync=off",
            "-c synchronous_commit=off",
            "-c full_page_writes=off",
            "-c max_connections=300",
            "-c shared_buffers=64MB",
            "-c log_min_messages=warning",
        ]
    )
    start = [
        *as_user,
        str(bindir / "pg_ctl"),
        "start",
        "-D",
        str(data),
        "-l",
        str(root / "server.log"),
        "-o",
        options,
        "-w",
        "-t",
        str(START_TIMEOUT_S),
    ]
    _checked(start, "pg_ctl start", root)
    try:
        server.execute("SELECT 1")
    except Exception as error:
        server.stop()
        raise PostgresUnavailable(f"the server started but does not answer: {error}") from None
    return server


def find_bindir() -> Path | None:
    """Debian keeps the server binaries out of PATH, in /usr/lib/postgresql/<version>/bin."""
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"),
        key=lambda path: int(Path(path).parent.name) if Path(path).parent.name.isdigit() else 0,
        reverse=True,
    )
    for folder in candidates:
        if (Path(folder) / "pg_ctl").exists() and (Path(folder) / "initdb").exists():
            return Path(folder)
    found = shutil.which("pg_ctl")
    if found and shutil.which("initdb"):
        return Path(found).parent
    return None


def _external(url: str) -> PgServer:
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    server = PgServer(parsed.host or "127.0.0.1", parsed.port or 5432, parsed.username or "")
    try:
        server.execute("SELECT 1")
    except Exception as error:
        raise PostgresUnavailable(f"{URL_ENV} does not answer: {error}") from None
    return server


def _checked(command: list[str], what: str, root: Path) -> None:
    try:
        result = subprocess.run(
            command, capture_output=True, text=True, check=False, timeout=START_TIMEOUT_S
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        shutil.rmtree(root, ignore_errors=True)
        raise PostgresUnavailable(f"{what} failed: {error}") from None
    if result.returncode != 0:
        log = root / "server.log"
        detail = (result.stderr or result.stdout).strip().splitlines()
        if log.exists():
            detail += log.read_text(errors="replace").strip().splitlines()
        shutil.rmtree(root, ignore_errors=True)
        raise PostgresUnavailable(f"{what} failed: {(detail or ['no output'])[-1]}")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _run_in_thread(make: Callable[[], Coroutine[Any, Any, _T]]) -> _T:
    """Run a coroutine to the end on its own loop, whether or not a loop runs in this thread."""
    result: list[_T] = []
    failure: list[BaseException] = []

    def target() -> None:
        try:
            result.append(asyncio.run(make()))
        except BaseException as error:
            failure.append(error)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if failure:
        raise failure[0]
    return result[0]
