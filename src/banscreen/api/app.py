"""The HTTP service: the screener and the case store behind FastAPI, with API keys and
roles (auth.py), the /v1 JSON API (v1.py) and a server-rendered review page (review.py).

The name index is loaded once at start-up and shared by every request; a list refresh
builds the next set aside and swaps it in whole (state.py)."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from banscreen.api import review, v1
from banscreen.api.auth import Auth, RateLimiter
from banscreen.api.state import LoadedLists
from banscreen.lists.store import ListStore, default_root
from banscreen.store import CaseError, CaseStore
from banscreen.version import __version__

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Settings:
    max_body_bytes: int = 5 * 2**20
    rate_per_second: float = 200.0  # per key, sustained
    rate_burst: int = 400
    session_hours: int = 8
    refresh_hours: float = 0.0  # > 0: fetch the configured lists and switch versions this often


def create_app(store: ListStore, cases: CaseStore, settings: Settings = Settings()) -> FastAPI:
    """The service over the lists in `store` (the versions in force today) and `cases`."""
    lists = LoadedLists(store)
    if settings.refresh_hours > 0:
        lists.refresh_every(settings.refresh_hours)
    auth = Auth(cases, RateLimiter(settings.rate_per_second, settings.rate_burst), settings.session_hours)
    app = FastAPI(title="banscreen", version=__version__,
                  description="Screen parties and equipment against US restricted-party and telecom lists; review "
                              "alerts. Authenticate with an API key in the X-API-Key header.")

    @app.middleware("http")
    async def limit_body(request: Request, call_next):
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > settings.max_body_bytes:
            return JSONResponse({"detail": f"request body over {settings.max_body_bytes} bytes"}, status_code=413)
        return await call_next(request)

    @app.exception_handler(Exception)
    async def no_traces(request: Request, exc: Exception):  # never a stack trace in a response
        log.error("%s %s answered 500", request.method, request.url.path, exc_info=exc)
        return JSONResponse({"detail": "internal error"}, status_code=500)

    @app.exception_handler(CaseError)
    async def case_error(request: Request, exc: CaseError):
        status = 404 if str(exc).startswith("no alert") else 400
        log.info("%s %s answered %d: %s", request.method, request.url.path, status, exc)
        return JSONResponse({"detail": str(exc)}, status_code=status)

    @app.get("/v1/health", tags=["service"])
    def health() -> dict:
        return {"status": "ok", "version": __version__}

    @app.get("/v1/ready", tags=["service"])
    def ready() -> dict:
        loaded = lists.current
        return {"ready": True, "entries": len(loaded.parties.index.entries),
                "list_versions": [{"label": v.label, "published": v.published.isoformat()}
                                  for v in loaded.selection.versions]}

    app.include_router(v1.router(lists, cases, auth))
    app.include_router(review.router(lists, cases, auth, settings.session_hours))
    return app


def app_from_env() -> FastAPI:
    """The app as `banscreen serve` runs it (also in uvicorn worker processes): lists
    from BANSCREEN_HOME, cases from BANSCREEN_DB."""
    store = ListStore(default_root())
    store.ensure_bundled()
    refresh = float(os.environ.get("BANSCREEN_REFRESH_HOURS") or 0)
    return create_app(store, CaseStore(os.environ.get("BANSCREEN_DB") or None), Settings(refresh_hours=refresh))
