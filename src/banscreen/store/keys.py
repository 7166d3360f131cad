"""CaseStore's API keys: made once and shown once, stored only as their SHA-256."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from banscreen.model import Role
from banscreen.store import audit
from banscreen.store.engine import CaseError, actor_name
from banscreen.store.schema import ApiKey

KEY_PREFIX = "bsk_"


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class KeysMixin:
    sessions: sessionmaker
    ROLES = tuple(Role)

    def create_key(self, owner: str, role: str, actor: str | None = None) -> tuple[int, str]:
        """A new key: returns its id and the key itself, which is shown once and never stored."""
        if role not in self.ROLES:
            raise CaseError(f"role must be one of {', '.join(self.ROLES)}, not {role!r}")
        if not owner.strip():
            raise CaseError("a key needs an owner")
        key = KEY_PREFIX + secrets.token_urlsafe(32)
        with self.sessions.begin() as s:
            writer = audit.AuditWriter(s, actor or actor_name())
            row = ApiKey(owner=owner, role=Role(role), prefix=key[:10], key_hash=key_hash(key),
                         created_at=dt.datetime.now(dt.timezone.utc), revoked=False)
            s.add(row)
            s.flush()
            writer.append("key.created", "api_key", row.id, {"owner": owner, "role": role, "prefix": row.prefix})
            return row.id, key

    def check_key(self, key: str) -> tuple[str, str] | None:
        """(owner, role) for a valid key, else None."""
        if not key or not key.startswith(KEY_PREFIX):
            return None
        with self.sessions() as s:
            row = s.execute(select(ApiKey).where(ApiKey.key_hash == key_hash(key), ApiKey.revoked.is_(False))
                            ).scalar_one_or_none()
            return (row.owner, row.role) if row else None
