"""The case store's database: where it is, how to connect, and its schema kept at the
newest Alembic revision. SQLite (the embedded default) takes its write lock when a
transaction begins, so concurrent writers queue instead of failing."""

from __future__ import annotations

import getpass
import logging
import os
from pathlib import Path
from typing import Iterator, Sequence, TypeVar

from sqlalchemy import create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.engine import Engine

from banscreen.lists.store import default_root

log = logging.getLogger(__name__)


T = TypeVar("T")
IN_CHUNK = 500  # values per IN (...) clause: well under SQLite's and psycopg's parameter limits


def in_chunks(values: Sequence[T]) -> Iterator[Sequence[T]]:
    """`values` in slices small enough for one IN (...) clause each."""
    for k in range(0, len(values), IN_CHUNK):
        yield values[k:k + IN_CHUNK]


class CaseError(Exception):
    """A case-store request that cannot be done: unknown alert, bad decision, bad URL."""


def default_url() -> str:
    """BANSCREEN_DB, else a SQLite file beside the list store."""
    if os.environ.get("BANSCREEN_DB"):
        return os.environ["BANSCREEN_DB"]
    root = default_root()
    root.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{root / 'cases.db'}"


def actor_name() -> str:
    """Who is acting, for the audit trail: BANSCREEN_ACTOR, else the login name."""
    try:
        return os.environ.get("BANSCREEN_ACTOR") or getpass.getuser()
    except Exception:  # no login name (a container without a passwd entry)
        log.debug("no login name; the actor is recorded as 'unknown'")
        return "unknown"


def masked(url: str) -> str:
    """A database URL fit to print or store: its password replaced by ***."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # not a URL SQLAlchemy can parse: show its scheme only
        return url.split(":", 1)[0] + ":***"


def error_summary(exc: BaseException) -> str:
    """An error fit for a message or the audit trail: a database error's driver message
    (its first line), never the SQL statement or its parameters, which hold party data."""
    from sqlalchemy.exc import StatementError

    if isinstance(exc, StatementError):
        orig = getattr(exc, "orig", None)
        text = str(orig).splitlines()[0] if orig is not None and str(orig) else ""
        return f"{type(orig or exc).__name__}: {text}" if text else type(orig or exc).__name__
    return f"{type(exc).__name__}: {exc}"


def where(url: str) -> str:
    """HOST:PORT (or the file) of a database URL, for messages."""
    try:
        u = make_url(url)
    except Exception:
        return masked(url)
    if u.get_backend_name() == "sqlite":
        return u.database or "(memory)"
    return f"{u.host or 'localhost'}:{u.port or 5432}" if u.get_backend_name() == "postgresql" else \
        f"{u.host or 'localhost'}{':' + str(u.port) if u.port else ''}"


def open_engine(url: str) -> Engine:
    """An engine for `url`, with SQLite's write locking; CaseError for a URL that names
    no database SQLAlchemy knows (the message never shows the password)."""
    options = {"connect_args": {"timeout": 60}} if url.startswith("sqlite") else {"pool_pre_ping": True}
    try:
        engine = create_engine(url, **options)
    except Exception as exc:
        log.info("case store URL refused: %s", type(exc).__name__)
        raise CaseError(f"cannot open the case store {masked(url)}: {type(exc).__name__}") from None
    if engine.dialect.name == "sqlite":
        _sqlite_write_locking(engine)
    return engine


def migrate(engine: Engine, url: str) -> None:
    """Bring the schema to the newest Alembic revision; a database that cannot be
    reached is a CaseError naming where, without SQL, parameters or password."""
    from alembic import command
    from alembic.config import Config
    from sqlalchemy.exc import DBAPIError

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    try:
        with engine.begin() as connection:
            cfg.attributes["connection"] = connection
            command.upgrade(cfg, "head")
    except DBAPIError as exc:
        reason = str(getattr(exc, "orig", "") or type(exc).__name__).splitlines()[0]
        log.info("case store at %s unreachable: %s", where(url), reason)
        raise CaseError(f"cannot connect to the case store at {where(url)}: "
                        f"{reason.replace(make_url(url).password or chr(0), '***')}") from None


def _sqlite_write_locking(engine: Engine) -> None:
    """SQLite: take the write lock when a transaction begins (BEGIN IMMEDIATE), so two
    writers queue instead of failing on a lock upgrade; WAL lets readers read."""

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # let the BEGIN below decide
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=60000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection):
        # Readers (CaseStore.readers) take no lock, so a long recording run, which holds
        # the one write lock until it commits, never blocks the review page or a query.
        read_only = connection.get_execution_options().get("banscreen_read", False)
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def sqlite_sibling(url: str, suffix: str) -> Path | None:
    """A file beside a SQLite store's file (`cases.db` -> `cases<suffix>`); None for an
    in-memory SQLite or another database."""
    u = make_url(url)
    if u.get_backend_name() != "sqlite" or not u.database or u.database == ":memory:":
        return None
    path = Path(u.database)
    return path.with_name(path.stem + suffix)


def service_url(url: str) -> str:
    """Where the service's own state (review sessions, rate-limit buckets) lives: the
    case store's database on PostgreSQL (row locks keep it apart from running runs);
    beside the SQLite file on SQLite, whose single write lock a recording run holds
    for its whole transaction, which would otherwise stall every login and request."""
    path = sqlite_sibling(url, "-service" + (Path(make_url(url).database or "").suffix or ".db"))
    if path is None:
        return url
    return make_url(url).set(database=str(path)).render_as_string(hide_password=False)
