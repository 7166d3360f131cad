"""The case store: runs, alerts, decisions, suppressions, API keys and the audit chain
(SQLAlchemy; SQLite by default, PostgreSQL by URL)."""

from banscreen.store.alerts import CaseFinding, CaseSubject, RunCounts
from banscreen.store.cases import CaseError, CaseStore, default_url
from banscreen.store.engine import actor_name

__all__ = ["CaseError", "CaseFinding", "CaseStore", "CaseSubject", "RunCounts", "actor_name", "default_url"]
