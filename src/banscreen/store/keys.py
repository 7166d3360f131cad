"""CaseStore's API keys: made once and shown once, stored only as their SHA-256; listed
and revoked. Also what the service keeps per key in the database so that every worker
process sees the same: review-page sessions (which end with their key) and the
rate-limit buckets."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
import threading
import time
from pathlib import Path
from dataclasses import dataclass

from sqlalchemy import delete, func, select, text, update
from sqlalchemy.orm import sessionmaker

from banscreen.model import MAX_DB_ID, Role
from banscreen.store import audit
from banscreen.store.engine import CaseError, actor_name, sqlite_sibling
from banscreen.store.schema import ApiKey, RateBucket, WebSession

KEY_PREFIX = "bsk_"
log = logging.getLogger(__name__)


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


class KeySignal:
    """How workers learn at once that keys changed (see KeysMixin.key_changes)."""

    CHANNEL = "banscreen_keys"

    def __init__(self, path: Path | None, engine):
        self.path, self.engine, self.counter = path, engine, 0
        self.lock = threading.Lock()
        self.listening = False
        self._thread: threading.Thread | None = None

    @classmethod
    def for_store(cls, url: str, engine) -> "KeySignal":
        return cls(sqlite_sibling(url, "-keys.signal"), engine)

    def current(self) -> object:
        if self.path is not None:
            try:
                st = self.path.stat()
                return st.st_mtime_ns, st.st_size
            except FileNotFoundError:
                return 0
        if self.engine.dialect.name == "postgresql":
            self._listen()
            # Until the listener is up (or while it reconnects), a value that changes
            # every second: cached keys then live at most a second.
            return self.counter if self.listening else ("t", int(time.time()))
        return self.counter

    def bump(self) -> None:
        """After a local create or revoke commits: this process, and (by the file) every
        process on the host, drops its cached keys."""
        self.counter += 1
        if self.path is not None:
            with self.path.open("a") as fh:
                fh.write("x")  # size and mtime change; a few bytes per key change

    @classmethod
    def notify(cls, session) -> None:
        if session.bind.dialect.name == "postgresql":
            session.execute(text(f"NOTIFY {cls.CHANNEL}"))

    def _listen(self) -> None:
        with self.lock:
            if self._thread is not None:
                return
            self._thread = threading.Thread(target=self._run, name="banscreen-key-listener", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        import psycopg

        url = self.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        failures = 0
        while failures < 5:  # then give up: keys are cached for a second at most (see current)
            try:
                with psycopg.connect(url, autocommit=True) as conn:
                    conn.execute(f"LISTEN {self.CHANNEL}")
                    self.listening, failures = True, 0
                    self.counter += 1  # anything cached before listening is stale
                    for _ in conn.notifies():
                        self.counter += 1
            except Exception as exc:  # the database went away: cache for a second at most, then retry
                failures += 1
                (log.warning if failures == 1 else log.debug)(
                    "key-change listener lost its connection (%s); keys are cached for a second at most until "
                    "it is back", type(exc).__name__)
            self.listening = False
            time.sleep(failures)


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
            KeySignal.notify(s)
        self._key_signal().bump()
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
            KeySignal.notify(s)
        self._key_signal().bump()
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
        False when it is empty."""
        return self.take_tokens(bucket, rate, burst, 1) == 1

    def take_tokens(self, bucket: str, rate: float, burst: int, wanted: int) -> int:
        """Take up to `wanted` whole tokens from `bucket` (refilled at `rate` a second up
        to `burst`) in one transaction, and say how many were granted (0 when empty).
        Workers lease a few tokens at a time and spend them locally (api/auth.py), so
        the shared bucket holds the limit across processes at one write per lease."""
        now = time.time()
        bucket, table = bucket[:100], RateBucket.__table__
        with self.service.begin() as s:
            conn = s.connection()  # Core statements; the row is locked (FOR UPDATE, or SQLite's write lock)
            row = conn.execute(select(table.c.tokens, table.c.updated).where(table.c.bucket == bucket)
                               .with_for_update()).first()
            tokens = float(burst) if row is None else min(float(burst), row.tokens + max(0.0, now - row.updated) * rate)
            granted = max(0, min(wanted, int(tokens)))
            if row is None:
                conn.execute(table.insert().values(bucket=bucket, tokens=tokens - granted, updated=now))
            elif granted:
                conn.execute(update(table).where(table.c.bucket == bucket).values(tokens=tokens - granted, updated=now))
            return granted

    # Key changes, for the service's key cache

    def key_changes(self) -> object:
        """A value that changes whenever a key is created or revoked, cheap enough to
        read on every request: the mtime of a signal file beside a SQLite store (every
        worker on the host sees it at once); on PostgreSQL, a counter a LISTEN thread
        bumps on each NOTIFY that `create_key`/`revoke_key` send with their commit."""
        return self._key_signal().current()

    def _key_signal(self) -> "KeySignal":
        signal = getattr(self, "_signal", None)
        if signal is None:
            signal = self._signal = KeySignal.for_store(self.url, self.engine)
        return signal
