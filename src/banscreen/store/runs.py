"""Screening runs and their recording. A run is recorded in two transactions: its start
(so it is visible while it works), then all of its results together with its
completion. A run killed half-way leaves its start and nothing else, and is shown as
failed once its process is gone."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import socket
from dataclasses import dataclass
from typing import Any, Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from banscreen.model import AlertStatus, DecisionKind
from banscreen.store import audit
from banscreen.store.alerts import CaseBatch, CaseFinding, CaseSubject, RunCounts, apply_finding, close_alert
from banscreen.store.engine import actor_name, error_summary, in_chunks
from banscreen.store.schema import Alert, AuditEvent, Run, SubjectRow


class Recorder:
    """One run's results going into the store inside an open transaction, a batch at a
    time: subjects, alerts and suppressions are read and written per batch, not per row.
    The caller (screen/record.py) turns each result into a subject and its findings."""

    BATCH = 500

    def __init__(self, session: Session, writer: audit.AuditWriter, run: Run, versions: dict[str, str]):
        self.session, self.writer, self.run, self.versions = session, writer, run, versions
        self.counts = RunCounts(run.id)
        self.seen: list[Alert] = []
        self.pending: list[tuple[CaseSubject, list[CaseFinding]]] = []

    def add(self, subject: CaseSubject | None, findings: list[CaseFinding] = ()) -> None:
        """One row of the run: a subject and what was found for it, or None for a row
        that could not be read (counted, nothing stored)."""
        self.counts.rows += 1
        if subject is not None:
            self.pending.append((subject, list(findings)))
            if len(self.pending) >= self.BATCH:
                self._record(self.pending)
                self.pending = []

    def _record(self, items: list[tuple[CaseSubject, list[CaseFinding]]]) -> None:
        s, counts = self.session, self.counts
        rows = upsert_subjects(s, [subject for subject, _ in items], self.run, self.versions)
        batch = CaseBatch(s)
        batch.load(row.id for row in rows)
        for (_, findings), row in zip(items, rows):
            keep = set()
            for f in findings:
                alert = apply_finding(s, self.writer, row, f, self.run, counts, batch)
                keep.add(f.entry_key)
                if alert is not None:
                    self.seen.append(alert)
            for alert in list(batch.of(row.id)[0].values()):
                if alert.status == AlertStatus.OPEN and alert.entry_key not in keep:
                    if alert.id is None:  # opened by an earlier row with the same subject id
                        batch.settle(self.writer)
                    close_alert(s, self.writer, alert, DecisionKind.NO_LONGER_MATCHES,
                                f"not matched in run {self.run.id}")
                    counts.closed += 1
        batch.settle(self.writer)

    def flush(self) -> None:
        """Record the rows still waiting for a full batch."""
        if self.pending:
            self._record(self.pending)
            self.pending = []

    def finish(self) -> None:
        self.flush()
        digest = hashlib.sha256(",".join(map(str, sorted(a.id for a in self.seen))).encode()).hexdigest()
        complete_run(self.writer, self.run, self.counts, {"alerts_seen_sha256": digest})


def complete_run(writer: audit.AuditWriter, run: Run, counts: RunCounts, extra: dict[str, Any]) -> None:
    """Mark the run completed with its counts, and append its `run.completed` event."""
    run.status, run.finished_at = "completed", dt.datetime.now(dt.timezone.utc)
    run.rows, run.alerts_new, run.alerts_suppressed = counts.rows, counts.new + counts.reopened, counts.suppressed
    writer.append("run.completed", "run", run.id, {"rows": counts.rows, "new": counts.new,
                                                   "reopened": counts.reopened, "suppressed": counts.suppressed,
                                                   "closed": counts.closed, **extra})


def upsert_subjects(s: Session, subjects: list[CaseSubject], run: Run, versions: dict[str, str]) -> list[SubjectRow]:
    """The rows of these subjects, created or brought up to date: one query for the
    existing ones, one flush for the new ones. A subject twice in the list (the same id
    on two rows) is one row, last one wins, as row by row."""
    found: dict[str, SubjectRow] = {}
    unique = list(dict.fromkeys(subject.key for subject in subjects))
    for chunk in in_chunks(unique):
        for row in s.execute(select(SubjectRow).where(SubjectRow.key.in_(chunk))).scalars():
            found[row.key] = row
    for subject in subjects:
        row = found.get(subject.key)
        if row is None:
            row = found[subject.key] = SubjectRow(key=subject.key, name=subject.name, country=subject.country,
                                                  address=subject.address, fingerprint=subject.fingerprint,
                                                  screened_versions=dict(versions), as_of=run.as_of,
                                                  last_run_id=run.id)
            s.add(row)
        else:
            if row.name != subject.name:
                row.keys_version = None  # its name keys are made again at the next re-screen
            row.name, row.country, row.address, row.fingerprint = subject.name, subject.country, \
                subject.address, subject.fingerprint
            row.screened_versions, row.as_of, row.last_run_id = dict(versions), run.as_of, run.id
    s.flush()
    return [found[subject.key] for subject in subjects]


class RunsMixin:
    """CaseStore's runs: start, record, fail, list."""

    sessions: sessionmaker
    readers: sessionmaker

    def start_run(self, *, screen: str, input_path: str, input_sha256: str, as_of: dt.date,
                  list_versions: dict[str, str], options: dict[str, Any], actor: str | None = None) -> int:
        """Record a run's start (its own transaction) and return its id."""
        actor = actor or actor_name()
        with self.sessions.begin() as s:
            writer = audit.AuditWriter(s, actor)
            _record_dead_runs(s, writer)
            run = _started_run(s, actor, screen, input_path, input_sha256, as_of, list_versions, options)
            writer.append("run.started", "run", run.id, {"screen": screen, "input_path": input_path,
                                                         "input_sha256": input_sha256, "as_of": as_of.isoformat(),
                                                         "list_versions": list_versions, "options": options})
            return run.id

    @contextlib.contextmanager
    def recording(self, run_id: int, versions: dict[str, str], actor: str | None = None) -> Iterator[Recorder]:
        """A transaction that takes results one by one as they stream past (to a report,
        say) and commits them with the run's completion; on any error nothing of the
        run's results is kept and the run is marked failed."""
        with self.run_transaction(run_id, actor) as (s, writer, run):
            recorder = Recorder(s, writer, run, versions)
            yield recorder
            recorder.finish()

    @contextlib.contextmanager
    def run_transaction(self, run_id: int, actor: str | None = None
                        ) -> Iterator[tuple[Session, audit.AuditWriter, Run]]:
        """The transaction of a started run's results: (session, audit writer, run). On
        any error it rolls back and the run is marked failed, with the error."""
        actor = actor or actor_name()
        try:
            with self.sessions.begin() as s:
                yield s, audit.AuditWriter(s, actor), s.get(Run, run_id)
        except BaseException as exc:
            self.fail_run(run_id, error_summary(exc), actor)
            raise

    @contextlib.contextmanager
    def trial_transaction(self, *, screen: str, as_of: dt.date, list_versions: dict[str, str],
                          options: dict[str, Any], actor: str | None = None
                          ) -> Iterator[tuple[Session, audit.AuditWriter, Run]]:
        """What `run_transaction` gives, for a run that only shows what it would do: its
        run, results and events are all rolled back at the end, whatever happens."""
        actor = actor or actor_name()
        s = self.sessions()
        try:
            s.begin()
            writer = audit.AuditWriter(s, actor)
            yield s, writer, _started_run(s, actor, screen, "(dry run)", "", as_of, list_versions, options)
        finally:
            s.rollback()
            s.close()

    def fail_run(self, run_id: int, reason: str, actor: str | None = None) -> None:
        with self.sessions.begin() as s:
            writer = audit.AuditWriter(s, actor or actor_name())
            run = s.get(Run, run_id)
            if run is not None and run.status == "running":
                run.status, run.finished_at = "failed", dt.datetime.now(dt.timezone.utc)
                writer.append("run.failed", "run", run_id, {"reason": reason})

    def runs(self, limit: int = 50) -> list[Run]:
        """Newest first; a run still 'running' whose process on this host is gone is
        reported as failed (it recorded nothing)."""
        with self.readers() as s:
            runs = list(s.execute(select(Run).order_by(Run.id.desc()).limit(limit)).scalars())
        here = socket.gethostname()
        for r in runs:
            if r.status == "running" and r.host == here and not _alive(r.pid):
                r.status = "failed"
        return runs


def _started_run(s: Session, actor: str, screen: str, input_path: str, input_sha256: str, as_of: dt.date,
                 list_versions: dict[str, str], options: dict[str, Any]) -> Run:
    """A new run, running, by this process on this host, added to `s` (it has its id)."""
    run = Run(screen=screen, status="running", actor=actor, host=socket.gethostname(), pid=os.getpid(),
              started_at=dt.datetime.now(dt.timezone.utc), input_path=input_path, input_sha256=input_sha256,
              as_of=as_of, list_versions=list_versions, options=options, rows=0, alerts_new=0, alerts_suppressed=0)
    s.add(run)
    s.flush()
    return run


def _record_dead_runs(s: Session, writer: audit.AuditWriter) -> None:
    """Runs still 'running' whose process on this host is gone (killed, or the machine
    went down) are recorded as failed, so the database says so and not only `runs`.
    Runs of other hosts are left: their processes cannot be checked from here."""
    here = socket.gethostname()
    for run in s.execute(select(Run).where(Run.status == "running", Run.host == here)).scalars():
        if run.pid != os.getpid() and not _alive(run.pid):
            run.status, run.finished_at = "failed", dt.datetime.now(dt.timezone.utc)
            writer.append("run.failed", "run", run.id, {"reason": f"its process {run.pid} on {here} ended "
                                                                  "without finishing (killed?); noticed at the "
                                                                  "next run's start"})


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass(frozen=True)
class AlertChange:
    """One change a run made (or would make) to an alert, as a person reads it."""

    action: str  # opened, reopened, closed
    subject_key: str
    subject_name: str
    entry_key: str
    entry_name: str
    list: str
    score: float
    reason: str


def changes_since(s: Session, seq: int) -> list[AlertChange]:
    """The alerts opened, reopened and closed by the events after `seq` in this
    transaction, in order."""
    s.flush()
    out = []
    for event in s.execute(select(AuditEvent).where(AuditEvent.seq > seq).order_by(AuditEvent.seq)).scalars():
        if event.action in ("alert.opened", "alert.reopened"):
            alert = s.get(Alert, int(event.object_id))
            reason = alert.reason
        elif event.action == "decision.made" and event.payload.get("reviewer") == "system":
            alert = s.get(Alert, event.payload["alert_id"])
            reason = event.payload.get("reason", "")
        else:
            continue
        subject = s.get(SubjectRow, alert.subject_id)
        action = {"alert.opened": "opened", "alert.reopened": "reopened"}.get(event.action, "closed")
        out.append(AlertChange(action, subject.key, subject.name, alert.entry_key, alert.entry_name, alert.list,
                               alert.score, reason))
    return out
