"""The alert lifecycle: one finding for one stored subject opens an alert, reopens one,
updates it, or stays quiet under a reviewer's suppression; the system closes alerts
whose entry went away or stopped matching. Every change appends its audit event in the
same transaction. What a finding *is* (a name match, a place, an indicator) is decided
above, in screen/record.py: here it is a `CaseFinding`, plain data."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from banscreen.model import SYSTEM_DECISIONS, AlertStatus, DecisionKind
from banscreen.store import audit
from banscreen.store.engine import in_chunks
from banscreen.store.schema import Alert, Decision, Run, SubjectRow, Suppression


@dataclass(frozen=True)
class CaseSubject:
    """A screened thing as the store keeps it: `key` identifies it across runs (the
    user's id, or its normalized name and country), `fingerprint` says when it changed."""

    key: str
    name: str
    country: str
    address: str
    fingerprint: str


@dataclass(frozen=True)
class CaseFinding:
    """What a run or a re-screen found for one subject and one list entry (or place, or
    indicator), ready to become an alert."""

    entry_key: str
    list: str
    entry_name: str
    matched_name: str
    score: float
    entry_fingerprint: str
    list_version: str
    record: dict[str, Any]
    entry_state: dict[str, Any]  # the entry as the reviewer sees it, to tell later what changed


@dataclass
class RunCounts:
    run_id: int
    rows: int = 0
    new: int = 0
    reopened: int = 0
    suppressed: int = 0
    closed: int = 0


class CaseBatch:
    """The alerts and suppressions of a batch of subjects, loaded with one query each
    instead of two per finding, and the alerts opened in the batch, whose audit events
    wait for the one flush that gives them their ids."""

    def __init__(self, session: Session):
        self.session = session
        self.alerts: dict[int, dict[str, Alert]] = {}  # subject id -> entry key -> alert
        self.suppressions: dict[int, dict[str, Suppression]] = {}
        self.opened: list[Alert] = []

    def load(self, subject_ids: Iterable[int]) -> None:
        ids = [i for i in dict.fromkeys(subject_ids) if i not in self.alerts]
        for i in ids:
            self.alerts[i], self.suppressions[i] = {}, {}
        for chunk in in_chunks(ids):
            for alert in self.session.execute(select(Alert).where(Alert.subject_id.in_(chunk))).scalars():
                self.alerts[alert.subject_id][alert.entry_key] = alert
            for sup in self.session.execute(select(Suppression).where(Suppression.subject_id.in_(chunk))).scalars():
                self.suppressions[sup.subject_id][sup.entry_key] = sup

    def of(self, subject_id: int) -> tuple[dict[str, Alert], dict[str, Suppression]]:
        if subject_id not in self.alerts:
            self.load([subject_id])
        return self.alerts[subject_id], self.suppressions[subject_id]

    def settle(self, writer: audit.AuditWriter) -> None:
        """Flush, then write the opened alerts' events (their ids exist from here)."""
        self.session.flush()
        for alert in self.opened:
            writer.append("alert.opened", "alert", alert.id, alert_payload(alert))
        self.opened.clear()

    def clear(self) -> None:
        self.alerts.clear()
        self.suppressions.clear()


def _lift_reason(alert: Alert | None, sup: Suppression, f: CaseFinding, subject: SubjectRow) -> str:
    """Why a false-positive suppression no longer holds: what changed since the decision."""
    why = []
    if sup.entry_fingerprint != f.entry_fingerprint:
        before = (alert.match or {}).get("_entry_state", {}) if alert is not None else {}
        fields = sorted(k for k in f.entry_state if k != "dataset" and before.get(k) != f.entry_state[k])
        why.append("the list entry changed" + (f" ({', '.join(fields)})" if before and fields else ""))
    if sup.subject_fingerprint != subject.fingerprint:
        why.append("the subject changed (name, country or address)")
    return f"{' and '.join(why)} since false-positive decision #{sup.decision_id}"


def apply_finding(s: Session, writer: audit.AuditWriter, subject: SubjectRow, f: CaseFinding, run: Run,
                  counts: RunCounts, batch: CaseBatch) -> Alert | None:
    """One finding for one subject: open, reopen, update, or stay suppressed. An alert
    opened here gets its id, and its audit event, at `batch.settle`."""
    now = dt.datetime.now(dt.timezone.utc)
    alerts, suppressions = batch.of(subject.id)
    sup = suppressions.get(f.entry_key)
    alert = alerts.get(f.entry_key)
    reason = "new match"
    if sup is not None:
        if sup.entry_fingerprint == f.entry_fingerprint and sup.subject_fingerprint == subject.fingerprint:
            counts.suppressed += 1
            if alert is not None:
                alert.last_run_id = run.id
            return alert
        reason = _lift_reason(alert, sup, f, subject)
        writer.append("suppression.lifted", "suppression", sup.id, {"subject_id": subject.id,
                                                                    "entry_key": f.entry_key, "reason": reason})
        s.delete(sup)
        del suppressions[f.entry_key]
    match = dict(f.record)
    match["_entry_state"] = f.entry_state
    if alert is None:
        alert = Alert(subject_id=subject.id, entry_key=f.entry_key, list=f.list, entry_name=f.entry_name,
                      matched_name=f.matched_name, score=f.score, status=AlertStatus.OPEN, reason=reason,
                      entry_fingerprint=f.entry_fingerprint, subject_fingerprint=subject.fingerprint,
                      list_version=f.list_version, match=match, first_run_id=run.id, last_run_id=run.id,
                      updated_at=now)
        s.add(alert)
        alerts[f.entry_key] = alert
        batch.opened.append(alert)
        counts.new += 1
        return alert
    changed = (alert.entry_fingerprint != f.entry_fingerprint or alert.subject_fingerprint != subject.fingerprint
               or abs(alert.score - f.score) > 1e-9)
    reopen = alert.status != AlertStatus.OPEN and (sup is not None or closed_by_system(s, alert))
    if reopen:
        if sup is None:
            reason = "matched again after it was closed by the system"
        alert.status, alert.reason = AlertStatus.OPEN, reason
        counts.reopened += 1
    alert.matched_name, alert.score, alert.entry_name = f.matched_name, f.score, f.entry_name
    alert.entry_fingerprint, alert.subject_fingerprint = f.entry_fingerprint, subject.fingerprint
    alert.list_version, alert.match, alert.last_run_id = f.list_version, match, run.id
    if (reopen or changed) and alert.id is not None:  # (one opened in this batch: its event comes later)
        alert.updated_at = now
        writer.append("alert.reopened" if reopen else "alert.updated", "alert", alert.id, alert_payload(alert))
    return alert


def closed_by_system(s: Session, alert: Alert) -> bool:
    """Whether the alert's last decision was the system's (so a new match reopens it)."""
    last = s.execute(select(Decision).where(Decision.alert_id == alert.id).order_by(Decision.id.desc())
                     ).scalars().first()
    return last is not None and last.decision in SYSTEM_DECISIONS


def close_alert(s: Session, writer: audit.AuditWriter, alert: Alert, decision: DecisionKind, reason: str) -> None:
    """The system closes an alert (`decision` is one of SYSTEM_DECISIONS), with its reason."""
    d = Decision(alert_id=alert.id, decision=decision, reviewer="system", reason=reason,
                 at=dt.datetime.now(dt.timezone.utc))
    s.add(d)
    s.flush()
    alert.status, alert.updated_at = AlertStatus.CLOSED, d.at
    writer.append("decision.made", "decision", d.id, decision_payload(d))


def alert_payload(a: Alert) -> dict[str, Any]:
    """An alert as its audit events record it."""
    return {"subject_id": a.subject_id, "entry_key": a.entry_key, "list": a.list, "entry_name": a.entry_name,
            "matched_name": a.matched_name, "score": a.score, "status": a.status, "reason": a.reason,
            "entry_fingerprint": a.entry_fingerprint, "subject_fingerprint": a.subject_fingerprint,
            "list_version": a.list_version}


def decision_payload(d: Decision) -> dict[str, Any]:
    """A decision as its audit event records it."""
    return {"alert_id": d.alert_id, "decision": d.decision, "reviewer": d.reviewer, "reason": d.reason}
