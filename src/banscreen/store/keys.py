"""CaseStore's API keys: made once and shown once, stored only as their SHA-256; listed
and revoked. Also what the service keeps per key in the database so that every worker
process sees the same: review-page sessions (which end with their key) and the
rate-limit buckets."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import time
from dataclasses import dataclass

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import sessionmaker

from banscreen.model import MAX_DB_ID, Role
from banscreen.store import audit
from banscreen.store.engine import CaseError, actor_name
from banscreen.store.schema import ApiKey, RateBucket, WebSession

KEY_PREFIX = "bsk_"


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@dataclass(frozen=True)
class KeyHolder:
    """Who a key or a session speaks for."""
    key_id: int
    owner: str
    role: str


@dataclass(frozen=True)
class LiveSession:
    holder: KeyHolder
    csrf: str
    expires_at: float


def key_record(row: ApiKey) -> dict:
    """A key as `keys list --format json` and `GET /v1/keys` show it (never its hash)."""
    return {"id": row.id, "owner": row.owner, "role": row.role, "prefix": row.prefix,
            "created": row.created_at.isoformat(), "revoked": row.revoked_at.isoformat() if row.revoked_at else
            (True if row.revoked else None)}


class KeysMixin:
    sessions: sessionmaker
    readers: sessionmaker
    service: sessionmaker  # sessions and rate buckets (store/engine.py service_url)
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

    def keys(self) -> list[ApiKey]:
        """Every key ever made, revoked ones included, by id."""
        with self.readers() as s:
            return list(s.execute(select(ApiKey).order_by(ApiKey.id)).scalars())

    def revoke_key(self, key_id: int, actor: str | None = None) -> ApiKey:
        """Revoke a key: it stops working at once, and so do the sessions opened with it
        (they are deleted here, and every request checks its key anyway)."""
        if not 1 <= key_id <= MAX_DB_ID:
            raise CaseError(f"no key #{key_id}")
        with self.sessions.begin() as s:
            writer = audit.AuditWriter(s, actor or actor_name())
            row = s.get(ApiKey, key_id)
            if row is None:
                raise CaseError(f"no key #{key_id}")
            if row.revoked:
                raise CaseError(f"key #{key_id} ({row.prefix}…) was already revoked")
            row.revoked, row.revoked_at = True, dt.datetime.now(dt.timezone.utc)
            writer.append("key.revoked", "api_key", key_id, {"owner": row.owner, "prefix": row.prefix})
        with self.service.begin() as s:  # tidy only: every request checks its session's key anyway
            s.execute(delete(WebSession).where(WebSession.key_id == key_id))
        return row

    def key_holder(self, key: str) -> KeyHolder | None:
        """Who a valid, unrevoked key speaks for, else None."""
        if not key or not key.startswith(KEY_PREFIX) or len(key) > 200:
            return None
        with self.readers() as s:
            row = s.execute(select(ApiKey).where(ApiKey.key_hash == key_hash(key), ApiKey.revoked.is_(False))
                            ).scalar_one_or_none()
            return KeyHolder(row.id, row.owner, row.role) if row else None

    def check_key(self, key: str) -> tuple[str, str] | None:
        """(owner, role) for a valid key, else None."""
        holder = self.key_holder(key)
        return (holder.owner, holder.role) if holder else None

    # Review-page sessions

    def open_session(self, holder: KeyHolder, hours: float) -> tuple[str, str]:
        """A new session for a key holder: (token, CSRF token). Only the token's hash is
        stored; expired sessions are pruned here, so the table does not grow forever."""
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(16)
        now = time.time()
        with self.service.begin() as s:
            s.execute(delete(WebSession).where(WebSession.expires_at < now))
            s.add(WebSession(token_hash=key_hash(token), key_id=holder.key_id, csrf=csrf,
                             created_at=dt.datetime.now(dt.timezone.utc), expires_at=now + hours * 3600))
        return token, csrf

    def live_session(self, token: str) -> LiveSession | None:
        """The session of `token` if it has not expired and its key is not revoked."""
        if not token or len(token) > 200:
            return None
        with self.service() as s:
            session = s.execute(select(WebSession).where(WebSession.token_hash == key_hash(token),
                                                         WebSession.expires_at >= time.time())).scalar_one_or_none()
        if session is None:
            return None
        with self.readers() as s:
            key = s.execute(select(ApiKey).where(ApiKey.id == session.key_id, ApiKey.revoked.is_(False))
                            ).scalar_one_or_none()
        return LiveSession(KeyHolder(key.id, key.owner, key.role), session.csrf, session.expires_at) if key else None

    def close_session(self, token: str) -> None:
        with self.service.begin() as s:
            s.execute(delete(WebSession).where(WebSession.token_hash == key_hash(token)))

    def session_count(self) -> int:
        with self.service() as s:
            return s.execute(select(func.count()).select_from(WebSession)).scalar_one()

    # Rate limits

    def take_token(self, bucket: str, rate: float, burst: int) -> bool:
        """Take one token from `bucket` (refilled at `rate` a second up to `burst`);
        False when it is empty. One atomic statement, so workers share the bucket."""
        now = time.time()
        bucket, table = bucket[:100], RateBucket.__table__
        with self.service.begin() as s:
            conn = s.connection()  # Core statements: rowcount is the driver's, not the ORM's bulk count
            postgres = conn.dialect.name == "postgresql"
            refilled = (func.least if postgres else func.min)(float(burst), table.c.tokens
                                                              + (now - table.c.updated) * rate)
            done = conn.execute(update(table).where(table.c.bucket == bucket, refilled >= 1.0)
                                .values(tokens=refilled - 1.0, updated=now)).rowcount
            if done:
                return True
            insert = postgresql.insert if postgres else sqlite.insert
            created = conn.execute(insert(table).values(bucket=bucket, tokens=float(burst) - 1.0, updated=now)
                                   .on_conflict_do_nothing(index_elements=["bucket"])
                                   .returning(table.c.bucket)).first()  # an INSERT's rowcount is -1 on psycopg
            return created is not None
