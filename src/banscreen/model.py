"""The shared language of banscreen: plain, frozen dataclasses with no behaviour beyond
small derived properties. Every layer (list loaders, input readers, matchers, reports)
speaks in these types, so a new format is a new module, not a new model."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Mapping, NamedTuple

PERSON = "person"
ORGANIZATION = "organization"
VESSEL = "vessel"
AIRCRAFT = "aircraft"
UNKNOWN = "unknown"
KINDS = (PERSON, ORGANIZATION, VESSEL, AIRCRAFT, UNKNOWN)

# Database ids are 32-bit integer columns: a larger id names nothing (and overflows drivers).
MAX_DB_ID = 2**31 - 1
# The longest party name screened (the API's limit too): the longest real list names run to
# ~300 characters, and the matcher's work grows with a name's words (a 10 MB CSV field of
# Chinese characters would take an hour); a longer one is a row error, not a search.
MAX_NAME_CHARS = 1000


# --- vocabularies (StrEnums: each member is also its plain string, as stored and printed) --------

class Role(StrEnum):
    """What an API key may do. Roles nest: a reviewer can screen, an admin can review."""

    SCREENER = "screener"
    REVIEWER = "reviewer"
    ADMIN = "admin"

    @property
    def level(self) -> int:
        return _ROLE_LEVEL[self]

    def allows(self, minimum: "Role | str") -> bool:
        return self.level >= Role(minimum).level


_ROLE_LEVEL = {Role.SCREENER: 1, Role.REVIEWER: 2, Role.ADMIN: 3}


class DecisionKind(StrEnum):
    """A decision on an alert: the first three are a reviewer's, the last two the system's
    (a re-screen closing an alert whose entry went away or stopped matching)."""

    TRUE_MATCH = "true_match"
    FALSE_POSITIVE = "false_positive"
    ESCALATE = "escalate"
    ENTRY_REMOVED = "entry_removed"
    NO_LONGER_MATCHES = "no_longer_matches"


REVIEWER_DECISIONS = (DecisionKind.TRUE_MATCH, DecisionKind.FALSE_POSITIVE, DecisionKind.ESCALATE)
SYSTEM_DECISIONS = (DecisionKind.ENTRY_REMOVED, DecisionKind.NO_LONGER_MATCHES)


class AlertStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class Severity(StrEnum):
    """How strongly a finding of equipment or Android screening points at a problem."""

    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class Level(StrEnum):
    """A finding's level in every report (SARIF's three levels)."""

    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"


SEVERITY_LEVEL = {Severity.HIGH: Level.ERROR, Severity.MEDIUM: Level.WARNING, Severity.LOW: Level.NOTE}


@dataclass(frozen=True, slots=True)
class ListEntry:
    """One restricted party as one list publishes it.

    `start_date` is the day the listing took effect; `end_date` the day it stopped
    (removal, termination or expiry took effect), so an entry is in force on days
    `start_date <= d < end_date`. Either may be unknown (None): an unknown start counts
    as "always was", an unknown end as "still is"."""

    dataset: str  # the import family it came from: "ofac-sdn", "csl", "bis-dpl", "telecom"
    list: str  # the legal list: "SDN", "EL", "DPL", "UVL", "MEU", "FCC-CL", "NDAA-889", ...
    entry_id: str  # stable within `list`; the list's own id where it has one (OFAC ent_num)
    kind: str
    name: str
    aliases: tuple[str, ...] = ()
    addresses: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()  # ISO 3166-1 alpha-2 codes
    programs: tuple[str, ...] = ()
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    remarks: str = ""
    source_url: str = ""
    citation: str = ""  # Federal Register notice, FCC document, ...
    parent: str = ""  # for an affiliate listed under a parent: the parent's name
    # The listing's own export terms, as the list words them (Entity List, MEU): which
    # items need a licence ("For all items subject to the EAR ...") and how BIS reviews
    # an application ("Presumption of denial"). Empty where the list states none.
    license_requirement: str = ""
    license_policy: str = ""

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)

    @property
    def key(self) -> str:
        """Identity across datasets: the same SDN entry in OFAC's file and in the CSL."""
        return f"{self.list}:{self.entry_id}"

    def in_force(self, on: dt.date) -> bool:
        if self.start_date is not None and on < self.start_date:
            return False
        if self.end_date is not None and on >= self.end_date:
            return False
        return True


@dataclass(frozen=True, slots=True)
class LoadIssue:
    """A row a loader or reader could not use, and why. `line` is 1-based in the file."""

    path: str
    line: int
    reason: str

    def __str__(self) -> str:
        # line 0: the whole input (a missing file, a broken APK), not one line of it
        return f"{self.path}:{self.line}: {self.reason}" if self.line else f"{self.path}: {self.reason}"


@dataclass(frozen=True, slots=True)
class Subject:
    """One party to screen: a row of the user's file."""

    row: int  # 1-based data row number (header excluded)
    line: int  # 1-based physical line (or sheet row) in the source file
    name: str
    country: str = ""
    address: str = ""
    id: str = ""
    fields: Mapping[str, Any] = field(default_factory=dict)
    source: str = ""  # the file it came from


@dataclass(frozen=True, slots=True)
class Feature:
    """One named, explained component of a score (nomenklatura style)."""

    name: str
    score: float
    detail: str


@dataclass(frozen=True, slots=True)
class Explanation:
    query_name: str
    query_normalized: str
    candidate_normalized: str
    features: tuple[Feature, ...]
    country: str  # "agree", "disagree" or "unknown"
    country_detail: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "query_name": self.query_name,
            "query_normalized": self.query_normalized,
            "candidate_normalized": self.candidate_normalized,
            "features": [{"name": f.name, "score": round(f.score, 4), "detail": f.detail} for f in self.features],
            "country": self.country,
            "country_detail": self.country_detail,
        }


@dataclass(frozen=True, slots=True)
class Match:
    entry: ListEntry
    list_version: str
    matched_name: str  # which of the entry's names matched
    score: float  # 0..1
    explanation: Explanation


@dataclass(frozen=True, slots=True)
class DestinationHit:
    """A subject located in a comprehensively embargoed country or region."""

    program: str
    place: str  # country or region name
    code: str  # ISO code or region id
    start_date: dt.date | None
    end_date: dt.date | None
    evidence: str  # which field said so, and what it said
    citation: str


@dataclass(frozen=True, slots=True)
class PartyResult:
    subject: Subject
    matches: tuple[Match, ...] = ()
    destinations: tuple[DestinationHit, ...] = ()

    @property
    def hit(self) -> bool:
        return bool(self.matches or self.destinations)


# --- equipment ---------------------------------------------------------------------------

class Observation(NamedTuple):
    """One fact an input states about an asset, before any judgement: a MAC address,
    a vendor string, an SNMP sysObjectID, a CPE, a purl, ... (A named tuple: a million
    inventory rows make several million of these.)"""

    kind: str  # "mac", "vendor", "model", "cpe", "purl", "sys_object_id", "sys_descr", "os_vendor", ...
    value: str
    where: str = ""  # where in the input it was found, e.g. "nmap address/@vendor"


class Asset(NamedTuple):
    """One piece of equipment or software to screen: an inventory row, an nmap host,
    an SBOM component, an SNMP agent, a MAC address. (A named tuple, as Observation.)"""

    row: int
    line: int  # 1-based line in the input where the asset starts (0 when the format has none)
    source: str
    label: str  # a human name for it: hostname, IP, component name
    observations: tuple[Observation, ...]
    fields: Mapping[str, Any] = {}


@dataclass(frozen=True, slots=True)
class Signal:
    """An observation that points at a covered vendor, and how strongly."""

    kind: str
    value: str
    detail: str
    strength: float  # 0..1: how sure this signal alone makes us


@dataclass(frozen=True, slots=True)
class EquipmentFinding:
    vendor: str  # covered vendor id, e.g. "huawei"
    entity: str  # the covered entity's name
    entry: ListEntry  # the listing that makes it covered
    signals: tuple[Signal, ...]
    confidence: float  # signals combined
    level: str  # "high", "medium", "low"


@dataclass(frozen=True, slots=True)
class AssetResult:
    asset: Asset
    findings: tuple[EquipmentFinding, ...] = ()

    @property
    def hit(self) -> bool:
        return bool(self.findings)


# --- one finding, whatever the screen ---------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Finding:
    """One thing a screen found, in the form every report format consumes: a party on a
    list, a party in an embargoed place, equipment from a covered vendor, an indicator in
    an APK. Formats never look behind this; screens never format."""

    screen: str  # "parties", "equipment", "android"
    rule: str  # stable rule id, one per list or indicator kind: "parties/list/EL"
    rule_name: str  # "BIS Entity List"
    severity: str  # a Level: "error", "warning" or "note" (SARIF's levels)
    title: str  # one line for people
    message: str  # the explanation
    file: str
    line: int  # 1-based; 0 where the input has no lines
    row: int
    subject: str  # the input's name for the thing: party name, asset label
    list: str = ""
    entry_id: str = ""
    entry_name: str = ""
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    score: float | None = None  # name score, or equipment confidence
    list_version: str = ""
    citation: str = ""
    source_url: str = ""
    vendor: str = ""  # covered vendor id, for equipment
    detail: Mapping[str, Any] = field(default_factory=dict)  # the screen's own record of it


@dataclass(frozen=True, slots=True)
class AndroidResult:
    """One scanned unit (a package in a capture or firmware, or a device's properties)
    and what it matched."""

    path: str
    line: int
    package: str
    findings: tuple["AndroidFinding", ...] = ()

    @property
    def hit(self) -> bool:
        return bool(self.findings)


# --- Android -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ScanUnit:
    """One thing an Android scan judges: a package in a capture or a firmware image, an
    APK file, or a device's properties (`package` empty), with the facts its input states."""

    path: str  # the file (and package path) it came from
    line: int
    package: str  # empty for device properties
    observations: tuple[Observation, ...]


@dataclass(frozen=True)
class Indicator:
    """One sign of known Android spyware or risk: a package name or prefix, a host, a URL,
    a system property, a component, a signer's or an APK's SHA-256."""

    kind: str  # package, package_prefix, host, url, prop, component, cert_sha256, file_sha256
    value: str
    family: str
    severity: str  # a Severity
    note: str
    source: str  # where the indicator comes from (a citation, or a STIX bundle)


@dataclass(frozen=True)
class AndroidFinding:
    """An indicator (or a covered or listed device maker) seen in one scan unit."""

    indicator: str  # "ADUPS FOTA: package com.adups.fota", or a permission-risk label
    kind: str
    source: str
    evidence: str  # what matched, and where
    severity: str  # a Severity


# --- shipments ---------------------------------------------------------------------------

SHIPMENT_ROLES = ("purchaser", "intermediate_consignee", "ultimate_consignee", "end_user", "freight_forwarder")


class Outcome(StrEnum):
    """What the lists say of a shipment, strictest first. The last is worded so that
    nobody reads it as a licence decision: only that no list restriction was found."""

    PROHIBITED = "prohibited"
    LICENSE_REQUIRED = "license_required"
    REVIEW = "review"
    NONE = "no_list_restriction_found"

    @property
    def rank(self) -> int:
        """0 for the strictest."""
        return _OUTCOME_RANK[self]


_OUTCOME_RANK = {o: i for i, o in enumerate(Outcome)}


@dataclass(frozen=True, slots=True)
class ShipmentParty:
    role: str  # one of SHIPMENT_ROLES
    name: str
    country: str = ""
    address: str = ""


@dataclass(frozen=True, slots=True)
class Shipment:
    """One row of a shipment file: who, where to, what, when."""

    row: int
    line: int
    id: str  # the file's own shipment id; "" when it has none
    parties: tuple[ShipmentParty, ...]
    destination: str = ""  # as written; ISO code where it names a country
    eccn: str = ""  # "EAR99", an ECCN such as "5A002", or "" (unknown)
    ship_date: dt.date | None = None  # None: the run's --as-of date
    fields: Mapping[str, Any] = field(default_factory=dict)
    source: str = ""

    @property
    def label(self) -> str:
        """How people are shown the shipment: its id, else its row."""
        return self.id or f"row {self.row}"


@dataclass(frozen=True, slots=True)
class ShipmentReason:
    """One reason behind a shipment's outcome: a party on a list, an embargoed
    destination, or a name match too weak to decide on."""

    outcome: Outcome
    rule: str  # "denial_order", "entity_list", "meu", "sdn", "embargo", "uvl", "covered_vendor", ...
    role: str = ""  # the party's role; "" for the destination
    party: str = ""  # the party's name as given (or the destination)
    list: str = ""
    entry_id: str = ""
    entry_name: str = ""
    list_version: str = ""
    citation: str = ""
    detail: str = ""
    classification_mattered: bool = False
    score: float | None = None  # the name score, for a party


@dataclass(frozen=True, slots=True)
class ShipmentResult:
    shipment: Shipment
    as_of: dt.date  # the ship date, or the run's date where the row has none
    outcome: Outcome
    reasons: tuple[ShipmentReason, ...] = ()

    @property
    def hit(self) -> bool:
        return self.outcome is not Outcome.NONE
