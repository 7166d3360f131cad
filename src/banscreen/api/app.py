"""The HTTP service: the screener and the case store behind FastAPI, with API keys and
roles, and a server-rendered review page.

The name index is loaded once at start-up and shared by every request. Requests
authenticate with the `X-API-Key` header; the review page with a session cookie
(HttpOnly, SameSite=Strict) set after logging in with a key. Roles nest: a reviewer
can screen, an admin can review."""

from __future__ import annotations

import datetime as dt
import hmac
import json
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any, Iterator, Literal, Optional

from fastapi import Depends, FastAPI, Form, HTTPException, Path, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, StreamingResponse
from jinja2 import Environment, PackageLoader, select_autoescape
from pydantic import BaseModel, Field

from banscreen import __version__
from banscreen.lists.store import ListStore, entry_to_dict
from banscreen.model import Asset, Observation, Subject
from banscreen.report.charts import SEVERITY_COLORS, bar_chart
from banscreen.report.records import destination_record, finding_record, match_record
from banscreen.screen import DEFAULT_MIN_SCORE, EquipmentOptions, ScreenOptions, Screener, \
    open_equipment_screener, open_screener
from banscreen.store import CaseError, CaseStore

ROLE_LEVEL = {"screener": 1, "reviewer": 2, "admin": 3}
AlertId = Path(ge=1, le=2**31 - 1, description="alert id")  # database integers are bounded
SESSION_COOKIE = "banscreen_session"


@dataclass(frozen=True)
class Settings:
    max_body_bytes: int = 5 * 2**20
    rate_per_second: float = 200.0  # per key, sustained
    rate_burst: int = 400
    session_hours: int = 8
    refresh_hours: float = 0.0  # > 0: fetch the configured lists and switch versions this often


# --- request and response models ------------------------------------------------------------

class PartyIn(BaseModel):
    name: str = Field(min_length=1, max_length=1000)
    country: str = Field("", max_length=200)
    address: str = Field("", max_length=2000)
    as_of: Optional[dt.date] = None
    min_score: float = Field(DEFAULT_MIN_SCORE, ge=0.0, le=1.0)


class ScreenResult(BaseModel):
    name: str
    as_of: dt.date
    matches: list[dict[str, Any]]
    destinations: list[dict[str, Any]]


class ObservationIn(BaseModel):
    kind: str = Field(min_length=1, max_length=40)
    value: str = Field(min_length=1, max_length=2000)


class AssetIn(BaseModel):
    label: str = Field("", max_length=500)
    observations: list[ObservationIn] = Field(min_length=1, max_length=200)


class EquipmentIn(BaseModel):
    assets: list[AssetIn] = Field(min_length=1, max_length=10_000)
    as_of: Optional[dt.date] = None


class DecisionIn(BaseModel):
    decision: Literal["true_match", "false_positive", "escalate"]
    reason: str = Field(min_length=1, max_length=5000)


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


def create_app(store: ListStore, cases: CaseStore, settings: Settings = Settings()) -> FastAPI:
    # What requests screen against, as one tuple: a refresh builds the next one aside
    # and swaps it in with one assignment, so a request never sees half of a switch.
    state = {"current": _loaded(store)}
    refresh_lock = threading.Lock()

    def refresh(fetch: bool) -> dict:
        """Fetch the configured lists (when `fetch`), then switch to the versions in
        force today if they changed."""
        with refresh_lock:
            outcomes = []
            if fetch:
                from banscreen.lists.update import Updater, load_sources

                updater = Updater(store)
                outcomes = [updater.update(src) for src in load_sources(None, store.root)]
            before = [v.label for v in state["current"][1].versions]
            after = [v.label for v in store.select(dt.date.today()).versions]
            if after != before:
                state["current"] = _loaded(store)
            return {"switched": after != before, "in_force": after,
                    "updates": [{"source": o.source, "status": o.status, "message": o.message} for o in outcomes]}

    if settings.refresh_hours > 0:
        def every():
            while True:
                time.sleep(settings.refresh_hours * 3600)
                try:
                    refresh(fetch=True)
                except Exception:  # a failed refresh keeps the versions in force; try again next time
                    pass
        threading.Thread(target=every, daemon=True, name="banscreen-list-refresh").start()
    limiter = RateLimiter(settings.rate_per_second, settings.rate_burst)
    sessions: dict[str, tuple[Principal, float, str]] = {}  # token -> (principal, expiry, csrf)
    pages = Environment(loader=PackageLoader("banscreen.api", "templates"), autoescape=select_autoescape(["html"]))
    app = FastAPI(title="banscreen", version=__version__,
                  description="Screen parties and equipment against US restricted-party and telecom lists; review "
                              "alerts. Authenticate with an API key in the X-API-Key header.")

    # -- cross-cutting -------------------------------------------------------------------------
    @app.middleware("http")
    async def limit_body(request: Request, call_next):
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > settings.max_body_bytes:
            return JSONResponse({"detail": f"request body over {settings.max_body_bytes} bytes"}, status_code=413)
        return await call_next(request)

    @app.exception_handler(Exception)
    async def no_traces(request: Request, exc: Exception):  # never a stack trace in a response
        return JSONResponse({"detail": "internal error"}, status_code=500)

    @app.exception_handler(CaseError)
    async def case_error(request: Request, exc: CaseError):
        status = 404 if str(exc).startswith("no alert") else 400
        return JSONResponse({"detail": str(exc)}, status_code=status)

    def principal(request: Request) -> Principal:
        key = request.headers.get("x-api-key")
        if key:
            found = cases.check_key(key)
            if found is None:
                raise HTTPException(401, "unknown or revoked API key")
            who = Principal(owner=found[0], role=found[1])
            bucket = key
        else:
            session = sessions.get(request.cookies.get(SESSION_COOKIE, ""))
            if session is None or session[1] < time.time():
                raise HTTPException(401, "an X-API-Key header is required")
            who, bucket = session[0], request.cookies[SESSION_COOKIE]
        if not limiter.allow(bucket):
            raise HTTPException(429, "rate limit exceeded for this key")
        return who

    def role(minimum: str):
        def check(who: Principal = Depends(principal)) -> Principal:
            if ROLE_LEVEL[who.role] < ROLE_LEVEL[minimum]:
                raise HTTPException(403, f"the {who.role} role cannot do this; it needs {minimum}")
            return who
        return check

    def screen_one(p: PartyIn) -> ScreenResult:
        screener = state["current"][0]
        as_of = p.as_of or dt.date.today()
        one = Screener(screener.index, screener.versions, ScreenOptions(as_of=as_of, min_score=p.min_score))
        result = one.screen(Subject(row=1, line=0, name=p.name, country=p.country, address=p.address))
        return ScreenResult(name=p.name, as_of=as_of, matches=[match_record(m) for m in result.matches],
                            destinations=[destination_record(d) for d in result.destinations])

    # -- API ---------------------------------------------------------------------------------------
    @app.get("/v1/health", tags=["service"])
    def health() -> dict:
        return {"status": "ok", "version": __version__}

    @app.get("/v1/ready", tags=["service"])
    def ready() -> dict:
        screener, selection, _ = state["current"]
        return {"ready": True, "entries": len(screener.index.entries),
                "list_versions": [{"label": v.label, "published": v.published.isoformat()} for v in selection.versions]}

    @app.post("/v1/lists/refresh", tags=["lists"])
    def refresh_lists(fetch: bool = False, who: Principal = Depends(role("admin"))) -> dict:
        """Switch to the newest list versions in the store (after `lists import`), or with
        `fetch=true` first fetch the configured sources as `lists update` does."""
        return refresh(fetch)

    @app.post("/v1/screen/party", response_model=ScreenResult, tags=["screening"])
    def screen_party(body: PartyIn, who: Principal = Depends(role("screener"))) -> ScreenResult:
        return screen_one(body)

    @app.post("/v1/screen/batch", tags=["screening"],
              responses={200: {"content": {"application/x-ndjson": {}}, "description": "one JSON line per party"}})
    async def screen_batch(request: Request, who: Principal = Depends(role("screener")),
                           file: Optional[UploadFile] = None):
        """A JSON array of parties, or an uploaded CSV (multipart field `file`); the
        answer streams as JSON Lines, one per party, in order."""
        if file is not None:
            import csv
            import io

            text = (await file.read()).decode("utf-8-sig", errors="replace")
            rows = list(csv.DictReader(io.StringIO(text)))
            if rows and "name" not in rows[0]:
                raise HTTPException(422, "the CSV needs a 'name' column")
            parties = [PartyIn(name=r.get("name") or "?", country=r.get("country") or "", address=r.get("address")
                               or "") for r in rows]
        else:
            try:
                raw = json.loads(await request.body())
                parties = [PartyIn(**p) for p in raw]
            except Exception:
                raise HTTPException(422, "expected a JSON array of {name, country, address, as_of}") from None

        def lines() -> Iterator[str]:
            for p in parties:
                yield screen_one(p).model_dump_json() + "\n"
        return StreamingResponse(lines(), media_type="application/x-ndjson")

    @app.post("/v1/screen/equipment", tags=["screening"])
    def screen_equipment(body: EquipmentIn, who: Principal = Depends(role("screener"))) -> dict:
        as_of = body.as_of or dt.date.today()
        out = []
        for i, a in enumerate(body.assets, 1):
            asset = Asset(i, 0, "api", a.label or f"asset {i}",
                          tuple(Observation(o.kind, o.value, "api") for o in a.observations))
            findings = state["current"][2].resolver.screen(asset, as_of)
            out.append({"label": asset.label, "findings": [finding_record(f) for f in findings]})
        return {"as_of": as_of.isoformat(), "assets": out}

    @app.get("/v1/lists", tags=["lists"])
    def lists(who: Principal = Depends(role("screener"))) -> dict:
        return {"in_force": [v.as_dict() for v in state["current"][1].versions],
                "history": [v.as_dict() for v in store.versions()]}

    @app.get("/v1/lists/{dataset}/entries/{entry_id}", tags=["lists"])
    def entry(dataset: str, entry_id: str, who: Principal = Depends(role("screener"))) -> dict:
        found = [e for e in state["current"][0].index.entries if e.dataset == dataset and e.entry_id == entry_id]
        if not found:
            raise HTTPException(404, f"no entry {entry_id!r} in {dataset!r}")
        return {"entries": [entry_to_dict(e) for e in found]}

    @app.get("/v1/cases", tags=["cases"])
    def list_cases(status: Literal["open", "closed", "all"] = "open", list_code: Optional[str] = Query(None, alias="list"),
                   limit: int = Query(100, ge=1, le=1000), offset: int = Query(0, ge=0, le=2**31 - 1),
                   who: Principal = Depends(role("screener"))) -> dict:
        rows = cases.alerts(None if status == "all" else status, list_code, limit, offset)
        return {"alerts": [_alert_summary(a, s) for a, s in rows]}

    @app.get("/v1/cases/{alert_id}", tags=["cases"])
    def show_case(alert_id: int = AlertId, who: Principal = Depends(role("screener"))) -> dict:
        alert, subject, decisions = cases.alert(alert_id)
        return _alert_detail(alert, subject, decisions)

    @app.post("/v1/cases/{alert_id}/decision", tags=["cases"])
    def decide(body: DecisionIn, alert_id: int = AlertId, who: Principal = Depends(role("reviewer"))) -> dict:
        d = cases.decide(alert_id, body.decision, who.owner, body.reason)
        return {"decision_id": d.id, "alert_id": alert_id, "decision": d.decision, "reviewer": d.reviewer}

    @app.get("/v1/audit/verify", tags=["audit"])
    def verify(who: Principal = Depends(role("admin"))) -> dict:
        v = cases.verify()
        return {"ok": v.ok, "events": v.events, "problem": v.problem or None, "event_id": v.event_id}

    # -- review page -------------------------------------------------------------------------------
    def page(name: str, **context) -> HTMLResponse:
        return HTMLResponse(pages.get_template(name).render(version=__version__, **context))

    def web_user(request: Request) -> tuple[Principal, str] | None:
        session = sessions.get(request.cookies.get(SESSION_COOKIE, ""))
        if session is None or session[1] < time.time():
            return None
        return session[0], session[2]

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def dashboard(request: Request):
        user = web_user(request)
        if user is None:
            return RedirectResponse("/login", status_code=303)
        by_list: dict[str, dict[str, int]] = {}
        for code, status, n in cases.counts_by_list():
            by_list.setdefault(code, {})[status] = n
        counts = cases.counts()
        charts = [bar_chart([(k, v.get("open", 0)) for k, v in by_list.items()], "Open alerts by list",
                            "chart-open-by-list"),
                  bar_chart(list(counts.items()), "Alerts by status", "chart-by-status",
                            colors={"open": SEVERITY_COLORS["error"], "closed": SEVERITY_COLORS["note"]}),
                  bar_chart(cases.alerts_by_day(), "Alerts opened per day (30 days)", "chart-over-time")]
        return page("dashboard.html", user=user[0], counts=counts, by_list=by_list, charts=charts,
                    versions=state["current"][1].versions, runs=cases.runs(10))

    @app.get("/login", response_class=HTMLResponse, include_in_schema=False)
    def login_form(error: str = ""):
        return page("login.html", error=error)

    @app.post("/login", include_in_schema=False)
    def login(key: str = Form(...)):
        found = cases.check_key(key.strip())
        if found is None:
            return RedirectResponse("/login?error=unknown+key", status_code=303)
        token = secrets.token_urlsafe(32)
        sessions[token] = (Principal(owner=found[0], role=found[1]), time.time() + settings.session_hours * 3600,
                           secrets.token_urlsafe(16))
        response = RedirectResponse("/alerts", status_code=303)
        response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="strict",
                            max_age=settings.session_hours * 3600)
        return response

    @app.post("/logout", include_in_schema=False)
    def logout(request: Request):
        sessions.pop(request.cookies.get(SESSION_COOKIE, ""), None)
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE)
        return response

    @app.get("/alerts", response_class=HTMLResponse, include_in_schema=False)
    def queue(request: Request, status: str = "open", list_code: str = Query("", alias="list"), q: str = ""):
        user = web_user(request)
        if user is None:
            return RedirectResponse("/login", status_code=303)
        rows = cases.alerts(None if status == "all" else status, list_code or None, 500)
        if q:
            rows = [(a, s) for a, s in rows if q.lower() in f"{s.name} {a.entry_name}".lower()]
        lists_present = sorted({code for code, _, _ in cases.counts_by_list()})
        return page("alerts.html", user=user[0], rows=rows, status=status, list_code=list_code, q=q,
                    lists_present=lists_present)

    @app.get("/alerts/{alert_id}", response_class=HTMLResponse, include_in_schema=False)
    def alert_page(request: Request, alert_id: int = AlertId):
        user = web_user(request)
        if user is None:
            return RedirectResponse("/login", status_code=303)
        alert, subject, decisions = cases.alert(alert_id)
        match = dict(alert.match)
        entry_state = match.pop("_entry_state", {})
        return page("alert.html", user=user[0], csrf=user[1], alert=alert, subject=subject, decisions=decisions,
                    match=match, entry=entry_state)

    @app.post("/alerts/{alert_id}/decide", include_in_schema=False)
    def decide_form(request: Request, alert_id: int = AlertId, decision: str = Form(...), reason: str = Form(...),
                    csrf: str = Form(...)):
        user = web_user(request)
        if user is None:
            return RedirectResponse("/login", status_code=303)
        if not hmac.compare_digest(csrf, user[1]):
            raise HTTPException(403, "stale form; reload the page")
        if ROLE_LEVEL[user[0].role] < ROLE_LEVEL["reviewer"]:
            raise HTTPException(403, f"the {user[0].role} role cannot decide alerts")
        cases.decide(alert_id, decision, user[0].owner, reason)
        return RedirectResponse("/alerts", status_code=303)

    return app


def _loaded(store: ListStore):
    """(party screener, its version selection, equipment screener) for today."""
    screener, selection = open_screener(store, ScreenOptions())
    equipment, _ = open_equipment_screener(store, EquipmentOptions())
    return screener, selection, equipment


def _alert_summary(a, s) -> dict:
    return {"id": a.id, "status": a.status, "subject": s.name, "subject_key": s.key, "list": a.list,
            "entry_key": a.entry_key, "entry_name": a.entry_name, "matched_name": a.matched_name, "score": a.score,
            "reason": a.reason, "updated_at": a.updated_at.isoformat()}


def _alert_detail(a, s, decisions) -> dict:
    match = dict(a.match)
    match.pop("_entry_state", None)
    return {**_alert_summary(a, s), "subject_detail": {"name": s.name, "country": s.country, "address": s.address},
            "match": match, "list_version": a.list_version,
            "decisions": [{"id": d.id, "decision": d.decision, "reviewer": d.reviewer, "reason": d.reason,
                           "at": d.at.isoformat()} for d in decisions]}


def app_from_env() -> FastAPI:
    """The app as `banscreen serve` runs it (also in uvicorn worker processes): lists
    from BANSCREEN_HOME, cases from BANSCREEN_DB."""
    import os

    from banscreen.lists.store import default_root

    store = ListStore(default_root())
    store.ensure_bundled()
    refresh = float(os.environ.get("BANSCREEN_REFRESH_HOURS") or 0)
    return create_app(store, CaseStore(os.environ.get("BANSCREEN_DB") or None), Settings(refresh_hours=refresh))
