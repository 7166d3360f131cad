"""The HTTP service: the screener and the case store behind FastAPI, with API keys and
roles (auth.py), the /v1 JSON API (v1.py) and a server-rendered review page (review.py).

The name index is loaded once at start-up and shared by every request; a list refresh
builds the next set aside and swaps it in whole (state.py)."""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from dataclasses import dataclass

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from banscreen.api import review, v1, yente
from banscreen.api.auth import Auth, Limits
from banscreen.api.batch_pool import BatchPool
from banscreen.api.overload import Overload, Overloaded
from banscreen.api.state import LoadedLists
from banscreen.lists.store import ListStore, default_root
from banscreen.screen.hooks import notify
from banscreen.store import CaseError, CaseStore
from banscreen.version import __version__

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Settings:
    max_body_bytes: int = 5 * 2**20
    rate_per_second: float = 200.0  # per key, sustained
    rate_burst: int = 400
    failures_per_minute: float = 10.0  # unknown keys and failed logins, per client address
    session_hours: int = 8
    refresh_hours: float = 0.0  # > 0: fetch the configured lists and switch versions this often
    hooks_every_seconds: float = 10.0  # > 0: queue and send webhook deliveries this often
    max_in_flight: int = 64  # requests being served at once, per worker; past it: 503 + Retry-After
    shed_queue_ms: float = 50.0  # while the first request in line has waited longer, new ones get 503
    max_queue_ms: float = 1000.0  # a request that waited longer for its turn gets 503 (api/overload.py)
    batch_processes: int = 0  # > 0: a streamed party batch is screened in this many processes (api/batch_pool.py)
    docs: bool = False  # /docs loads Swagger UI's script from a CDN: off unless asked for
    secure_cookies: bool | None = None  # None: Secure when the request came over HTTPS


class BodyTooLarge(HTTPException):
    def __init__(self, limit: int):
        super().__init__(413, f"request body over {limit} bytes")


class BodyLimit:
    """Counts a request body's bytes as they arrive, whatever its framing (a declared
    Content-Length or chunked), and stops it at `limit`: the handler reading it gets a
    413 instead of the next chunk, so nothing past the limit is ever held."""

    def __init__(self, app, limit: int):
        self.app, self.limit = app, limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope.get("headers") or []).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.limit:
            return await JSONResponse({"detail": BodyTooLarge(self.limit).detail}, status_code=413)(scope, receive, send)
        seen = 0

        async def counted():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise BodyTooLarge(self.limit)
            return message
        await self.app(scope, counted, send)


def deliver_hooks_every(cases: CaseStore, seconds: float) -> None:
    """Queue and send webhook deliveries every `seconds`, in a daemon thread: events
    written by any process (a CLI screen, a review decision here) reach the receivers,
    and failed attempts are retried as their back-off allows."""
    def loop():
        while True:
            time.sleep(seconds)
            notify(cases)  # logs its own failures; never raises
    threading.Thread(target=loop, daemon=True, name="banscreen-hooks").start()


def create_app(store: ListStore, cases: CaseStore, settings: Settings = Settings()) -> FastAPI:
    """The service over the lists in `store` (the versions in force today) and `cases`."""
    lists = LoadedLists(store)
    if settings.refresh_hours > 0:
        lists.refresh_every(settings.refresh_hours)
    if settings.hooks_every_seconds > 0:
        deliver_hooks_every(cases, settings.hooks_every_seconds)
    auth = Auth(cases, Limits(settings.rate_per_second, settings.rate_burst, settings.failures_per_minute,
                              max(1, int(settings.failures_per_minute * 2))), settings.session_hours)
    docs = {} if settings.docs else {"docs_url": None, "redoc_url": None}
    pool = BatchPool(store.root, settings.batch_processes) if settings.batch_processes > 0 else None

    @contextlib.asynccontextmanager
    async def lifespan(_app):
        yield
        if pool is not None:
            pool.close()

    app = FastAPI(title="banscreen", version=__version__, **docs, lifespan=lifespan,
                  description="Screen parties and equipment against US restricted-party and telecom lists; review "
                              "alerts. Authenticate with an API key in the X-API-Key header.")

    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)
    app.add_middleware(Overload, max_in_flight=settings.max_in_flight, max_queue_seconds=settings.max_queue_ms / 1000,
                       shed_queue_seconds=settings.shed_queue_ms / 1000)  # outermost: refuses before anything else

    @app.exception_handler(Exception)
    async def no_traces(request: Request, exc: Exception):  # never a stack trace in a response
        log.error("%s %s answered 500", request.method, request.url.path, exc_info=exc)
        return JSONResponse({"detail": "internal error"}, status_code=500)

    @app.exception_handler(Overloaded)
    async def overloaded(request: Request, exc: Overloaded):  # (logged, counted, by api/overload.py)
        return JSONResponse({"detail": str(exc)}, status_code=503, headers={"Retry-After": exc.retry_after})

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError):
        # FastAPI's own answer echoes the input, which fails to encode for NaN (a 500)
        # and repeats whatever the client sent; the place and the reason are enough.
        problems = [{"loc": list(e.get("loc", ())), "msg": e.get("msg", "invalid"), "type": e.get("type", "")}
                    for e in exc.errors()[:20]]
        log.info("%s %s answered 422: %s", request.method, request.url.path, problems[:1])
        return JSONResponse({"detail": problems}, status_code=422)

    @app.exception_handler(CaseError)
    async def case_error(request: Request, exc: CaseError):
        status = 404 if str(exc).startswith(("no alert", "no key")) else 400
        log.info("%s %s answered %d: %s", request.method, request.url.path, status, exc)
        return JSONResponse({"detail": str(exc)}, status_code=status)

    @app.get("/v1/health", tags=["service"])
    async def health() -> dict:
        return {"status": "ok", "version": __version__}

    @app.get("/v1/ready", tags=["service"])
    async def ready() -> dict:
        loaded = lists.current
        return {"ready": True, "entries": len(loaded.parties.index.entries),
                "list_versions": [{"label": v.label, "published": v.published.isoformat()}
                                  for v in loaded.selection.versions]}

    app.include_router(v1.router(lists, cases, auth, pool))
    app.include_router(yente.router(lists, auth))
    app.include_router(review.router(lists, cases, auth, settings))
    return app


def app_from_env() -> FastAPI:
    """The app as `banscreen serve` runs it (also in uvicorn worker processes): lists
    from BANSCREEN_HOME, cases from BANSCREEN_DB."""
    store = ListStore(default_root())
    store.ensure_bundled()
    env = os.environ.get
    secure = {"1": True, "0": False}.get(env("BANSCREEN_SECURE_COOKIES", ""))
    settings = Settings(refresh_hours=float(env("BANSCREEN_REFRESH_HOURS") or 0), docs=env("BANSCREEN_DOCS") == "1",
                        secure_cookies=secure,
                        rate_per_second=float(env("BANSCREEN_RATE") or Settings.rate_per_second),
                        rate_burst=int(env("BANSCREEN_BURST") or Settings.rate_burst),
                        max_body_bytes=int(env("BANSCREEN_MAX_BODY") or Settings.max_body_bytes),
                        max_in_flight=int(env("BANSCREEN_MAX_IN_FLIGHT") or Settings.max_in_flight),
                        max_queue_ms=float(env("BANSCREEN_MAX_QUEUE_MS") or Settings.max_queue_ms),
                        shed_queue_ms=float(env("BANSCREEN_SHED_QUEUE_MS") or Settings.shed_queue_ms),
                        batch_processes=int(env("BANSCREEN_BATCH_PROCESSES") or Settings.batch_processes))
    return create_app(store, CaseStore(env("BANSCREEN_DB") or None), settings)
