"""The case store: screening runs, the subjects they screened, alerts (one per subject
and list entry), reviewers' decisions and the suppressions those create, and API keys.
Every write appends to the audit chain in the same transaction (audit.py).

`CaseStore` is one object over one database, assembled from one mixin per concern:
runs (runs.py), review (review.py), keys (keys.py). The store keeps SQL, the alert
lifecycle and the audit chain; it does not match names: what to record is decided by
the screens (screen/record.py, screen/rescreen.py)."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from banscreen.store.engine import CaseError, default_url, masked, migrate, open_engine
from banscreen.store.keys import KeysMixin
from banscreen.store.review import ReviewMixin
from banscreen.store.runs import RunsMixin

__all__ = ["CaseError", "CaseStore", "default_url"]


class CaseStore(RunsMixin, ReviewMixin, KeysMixin):
    """The case store at `url` (default: BANSCREEN_DB, else SQLite beside the lists),
    its schema brought to the newest revision on opening."""

    def __init__(self, url: str | None = None):
        self.url = url or default_url()
        self.engine: Engine = open_engine(self.url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self.migrate()

    def migrate(self) -> None:
        """Bring the schema to the newest Alembic revision."""
        migrate(self.engine, self.url)

    @property
    def shown_url(self) -> str:
        """The store's URL with its password masked, for messages and reports."""
        return masked(self.url)
