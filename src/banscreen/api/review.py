"""The review page: a server-rendered dashboard, alert queue and alert view, where a
reviewer logs in with a key and decides alerts (forms carry a CSRF token)."""

from __future__ import annotations

import hmac
import logging
from typing import Literal

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, PackageLoader, select_autoescape

from banscreen.api.auth import SESSION_COOKIE, Auth, client_address
from banscreen.api.state import LoadedLists
from banscreen.api.v1 import AlertId
from banscreen.model import MAX_DB_ID, AlertStatus, Role
from banscreen.report.safety import is_http_url
from banscreen.report.charts import SEVERITY_COLORS, bar_chart
from banscreen.store import CaseStore
from banscreen.version import __version__

PAGE_SIZE = 100
log = logging.getLogger(__name__)


def router(lists: LoadedLists, cases: CaseStore, auth: Auth, settings) -> APIRouter:
    """The review page's routes (not in the OpenAPI schema). `settings` is the app's
    Settings: session length and whether cookies are marked Secure."""
    # Longer than 60 lines: a table of seven small routes sharing `page` and `to_login`.
    web = APIRouter(include_in_schema=False)
    pages = Environment(loader=PackageLoader("banscreen.api", "templates"), autoescape=select_autoescape(["html"]))
    pages.tests["http_url"] = is_http_url  # only http(s) links from list data become links

    def page(name: str, **context) -> HTMLResponse:
        return HTMLResponse(pages.get_template(name).render(version=__version__, **context))

    def to_login() -> RedirectResponse:
        return RedirectResponse("/login", status_code=303)

    @web.get("/", response_class=HTMLResponse)
    def dashboard(request: Request):
        session = auth.session(request)
        if session is None:
            return to_login()
        by_list: dict[str, dict[str, int]] = {}
        for code, status, n in cases.counts_by_list():
            by_list.setdefault(code, {})[status] = n
        counts = cases.counts()
        charts = [bar_chart([(k, v.get(AlertStatus.OPEN, 0)) for k, v in by_list.items()], "Open alerts by list",
                            "chart-open-by-list"),
                  bar_chart(list(counts.items()), "Alerts by status", "chart-by-status",
                            colors={"open": SEVERITY_COLORS["error"], "closed": SEVERITY_COLORS["note"]}),
                  bar_chart(cases.alerts_by_day(), "Alerts opened per day (30 days)", "chart-over-time")]
        return page("dashboard.html", user=session.principal, counts=counts, by_list=by_list, charts=charts,
                    versions=lists.current.selection.versions, runs=cases.runs(10))

    @web.get("/login", response_class=HTMLResponse)
    def login_form(error: str = ""):
        return page("login.html", error=error)

    @web.post("/login")
    def login(request: Request, key: str = Form(..., max_length=200)):
        token = auth.login(key.strip())
        if token is None:
            if not auth.allow_failure(request):
                log.warning("too many failed logins from %s", client_address(request))
                return HTMLResponse(pages.get_template("login.html").render(
                    version=__version__, error="too many failed attempts; wait a minute"), status_code=429)
            return RedirectResponse("/login?error=unknown+key", status_code=303)
        response = RedirectResponse("/alerts", status_code=303)
        secure = settings.secure_cookies if settings.secure_cookies is not None else request.url.scheme == "https"
        response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="strict", secure=secure,
                            max_age=int(settings.session_hours * 3600))
        return response

    @web.post("/logout")
    def logout(request: Request):
        auth.logout(request.cookies.get(SESSION_COOKIE, ""))
        response = to_login()
        response.delete_cookie(SESSION_COOKIE)
        return response

    @web.get("/alerts", response_class=HTMLResponse)
    def queue(request: Request, status: Literal["open", "closed", "all"] = "open",
              list_code: str = Query("", alias="list", max_length=40), q: str = Query("", max_length=200),
              page_number: int = Query(1, alias="page", ge=1, le=MAX_DB_ID)):
        session = auth.session(request)
        if session is None:
            return to_login()
        status_filter = None if status == "all" else status
        total = cases.alert_total(status_filter, list_code or None, q)
        pages_total = max(1, -(-total // PAGE_SIZE))
        page_number = min(page_number, pages_total)
        rows = cases.alerts(status_filter, list_code or None, PAGE_SIZE, (page_number - 1) * PAGE_SIZE, q)
        lists_present = sorted({code for code, _, _ in cases.counts_by_list()})
        first = (page_number - 1) * PAGE_SIZE + 1 if rows else 0
        return page("alerts.html", user=session.principal, rows=rows, status=status, list_code=list_code, q=q,
                    lists_present=lists_present, total=total, page=page_number, pages=pages_total, first=first,
                    last=first + len(rows) - 1 if rows else 0)

    @web.get("/alerts/{alert_id}", response_class=HTMLResponse)
    def alert_page(request: Request, alert_id: int = AlertId):
        session = auth.session(request)
        if session is None:
            return to_login()
        alert, subject, decisions = cases.alert(alert_id)
        match = dict(alert.match)
        entry_state = match.pop("_entry_state", {})
        return page("alert.html", user=session.principal, csrf=session.csrf, alert=alert, subject=subject,
                    decisions=decisions, match=match, entry=entry_state)

    @web.post("/alerts/{alert_id}/decide")
    def decide_form(request: Request, alert_id: int = AlertId, decision: str = Form(...), reason: str = Form(...),
                    csrf: str = Form(...)):
        session = auth.session(request)
        if session is None:
            return to_login()
        if not hmac.compare_digest(csrf, session.csrf):
            raise HTTPException(403, "stale form; reload the page")
        if not Role(session.principal.role).allows(Role.REVIEWER):
            raise HTTPException(403, f"the {session.principal.role} role cannot decide alerts")
        cases.decide(alert_id, decision, session.principal.owner, reason)
        return RedirectResponse("/alerts", status_code=303)

    return web
