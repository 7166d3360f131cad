"""Who is asking: API keys (the `X-API-Key` header), review-page sessions (an HttpOnly,
SameSite=Strict cookie set after logging in with a key, with a CSRF token for forms),
roles that nest (a reviewer can screen, an admin can review), and rate limits.

Sessions and rate-limit buckets live in the case store's database, not in the process,
so `serve --workers N` behaves as one service; every request re-checks that the key
behind a session is still valid, so revoking a key ends its sessions at once. Unknown
keys and failed logins are throttled per client address, so keys cannot be guessed at
the service's full speed.

The screening path does no database work per request: valid keys are cached in memory
(dropped at once when any key is created or revoked: store.key_changes), and each
worker leases rate-limit tokens from the shared bucket a few at a time."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from fastapi import Depends, HTTPException, Request
from pydantic import BaseModel

from banscreen.model import Role
from banscreen.store import CaseStore
from banscreen.store.keys import KeyHolder

log = logging.getLogger(__name__)
SESSION_COOKIE = "banscreen_session"


class Principal(BaseModel):
    owner: str
    role: str
    key_id: int = 0

    @classmethod
    def of(cls, holder: KeyHolder) -> "Principal":
        return cls(owner=holder.owner, role=holder.role, key_id=holder.key_id)


@dataclass(frozen=True)
class Limits:
    """Requests a second and burst, per key or session; failures (unknown keys, wrong
    logins) a minute per client address."""
    rate: float = 200.0
    burst: int = 400
    failures_per_minute: float = 10.0
    failure_burst: int = 20


@dataclass(frozen=True)
class Session:
    principal: Principal
    expires: float
    csrf: str


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


class KeyCache:
    """Valid keys' holders, in memory, for `ttl` seconds at most; all of them dropped
    when the store says keys changed. Unknown keys are not cached (they are throttled)."""

    def __init__(self, cases: CaseStore, ttl: float = 60.0, size: int = 10_000):
        self.cases, self.ttl, self.size = cases, ttl, size
        self.entries: dict[str, tuple[KeyHolder, float]] = {}
        self.seen = cases.key_changes()

    def holder(self, key: str) -> KeyHolder | None:
        changes = self.cases.key_changes()
        if changes != self.seen:
            self.entries.clear()
            self.seen = changes
        now = time.monotonic()
        hit = self.entries.get(key)
        if hit is not None and hit[1] > now:
            return hit[0]
        holder = self.cases.key_holder(key)
        if holder is not None:
            if len(self.entries) >= self.size:
                self.entries.clear()
            self.entries[key] = (holder, now + self.ttl)
        return holder


class LeasedLimiter:
    """A token bucket per key shared by all workers (in the database), spent locally:
    a worker leases `lease` tokens at a time, so the shared bucket sees one write per
    lease, and the limit holds across workers to within a lease per worker."""

    def __init__(self, cases: CaseStore, rate: float, burst: int):
        self.cases, self.rate, self.burst = cases, rate, burst
        self.lease = max(1, min(100, burst // 20))
        self.local: dict[str, int] = {}
        self.lock = threading.Lock()

    def allow(self, bucket: str) -> bool:
        with self.lock:
            left = self.local.get(bucket, 0)
            if left > 0:
                self.local[bucket] = left - 1
                return True
        granted = self.cases.take_tokens(bucket, self.rate, self.burst, self.lease)
        if granted == 0:
            return False
        with self.lock:
            self.local[bucket] = self.local.get(bucket, 0) + granted - 1
        return True


class Auth:
    """Key checks, sessions and rate limits, and the FastAPI dependencies over them."""

    def __init__(self, cases: CaseStore, limits: Limits, session_hours: float):
        self.cases, self.limits, self.session_hours = cases, limits, session_hours
        self.keys = KeyCache(cases)
        self.limiter = LeasedLimiter(cases, limits.rate, limits.burst)

    def allow_failure(self, request: Request) -> bool:
        """Count one failed authentication from this client; False once it has had too many."""
        return self.cases.take_token(f"fail:{client_address(request)}", self.limits.failures_per_minute / 60,
                                     self.limits.failure_burst)

    async def principal(self, request: Request) -> Principal:
        """The caller, by API key or session cookie; 401 without either, 429 past a limit.
        A coroutine, run on the event loop: with the key cached and tokens leased it does
        no I/O, so a thread-pool hop would cost more than it saves."""
        key = request.headers.get("x-api-key") or _authorization_key(request.headers.get("authorization", ""))
        if key:
            holder = self.keys.holder(key)
            if holder is None:
                if not self.allow_failure(request):
                    log.warning("too many unknown keys from %s", client_address(request))
                    raise HTTPException(429, "too many failed attempts; wait a minute")
                raise HTTPException(401, "unknown or revoked API key")
            who, bucket = Principal.of(holder), f"key:{holder.key_id}"
        else:
            session = self.session(request)
            if session is None:
                raise HTTPException(401, "an X-API-Key header (or Authorization: ApiKey <key>) is required")
            who, bucket = session.principal, f"key:{session.principal.key_id}"
        if not self.limiter.allow(bucket):
            raise HTTPException(429, "rate limit exceeded for this key")
        return who

    def role(self, minimum: Role):
        """A dependency that lets through callers with at least the role `minimum`."""
        async def check(who: Principal = Depends(self.principal)) -> Principal:
            if not Role(who.role).allows(minimum):
                raise HTTPException(403, f"the {who.role} role cannot do this; it needs {minimum}")
            return who
        return check

    def session(self, request: Request) -> Session | None:
        """The review page's session of this request, if it has a live one whose key
        is still valid."""
        live = self.cases.live_session(request.cookies.get(SESSION_COOKIE, ""))
        if live is None:
            return None
        return Session(Principal.of(live.holder), live.expires_at, live.csrf)

    def login(self, key: str) -> str | None:
        """A new session's token for a valid key, else None."""
        holder = self.cases.key_holder(key)
        if holder is None:
            return None
        token, _ = self.cases.open_session(holder, self.session_hours)
        return token

    def logout(self, token: str) -> None:
        if token:
            self.cases.close_session(token)


def _authorization_key(value: str) -> str:
    """The key of an `Authorization: ApiKey <key>` header (what yente clients send)."""
    scheme, _, key = value.strip().partition(" ")
    return key.strip() if scheme.lower() == "apikey" else ""
