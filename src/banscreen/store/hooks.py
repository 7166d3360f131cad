"""CaseStore's webhooks: where to push which events, and the delivery log.

Deliveries come from the audit chain, not from the code that opens alerts: queueing
reads the events after each hook's `last_seq`, so a screen never waits for (or fails
because of) a receiver, an event is queued once per hook even when two processes
queue at the same time (a unique key on hook and event), and nothing written before a
hook was added is sent to it. Sending is screen/hooks.py's job; this module keeps the
state: what is due, what each attempt gave, when to try again."""

from __future__ import annotations

import datetime as dt
import json
import logging
import secrets
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from banscreen.model import MAX_DB_ID
from banscreen.store import audit
from banscreen.store.engine import CaseError, actor_name
from banscreen.store.schema import AuditEvent, Hook, HookDelivery, SubjectRow

log = logging.getLogger(__name__)
# alert.updated: a changed listing or subject on an open alert; decision.made: a
# reviewer's decision, or the system's when a re-screen closes an alert
HOOK_EVENTS = ("alert.opened", "alert.reopened", "alert.updated", "decision.made", "run.completed", "run.failed")
MAX_ATTEMPTS = 6
FIRST_RETRY_SECONDS = 30  # then x4 each time: 30 s, 2 min, 8 min, 32 min, about 2 h
QUEUE_BATCH = 1000
PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def retry_delay(attempts: int) -> dt.timedelta:
    """How long to wait after the `attempts`-th failed attempt."""
    return dt.timedelta(seconds=FIRST_RETRY_SECONDS * 4 ** max(attempts - 1, 0))


def check_url(url: str) -> str:
    """An http(s) URL with a host, or a CaseError saying what is wrong with it."""
    try:
        parts = urlsplit(url)
    except ValueError:
        raise CaseError(f"not a URL: {url[:200]!r}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise CaseError(f"a webhook URL is http:// or https:// with a host, not {url[:200]!r}")
    if len(url) > 2000 or any(c.isspace() or ord(c) < 32 for c in url):
        raise CaseError("a webhook URL is at most 2,000 characters, without spaces or control characters")
    return url


@dataclass(frozen=True)
class Due:
    """A delivery to attempt now."""

    id: int
    hook_id: int
    url: str
    secret: str
    event: str
    body: bytes
    attempts: int


def hook_record(h: Hook) -> dict:
    """A hook as `hooks list` shows it (never its secret)."""
    return {"id": h.id, "url": h.url, "events": list(h.events), "active": h.active,
            "created": h.created_at.isoformat(), "created_by": h.created_by}


def delivery_record(d: HookDelivery) -> dict:
    return {"id": d.id, "hook_id": d.hook_id, "event": d.event, "event_seq": d.event_seq, "status": d.status,
            "attempts": d.attempts, "last_code": d.last_code, "last_error": d.last_error,
            "next_at": d.next_at.isoformat() if d.status == PENDING else None,
            "created": d.created_at.isoformat(), "delivered": d.delivered_at.isoformat() if d.delivered_at else None}


class HooksMixin:
    """CaseStore's webhooks (see the module's docstring)."""

    def add_hook(self, url: str, events: list[str], secret: str | None = None, actor: str | None = None
                 ) -> tuple[Hook, str]:
        """A new hook for `events` (see HOOK_EVENTS) at `url`; returns it and its secret
        (made here when not given: 32 random bytes)."""
        url = check_url(url.strip())
        unknown = [e for e in events if e not in HOOK_EVENTS]
        if unknown or not events:
            raise CaseError(f"events must be some of {', '.join(HOOK_EVENTS)}" +
                            (f"; unknown: {', '.join(unknown)}" if unknown else ""))
        secret = secret if secret is not None else secrets.token_urlsafe(32)
        if len(secret) < 16 or len(secret) > 200:
            raise CaseError("a webhook secret has 16 to 200 characters")
        with self.sessions.begin() as s:
            head = s.execute(select(func.max(AuditEvent.seq))).scalar_one() or 0
            hook = Hook(url=url, events=list(dict.fromkeys(events)), secret=secret, active=True, last_seq=head,
                        created_at=_now(), created_by=actor or actor_name())
            s.add(hook)
            s.flush()
            # the audit event is the hook's own, after `head`: a hook on hook events would not send it
            audit.AuditWriter(s, actor or actor_name()).append("hook.added", "hook", hook.id,
                                                               {"url": url, "events": hook.events})
        return hook, secret

    def hooks(self) -> list[Hook]:
        with self.readers() as s:
            return list(s.execute(select(Hook).order_by(Hook.id)).scalars())

    def remove_hook(self, hook_id: int, actor: str | None = None) -> Hook:
        """Stop a hook: nothing more is queued or sent for it; its log stays."""
        with self.sessions.begin() as s:
            hook = s.get(Hook, hook_id) if 0 < hook_id <= MAX_DB_ID else None
            if hook is None:
                raise CaseError(f"no hook {hook_id}")
            hook.active = False
            s.execute(update(HookDelivery).where(HookDelivery.hook_id == hook_id, HookDelivery.status == PENDING)
                      .values(status=FAILED, last_error="hook removed"))
            audit.AuditWriter(s, actor or actor_name()).append("hook.removed", "hook", hook.id, {"url": hook.url})
        return hook

    def queue_hook_events(self) -> int:
        """Queue the audit events each active hook has not seen yet; returns how many
        deliveries were queued. Safe to call from several processes at once."""
        queued = 0
        for hook in [h for h in self.hooks() if h.active]:
            try:
                queued += self._queue_for(hook.id)
            except IntegrityError:  # another process queued the same events first
                log.info("hook %s: events already queued by another process", hook.id)
        return queued

    def _queue_for(self, hook_id: int) -> int:
        with self.sessions.begin() as s:
            hook = s.get(Hook, hook_id)
            events = list(s.execute(select(AuditEvent).where(AuditEvent.seq > hook.last_seq)
                                    .order_by(AuditEvent.seq).limit(QUEUE_BATCH)).scalars())
            if not events:
                return 0
            wanted = [e for e in events if e.action in hook.events]
            subjects = _subjects(s, wanted)
            now = _now()
            for e in wanted:
                s.add(HookDelivery(hook_id=hook.id, event_seq=e.seq, event=e.action, body=_body(hook.id, e, subjects),
                                   status=PENDING, attempts=0, next_at=now, created_at=now))
            # claimed only if nobody moved it meanwhile (a second process sees 0 rows and stops)
            moved = s.execute(update(Hook).where(Hook.id == hook.id, Hook.last_seq == hook.last_seq)
                              .values(last_seq=events[-1].seq)).rowcount
            if moved != 1:
                raise IntegrityError("hooks.last_seq", {}, Exception("moved by another process"))
            return len(wanted)

    def due_deliveries(self, limit: int = 100, lease_seconds: float = 60.0) -> list[Due]:
        """Pending deliveries of active hooks whose time has come, oldest first, each
        claimed for `lease_seconds` (its next attempt moved that far ahead) so that two
        processes do not send it at once; one that dies while sending leaves it to be
        tried again when the lease runs out. Receivers may still, rarely, get a delivery
        twice: its id (X-Banscreen-Delivery) tells them."""
        now = _now()
        with self.readers() as s:
            rows = s.execute(select(HookDelivery, Hook).join(Hook, Hook.id == HookDelivery.hook_id)
                             .where(HookDelivery.status == PENDING, HookDelivery.next_at <= now, Hook.active)
                             .order_by(HookDelivery.id).limit(limit)).all()
        claimed = []
        lease = now + dt.timedelta(seconds=lease_seconds)
        with self.sessions.begin() as s:
            for d, h in rows:
                won = s.execute(update(HookDelivery).where(HookDelivery.id == d.id, HookDelivery.status == PENDING,
                                                           HookDelivery.next_at == d.next_at)
                                .values(next_at=lease)).rowcount
                if won == 1:
                    claimed.append(Due(d.id, h.id, h.url, h.secret, d.event, d.body.encode("utf-8"), d.attempts))
        return claimed

    def release_deliveries(self, ids: list[int]) -> None:
        """Claimed deliveries that were not attempted: due again at once."""
        if not ids:
            return
        with self.sessions.begin() as s:
            s.execute(update(HookDelivery).where(HookDelivery.id.in_(ids), HookDelivery.status == PENDING)
                      .values(next_at=_now()))

    def record_attempt(self, delivery_id: int, ok: bool, code: int | None, error: str | None) -> str:
        """What one attempt gave; returns the delivery's new status."""
        now = _now()
        with self.sessions.begin() as s:
            d = s.get(HookDelivery, delivery_id)
            if d is None or d.status != PENDING:
                return d.status if d is not None else FAILED
            d.attempts += 1
            d.last_code, d.last_error = code, (error or None) and error[:500]
            if ok:
                d.status, d.delivered_at = DELIVERED, now
            elif d.attempts >= MAX_ATTEMPTS:
                d.status = FAILED
            else:
                d.next_at = now + retry_delay(d.attempts)
            return d.status

    def redeliver(self, delivery_id: int, actor: str | None = None) -> HookDelivery:
        """Send a delivery again (failed, or pending but not yet due): due now, with a
        fresh set of attempts."""
        with self.sessions.begin() as s:
            d = s.get(HookDelivery, delivery_id) if 0 < delivery_id <= MAX_DB_ID else None
            if d is None:
                raise CaseError(f"no delivery {delivery_id}")
            hook = s.get(Hook, d.hook_id)
            if not hook.active:
                raise CaseError(f"delivery {delivery_id} belongs to hook {hook.id}, which was removed")
            d.status, d.attempts, d.next_at = PENDING, 0, _now()
            audit.AuditWriter(s, actor or actor_name()).append("hook.redelivery", "hook_delivery", d.id,
                                                               {"hook_id": d.hook_id, "event_seq": d.event_seq})
        return d

    def deliveries(self, status: str | None = None, limit: int = 100) -> list[HookDelivery]:
        """The delivery log, newest first."""
        q = select(HookDelivery).order_by(HookDelivery.id.desc()).limit(limit)
        if status:
            q = q.where(HookDelivery.status == status)
        with self.readers() as s:
            return list(s.execute(q).scalars())


def _subjects(s, events: list[AuditEvent]) -> dict[int, SubjectRow]:
    ids = {e.payload.get("subject_id") for e in events if e.object_type == "alert"} - {None}
    if not ids:
        return {}
    return {row.id: row for row in s.execute(select(SubjectRow).where(SubjectRow.id.in_(sorted(ids)))).scalars()}


def _body(hook_id: int, e: AuditEvent, subjects: dict[int, SubjectRow]) -> str:
    """The JSON a receiver gets: the event, its object and its data (an alert's subject
    spelled out: the audit payload names it only by id)."""
    data = dict(e.payload)
    subject = subjects.get(data.get("subject_id")) if e.object_type == "alert" else None
    if subject is not None:
        data["subject"] = {"key": subject.key, "name": subject.name, "country": subject.country}
    return json.dumps({"id": f"{hook_id}-{e.seq}", "event": e.action, "occurred_at": e.at.isoformat(),
                       "object": {"type": e.object_type, "id": e.object_id}, "audit_seq": e.seq, "data": data},
                      sort_keys=True, default=str)
