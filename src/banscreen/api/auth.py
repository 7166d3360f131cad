"""Who is asking: API keys (the `X-API-Key` header), review-page sessions (an HttpOnly,
SameSite=Strict cookie set after logging in with a key, with a CSRF token for forms),
roles that nest (a reviewer can screen, an admin can review), and rate limits.

Sessions and rate-limit buckets live in the case store's database, not in the process,
so `serve --workers N` behaves as one service; every request re-checks that the key
behind a session is still valid, so revoking a key ends its sessions at once. Unknown
keys and failed logins are throttled per client address, so keys cannot be guessed at
the service's full speed."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from fastapi import Depends, HTTPException, Request
from pydantic import BaseModel

from banscreen.model import Role
from banscreen.store import CaseStore

log = logging.getLogger(__name__)
SESSION_COOKIE = "banscreen_session"


class Principal(BaseModel):
    owner: str
    role: str
    key_id: int = 0


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


class Auth:
    """Key checks, sessions and rate limits, and the FastAPI dependencies over them."""

    def __init__(self, cases: CaseStore, limits: Limits, session_hours: float):
        self.cases, self.limits, self.session_hours = cases, limits, session_hours

    def allow_failure(self, request: Request) -> bool:
        """Count one failed authentication from this client; False once it has had too many."""
        return self.cases.take_token(f"fail:{client_address(request)}", self.limits.failures_per_minute / 60,
                                     self.limits.failure_burst)

    def principal(self, request: Request) -> Principal:
        """The caller, by API key or session cookie; 401 without either, 429 past a limit."""
        key = request.headers.get("x-api-key")
        if key:
            holder = self.cases.key_holder(key)
            if holder is None:
                if not self.allow_failure(request):
                    log.warning("too many unknown keys from %s", client_address(request))
                    raise HTTPException(429, "too many failed attempts; wait a minute")
                raise HTTPException(401, "unknown or revoked API key")
            who, bucket = Principal(owner=holder.owner, role=holder.role, key_id=holder.key_id), f"key:{holder.key_id}"
        else:
            session = self.session(request)
            if session is None:
                raise HTTPException(401, "an X-API-Key header is required")
            who, bucket = session.principal, f"key:{session.principal.key_id}"
        if not self.cases.take_token(bucket, self.limits.rate, self.limits.burst):
            raise HTTPException(429, "rate limit exceeded for this key")
        return who

    def role(self, minimum: Role):
        """A dependency that lets through callers with at least the role `minimum`."""
        def check(who: Principal = Depends(self.principal)) -> Principal:
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
        h = live.holder
        return Session(Principal(owner=h.owner, role=h.role, key_id=h.key_id), live.expires_at, live.csrf)

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
