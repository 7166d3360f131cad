"""Who is asking: API keys (the `X-API-Key` header), review-page sessions (an HttpOnly,
SameSite=Strict cookie set after logging in with a key, with a CSRF token for forms),
roles that nest (a reviewer can screen, an admin can review), and a rate limit per key."""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass

from fastapi import Depends, HTTPException, Request
from pydantic import BaseModel

from banscreen.model import Role
from banscreen.store import CaseStore

SESSION_COOKIE = "banscreen_session"


class Principal(BaseModel):
    owner: str
    role: str


class RateLimiter:
    """A token bucket per key: `rate` requests a second, bursts up to `burst`."""

    def __init__(self, rate: float, burst: int):
        self.rate, self.burst = rate, burst
        self.buckets: dict[str, tuple[float, float]] = {}
        self.lock = threading.Lock()

    def allow(self, key: str) -> bool:
        now = time.monotonic()
        with self.lock:
            tokens, last = self.buckets.get(key, (float(self.burst), now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            if tokens < 1:
                self.buckets[key] = (tokens, now)
                return False
            self.buckets[key] = (tokens - 1, now)
            return True


@dataclass(frozen=True)
class Session:
    principal: Principal
    expires: float
    csrf: str


class Auth:
    """Key checks, sessions and the rate limit, and the FastAPI dependencies over them."""

    def __init__(self, cases: CaseStore, limiter: RateLimiter, session_hours: float):
        self.cases, self.limiter, self.session_hours = cases, limiter, session_hours
        self.sessions: dict[str, Session] = {}  # token -> session

    def principal(self, request: Request) -> Principal:
        """The caller, by API key or session cookie; 401 without either, 429 past the limit."""
        key = request.headers.get("x-api-key")
        if key:
            found = self.cases.check_key(key)
            if found is None:
                raise HTTPException(401, "unknown or revoked API key")
            who, bucket = Principal(owner=found[0], role=found[1]), key
        else:
            session = self.session(request)
            if session is None:
                raise HTTPException(401, "an X-API-Key header is required")
            who, bucket = session.principal, request.cookies[SESSION_COOKIE]
        if not self.limiter.allow(bucket):
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
        """The review page's session of this request, if it has a live one."""
        session = self.sessions.get(request.cookies.get(SESSION_COOKIE, ""))
        if session is None or session.expires < time.time():
            return None
        return session

    def login(self, key: str) -> str | None:
        """A new session's token for a valid key, else None."""
        found = self.cases.check_key(key)
        if found is None:
            return None
        token = secrets.token_urlsafe(32)
        self.sessions[token] = Session(Principal(owner=found[0], role=found[1]),
                                       time.time() + self.session_hours * 3600, secrets.token_urlsafe(16))
        return token

    def logout(self, token: str) -> None:
        self.sessions.pop(token, None)
