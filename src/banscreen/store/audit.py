"""The audit trail: an append-only chain of events, each hash covering the previous
event's hash, so a row edited, deleted or re-ordered behind the tool's back breaks the
chain at that row.

Writers lock the one-row `chain_head` table first (SELECT ... FOR UPDATE on
PostgreSQL; SQLite write transactions are serialized by BEGIN IMMEDIATE), so
concurrent runs append one after another."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
from dataclasses import dataclass
from typing import Any, Iterator, TextIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from banscreen.model import DecisionKind
from banscreen.store.engine import CaseError
from banscreen.store.schema import Alert, AuditEvent, ChainHead, Decision

GENESIS = "0" * 64
MAX_DISAGREEMENTS = 100  # rows reported by verify; the count beyond is not needed to know it failed


def timestamp(value: dt.datetime) -> str:
    """UTC, microseconds, no offset: the same text whichever database gave it back
    (SQLite returns naive datetimes, PostgreSQL aware ones)."""
    if value.tzinfo is not None:
        value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def event_hash(prev_hash: str, seq: int, at: dt.datetime, actor: str, action: str, object_type: str,
               object_id: str, payload: dict[str, Any]) -> str:
    body = json.dumps([seq, timestamp(at), actor, action, object_type, object_id, payload], sort_keys=True,
                      separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256((prev_hash + body).encode("utf-8")).hexdigest()


class AuditWriter:
    """Appends events within the caller's transaction; the chain head is locked for
    the rest of that transaction."""

    def __init__(self, session: Session, actor: str):
        self.session = session
        self.actor = actor
        self.head = session.execute(select(ChainHead).where(ChainHead.id == 1).with_for_update()).scalar_one_or_none()
        if self.head is None:
            raise CaseError("the audit chain's head row is missing, so nothing can be recorded; "
                            "`banscreen audit verify` says more")

    def append(self, action: str, object_type: str, object_id: Any, payload: dict[str, Any]) -> AuditEvent:
        payload = json.loads(json.dumps(payload, default=str))  # exactly what the JSON column gives back
        at = dt.datetime.now(dt.timezone.utc)
        seq = self.head.seq + 1
        digest = event_hash(self.head.hash, seq, at, self.actor, action, object_type, str(object_id), payload)
        event = AuditEvent(seq=seq, at=at, actor=self.actor, action=action, object_type=object_type,
                           object_id=str(object_id), payload=payload, prev_hash=self.head.hash, hash=digest)
        self.session.add(event)
        self.head.seq, self.head.hash = seq, digest
        return event


@dataclass(frozen=True)
class Verification:
    ok: bool
    events: int
    problem: str = ""  # the first break, naming its event
    event_id: int | None = None
    seq: int | None = None
    disagreements: tuple[str, ...] = ()  # tables that say otherwise than the chain


@dataclass(frozen=True)
class Anchor:
    """A checkpoint of the chain to keep outside the database (a ticket, a WORM bucket, a
    signed e-mail): whoever can rewrite the database cannot rewrite the anchor, so a
    chain cut back and re-headed below it is caught."""
    seq: int
    hash: str

    def as_dict(self) -> dict[str, Any]:
        return {"seq": self.seq, "hash": self.hash}

    @classmethod
    def parse(cls, text: str) -> "Anchor":
        """An anchor from the JSON that `audit anchor` printed; ValueError when it is not one."""
        try:
            d = json.loads(text)
            seq, digest = d["seq"], d["hash"]
        except (ValueError, KeyError, TypeError):
            raise ValueError("not an audit anchor: expected the JSON `audit anchor` printed") from None
        if not isinstance(seq, int) or isinstance(seq, bool) or seq < 0 or not isinstance(digest, str) \
                or len(digest) != 64:
            raise ValueError("not an audit anchor: seq must be a whole number and hash 64 hex digits")
        return cls(seq, digest)


def anchor(session: Session) -> Anchor:
    """The chain's head as an anchor; CaseError-free: an empty chain anchors at 0."""
    head = session.get(ChainHead, 1)
    return Anchor(head.seq, head.hash) if head is not None else Anchor(0, GENESIS)


def verify(session: Session, anchors: tuple[Anchor, ...] = ()) -> Verification:
    """Recompute the chain in sequence order; the first event that does not follow
    from its predecessor is the break. Then the chain head must exist and agree, every
    anchor must still be in the chain, and the alerts and decisions tables must say what
    replaying the chain says (a row edited in SQL is reported)."""
    prev, expected_seq, count = GENESIS, 1, 0
    by_seq = {a.seq: a for a in anchors}
    replay = Replay()
    for e in session.execute(select(AuditEvent).order_by(AuditEvent.seq)).scalars():
        count += 1
        if e.seq != expected_seq:
            return Verification(False, count, f"event id {e.id} has sequence {e.seq}, expected {expected_seq}: "
                                              "an event before it was deleted or re-numbered", e.id, e.seq)
        if e.prev_hash != prev:
            return Verification(False, count, f"event id {e.id} (seq {e.seq}) does not follow the event before it: "
                                              "its predecessor was edited, deleted or re-ordered", e.id, e.seq)
        digest = event_hash(e.prev_hash, e.seq, e.at, e.actor, e.action, e.object_type, e.object_id, e.payload)
        if digest != e.hash:
            return Verification(False, count, f"event id {e.id} (seq {e.seq}, {e.action}) was edited: its content "
                                              "no longer matches its hash", e.id, e.seq)
        if e.seq in by_seq and by_seq[e.seq].hash != e.hash:
            return Verification(False, count, f"event seq {e.seq} is not the event anchored at that sequence: the "
                                              "chain was rewritten from there on", e.id, e.seq)
        replay.apply(e)
        prev, expected_seq = e.hash, expected_seq + 1
    last = expected_seq - 1
    head = session.get(ChainHead, 1)
    if head is None:
        return Verification(False, count, "the chain-head row is missing: it was deleted, and no write can "
                                          "append to the chain until it is restored", None, None)
    if (head.seq, head.hash) != (last, prev):
        return Verification(False, count, f"the chain ends at sequence {last} but its head records "
                                          f"{head.seq}: events at the end were deleted", None, head.seq)
    beyond = [a for a in anchors if a.seq > last or (a.seq == 0 and a.hash != GENESIS)]
    if beyond:
        return Verification(False, count, f"an anchor records sequence {beyond[0].seq} but the chain ends at {last}: "
                                          "events at the end were deleted and the head rolled back", None, last)
    disagreements = tuple(itertools.islice(replay.compare(session), MAX_DISAGREEMENTS))
    if disagreements:
        return Verification(False, count, f"{len(disagreements)} row(s) differ from what the chain records; "
                                          f"the first: {disagreements[0]}", None, None, disagreements)
    return Verification(True, count)


class Replay:
    """The alert states and decisions the chain records, rebuilt event by event."""

    CLOSING = frozenset(d for d in DecisionKind if d != DecisionKind.ESCALATE)

    def __init__(self):
        self.alerts: dict[int, dict[str, Any]] = {}
        self.decisions: dict[int, dict[str, Any]] = {}

    def apply(self, e: AuditEvent) -> None:
        payload = e.payload if isinstance(e.payload, dict) else {}
        if e.action in ("alert.opened", "alert.reopened", "alert.updated") and e.object_id.isdigit():
            self.alerts[int(e.object_id)] = {k: payload.get(k) for k in ("subject_id", "entry_key", "list",
                                                                           "score", "status")}
        elif e.action == "decision.made" and e.object_id.isdigit():
            self.decisions[int(e.object_id)] = payload
            state = self.alerts.get(payload.get("alert_id"))
            if state is not None and payload.get("decision") in self.CLOSING:
                state["status"] = "closed"

    def compare(self, session: Session) -> Iterator[str]:
        """Rows of the alerts and decisions tables that disagree with the replay (the
        caller takes as many as it wants to report)."""
        seen_alerts: set[int] = set()
        for a in session.execute(select(Alert).order_by(Alert.id)).scalars():
            seen_alerts.add(a.id)
            state = self.alerts.get(a.id)
            if state is None:
                yield f"alert #{a.id} is in the table but no event opened it (inserted outside banscreen)"
                continue
            row = {"subject_id": a.subject_id, "entry_key": a.entry_key, "list": a.list, "score": a.score,
                   "status": a.status}
            fields = [k for k in row if row[k] != state[k]]
            if fields:
                yield f"alert #{a.id}: {', '.join(f'{k} is {row[k]!r}, the chain says {state[k]!r}' for k in fields)}"
        for alert_id in sorted(set(self.alerts) - seen_alerts):
            yield f"alert #{alert_id} is in the chain but not in the table (deleted outside banscreen)"
        seen_decisions: set[int] = set()
        for d in session.execute(select(Decision).order_by(Decision.id)).scalars():
            seen_decisions.add(d.id)
            recorded = self.decisions.get(d.id)
            if recorded is None:
                yield f"decision #{d.id} is in the table but not in the chain (inserted outside banscreen)"
                continue
            row = {"alert_id": d.alert_id, "decision": d.decision, "reviewer": d.reviewer, "reason": d.reason}
            fields = [k for k in row if row[k] != recorded.get(k)]
            if fields:
                yield f"decision #{d.id}: {', '.join(fields)} differ from the chain"
        for decision_id in sorted(set(self.decisions) - seen_decisions):
            yield f"decision #{decision_id} is in the chain but not in the table (deleted outside banscreen)"


def export(session: Session, out: TextIO) -> int:
    n = 0
    for e in _events(session):
        out.write(json.dumps({"seq": e.seq, "id": e.id, "at": timestamp(e.at), "actor": e.actor, "action": e.action,
                              "object_type": e.object_type, "object_id": e.object_id, "payload": e.payload,
                              "prev_hash": e.prev_hash, "hash": e.hash}, ensure_ascii=False) + "\n")
        n += 1
    return n


def _events(session: Session) -> Iterator[AuditEvent]:
    yield from session.execute(select(AuditEvent).order_by(AuditEvent.seq)).scalars()
