"""Sending webhook deliveries: the case store queues them from its audit chain
(store/hooks.py); this posts each one, signed, and records what happened.

`notify` is what a screen calls once its run has committed: it queues the new events
and tries what is due, each request bounded by a timeout, hooks side by side, the whole
bounded by NOTIFY_BUDGET_SECONDS, and never raises: a receiver that is down, slow or
failing is tried once per pass, costs the screen at most its timeout, and shows in
`hooks log`; later attempts come from `hooks deliver` (cron) or the
service, which tries every few seconds, with back-off per delivery."""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from banscreen.store import CaseStore
from banscreen.store.hooks import Due
from banscreen.version import __version__

log = logging.getLogger(__name__)
TIMEOUT_SECONDS = 5.0
# the most a screen's push may take (one timeout for a slow receiver, and some): the
# rest is left for `hooks deliver` or the service
NOTIFY_BUDGET_SECONDS = 8.0
SIGNATURE_HEADER = "X-Banscreen-Signature"


def signature(secret: str, body: bytes) -> str:
    """The value of X-Banscreen-Signature: "sha256=" and the hex HMAC-SHA256 of the body."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # a redirect is an answer, not a delivery
        return None


_OPENER = urllib.request.build_opener(_NoRedirects)


def send(due: Due, timeout: float = TIMEOUT_SECONDS) -> tuple[bool, int | None, str | None]:
    """POST one delivery: (delivered, HTTP status, error). Delivered means a 2xx answer."""
    request = urllib.request.Request(due.url, data=due.body, method="POST", headers={
        "Content-Type": "application/json", "User-Agent": f"banscreen/{__version__}",
        "X-Banscreen-Event": due.event, "X-Banscreen-Delivery": str(due.id),
        SIGNATURE_HEADER: signature(due.secret, due.body)})
    try:
        with _OPENER.open(request, timeout=timeout) as answer:
            answer.read(1 << 16)
            return 200 <= answer.status < 300, answer.status, None
    except urllib.error.HTTPError as exc:
        return False, exc.code, f"HTTP {exc.code}"
    except (urllib.error.URLError, OSError, ValueError) as exc:  # refused, timed out, unresolvable, ...
        reason = getattr(exc, "reason", exc)
        return False, None, f"{type(reason).__name__}: {reason}"[:500]


@dataclass
class DeliveryStats:
    queued: int = 0
    attempted: int = 0
    delivered: int = 0
    failed: int = 0  # attempts used up
    untried: int = 0  # left due for the next pass: their hook failed once in this one, or time ran out
    errors: list[str] = field(default_factory=list)


def deliver_due(cases: CaseStore, timeout: float = TIMEOUT_SECONDS, limit: int = 100, threads: int = 4,
                budget: float | None = None) -> DeliveryStats:
    """Attempt the deliveries due now (up to `limit`): each hook's in order, hooks side by
    side (up to `threads`). A hook's first failed attempt ends its turn (a receiver that
    is down or slow is not asked again and again in one pass), and so does `budget`
    seconds spent in all; deliveries not attempted stay due for the next pass."""
    stats = DeliveryStats()
    due = cases.due_deliveries(limit)
    if not due:
        return stats
    by_hook: dict[int, list[Due]] = {}
    for d in due:
        by_hook.setdefault(d.hook_id, []).append(d)
    deadline = time.monotonic() + budget if budget is not None else None

    def hook_turn(deliveries: list[Due]) -> list[tuple[Due, tuple[bool, int | None, str | None] | None]]:
        out: list[tuple[Due, tuple[bool, int | None, str | None] | None]] = []
        stopped = False
        for d in deliveries:
            if stopped or (deadline is not None and time.monotonic() >= deadline):
                out.append((d, None))
                continue
            result = send(d, timeout)
            out.append((d, result))
            stopped = not result[0]
        return out

    with ThreadPoolExecutor(max_workers=min(threads, len(by_hook)), thread_name_prefix="banscreen-hook") as pool:
        turns = list(pool.map(hook_turn, by_hook.values()))
    untried = []
    for d, result in (pair for turn in turns for pair in turn):
        if result is None:
            untried.append(d.id)
            continue
        ok, code, error = result
        status = cases.record_attempt(d.id, ok, code, error)
        stats.attempted += 1
        stats.delivered += status == "delivered"
        stats.failed += status == "failed"
        if not ok:
            stats.errors.append(f"delivery {d.id} ({d.event}) to hook {d.hook_id}: {error}")
            log.info("webhook delivery %s to hook %s failed: %s", d.id, d.hook_id, error)
    stats.untried = len(untried)
    cases.release_deliveries(untried)
    return stats


def notify(cases: CaseStore, timeout: float = TIMEOUT_SECONDS) -> DeliveryStats | None:
    """Queue new events and send what is due; never raises (a screen's results are
    already committed: a webhook problem must not turn them into a failure)."""
    try:
        if not cases.hooks():
            return None
        queued = cases.queue_hook_events()
        stats = deliver_due(cases, timeout, budget=NOTIFY_BUDGET_SECONDS)
        stats.queued = queued
        if stats.errors:  # the attempts are logged in the store; one line here says so
            log.warning("%d webhook deliveries failed (first: %s); they are retried later, see `hooks log`",
                        len(stats.errors), stats.errors[0])
        return stats
    except Exception:  # logged: the deliveries stay queued for `hooks deliver` or the service
        log.exception("webhook delivery step failed; deliveries stay queued")
        return None
