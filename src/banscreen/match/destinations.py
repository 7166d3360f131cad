"""Destination screening: is a party located in a comprehensively embargoed country or
region on a given date? Pure: the program table is package data, read once."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import yaml
from anyascii import anyascii

from banscreen.reference.countries import to_iso2
from banscreen.model import DestinationHit


@dataclass(frozen=True, slots=True)
class Program:
    id: str
    program: str
    place: str
    countries: frozenset[str]
    start: dt.date | None
    end: dt.date | None
    citation: str
    pattern: re.Pattern[str]

    def in_force(self, on: dt.date) -> bool:
        return (self.start is None or self.start <= on) and (self.end is None or on < self.end)


def _fold(text: str) -> str:
    text = anyascii(text).lower().replace("'", "").replace("\u2019", "")
    return " " + " ".join(re.sub(r"[^a-z0-9]+", " ", text).split()) + " "


@lru_cache(maxsize=1)
def programs() -> tuple[Program, ...]:
    raw = yaml.safe_load(resources.files("banscreen.data").joinpath("destinations.yaml").read_text("utf-8"))
    out = []
    for p in raw["programs"]:
        terms = sorted((_fold(t).strip() for t in p["terms"]), key=len, reverse=True)
        pattern = re.compile(r" (" + "|".join(re.escape(t) for t in terms) + r") ")
        out.append(Program(
            id=p["id"], program=p["program"], place=p["place"], countries=frozenset(p.get("countries") or ()),
            start=p.get("start"), end=p.get("end"), citation=p["citation"], pattern=pattern,
        ))
    return tuple(out)


def screen_destination(country: str, address: str, as_of: dt.date) -> list[DestinationHit]:
    """Embargo programs in force on `as_of` that the country field or address places
    the party in, each with the evidence that placed it there."""
    hits: dict[str, DestinationHit] = {}
    iso = to_iso2(country) if country else None
    folded_country = _fold(country) if country else ""
    folded_address = _fold(address) if address else ""
    for prog in programs():
        if not prog.in_force(as_of):
            continue
        evidence = ""
        if iso and iso in prog.countries:
            evidence = f"country field {country!r} = {iso}"
        else:
            for label, text in (("country field", folded_country), ("address", folded_address)):
                m = prog.pattern.search(text) if text else None
                if m:
                    evidence = f"{label} mentions {m.group(1)!r}"
                    break
        if evidence:
            hits[prog.id] = DestinationHit(
                program=prog.program, place=prog.place, code=prog.id, start_date=prog.start,
                end_date=prog.end, evidence=evidence, citation=prog.citation,
            )
    return list(hits.values())
