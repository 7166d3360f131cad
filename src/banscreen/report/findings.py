"""Screen results -> `Finding`s: the one place that knows both the screens' result types
and the shared finding model."""

from __future__ import annotations

from functools import singledispatch
from pathlib import Path
from typing import Iterable, Sequence

from banscreen.match.names import EXACT_SCORE
from banscreen.model import (SEVERITY_LEVEL, AndroidResult, AssetResult, Feature, Finding, Level, LoadIssue, Outcome,
                             PartyResult, ShipmentResult)
from banscreen.report.interface import RunSummary
from banscreen.report.records import destination_record, equipment_record, match_record, reason_record

# Names of the lists, for people (rule names in SARIF, legends in HTML)
LIST_NAMES = {
    "SDN": "OFAC Specially Designated Nationals", "EL": "BIS Entity List", "DPL": "BIS Denied Persons List",
    "UVL": "BIS Unverified List", "MEU": "BIS Military End User List", "CMIC": "Treasury NS-CMIC List",
    "SSI": "Treasury Sectoral Sanctions Identifications", "DTC": "State ITAR Debarred", "ISN": "State "
    "Nonproliferation Sanctions", "NS-MBS": "Treasury Non-SDN Menu-Based Sanctions", "CAP": "Treasury CAPTA List",
    "PLC": "Treasury Palestinian Legislative Council List", "FSE": "Treasury Foreign Sanctions Evaders",
    "FCC-CL": "FCC Covered List", "NDAA-889": "NDAA FY2019 section 889", "ICTS": "Commerce ICTS determination",
}


def list_name(code: str) -> str:
    return LIST_NAMES.get(code, code)


def collect_report(items: Iterable[PartyResult | AssetResult | AndroidResult | LoadIssue]
                   ) -> tuple[list[Finding], list[LoadIssue], RunSummary]:
    """All findings and unreadable rows of a run, for the formats that need the whole run
    before they write (HTML, SARIF)."""
    summary = RunSummary()
    findings: list[Finding] = []
    problems: list[LoadIssue] = []
    for item in items:
        summary.add(item)
        if isinstance(item, LoadIssue):
            problems.append(item)
        else:
            findings.extend(report_findings(item))
    return findings, problems, summary


@singledispatch
def report_findings(item) -> list[Finding]:
    """A screen result's findings in the form every report format consumes."""
    raise TypeError(f"not a screen result: {type(item).__name__}")


@report_findings.register
def _(item: LoadIssue) -> list[Finding]:
    return []


@report_findings.register
def _android(r: AndroidResult) -> list[Finding]:
    subject = r.package or Path(r.path).name
    return [Finding(screen="android", rule=f"android/{f.kind}", rule_name=f"Android indicator: {f.kind}",
                    severity=SEVERITY_LEVEL.get(f.severity, Level.NOTE), title=f"{subject}: {f.indicator}",
                    message=f"{f.indicator}: {f.evidence}", file=r.path, line=r.line, row=0, subject=subject,
                    list=f.kind, entry_name=f.indicator, citation=f.source,
                    detail={"indicator": f.indicator, "kind": f.kind, "evidence": f.evidence,
                            "severity": f.severity, "source": f.source}) for f in r.findings]


def match_reason(features: Sequence[Feature]) -> str:
    """A match's reason in a line, for a table cell or a finding's message: the feature
    that set its score (the token comparison, or the one that scored higher: a name with
    fewer names, a list name inside the query, an acronym, words run together, ...),
    then the qualifiers that lowered it (the country aside: reports show it apart)."""
    if not features:
        return ""
    best = max(features, key=lambda f: f.score)  # (the first of equals: tokens before the others)
    why = best.detail if best.name in ("exact", "tokens") else f"{best.name.replace('_', ' ')}: {best.detail}"
    lowered = [f"{f.name.replace('_', ' ')} {f.score:+.2f}" for f in features if f.score < 0 and f.name != "country"]
    return why + (f" ({', '.join(lowered)})" if lowered else "")


@report_findings.register
def _party(r: PartyResult) -> list[Finding]:
    s = r.subject
    out = []
    for m in r.matches:
        e = m.entry
        why = match_reason(m.explanation.features)
        out.append(Finding(
            screen="parties", rule=f"parties/list/{e.list}", rule_name=list_name(e.list),
            severity=Level.ERROR if m.score >= EXACT_SCORE else Level.WARNING,
            title=f"{s.name} matches {e.name} on the {list_name(e.list)}",
            message=f"'{s.name}' matches '{m.matched_name}' ({e.list} {e.entry_id}, score {m.score:.2f}): {why}",
            file=s.source, line=s.line, row=s.row, subject=s.name,
            list=e.list, entry_id=e.entry_id, entry_name=e.name, start_date=e.start_date, end_date=e.end_date,
            score=m.score, list_version=m.list_version, citation=e.citation, source_url=e.source_url,
            detail=match_record(m)))
    for d in r.destinations:
        out.append(Finding(
            screen="parties", rule=f"parties/destination/{d.code}", rule_name=f"Embargoed destination: {d.place}",
            severity=Level.ERROR, title=f"{s.name} is located in {d.place}",
            message=f"{d.program}: {d.evidence}", file=s.source, line=s.line, row=s.row, subject=s.name, list=d.code,
            entry_name=d.place, start_date=d.start_date, end_date=d.end_date, citation=d.citation,
            detail=destination_record(d)))
    return out


@report_findings.register
def _equipment(r: AssetResult) -> list[Finding]:
    a = r.asset
    out = []
    for f in r.findings:
        e = f.entry
        severity = SEVERITY_LEVEL.get(f.level, Level.NOTE)
        kinds = ", ".join(dict.fromkeys(s.kind for s in f.signals))
        out.append(Finding(
            screen="equipment", rule=f"equipment/covered/{e.list}", rule_name=f"Covered equipment: {list_name(e.list)}",
            severity=severity, title=f"{a.label}: {f.entity} ({list_name(e.list)} since {e.start_date})",
            message=f"{a.label} is {f.entity} equipment or software ({f.level} confidence {f.confidence:.2f}; "
                    f"signals: {kinds}); {f.signals[0].detail}",
            file=a.source, line=a.line, row=a.row, subject=a.label, list=e.list, entry_id=e.entry_id,
            entry_name=f.entity, start_date=e.start_date, end_date=e.end_date, score=f.confidence,
            citation=e.citation, source_url=e.source_url, vendor=f.vendor, detail=equipment_record(f)))
    return out


OUTCOME_NAMES = {Outcome.PROHIBITED: "Prohibited", Outcome.LICENSE_REQUIRED: "Licence required",
                 Outcome.REVIEW: "Review", Outcome.NONE: "No list restriction found"}
OUTCOME_LEVEL = {Outcome.PROHIBITED: Level.ERROR, Outcome.LICENSE_REQUIRED: Level.ERROR, Outcome.REVIEW: Level.WARNING,
                 Outcome.NONE: Level.NOTE}


@report_findings.register
def _shipment(r: ShipmentResult) -> list[Finding]:
    s = r.shipment
    out = []
    for reason in r.reasons:
        who = f"{reason.party} ({reason.role.replace('_', ' ')})" if reason.role else reason.party
        out.append(Finding(
            screen="shipments", rule=f"shipments/{reason.outcome.value}", rule_name=OUTCOME_NAMES[reason.outcome],
            severity=OUTCOME_LEVEL[reason.outcome],
            title=f"shipment {s.label}: {OUTCOME_NAMES[reason.outcome].lower()} "
                  f"({reason.rule.replace('_', ' ')}: {who})",
            message=f"{who}: {reason.detail}", file=s.source, line=s.line, row=s.row, subject=s.label,
            list=reason.list, entry_id=reason.entry_id, entry_name=reason.entry_name, score=reason.score,
            list_version=reason.list_version, citation=reason.citation,
            detail={"shipment": s.label, "ship_date": str(r.as_of), "eccn": s.eccn or None,
                    "destination": s.destination, **reason_record(reason)}))
    return out
