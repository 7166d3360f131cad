"""The case store's database: where it is, how to connect, and its schema kept at the
newest Alembic revision. SQLite (the embedded default) takes its write lock when a
transaction begins, so concurrent writers queue instead of failing."""

from __future__ import annotations

import getpass
import logging
import os
from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine

from banscreen.lists.store import default_root

log = logging.getLogger(__name__)


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


def open_engine(url: str) -> Engine:
    """An engine for `url`, with SQLite's write locking; CaseError for a URL that names
    no database SQLAlchemy knows."""
    options = {"connect_args": {"timeout": 60}} if url.startswith("sqlite") else {"pool_pre_ping": True}
    try:
        engine = create_engine(url, **options)
    except Exception as exc:
        raise CaseError(f"cannot open the case store {url!r}: {exc}") from None
    if engine.dialect.name == "sqlite":
        _sqlite_write_locking(engine)
    return engine


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest Alembic revision."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "head")


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
        connection.exec_driver_sql("BEGIN IMMEDIATE")
