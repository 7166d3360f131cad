"""Results as plain JSON-ready dicts: the record format every machine output shares."""

from __future__ import annotations

from typing import Any

from banscreen.model import DestinationHit, LoadIssue, Match, PartyResult


def _date(d) -> str | None:
    return d.isoformat() if d else None


def match_record(m: Match) -> dict[str, Any]:
    e = m.entry
    return {
        "list": e.list,
        "entry_id": e.entry_id,
        "name": e.name,
        "matched_name": m.matched_name,
        "score": m.score,
        "kind": e.kind,
        "start_date": _date(e.start_date),
        "end_date": _date(e.end_date),
        "list_version": m.list_version,
        "programs": list(e.programs),
        "countries": list(e.countries),
        "parent": e.parent or None,
        "citation": e.citation or None,
        "source_url": e.source_url or None,
        "explanation": m.explanation.as_dict(),
    }


def destination_record(d: DestinationHit) -> dict[str, Any]:
    return {
        "program": d.program,
        "place": d.place,
        "code": d.code,
        "start_date": _date(d.start_date),
        "end_date": _date(d.end_date),
        "evidence": d.evidence,
        "citation": d.citation,
    }


def row_record(item: PartyResult | LoadIssue) -> dict[str, Any]:
    if isinstance(item, LoadIssue):
        return {"row": None, "line": item.line, "file": item.path, "error": item.reason, "matches": [],
                "destinations": []}
    s = item.subject
    return {
        "row": s.row,
        "line": s.line,
        "input": dict(s.fields),
        "subject": {"name": s.name, "country": s.country, "address": s.address, "id": s.id},
        "matches": [match_record(m) for m in item.matches],
        "destinations": [destination_record(d) for d in item.destinations],
    }
