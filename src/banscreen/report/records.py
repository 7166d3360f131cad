"""Results as plain JSON-ready dicts: the record format every machine output shares."""

from __future__ import annotations

from functools import singledispatch
from typing import Any

from banscreen.model import (AndroidResult, AssetResult, DestinationHit, EquipmentFinding, LoadIssue, Match, PartyResult,
                             ShipmentReason, ShipmentResult)


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


def equipment_record(f: EquipmentFinding) -> dict[str, Any]:
    e = f.entry
    return {
        "entity": f.entity,
        "vendor": f.vendor,
        "list": e.list,
        "entry_id": e.entry_id,
        "added": _date(e.start_date),
        "end_date": _date(e.end_date),
        "citation": e.citation or None,
        "signals": [{"kind": s.kind, "value": s.value, "detail": s.detail, "strength": round(s.strength, 3)}
                    for s in f.signals],
        "confidence": f.level,
        "confidence_score": f.confidence,
    }


@singledispatch
def row_record(item) -> dict[str, Any]:
    """One input row's record in the machine outputs (JSON Lines, Parquet, the API)."""
    raise TypeError(f"not a screen result: {type(item).__name__}")


@row_record.register
def _(item: LoadIssue) -> dict[str, Any]:
    return {"row": None, "line": item.line, "file": item.path, "error": item.reason}


@row_record.register
def asset_record(item: AssetResult) -> dict[str, Any]:
    a = item.asset
    return {"row": a.row, "line": a.line, "file": a.source, "label": a.label, "input": dict(a.fields),
            "findings": [equipment_record(f) for f in item.findings]}


@row_record.register
def _(item: AndroidResult) -> dict[str, Any]:
    return {"path": item.path, "line": item.line, "package": item.package or None,
            "findings": [{"indicator": f.indicator, "kind": f.kind, "source": f.source, "evidence": f.evidence,
                          "severity": f.severity} for f in item.findings]}


@row_record.register
def _(item: PartyResult) -> dict[str, Any]:
    s = item.subject
    return {
        "row": s.row,
        "line": s.line,
        "input": dict(s.fields),
        "subject": {"name": s.name, "country": s.country, "address": s.address, "id": s.id},
        "matches": [match_record(m) for m in item.matches],
        "destinations": [destination_record(d) for d in item.destinations],
    }


def reason_record(r: ShipmentReason) -> dict[str, Any]:
    return {
        "outcome": r.outcome.value,
        "role": r.role or None,
        "party": r.party,
        "rule": r.rule,
        "list": r.list,
        "entry_id": r.entry_id,
        "entry_name": r.entry_name,
        "list_version": r.list_version or None,
        "citation": r.citation or None,
        "detail": r.detail,
        "classification_mattered": r.classification_mattered,
        "score": r.score,
    }


@row_record.register
def shipment_record(item: ShipmentResult) -> dict[str, Any]:
    s = item.shipment
    return {
        "row": s.row,
        "line": s.line,
        "input": dict(s.fields),
        "shipment_id": s.id or None,
        "ship_date": _date(s.ship_date),
        "as_of": _date(item.as_of),
        "destination": s.destination,
        "eccn": s.eccn or None,
        "parties": [{"role": p.role, "name": p.name, "country": p.country, "address": p.address} for p in s.parties],
        "outcome": item.outcome.value,
        "reasons": [reason_record(r) for r in item.reasons],
    }
