"""The audit trail: an append-only chain of events, each hash covering the previous
event's hash, so a row edited, deleted or re-ordered behind the tool's back breaks the
chain at that row.

Writers lock the one-row `chain_head` table first (SELECT ... FOR UPDATE on
PostgreSQL; SQLite write transactions are serialized by BEGIN IMMEDIATE), so
concurrent runs append one after another."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any, Iterator, TextIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from banscreen.store.schema import AuditEvent, ChainHead

GENESIS = "0" * 64


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
        self.head = session.execute(select(ChainHead).where(ChainHead.id == 1).with_for_update()).scalar_one()

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


def verify(session: Session) -> Verification:
    """Recompute the chain in sequence order; the first event that does not follow
    from its predecessor is the break."""
    prev, expected_seq, count = GENESIS, 1, 0
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
        prev, expected_seq = e.hash, expected_seq + 1
    head = session.get(ChainHead, 1)
    if head is not None and (head.seq, head.hash) != (expected_seq - 1, prev):
        return Verification(False, count, f"the chain ends at sequence {expected_seq - 1} but its head records "
                                          f"{head.seq}: events at the end were deleted", None, head.seq)
    return Verification(True, count)


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
