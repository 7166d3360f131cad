"""The case store: runs, alerts, decisions, suppressions and the audit chain
(SQLAlchemy; SQLite by default, PostgreSQL by URL)."""

from banscreen.store.cases import CaseError, CaseStore, default_url

__all__ = ["CaseError", "CaseStore", "default_url"]
