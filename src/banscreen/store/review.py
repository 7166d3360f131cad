"""CaseStore's review side: reviewers' decisions and the suppressions a false positive
creates, the alert queue and its counts, and the audit chain's checks."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, or_, select
from sqlalchemy.orm import sessionmaker

from banscreen.model import MAX_DB_ID, REVIEWER_DECISIONS, AlertStatus, DecisionKind
from banscreen.store import audit
from banscreen.store.alerts import decision_payload
from banscreen.store.engine import CaseError
from banscreen.store.schema import Alert, AuditEvent, Decision, SubjectRow, Suppression


def _alert_filter(q, status: str | None, list_code: str | None, text: str):
    """The queue's filters, in SQL: status, list, and a case-insensitive substring of
    the subject's or the entry's name (LIKE wildcards in `text` taken literally)."""
    if status:
        q = q.where(Alert.status == status)
    if list_code:
        q = q.where(Alert.list == list_code)
    if text.strip():
        needle = text.strip().lower()
        q = q.where(or_(func.lower(SubjectRow.name).contains(needle, autoescape=True),
                        func.lower(Alert.entry_name).contains(needle, autoescape=True)))
    return q


class ReviewMixin:
    sessions: sessionmaker
    readers: sessionmaker

    def decide(self, alert_id: int, decision: str, reviewer: str, reason: str) -> Decision:
        """Record a reviewer's decision: true_match and false_positive close the alert
        (a false positive also suppresses it until the entry or the subject changes);
        escalate keeps it open with the reviewer's reason."""
        if decision not in REVIEWER_DECISIONS:
            raise CaseError(f"decision must be one of {', '.join(REVIEWER_DECISIONS)}, not {decision!r}")
        if not reviewer.strip() or not reason.strip():
            raise CaseError("a decision needs a reviewer and a reason")
        if not 1 <= alert_id <= MAX_DB_ID:
            raise CaseError(f"no alert #{alert_id}")
        with self.sessions.begin() as s:
            writer = audit.AuditWriter(s, reviewer)
            alert = s.get(Alert, alert_id)
            if alert is None:
                raise CaseError(f"no alert #{alert_id}")
            d = Decision(alert_id=alert_id, decision=DecisionKind(decision), reviewer=reviewer, reason=reason,
                         at=dt.datetime.now(dt.timezone.utc))
            s.add(d)
            s.flush()
            writer.append("decision.made", "decision", d.id, decision_payload(d))
            if decision == DecisionKind.ESCALATE:
                alert.reason = f"escalated by {reviewer}: {reason}"
            else:
                alert.status = AlertStatus.CLOSED
            alert.updated_at = d.at
            if decision == DecisionKind.FALSE_POSITIVE:
                old = s.execute(select(Suppression).where(Suppression.subject_id == alert.subject_id,
                                                          Suppression.entry_key == alert.entry_key)
                                ).scalar_one_or_none()
                if old is not None:
                    s.delete(old)
                    s.flush()
                sup = Suppression(subject_id=alert.subject_id, entry_key=alert.entry_key,
                                  entry_fingerprint=alert.entry_fingerprint,
                                  subject_fingerprint=alert.subject_fingerprint, decision_id=d.id)
                s.add(sup)
                s.flush()
                writer.append("suppression.created", "suppression", sup.id,
                              {"subject_id": alert.subject_id, "entry_key": alert.entry_key, "decision_id": d.id})
            return d

    def alerts(self, status: str | None = "open", list_code: str | None = None, limit: int = 100,
               offset: int = 0, text: str = "") -> list[tuple[Alert, SubjectRow]]:
        """(alert, subject) pairs, oldest first, filtered by status, list code and text
        in the subject's or the entry's name."""
        with self.readers() as s:
            q = _alert_filter(select(Alert, SubjectRow).join(SubjectRow, SubjectRow.id == Alert.subject_id),
                              status, list_code, text)
            return [tuple(row) for row in s.execute(q.order_by(Alert.id).limit(limit).offset(offset)).all()]

    def alert_total(self, status: str | None = "open", list_code: str | None = None, text: str = "") -> int:
        """How many alerts `alerts` would give with no limit: the queue's count."""
        with self.readers() as s:
            q = _alert_filter(select(func.count()).select_from(Alert).join(SubjectRow, SubjectRow.id == Alert.subject_id),
                              status, list_code, text)
            return s.execute(q).scalar_one()

    def alert(self, alert_id: int) -> tuple[Alert, SubjectRow, list[Decision]]:
        """One alert, its subject and its decisions; CaseError when there is none."""
        if not 1 <= alert_id <= MAX_DB_ID:
            raise CaseError(f"no alert #{alert_id}")
        with self.readers() as s:
            alert = s.get(Alert, alert_id)
            if alert is None:
                raise CaseError(f"no alert #{alert_id}")
            subject = s.get(SubjectRow, alert.subject_id)
            decisions = list(s.execute(select(Decision).where(Decision.alert_id == alert_id).order_by(Decision.id)
                                       ).scalars())
            return alert, subject, decisions

    def counts(self) -> dict[str, int]:
        """Alerts by status."""
        with self.readers() as s:
            rows = s.execute(select(Alert.status, func.count()).group_by(Alert.status)).all()
            return {status: n for status, n in rows}

    def counts_by_list(self) -> list[tuple[str, str, int]]:
        """(list code, status, alerts) for the dashboard."""
        with self.readers() as s:
            return [tuple(r) for r in s.execute(select(Alert.list, Alert.status, func.count())
                                                .group_by(Alert.list, Alert.status)).all()]

    def alerts_by_day(self, days: int = 30) -> list[tuple[str, int]]:
        """Alerts opened per day, for the dashboard's chart."""
        since = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=days)
        with self.readers() as s:
            rows = s.execute(select(AuditEvent.at).where(AuditEvent.action == "alert.opened",
                                                         AuditEvent.at >= since)).scalars().all()
        per: dict[str, int] = {}
        for at in rows:
            day = at.strftime("%Y-%m-%d")
            per[day] = per.get(day, 0) + 1
        return sorted(per.items())

    def verify(self, anchors: tuple[audit.Anchor, ...] = ()) -> audit.Verification:
        """Recompute the audit chain, check it against `anchors` kept elsewhere, and
        compare the alerts and decisions tables with its replay."""
        with self.readers() as s:
            return audit.verify(s, anchors)

    def anchor(self) -> audit.Anchor:
        """The chain's head, to keep outside the database and check with verify."""
        with self.readers() as s:
            return audit.anchor(s)

    def export(self, out) -> int:
        """The audit chain as JSON Lines to `out`; returns the number of events."""
        with self.readers() as s:
            return audit.export(s, out)
