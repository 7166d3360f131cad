"""Cases: screening runs, the subjects they screened, alerts (one per subject and list
entry), reviewers' decisions and the suppressions those create. Every write appends
to the audit chain in the same transaction.

A run is recorded in two transactions: its start (so it is visible while it works),
then all of its results together with its completion. A run killed half-way leaves
its start and nothing else, and is shown as failed once its process is gone."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import getpass
import hashlib
import json
import os
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator

from sqlalchemy import create_engine, event, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from banscreen.match import names as nm
from banscreen.match.countries import to_iso2
from banscreen.model import AndroidResult, AssetResult, ListEntry, LoadIssue, Match, PartyResult, Subject
from banscreen.report.records import destination_record, finding_record, match_record
from banscreen.store import audit
from banscreen.store.schema import Alert, ApiKey, AuditEvent, Decision, Run, SubjectRow, Suppression

DECISIONS = ("true_match", "false_positive", "escalate")
MAX_ID = 2**31 - 1  # ids are 32-bit integer columns; a larger one names nothing (and overflows drivers)
SYSTEM_DECISIONS = ("entry_removed", "no_longer_matches")


class CaseError(Exception):
    """A case-store request that cannot be done: unknown alert, bad decision, bad URL."""


def default_url() -> str:
    if os.environ.get("BANSCREEN_DB"):
        return os.environ["BANSCREEN_DB"]
    from banscreen.lists.store import default_root

    root = default_root()
    root.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{root / 'cases.db'}"


def actor_name() -> str:
    try:
        return os.environ.get("BANSCREEN_ACTOR") or getpass.getuser()
    except Exception:
        return "unknown"


def subject_key(s: Subject) -> str:
    """A party's identity across runs: the user's id where the file has one, else its
    normalized name and country."""
    if s.id:
        return f"id:{s.id}"
    return f"name:{nm.normalize(s.name).text}|{to_iso2(s.country) or s.country.strip().upper()}"


def subject_fingerprint(s: Subject) -> str:
    return hashlib.sha256("\x1f".join((s.name, s.country, s.address)).encode()).hexdigest()


def state_fingerprint(state: dict[str, Any]) -> str:
    """What a reviewer saw of a listing, a place or an indicator, as one hash: a
    suppression holds while it stays the same."""
    return hashlib.sha256(json.dumps(state, sort_keys=True, default=str).encode()).hexdigest()


def entry_fingerprint(e: ListEntry) -> str:
    d = dataclasses.asdict(e)
    d.pop("dataset")
    return state_fingerprint(d)


@dataclass(frozen=True)
class Finding:
    """What a run or a re-screen found for one subject and one list entry (or place)."""

    entry_key: str
    list: str
    entry_name: str
    matched_name: str
    score: float
    entry_fingerprint: str
    list_version: str
    record: dict[str, Any]
    entry_state: dict[str, Any]  # the entry as the reviewer sees it, to tell later what changed


ANDROID_SCORES = {"high": 1.0, "medium": 0.8, "low": 0.5}  # an Android finding's severity as an alert score


def _bounded(text: str, limit: int) -> str:
    """`text`, or its head and a hash when longer than the column holds (an evidence
    path inside nested archives can be long); still one key per text."""
    if len(text) <= limit:
        return text
    return text[:limit - 17] + "~" + hashlib.sha256(text.encode()).hexdigest()[:16]


def findings_for(result: PartyResult | AssetResult | AndroidResult) -> list[Finding]:
    if isinstance(result, AndroidResult):
        out = []
        for f in result.findings:
            state = {"indicator": f.indicator, "kind": f.kind, "source": f.source, "severity": f.severity}
            out.append(Finding(_bounded(f"ANDROID:{f.kind}:{f.indicator}", 200), "ANDROID", f.indicator,
                               f.evidence, ANDROID_SCORES.get(f.severity, 0.5),
                               state_fingerprint(state), "",
                               {**state, "evidence": f.evidence}, state))
        return out
    if isinstance(result, AssetResult):
        return [Finding(f.entry.key, f.entry.list, f.entity, "; ".join(dict.fromkeys(sig.kind for sig in f.signals)),
                        f.confidence, entry_fingerprint(f.entry), "", finding_record(f),
                        json.loads(json.dumps(dataclasses.asdict(f.entry), default=str)))
                for f in result.findings]
    out = []
    for m in result.matches:
        e = m.entry
        out.append(Finding(e.key, e.list, e.name, m.matched_name, m.score, entry_fingerprint(e), m.list_version,
                           match_record(m), json.loads(json.dumps(dataclasses.asdict(e), default=str))))
    for d in result.destinations:
        state = json.loads(json.dumps(dataclasses.asdict(d), default=str))
        out.append(Finding(f"DEST:{d.code}", "DEST", d.place, d.evidence, 1.0,
                           state_fingerprint(state), "",
                           destination_record(d), state))
    return out


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

    CHUNK = 500  # ids per IN (...) query

    def __init__(self, session: Session):
        self.session = session
        self.alerts: dict[int, dict[str, Alert]] = {}  # subject id -> entry key -> alert
        self.suppressions: dict[int, dict[str, Suppression]] = {}
        self.opened: list[Alert] = []

    def load(self, subject_ids: Iterable[int]) -> None:
        ids = [i for i in dict.fromkeys(subject_ids) if i not in self.alerts]
        for i in ids:
            self.alerts[i], self.suppressions[i] = {}, {}
        for k in range(0, len(ids), self.CHUNK):
            chunk = ids[k:k + self.CHUNK]
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
            writer.append("alert.opened", "alert", alert.id, _alert_payload(alert))
        self.opened.clear()

    def clear(self) -> None:
        self.alerts.clear()
        self.suppressions.clear()


class Recorder:
    """One run's results going into the store inside an open transaction, a batch at a
    time: subjects, alerts and suppressions are read and written per batch, not per row."""

    BATCH = 500

    def __init__(self, store: "CaseStore", session: Session, writer: audit.AuditWriter, run: Run,
                 versions: dict[str, str]):
        self.store, self.session, self.writer, self.run, self.versions = store, session, writer, run, versions
        self.counts = RunCounts(run.id)
        self.seen: list[Alert] = []
        self.pending: list[PartyResult | AssetResult] = []

    def add(self, item: PartyResult | AssetResult | LoadIssue) -> None:
        self.counts.rows += 1
        if not isinstance(item, LoadIssue):
            self.pending.append(item)
            if len(self.pending) >= self.BATCH:
                self._record(self.pending)
                self.pending = []

    def _record(self, items: list[PartyResult | AssetResult]) -> None:
        s, counts = self.session, self.counts
        subjects = [item.subject if isinstance(item, PartyResult) else _android_subject(item)
                    if isinstance(item, AndroidResult) else _asset_subject(item) for item in items]
        rows = self.store._upsert_subjects(s, subjects, self.run, self.versions)
        batch = CaseBatch(s)
        batch.load(row.id for row in rows)
        for item, row in zip(items, rows):
            keep = set()
            for f in findings_for(item):
                alert = self.store._apply(s, self.writer, row, f, self.run, counts, batch)
                keep.add(f.entry_key)
                if alert is not None:
                    self.seen.append(alert)
            for alert in list(batch.of(row.id)[0].values()):
                if alert.status == "open" and alert.entry_key not in keep:
                    if alert.id is None:  # opened by an earlier row with the same subject id
                        batch.settle(self.writer)
                    self.store._close(s, self.writer, alert, "no_longer_matches",
                                      f"not matched in run {self.run.id}", self.run)
                    counts.closed += 1
        batch.settle(self.writer)

    def finish(self) -> None:
        if self.pending:
            self._record(self.pending)
            self.pending = []
        run, counts = self.run, self.counts
        run.status, run.finished_at = "completed", dt.datetime.now(dt.timezone.utc)
        run.rows, run.alerts_new, run.alerts_suppressed = counts.rows, counts.new + counts.reopened, counts.suppressed
        digest = hashlib.sha256(",".join(map(str, sorted(a.id for a in self.seen))).encode()).hexdigest()
        self.writer.append("run.completed", "run", run.id, {"rows": counts.rows, "new": counts.new,
                                                            "reopened": counts.reopened,
                                                            "suppressed": counts.suppressed, "closed": counts.closed,
                                                            "alerts_seen_sha256": digest})


def _android_subject(result: AndroidResult) -> Subject:
    """A scanned Android unit as a case subject: the package (or the device's
    properties) at its path."""
    label = result.package or Path(result.path.split("!")[-1]).name
    return Subject(row=0, line=result.line, name=label, address=result.path,
                   id=_bounded(f"android:{result.path}:{result.package}", 290), source=result.path)


def _asset_subject(result: AssetResult) -> Subject:
    """An asset as a case subject: its label and source file identify it."""
    a = result.asset
    return Subject(row=a.row, line=a.line, name=a.label, id=f"asset:{Path(a.source).name}:{a.label}",
                   source=a.source)


class CaseStore:
    def __init__(self, url: str | None = None):
        self.url = url or default_url()
        try:
            self.engine: Engine = create_engine(self.url, **self._engine_options(self.url))
        except Exception as exc:
            raise CaseError(f"cannot open the case store {self.url!r}: {exc}") from None
        if self.engine.dialect.name == "sqlite":
            _sqlite_write_locking(self.engine)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self.migrate()

    @staticmethod
    def _engine_options(url: str) -> dict:
        if url.startswith("sqlite"):
            return {"connect_args": {"timeout": 60}}
        return {"pool_pre_ping": True}

    def migrate(self) -> None:
        """Bring the schema to the newest Alembic revision."""
        from alembic import command
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
        with self.engine.begin() as connection:
            cfg.attributes["connection"] = connection
            command.upgrade(cfg, "head")

    # -- runs ------------------------------------------------------------------------------
    def start_run(self, *, screen: str, input_path: str, input_sha256: str, as_of: dt.date,
                  list_versions: dict[str, str], options: dict[str, Any], actor: str | None = None) -> int:
        actor = actor or actor_name()
        with self.sessions.begin() as s:
            writer = audit.AuditWriter(s, actor)
            run = Run(screen=screen, status="running", actor=actor, host=socket.gethostname(), pid=os.getpid(),
                      started_at=dt.datetime.now(dt.timezone.utc), input_path=input_path, input_sha256=input_sha256,
                      as_of=as_of, list_versions=list_versions, options=options, rows=0, alerts_new=0,
                      alerts_suppressed=0)
            s.add(run)
            s.flush()
            writer.append("run.started", "run", run.id, {"screen": screen, "input_path": input_path,
                                                         "input_sha256": input_sha256, "as_of": as_of.isoformat(),
                                                         "list_versions": list_versions, "options": options})
            return run.id

    def record_results(self, run_id: int, results: Iterable[PartyResult | AssetResult | LoadIssue],
                       versions: dict[str, str], actor: str | None = None) -> RunCounts:
        """All of a run's results and its completion, in one transaction."""
        with self.recording(run_id, versions, actor) as recorder:
            for item in results:
                recorder.add(item)
        return recorder.counts

    @contextlib.contextmanager
    def recording(self, run_id: int, versions: dict[str, str], actor: str | None = None) -> Iterator["Recorder"]:
        """A transaction that takes results one by one as they stream past (to a report,
        say) and commits them with the run's completion; on any error nothing of the
        run's results is kept and the run is marked failed."""
        actor = actor or actor_name()
        try:
            with self.sessions.begin() as s:
                recorder = Recorder(self, s, audit.AuditWriter(s, actor), s.get(Run, run_id), versions)
                yield recorder
                recorder.finish()
        except BaseException as exc:
            self.fail_run(run_id, f"{type(exc).__name__}: {exc}", actor)
            raise

    def fail_run(self, run_id: int, reason: str, actor: str | None = None) -> None:
        with self.sessions.begin() as s:
            writer = audit.AuditWriter(s, actor or actor_name())
            run = s.get(Run, run_id)
            if run is not None and run.status == "running":
                run.status, run.finished_at = "failed", dt.datetime.now(dt.timezone.utc)
                writer.append("run.failed", "run", run_id, {"reason": reason})

    def _upsert_subjects(self, s: Session, subjects: list[Subject], run: Run,
                         versions: dict[str, str]) -> list[SubjectRow]:
        """The rows of these subjects, created or brought up to date: one query for the
        existing ones, one flush for the new ones. A subject twice in the list (the
        same id on two rows) is one row, last one wins, as row by row."""
        keys = [subject_key(subject) for subject in subjects]
        found: dict[str, SubjectRow] = {}
        unique = list(dict.fromkeys(keys))
        for k in range(0, len(unique), CaseBatch.CHUNK):
            for row in s.execute(select(SubjectRow).where(SubjectRow.key.in_(unique[k:k + CaseBatch.CHUNK]))).scalars():
                found[row.key] = row
        for key, subject in zip(keys, subjects):
            fingerprint = subject_fingerprint(subject)
            row = found.get(key)
            if row is None:
                row = found[key] = SubjectRow(key=key, name=subject.name, country=subject.country,
                                              address=subject.address, fingerprint=fingerprint,
                                              screened_versions=dict(versions), as_of=run.as_of, last_run_id=run.id)
                s.add(row)
            else:
                row.name, row.country, row.address, row.fingerprint = subject.name, subject.country, \
                    subject.address, fingerprint
                row.screened_versions, row.as_of, row.last_run_id = dict(versions), run.as_of, run.id
        s.flush()
        return [found[key] for key in keys]

    def _apply(self, s: Session, writer: audit.AuditWriter, subject: SubjectRow, f: Finding, run: Run,
               counts: RunCounts, batch: CaseBatch) -> Alert | None:
        """One finding for one subject: open, reopen, update, or stay suppressed. An
        alert opened here gets its id, and its audit event, at `batch.settle`."""
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
            why = []
            if sup.entry_fingerprint != f.entry_fingerprint:
                before = (alert.match or {}).get("_entry_state", {}) if alert is not None else {}
                fields = sorted(k for k in f.entry_state if k != "dataset" and before.get(k) != f.entry_state[k])
                why.append("the list entry changed" + (f" ({', '.join(fields)})" if before and fields else ""))
            if sup.subject_fingerprint != subject.fingerprint:
                why.append("the subject changed (name, country or address)")
            reason = f"{' and '.join(why)} since false-positive decision #{sup.decision_id}"
            writer.append("suppression.lifted", "suppression", sup.id, {"subject_id": subject.id,
                                                                        "entry_key": f.entry_key, "reason": reason})
            s.delete(sup)
            del suppressions[f.entry_key]
        match = dict(f.record)
        match["_entry_state"] = f.entry_state
        if alert is None:
            alert = Alert(subject_id=subject.id, entry_key=f.entry_key, list=f.list, entry_name=f.entry_name,
                          matched_name=f.matched_name, score=f.score, status="open", reason=reason,
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
        reopen = alert.status != "open" and (sup is not None or self._closed_by_system(s, alert))
        if reopen:
            if sup is None:
                reason = "matched again after it was closed by the system"
            alert.status, alert.reason = "open", reason
            counts.reopened += 1
        alert.matched_name, alert.score, alert.entry_name = f.matched_name, f.score, f.entry_name
        alert.entry_fingerprint, alert.subject_fingerprint = f.entry_fingerprint, subject.fingerprint
        alert.list_version, alert.match, alert.last_run_id = f.list_version, match, run.id
        if (reopen or changed) and alert.id is not None:  # (one opened in this batch: its event comes later)
            alert.updated_at = now
            writer.append("alert.reopened" if reopen else "alert.updated", "alert", alert.id, _alert_payload(alert))
        return alert

    @staticmethod
    def _closed_by_system(s: Session, alert: Alert) -> bool:
        last = s.execute(select(Decision).where(Decision.alert_id == alert.id).order_by(Decision.id.desc())
                         ).scalars().first()
        return last is not None and last.decision in SYSTEM_DECISIONS

    def _close(self, s: Session, writer: audit.AuditWriter, alert: Alert, decision: str, reason: str,
               run: Run | None) -> None:
        d = Decision(alert_id=alert.id, decision=decision, reviewer="system", reason=reason,
                     at=dt.datetime.now(dt.timezone.utc))
        s.add(d)
        s.flush()
        alert.status, alert.updated_at = "closed", d.at
        writer.append("decision.made", "decision", d.id, _decision_payload(d))

    # -- API keys ------------------------------------------------------------------------------
    ROLES = ("screener", "reviewer", "admin")

    def create_key(self, owner: str, role: str, actor: str | None = None) -> tuple[int, str]:
        """A new key: returns its id and the key itself, which is shown once and never stored."""
        import secrets

        if role not in self.ROLES:
            raise CaseError(f"role must be one of {', '.join(self.ROLES)}, not {role!r}")
        if not owner.strip():
            raise CaseError("a key needs an owner")
        key = "bsk_" + secrets.token_urlsafe(32)
        with self.sessions.begin() as s:
            writer = audit.AuditWriter(s, actor or actor_name())
            row = ApiKey(owner=owner, role=role, prefix=key[:10], key_hash=hashlib.sha256(key.encode()).hexdigest(),
                         created_at=dt.datetime.now(dt.timezone.utc), revoked=False)
            s.add(row)
            s.flush()
            writer.append("key.created", "api_key", row.id, {"owner": owner, "role": role, "prefix": row.prefix})
            return row.id, key

    def check_key(self, key: str) -> tuple[str, str] | None:
        """(owner, role) for a valid key, else None."""
        if not key or not key.startswith("bsk_"):
            return None
        digest = hashlib.sha256(key.encode()).hexdigest()
        with self.sessions() as s:
            row = s.execute(select(ApiKey).where(ApiKey.key_hash == digest, ApiKey.revoked.is_(False))
                            ).scalar_one_or_none()
            return (row.owner, row.role) if row else None

    def alerts_by_day(self, days: int = 30) -> list[tuple[str, int]]:
        """Alerts opened per day, for the dashboard's chart."""
        since = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=days)
        with self.sessions() as s:
            rows = s.execute(select(AuditEvent.at).where(AuditEvent.action == "alert.opened",
                                                         AuditEvent.at >= since)).scalars().all()
        per: dict[str, int] = {}
        for at in rows:
            day = at.strftime("%Y-%m-%d")
            per[day] = per.get(day, 0) + 1
        return sorted(per.items())

    def counts_by_list(self) -> list[tuple[str, str, int]]:
        with self.sessions() as s:
            return [tuple(r) for r in s.execute(select(Alert.list, Alert.status, func.count())
                                                .group_by(Alert.list, Alert.status)).all()]

    # -- review --------------------------------------------------------------------------------
    def decide(self, alert_id: int, decision: str, reviewer: str, reason: str) -> Decision:
        if decision not in DECISIONS:
            raise CaseError(f"decision must be one of {', '.join(DECISIONS)}, not {decision!r}")
        if not reviewer.strip() or not reason.strip():
            raise CaseError("a decision needs a reviewer and a reason")
        if not 1 <= alert_id <= MAX_ID:
            raise CaseError(f"no alert #{alert_id}")
        with self.sessions.begin() as s:
            writer = audit.AuditWriter(s, reviewer)
            alert = s.get(Alert, alert_id)
            if alert is None:
                raise CaseError(f"no alert #{alert_id}")
            d = Decision(alert_id=alert_id, decision=decision, reviewer=reviewer, reason=reason,
                         at=dt.datetime.now(dt.timezone.utc))
            s.add(d)
            s.flush()
            writer.append("decision.made", "decision", d.id, _decision_payload(d))
            if decision == "escalate":
                alert.reason = f"escalated by {reviewer}: {reason}"
            else:
                alert.status = "closed"
            alert.updated_at = d.at
            if decision == "false_positive":
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
               offset: int = 0) -> list[tuple[Alert, SubjectRow]]:
        with self.sessions() as s:
            q = select(Alert, SubjectRow).join(SubjectRow, SubjectRow.id == Alert.subject_id)
            if status:
                q = q.where(Alert.status == status)
            if list_code:
                q = q.where(Alert.list == list_code)
            return [tuple(row) for row in s.execute(q.order_by(Alert.id).limit(limit).offset(offset)).all()]

    def alert(self, alert_id: int) -> tuple[Alert, SubjectRow, list[Decision]]:
        if not 1 <= alert_id <= MAX_ID:
            raise CaseError(f"no alert #{alert_id}")
        with self.sessions() as s:
            alert = s.get(Alert, alert_id)
            if alert is None:
                raise CaseError(f"no alert #{alert_id}")
            subject = s.get(SubjectRow, alert.subject_id)
            decisions = list(s.execute(select(Decision).where(Decision.alert_id == alert_id).order_by(Decision.id)
                                       ).scalars())
            return alert, subject, decisions

    def runs(self, limit: int = 50) -> list[Run]:
        """Newest first; a run still 'running' whose process on this host is gone is
        reported as failed (it recorded nothing)."""
        with self.sessions() as s:
            runs = list(s.execute(select(Run).order_by(Run.id.desc()).limit(limit)).scalars())
        here = socket.gethostname()
        for r in runs:
            if r.status == "running" and r.host == here and not _alive(r.pid):
                r.status = "failed"
        return runs

    def counts(self) -> dict[str, int]:
        with self.sessions() as s:
            rows = s.execute(select(Alert.status, func.count()).group_by(Alert.status)).all()
            return {status: n for status, n in rows}

    def verify(self) -> audit.Verification:
        with self.sessions() as s:
            return audit.verify(s)

    def export(self, out) -> int:
        with self.sessions() as s:
            return audit.export(s, out)

    # -- delta re-screening ----------------------------------------------------------------------
    def rescreen(self, store, as_of: dt.date, min_score: float, actor: str | None = None,
                 on_progress=None) -> RunCounts:
        """Screen the stored subjects only against list entries added or changed since
        the version each was last screened against; close alerts on entries removed
        since. Recorded as a run of screen 'rescreen'."""
        from banscreen.lists.store import ListStore  # noqa: F401  (type of `store`)
        from banscreen.match.index import NameIndex
        from banscreen.screen import build_index

        selection = store.select(as_of)
        current = {v.dataset: v for v in selection.versions}
        versions = {d: v.version for d, v in current.items()}
        full = build_index(store, selection.versions)
        deltas: dict[tuple, tuple[NameIndex, set[str]]] = {}
        current_entries: dict[str, dict[str, ListEntry]] = {}

        def entries_by_key(dataset: str) -> dict[str, ListEntry]:
            if dataset not in current_entries:
                current_entries[dataset] = {e.key: e for e in store.entries(current[dataset])}
            return current_entries[dataset]

        def delta(dataset: str, old_version: str | None, since: dt.date) -> tuple[NameIndex, set[str]]:
            """Entries to search: added or changed since `old_version`, and unchanged ones
            whose listing began after `since` (the subject's last as-of date)."""
            key = (dataset, old_version, since)
            if key not in deltas:
                new = current[dataset]
                if old_version is None:
                    changed, removed = list(entries_by_key(dataset).values()), set()
                elif old_version == new.version:
                    changed, removed = [], set()
                else:
                    d = store.diff(store.version(dataset, old_version), new)
                    changed = [*d.added, *(after for _, after in d.changed)]
                    removed = {e.key for e in d.removed}
                keys = {e.key for e in changed}
                changed += [e for e in entries_by_key(dataset).values() if e.key not in keys and e.start_date
                            and since < e.start_date <= as_of]
                deltas[key] = (NameIndex(changed, weights=full), removed)
            return deltas[key]

        run_id = self.start_run(screen="rescreen", input_path="(stored subjects)", input_sha256="", as_of=as_of,
                                list_versions=versions, options={"min_score": min_score}, actor=actor)
        counts = RunCounts(run_id)
        try:
            with self.sessions.begin() as s:
                writer = audit.AuditWriter(s, actor or actor_name())
                run = s.get(Run, run_id)
                # assets and Android units are not names to match: only parties re-screen
                subjects = list(s.execute(select(SubjectRow).where(SubjectRow.key.not_like("id:asset:%"),
                                                                   SubjectRow.key.not_like("id:android:%"))
                                          .order_by(SubjectRow.id)).scalars())
                open_by_subject: dict[int, list[Alert]] = {}
                for alert in s.execute(select(Alert).where(Alert.status == "open")).scalars():
                    open_by_subject.setdefault(alert.subject_id, []).append(alert)
                batch = CaseBatch(s)
                for position, subject in enumerate(subjects):
                    if position % CaseBatch.CHUNK == 0:  # alerts and suppressions of the next subjects at once
                        batch.settle(writer)
                        batch.clear()
                        batch.load(x.id for x in subjects[position:position + CaseBatch.CHUNK])
                    stale = {d: subject.screened_versions.get(d) for d in current
                             if subject.screened_versions.get(d) != versions[d] or subject.as_of < as_of}
                    if not stale:
                        continue
                    counts.rows += 1
                    searched: set[str] = set()  # entry keys this re-screen looked at again
                    matched: set[str] = set()
                    for dataset, old in stale.items():
                        index, removed = delta(dataset, old, subject.as_of)
                        searched |= {e.key for e in index.entries}
                        iso = to_iso2(subject.country) if subject.country else None
                        if index.entries:
                            for hit in index.search(subject.name, as_of=as_of, countries=[iso] if iso else [],
                                                    min_score=min_score, limit=10):
                                match = Match(hit.entry, current[dataset].label, hit.matched_name, hit.score,
                                              hit.explanation)
                                f = findings_for(PartyResult(Subject(0, 0, subject.name, subject.country,
                                                                     subject.address), (match,)))[0]
                                self._apply(s, writer, subject, f, run, counts, batch)
                                matched.add(f.entry_key)
                        known = entries_by_key(dataset)
                        for alert in open_by_subject.get(subject.id, []):
                            if alert.status != "open":
                                continue
                            if alert.entry_key in removed:
                                self._close(s, writer, alert, "entry_removed",
                                            f"removed from {dataset} in version {versions[dataset]}", run)
                                counts.closed += 1
                            elif alert.entry_key in known and not known[alert.entry_key].in_force(as_of):
                                ended = known[alert.entry_key].end_date
                                self._close(s, writer, alert, "entry_removed",
                                            f"the listing is not in force on {as_of} (ended {ended})", run)
                                counts.closed += 1
                            elif alert.entry_key in searched and alert.entry_key not in matched \
                                    and alert.entry_key in known:
                                self._close(s, writer, alert, "no_longer_matches",
                                            f"the changed entry no longer matches (re-screen run {run_id})", run)
                                counts.closed += 1
                    subject.screened_versions = {**subject.screened_versions, **versions}
                    subject.as_of, subject.last_run_id = as_of, run_id
                    if on_progress:
                        on_progress()
                batch.settle(writer)
                run.status, run.finished_at = "completed", dt.datetime.now(dt.timezone.utc)
                run.rows, run.alerts_new, run.alerts_suppressed = counts.rows, counts.new + counts.reopened, \
                    counts.suppressed
                writer.append("run.completed", "run", run_id, {"rows": counts.rows, "new": counts.new,
                                                               "reopened": counts.reopened, "closed": counts.closed,
                                                               "suppressed": counts.suppressed,
                                                               "delta_entries": {f"{d}:{o}:{since}": len(ix[0].entries)
                                                                                 for (d, o, since), ix
                                                                                 in deltas.items()}})
        except BaseException as exc:
            self.fail_run(run_id, f"{type(exc).__name__}: {exc}", actor)
            raise
        return counts


def _alert_payload(a: Alert) -> dict[str, Any]:
    return {"subject_id": a.subject_id, "entry_key": a.entry_key, "list": a.list, "entry_name": a.entry_name,
            "matched_name": a.matched_name, "score": a.score, "status": a.status, "reason": a.reason,
            "entry_fingerprint": a.entry_fingerprint, "subject_fingerprint": a.subject_fingerprint,
            "list_version": a.list_version}


def _decision_payload(d: Decision) -> dict[str, Any]:
    return {"alert_id": d.alert_id, "decision": d.decision, "reviewer": d.reviewer, "reason": d.reason}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _sqlite_write_locking(engine: Engine) -> None:
    """SQLite: take the write lock when a transaction begins (BEGIN IMMEDIATE), so two
    writers queue instead of failing on a lock upgrade; WAL lets readers read."""

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # let the BEGIN below decide
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=60000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def iter_stored_subjects(store: CaseStore) -> Iterator[SubjectRow]:
    with store.sessions() as s:
        yield from s.execute(select(SubjectRow).order_by(SubjectRow.id)).scalars()
