"""Recording screen results into cases: the one place that knows both the screens'
result types and the case store's plain records. A party, an asset or an Android unit
becomes a `CaseSubject` (its identity across runs); each match, embargoed place,
covered-vendor finding or indicator becomes a `CaseFinding` (one alert)."""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
from functools import singledispatch
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, TypeVar

from banscreen.match import names as nm
from banscreen.model import (AndroidResult, AssetResult, ListEntry, LoadIssue, Outcome, PartyResult, ShipmentResult,
                             Subject)
from banscreen.reference.countries import to_iso2
from banscreen.report.records import destination_record, equipment_record, match_record, reason_record
from banscreen.store import CaseFinding, CaseStore, CaseSubject, RunCounts
from banscreen.store.runs import Recorder

ANDROID_SCORES = {"high": 1.0, "medium": 0.8, "low": 0.5}  # an Android finding's severity as an alert score
T = TypeVar("T")


def subject_key(s: Subject) -> str:
    """A party's identity across runs: the user's id where the file has one, else its
    normalized name and country."""
    if s.id:
        return f"id:{s.id}"
    return f"name:{nm.normalize(s.name).text}|{to_iso2(s.country) or s.country.strip().upper()}"


def case_subject(s: Subject) -> CaseSubject:
    fingerprint = hashlib.sha256("\x1f".join((s.name, s.country, s.address)).encode()).hexdigest()
    return CaseSubject(subject_key(s), s.name, s.country, s.address, fingerprint)


def state_fingerprint(state: dict[str, Any]) -> str:
    """What a reviewer saw of a listing, a place or an indicator, as one hash: a
    suppression holds while it stays the same."""
    return hashlib.sha256(json.dumps(state, sort_keys=True, default=str).encode()).hexdigest()


def entry_fingerprint(e: ListEntry) -> str:
    d = dataclasses.asdict(e)
    d.pop("dataset")
    for terms in ("license_requirement", "license_policy"):
        # fields added later: left out while empty, so that the fingerprints of listings
        # without them (and the suppressions that hold while they stay) are unchanged
        if not d[terms]:
            d.pop(terms)
    return state_fingerprint(d)


def _plain(obj) -> dict[str, Any]:
    """A dataclass as the JSON the store keeps (dates as text)."""
    return json.loads(json.dumps(dataclasses.asdict(obj), default=str))


def _bounded(text: str, limit: int) -> str:
    """`text`, or its head and a hash when longer than the column holds (an evidence
    path inside nested archives can be long); still one key per text."""
    if len(text) <= limit:
        return text
    return text[:limit - 17] + "~" + hashlib.sha256(text.encode()).hexdigest()[:16]


@singledispatch
def case_record(result) -> tuple[CaseSubject, list[CaseFinding]]:
    """A screen result as the case store records it: its subject and its findings."""
    raise TypeError(f"not a screen result: {type(result).__name__}")


@case_record.register
def _(result: PartyResult) -> tuple[CaseSubject, list[CaseFinding]]:
    return case_subject(result.subject), party_findings(result)


def party_findings(result: PartyResult) -> list[CaseFinding]:
    out = []
    for m in result.matches:
        e = m.entry
        out.append(CaseFinding(e.key, e.list, e.name, m.matched_name, m.score, entry_fingerprint(e), m.list_version,
                               match_record(m), _plain(e)))
    for d in result.destinations:
        state = _plain(d)
        out.append(CaseFinding(f"DEST:{d.code}", "DEST", d.place, d.evidence, 1.0, state_fingerprint(state), "",
                               destination_record(d), state))
    return out


@case_record.register
def _(result: AssetResult) -> tuple[CaseSubject, list[CaseFinding]]:
    a = result.asset
    subject = case_subject(Subject(row=a.row, line=a.line, name=a.label, id=f"asset:{Path(a.source).name}:{a.label}",
                                   source=a.source))
    return subject, [CaseFinding(f.entry.key, f.entry.list, f.entity,
                                 "; ".join(dict.fromkeys(sig.kind for sig in f.signals)), f.confidence,
                                 entry_fingerprint(f.entry), "", equipment_record(f), _plain(f.entry))
                     for f in result.findings]


@case_record.register
def _(result: AndroidResult) -> tuple[CaseSubject, list[CaseFinding]]:
    # the package (or the device's properties) at its path
    label = result.package or Path(result.path.split("!")[-1]).name
    subject = case_subject(Subject(row=0, line=result.line, name=label, address=result.path,
                                   id=_bounded(f"android:{result.path}:{result.package}", 290), source=result.path))
    findings = []
    for f in result.findings:
        state = {"indicator": f.indicator, "kind": f.kind, "source": f.source, "severity": str(f.severity)}
        findings.append(CaseFinding(_bounded(f"ANDROID:{f.kind}:{f.indicator}", 200), "ANDROID", f.indicator,
                                    f.evidence, ANDROID_SCORES.get(f.severity, 0.5), state_fingerprint(state), "",
                                    {**state, "evidence": f.evidence}, state))
    return subject, findings


@case_record.register
def _(result: ShipmentResult) -> tuple[CaseSubject, list[CaseFinding]]:
    # a shipment is its own subject (by the user's shipment id); each reason that asks
    # something of the user (all but "no list restriction found") is one alert, keyed by
    # the role and the listing, so a decision on it holds for that party in that role
    s = result.shipment
    parties = "; ".join(f"{p.role}: {p.name}" for p in s.parties)
    # without the file's own id, the shipment is known by what it is (its parties,
    # destination, item and date): the same row screened again is the same case, and
    # row 1 of another file is another one
    identity = s.id or "~" + hashlib.sha256("\x1f".join(
        (parties, s.destination, s.eccn, str(s.ship_date or ""))).encode()).hexdigest()[:24]
    subject = case_subject(Subject(row=s.row, line=s.line, name=f"shipment {s.label}", country=s.destination,
                                   address=parties, id=_bounded(f"shipment:{identity}", 290), source=s.source))
    findings = []
    for r in result.reasons:
        if r.outcome is Outcome.NONE:
            continue
        state = {"outcome": r.outcome.value, "rule": r.rule, "list": r.list, "entry_id": r.entry_id,
                 "citation": r.citation, "eccn": s.eccn, "detail": r.detail}
        findings.append(CaseFinding(_bounded(f"SHIP:{r.role or 'destination'}:{r.list}:{r.entry_id}", 200), r.list,
                                    r.entry_name or r.party, r.party, r.score if r.score is not None else 1.0,
                                    state_fingerprint(state), r.list_version,
                                    {**reason_record(r), "ship_date": str(result.as_of)}, state))
    return subject, findings


class ResultRecorder:
    """Takes results (and unreadable rows) as they stream past and hands them to the
    store's Recorder as subjects and findings."""

    def __init__(self, recorder: Recorder):
        self.recorder = recorder

    @property
    def counts(self) -> RunCounts:
        return self.recorder.counts

    def add(self, item: PartyResult | AssetResult | AndroidResult | LoadIssue) -> None:
        if isinstance(item, LoadIssue):
            self.recorder.add(None)
        else:
            self.recorder.add(*case_record(item))


@contextlib.contextmanager
def recording(cases: CaseStore, run_id: int, versions: dict[str, str],
              actor: str | None = None) -> Iterator[ResultRecorder]:
    """The store's recording transaction, taking screen results."""
    with cases.recording(run_id, versions, actor) as recorder:
        yield ResultRecorder(recorder)


def record_results(cases: CaseStore, run_id: int, results: Iterable[PartyResult | AssetResult | AndroidResult |
                                                                    LoadIssue],
                   versions: dict[str, str], actor: str | None = None) -> RunCounts:
    """All of a run's results and its completion, in one transaction."""
    with recording(cases, run_id, versions, actor) as recorder:
        for item in results:
            recorder.add(item)
    return recorder.counts


def recorded_run(cases: CaseStore | None, screen: str, context, versions: dict[str, str],
                 run: Callable[[ResultRecorder | None], T]) -> tuple[T, RunCounts | None]:
    """`run(recorder)`, recorded as a run with its alerts in `cases` when there is a
    case store: the run's start first, then one transaction for all results, or nothing
    if it fails. `context` (a ReportContext) says what was screened, against what."""
    if cases is None:
        return run(None), None
    first = context.inputs[0] if context.inputs else {"path": "", "sha256": ""}
    run_id = cases.start_run(screen=screen, input_path=", ".join(i["path"] for i in context.inputs),
                             input_sha256=first["sha256"], as_of=context.as_of, list_versions=versions,
                             options=context.options)
    with recording(cases, run_id, versions) as recorder:
        outcome = run(recorder)
    return outcome, recorder.counts
