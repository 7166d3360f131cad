"""The case store: screening runs, the subjects they screened, alerts (one per subject
and list entry), reviewers' decisions and the suppressions those create, and API keys.
Every write appends to the audit chain in the same transaction (audit.py).

`CaseStore` is one object over one database, assembled from one mixin per concern:
runs (runs.py), review (review.py), keys (keys.py), webhooks (hooks.py). The store keeps SQL, the alert
lifecycle and the audit chain; it does not match names: what to record is decided by
the screens (screen/record.py, screen/rescreen.py)."""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from banscreen.store.engine import CaseError, default_url, masked, migrate, open_engine, service_url
from banscreen.store.schema import Base, RateBucket, WebSession
from banscreen.store.hooks import HooksMixin
from banscreen.store.keys import KeysMixin
from banscreen.store.review import ReviewMixin
from banscreen.store.runs import RunsMixin

__all__ = ["CaseError", "CaseStore", "default_url"]


class CaseStore(RunsMixin, ReviewMixin, KeysMixin, HooksMixin):
    """The case store at `url` (default: BANSCREEN_DB, else SQLite beside the lists),
    its schema brought to the newest revision on opening."""

    def __init__(self, url: str | None = None):
        self.url = url or default_url()
        self.engine: Engine = open_engine(self.url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)  # writers: `with self.sessions.begin()`
        self.readers = sessionmaker(self.engine.execution_options(banscreen_read=True), expire_on_commit=False)
        self.migrate()
        self._open_service_state()

    def _open_service_state(self) -> None:
        """The sessionmaker for review sessions and rate buckets (see `service_url`)."""
        url = service_url(self.url)
        if url == self.url:
            self.service = self.sessions
            return
        engine = open_engine(url)

        @event.listens_for(engine, "connect")
        def _no_fsync(dbapi_connection, _record):
            # Sessions and rate buckets are ephemeral: losing the last writes to a power
            # cut costs a login or a few tokens, while an fsync on a busy disk would
            # stall the worker's event loop for as long as the disk takes.
            dbapi_connection.execute("PRAGMA synchronous=OFF")

        Base.metadata.create_all(engine, tables=[WebSession.__table__, RateBucket.__table__])
        self.service = sessionmaker(engine, expire_on_commit=False)

    def migrate(self) -> None:
        """Bring the schema to the newest Alembic revision."""
        migrate(self.engine, self.url)

    @property
    def shown_url(self) -> str:
        """The store's URL with its password masked, for messages and reports."""
        return masked(self.url)
