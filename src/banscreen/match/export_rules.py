"""What the lists say of a shipment: a party's listing, read with its own terms, and the
destination, give an outcome (model.Outcome) and the reasons behind it. Pure: the
Entity List's licence requirement is parsed from the list's own text, kept whole in
each reason; the Military End User item table is package data (meu_items.yaml).

This is list screening, not export classification or licensing: it does not classify
items, knows no licence exception beyond those a listing names, and is not legal
advice. Its outcomes are the strictest each listing can mean for the item as the user
classified it; where that depends on something banscreen cannot see (an end use, a
conditional exception, an unknown classification), the outcome is `review`."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Iterable

import yaml

from banscreen.match.names import EXACT_SCORE
from banscreen.reference.classification import EAR99, EAR99_PATTERN, ECCN_PATTERN, classification
from banscreen.model import SHIPMENT_ROLES, DestinationHit, ListEntry, Match, Outcome, ShipmentParty, ShipmentReason

# A name match below this is reported for review, not decided on: the party's report
# calls a match at this score or above an exact one (match/names.py).
STRONG_MATCH = EXACT_SCORE
_EXCEPT = re.compile(r"\b(?:except(?:\s+for)?|apart\s+from|excluding)\b:?", re.IGNORECASE)
_CONDITION = re.compile(r"\b(?:when|if)\s+(?:used|destined|intended)\b.*?(?=\.(?:\s|$)|;|$)", re.IGNORECASE)
_SEE = re.compile(r"\(?\s*See\s[^)]*\)?\.?", re.IGNORECASE)

DENIAL_ORDER_CITATION = "15 CFR 736.2(b)(4) (General Prohibition Four) and 764.3(a)(2)"
ENTITY_LIST_CITATION = "15 CFR 744.11 and Supplement No. 4 to Part 744"
MEU_CITATION = "15 CFR 744.21 and Supplement No. 7 to Part 744"
UVL_CITATION = "15 CFR 744.15 and 740.2(a)(17)"
Ruling = tuple[Outcome, str, str, str, bool]  # outcome, rule, the rule's citation, detail, classification mattered


def covers(listed: str, item: str) -> bool | None:
    """Whether a listed classification covers the item's: True when the listed one is the
    item's or a parent of it ('5A992' covers '5A992.c'), None when the item's is less
    precise than the listed one ('5A992' against '5A992.c': it may or may not be)."""
    a, b = listed.split("."), item.split(".")
    if b[:len(a)] == a:
        return True
    if a[:len(b)] == b:
        return None
    return False


@dataclass(frozen=True)
class Requirement:
    """A listing's licence requirement, parsed from its text (kept whole in `text`)."""

    text: str
    scope: str  # "all" items subject to the EAR, "eccns" listed, "supplement2" (MEU items), or "unknown"
    eccns: tuple[str, ...] = ()  # for scope "eccns"
    excepted: tuple[str, ...] = ()  # classifications the exception names (it may carry conditions)
    exception: str = ""  # the exception as written
    condition: str = ""  # an end use the requirement is limited to ("when used in projects ...")


def parse_requirement(text: str, list_code: str = "") -> Requirement:
    """The scope, exceptions and conditions of an Entity List (or MEU) licence
    requirement as the list words it. A text this does not recognise is scope
    'unknown' (the outcome is then `review`, with the text)."""
    text = " ".join((text or "").split())
    if not text:
        return Requirement("", "supplement2" if list_code == "MEU" else "unknown")
    lowered = text.lower()
    if "supplement no. 2 to part 744" in lowered or "supplement 2 to part 744" in lowered:
        return Requirement(text, "supplement2")
    main, exception = _split_exception(text)
    condition_m = _CONDITION.search(_SEE.sub("", main))
    condition = condition_m.group(0).strip() if condition_m else ""
    excepted = _classifications(exception)
    if re.search(r"\ball\s+items?\s+subjects?\s+to\s+the\s+EAR\b", main, re.IGNORECASE):
        return Requirement(text, "all", (), excepted, exception, condition)
    eccns = tuple(dict.fromkeys(classification(m) for m in ECCN_PATTERN.findall(main)))
    if eccns:
        return Requirement(text, "eccns", eccns, excepted, exception, condition)
    return Requirement(text, "unknown", (), excepted, exception, condition)


def _split_exception(text: str) -> tuple[str, str]:
    """(the requirement, its exception) around the first "except" / "apart from"."""
    parts = _EXCEPT.split(text, maxsplit=1)
    return (text, "") if len(parts) == 1 else (parts[0].strip(" ,"), parts[1].strip())


def _classifications(text: str) -> tuple[str, ...]:
    found = [EAR99] if EAR99_PATTERN.search(text) else []
    found += [classification(m) for m in ECCN_PATTERN.findall(text)]
    return tuple(dict.fromkeys(found))


@lru_cache(maxsize=1)
def meu_items() -> "ItemTable":
    """Supplement No. 2 to Part 744, as bundled (data/meu_items.yaml)."""
    raw = yaml.safe_load(resources.files("banscreen.data").joinpath("meu_items.yaml").read_text("utf-8"))
    return ItemTable(tuple(classification(e) for e in raw["eccns"]), raw["effective"], raw["citation"],
                     bool(raw.get("verified")))


@dataclass(frozen=True)
class ItemTable:
    eccns: tuple[str, ...]
    effective: dt.date
    citation: str
    verified: bool

    def covers(self, item: str) -> bool | None:
        """True if the table lists the item's ECCN (or a parent of it); None if it lists a
        narrower paragraph of it; False for EAR99 and everything else."""
        if item == EAR99:
            return False
        results = [covers(listed, item) for listed in self.eccns]
        if True in results:
            return True
        return None if None in results else False


# --- the reasons a party's listing gives --------------------------------------------------

def party_reasons(party: ShipmentParty, matches: Iterable[Match], item: str, on: dt.date) -> list[ShipmentReason]:
    """What a party's matches mean for a shipment of `item` ('' = unknown) on `on`. Once
    the party is surely one listed party (a strong match), its weak matches to other
    listings (an affiliate whose name shares words) are left out: they would only ask
    a person to check what is already decided."""
    reasons = [r for m in matches for r in _match_reasons(party, m, item, on)]
    if any(r.rule != "weak_match" and r.score is not None and r.score >= STRONG_MATCH for r in reasons):
        reasons = [r for r in reasons if r.rule != "weak_match"]
    return reasons


def _match_reasons(party: ShipmentParty, match: Match, item: str, on: dt.date) -> list[ShipmentReason]:
    e = match.entry
    base = dict(role=party.role, party=party.name, list=e.list, entry_id=e.entry_id, entry_name=e.name,
                list_version=match.list_version, score=match.score)
    outcome, rule, citation, detail, mattered = _listing_outcome(e.list, e, item, on)
    citation = "; ".join(c for c in (e.citation, citation) if c)
    if outcome is Outcome.NONE:
        return [ShipmentReason(outcome, rule, citation=citation, detail=detail, classification_mattered=mattered,
                               **base)]
    if match.score < STRONG_MATCH and outcome.rank < Outcome.REVIEW.rank:
        # not certain to be the listed party: a person decides, told what it would mean
        return [ShipmentReason(Outcome.REVIEW, "weak_match", citation=citation, classification_mattered=mattered,
                               detail=f"name score {match.score:.2f} (below {STRONG_MATCH:.2f}): if this is the "
                                      f"listed party, {outcome.value}: {detail}", **base)]
    return [ShipmentReason(outcome, rule, citation=citation, detail=detail, classification_mattered=mattered,
                           **base)]


def _listing_outcome(code: str, e: ListEntry, item: str, on: dt.date) -> Ruling:
    """(outcome, rule, rule's citation, detail, whether the classification mattered)."""
    window = f"listed {e.start_date or '(start not stated)'}" + (f" until {e.end_date}" if e.end_date else "")
    if code == "DPL":
        return (Outcome.PROHIBITED, "denial_order", DENIAL_ORDER_CITATION,
                f"a denial order in force on {on} ({window}): no export, reexport or transfer of any item "
                "subject to the EAR to or with this party, and no licence exception", False)
    if code == "SDN":
        return (Outcome.PROHIBITED, "sdn", "31 CFR 501 and the program's regulations" + (
            f" ({', '.join(e.programs)})" if e.programs else ""),
                f"blocked by OFAC ({window}): a US person may not deal with this party without an OFAC licence",
                False)
    if code in ("EL", "MEU"):
        return _requirement_outcome(code, e, item, on, window)
    if code == "UVL":
        return (Outcome.REVIEW, "unverified_list", UVL_CITATION,
                f"on the Unverified List ({window}): no licence exception may be used, and a UVL statement from "
                "the party is needed before any export that needs no licence", False)
    if code in ("FCC-CL", "NDAA-889", "ICTS"):
        return (Outcome.REVIEW, "covered_vendor", "",
                f"a covered vendor ({code}, {window}): no export rule, but a procurement or network-equipment bar "
                "that the user should see", False)
    return (Outcome.REVIEW, "other_list", "",
            f"on the {code} list ({window}): its measures vary; read the listing's terms", False)


def _requirement_outcome(code: str, e: ListEntry, item: str, on: dt.date, window: str) -> Ruling:
    req = parse_requirement(e.license_requirement, code)
    rule = "entity_list" if code == "EL" else "meu"
    citation = ENTITY_LIST_CITATION if code == "EL" else MEU_CITATION
    policy = f"; review policy: {e.license_policy.rstrip('. ')}" if e.license_policy else ""
    said = f"licence requirement: \u201c{req.text}\u201d" if req.text else "the list states no licence requirement"
    what = f"{'Entity List' if code == 'EL' else 'Military End User List'} ({window}); {said}{policy}"
    shown = item or "unknown"
    if req.scope == "unknown":
        if not req.text and code == "EL":
            return (Outcome.LICENSE_REQUIRED, rule, citation,
                    f"{what}: an Entity List entry requires a licence for the items its entry in Supplement No. 4 "
                    "names; read it", False)
        return Outcome.REVIEW, rule, citation, f"{what}: banscreen cannot read this requirement; read it", False
    if req.scope == "supplement2":
        table = meu_items()
        if on < table.effective:
            return (Outcome.REVIEW, rule, citation, f"{what}: the bundled Supplement No. 2 table takes effect "
                                                    f"{table.effective}; check the item against the table then in "
                                                    "force", True)
        hit = table.covers(item) if item else None
        table_note = f" (Supplement No. 2 to Part 744: {table.citation})"
        if hit is True:
            return (Outcome.LICENSE_REQUIRED, rule, f"{citation}; {table.citation}",
                    f"{what}: item {shown} is in Supplement No. 2 to Part 744", True)
        if hit is None:
            return (Outcome.REVIEW, rule, f"{citation}; {table.citation}",
                    f"{what}: classification {shown} decides whether the item is in Supplement No. 2{table_note}",
                    True)
        return (Outcome.NONE, rule, f"{citation}; {table.citation}",
                f"{what}: item {shown} is not in Supplement No. 2{table_note}, so this listing requires no licence "
                "for it", True)
    if req.condition:
        return (Outcome.REVIEW, rule, citation,
                f"{what}: the requirement holds only {req.condition.lower()}: the end use decides", False)
    if req.scope == "eccns":
        if not item:
            return (Outcome.REVIEW, rule, citation, f"{what}: the requirement names ECCNs "
                                                    f"({', '.join(req.eccns)}); the item's classification is "
                                                    "unknown", True)
        results = [covers(listed, item) for listed in req.eccns]
        if True in results:
            return _after_exception(req, item, Outcome.LICENSE_REQUIRED, rule, citation,
                                    f"{what}: item {shown} is among the ECCNs it names", True)
        if None in results:
            return (Outcome.REVIEW, rule, citation, f"{what}: classification {shown} is less precise than the "
                                                    f"ECCNs it names", True)
        return Outcome.NONE, rule, citation, f"{what}: item {shown} is not among the ECCNs it names", True
    # every item subject to the EAR, perhaps with exceptions
    return _after_exception(req, item, Outcome.LICENSE_REQUIRED, rule, citation,
                            f"{what}: covers every item subject to the EAR, {shown} included", False)


def _after_exception(req: Requirement, item: str, outcome: Outcome, rule: str, citation: str, detail: str,
                     mattered: bool) -> Ruling:
    """An exception the listing names. When it names the item's classification and may
    apply to it, the outcome is `review`: it carries conditions banscreen cannot see
    (food or medicine, a government end user). An exception for technology only cannot
    apply to an item that is not technology (ECCN product group E), and for an EAR99
    item nobody here knows: the requirement stands, the exception quoted."""
    if not req.exception:
        return outcome, rule, citation, detail, mattered
    named = [x for x in req.excepted if item and covers(x, item) is not False]
    technology_only = re.search(r"\btechnology\b", req.exception, re.IGNORECASE) and not re.search(
        r"\b(?:items?|commodit(?:y|ies)|software|food|medicine)\b", req.exception, re.IGNORECASE)
    is_technology = len(item) > 1 and item[1] == "E"
    if named and (not technology_only or is_technology):
        return (Outcome.REVIEW, rule, citation, f"{detail}; the listing excepts \u201c{req.exception}\u201d, which "
                                                f"names {', '.join(named)}: whether it applies to this item "
                                                "decides", True)
    unless = (f"; unless the listing's exception for {', '.join(named)} applies" if named
              else "; the listing's exception does not name it")
    return outcome, rule, citation, detail + unless, bool(req.excepted) or mattered


def destination_reasons(hits: Iterable[DestinationHit], role: str = "", party: str = "") -> list[ShipmentReason]:
    """An embargoed destination (or a party located in an embargoed place) in force on
    the ship date."""
    out = []
    for d in hits:
        where = f"{party} ({role}) is located in {d.place}" if role else f"destination {d.place}"
        window = f"since {d.start_date}" + (f" until {d.end_date}" if d.end_date else "")
        out.append(ShipmentReason(Outcome.LICENSE_REQUIRED, "embargo", role=role, party=party or d.place,
                                  list="EMBARGO", entry_id=d.code, entry_name=d.place, citation=d.citation,
                                  detail=f"{where}: {d.program}, comprehensive embargo {window}; {d.evidence}"))
    return out


def outcome_of(reasons: Iterable[ShipmentReason]) -> Outcome:
    """The strictest outcome among the reasons; none found when there are none."""
    return min((r.outcome for r in reasons), key=lambda o: o.rank, default=Outcome.NONE)


def ordered(reasons: Iterable[ShipmentReason]) -> tuple[ShipmentReason, ...]:
    """Strictest first, then by role in the order of model.SHIPMENT_ROLES."""
    order = {r: i for i, r in enumerate(SHIPMENT_ROLES)}
    return tuple(sorted(reasons, key=lambda r: (r.outcome.rank, order.get(r.role, -1), r.list, r.entry_id)))
