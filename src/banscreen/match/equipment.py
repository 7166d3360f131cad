"""Which covered vendor made a piece of equipment or software, and how sure we are.

Pure: the resolver is built from the covered-vendor table (package data), the listings
that make each vendor covered (ListEntry objects from the store) and an OUI registry
mapping (passed in), then turns each `Observation` of an asset into `Signal`s. Signals
for one vendor combine as independent evidence (1 - prod(1 - strength)), so a MAC
address alone ("the network card's maker") stays weak while an SNMP enterprise number
plus a sysDescr is strong."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Iterable, Mapping, Sequence

import yaml

from banscreen.match import names as nm
from banscreen.match.index import NameIndex
from banscreen.model import Asset, EquipmentFinding, ListEntry, Observation, Signal
from banscreen.reference.identifiers import cpe_vendor, mac_digits, pen_of

# How much one signal of a kind says on its own.
STRENGTH = {
    "sys_object_id": 0.9,  # the device's SNMP agent names its maker's enterprise number
    "enterprise_oid": 0.8,  # the agent answers under a vendor's private MIB subtree
    "cpe": 0.8,  # a scanner or SBOM asserts the vendor
    "manufacturer": 0.8,
    "vendor": 0.75,
    "os_vendor": 0.75,  # nmap OS fingerprint class vendor
    "supplier": 0.7,
    "publisher": 0.7,
    "purl": 0.7,
    "sys_descr": 0.7,
    "model": 0.6,
    "os_match": 0.6,
    "service_product": 0.6,
    "component": 0.6,
    "mac": 0.5,  # the network card's maker, not necessarily the device's
    "mac_vendor": 0.5,
    "author": 0.5,
    "free_text": 0.4,
    "hostname": 0.3,
}
_DISTINCT_KINDS = frozenset({"mac", "hostname"})
TEXT_KINDS = {"sys_descr", "os_match", "service_product", "component", "free_text", "hostname", "model"}
NAME_KINDS = {"vendor", "manufacturer", "supplier", "publisher", "author", "os_vendor", "mac_vendor"}
VENDOR_NAME_MIN = 0.85  # vendor strings are short: stricter than party screening
HIGH, MEDIUM = 0.85, 0.6

_PURL = re.compile(r"^pkg:([^/]+)/(?:([^/@?#]+)/)?([^/@?#]+)")
_WORD = re.compile(r"[^a-z0-9]+")
# Words in vendor names that say nothing about which vendor it is.
_GENERIC = {"technology", "technologies", "digital", "communication", "communications", "device", "software",
            "network", "networks", "lab", "labs", "usa", "international", "china", "mobile", "telecom",
            "americas", "operations", "pacific", "india", "private", "hangzhou", "zhejiang", "symantec",
            "group", "limited", "inc", "corp", "america", "security", "endpoint"}


@dataclass(frozen=True)
class Brand:
    name: str
    why: str
    until: dt.date | None = None


@dataclass(frozen=True)
class CoveredVendor:
    id: str
    name: str
    entries: tuple[ListEntry, ...]
    names: tuple[str, ...]
    brands: tuple[Brand, ...]
    oui_orgs: Mapping[str, dt.date | None]
    pens: frozenset[int]
    cpe_vendors: frozenset[str]
    purl_namespaces: frozenset[str]
    products: tuple[str, ...]
    model_patterns: tuple[re.Pattern[str], ...]  # anchored: a model field starts with it
    text_patterns: tuple[re.Pattern[str], ...]  # the same, anywhere in text at a word start


def load_vendors(entries_by_id: Mapping[str, ListEntry]) -> list[CoveredVendor]:
    """The covered-vendor table, its `entries` resolved to listings."""
    raw = yaml.safe_load(resources.files("banscreen.data").joinpath("equipment.yaml").read_text("utf-8"))
    out = []
    for v in raw["vendors"]:
        missing = [e for e in v["entries"] if e not in entries_by_id]
        if missing:
            raise ValueError(f"equipment.yaml: vendor {v['id']} names unknown listings {missing}")
        ouis: dict[str, dt.date | None] = {o: None for o in v.get("oui_orgs") or []}
        ouis.update(v.get("oui_orgs_until") or {})
        out.append(CoveredVendor(
            id=v["id"], name=v["name"], entries=tuple(entries_by_id[e] for e in v["entries"]),
            names=tuple(v["names"]),
            brands=tuple(Brand(b["name"], b["why"], b.get("until")) for b in v.get("brands") or []),
            oui_orgs=ouis, pens=frozenset(int(p) for p in v.get("pens") or []),
            cpe_vendors=frozenset(v.get("cpe_vendors") or []),
            purl_namespaces=frozenset(v.get("purl_namespaces") or []),
            products=tuple(v.get("products") or []),
            model_patterns=tuple(re.compile(p, re.IGNORECASE) for p in v.get("model_patterns") or []),
            text_patterns=tuple(re.compile(r"(?<![A-Za-z0-9-])" + p.lstrip("^"), re.IGNORECASE)
                                for p in v.get("model_patterns") or []),
        ))
    return out


def _words(text: str) -> list[str]:
    """Folded words, as names.fold makes them; plain ASCII takes a faster path."""
    if text.isascii() and "&" not in text:
        return [w for w in _WORD.split(text.lower().replace("'", "").replace(".", "")) if w]
    return nm.fold(text)


@dataclass(frozen=True)
class _Hit:
    vendor: str
    signal: Signal
    until: dt.date | None = None


class VendorResolver:
    """Observations of an asset in, covered-vendor findings out: each observation gives
    signals (MAC prefix, enterprise number, CPE, purl, vendor names, free text), and the
    signals for one vendor combine as independent evidence into a confidence."""

    def __init__(self, vendors: Sequence[CoveredVendor], oui_registry: Mapping[int, str]):
        self.vendors = {v.id: v for v in vendors}
        # vendor strings: a name index over every vendor name and brand
        pseudo, self._pseudo_info = [], {}
        for v in vendors:
            for i, name in enumerate(v.names):
                pseudo.append(ListEntry("equipment", "VENDOR", f"{v.id}#n{i}", "organization", name))
                self._pseudo_info[f"{v.id}#n{i}"] = (v.id, None, None)
            for i, b in enumerate(v.brands):
                pseudo.append(ListEntry("equipment", "VENDOR", f"{v.id}#b{i}", "organization", b.name))
                self._pseudo_info[f"{v.id}#b{i}"] = (v.id, b, b.until)
        self._names = NameIndex(pseudo)
        # OUI prefixes whose registered organisation is a covered vendor or brand. Only
        # organisations sharing a distinctive word with one are compared in full.
        self.oui: dict[int, tuple[str, str, dt.date | None]] = {}
        wanted = {nm.normalize(org).canonical: (v.id, until) for v in vendors for org, until in v.oui_orgs.items()}
        keywords = {tok for v in vendors for text in (*v.names, *(b.name for b in v.brands), *v.oui_orgs)
                    for tok in nm.normalize(text).tokens if tok not in _GENERIC and len(tok) >= 3}
        for prefix, org in oui_registry.items():
            if not keywords.intersection(_WORD.split(org.lower())):
                continue
            found = wanted.get(nm.normalize(org).canonical)
            if found is None:
                hit = self._names.search(org, min_score=nm.EXACT_SCORE, limit=1)
                if hit:
                    vendor_id, brand, until = self._pseudo_info[hit[0].entry.entry_id]
                    found = (vendor_id, until)
            if found is not None:
                self.oui[prefix] = (found[0], org, found[1])
        self.pens = {p: v.id for v in vendors for p in v.pens}
        self.cpe = {c: v.id for v in vendors for c in v.cpe_vendors}
        self.purl = {p: v.id for v in vendors for p in v.purl_namespaces | v.cpe_vendors}
        # words that name a vendor or its products in free text, as folded phrases
        self._phrases: list[tuple[str, str, str, dt.date | None]] = []  # (phrase, vendor, what, until)
        for v in vendors:
            for text in (*v.names, *v.products):
                self._add_phrase(text, v.id, f"names {v.name}", None)
            for b in v.brands:
                self._add_phrase(b.name, v.id, f"{b.name}: {b.why}", b.until)
        self._phrases.sort(key=lambda p: -len(p[0]))
        self._by_first_word: dict[str, list[tuple[str, str, str, dt.date | None]]] = {}
        for item in self._phrases:  # a phrase can only occur where its first word does
            self._by_first_word.setdefault(item[0].split()[0], []).append(item)
        self._signals = lru_cache(maxsize=200_000)(self._signals_uncached)

    def _add_phrase(self, text: str, vendor: str, what: str, until: dt.date | None) -> None:
        phrase = " ".join(_words(text))
        if phrase and len(phrase) >= 3:
            self._phrases.append((f" {phrase} ", vendor, what, until))

    # -- one observation -> signals ------------------------------------------------------
    def _signals_uncached(self, kind: str, value: str) -> tuple[_Hit, ...]:
        """The vendors one observation points at. Longer than 60 lines: one short branch per
        kind of observation (MAC, OID, CPE, purl, names, free text), read best in one place."""
        value = value.strip()
        if not value:
            return ()
        strength = STRENGTH.get(kind, 0.4)
        hits: list[_Hit] = []
        if kind == "mac":
            digits = mac_digits(value)
            if digits is None:
                return ()
            if int(digits[1], 16) & 0b10:  # locally administered (randomised): no maker
                return ()
            found = self.oui.get(int(digits[:6], 16))
            if found:
                vendor, org, until = found
                hits.append(_Hit(vendor, Signal(kind, value, f"IEEE registry: {digits[:6].upper()} is assigned to "
                                                f"{org} (the network card's maker)", strength), until))
            return tuple(hits)
        if kind in ("sys_object_id", "enterprise_oid"):
            pen = pen_of(value)
            if pen is not None and pen in self.pens:
                v = self.vendors[self.pens[pen]]
                hits.append(_Hit(v.id, Signal(kind, value, f"enterprise number {pen} is {v.name}'s", strength)))
            return tuple(hits)
        if kind == "cpe":
            slug = cpe_vendor(value)
            if slug and slug in self.cpe:
                v = self.vendors[self.cpe[slug]]
                hits.append(_Hit(v.id, Signal(kind, value, f"CPE vendor '{slug}' is {v.name}", strength)))
            return tuple(hits)
        if kind == "purl":
            m = _PURL.match(value.strip().lower())
            if m:
                for part in (m.group(2), m.group(3)):
                    for token in re.split(r"[^a-z0-9]+", part or ""):
                        if token in self.purl:
                            v = self.vendors[self.purl[token]]
                            hits.append(_Hit(v.id, Signal(kind, value, f"package '{part}' is {v.name}'s", strength)))
                            return tuple(hits)
            return tuple(hits)
        if kind in NAME_KINDS:
            for hit in self._names.search(value, min_score=VENDOR_NAME_MIN, limit=3):
                vendor, brand, until = self._pseudo_info[hit.entry.entry_id]
                what = f"{brand.name}: {brand.why}" if brand else f"names {self.vendors[vendor].name}"
                hits.append(_Hit(vendor, Signal(kind, value, f"'{hit.matched_name}' ({hit.score:.2f}): {what}",
                                                strength * min(1.0, hit.score)), until))
            return tuple(hits)
        if kind in TEXT_KINDS:
            if kind != "hostname":
                for v in self.vendors.values():
                    patterns = v.model_patterns if kind == "model" else v.text_patterns
                    pattern = next((p for p in patterns if p.search(value)), None)
                    if pattern is not None:
                        hits.append(_Hit(v.id, Signal(kind, value, f"model number follows {v.name}'s naming "
                                                      f"({pattern.pattern})", strength)))
            words = _words(value)
            folded = " " + " ".join(words) + " "
            seen = {h.vendor for h in hits}
            for word in dict.fromkeys(words):
                for phrase, vendor, what, until in self._by_first_word.get(word, ()):
                    if vendor not in seen and phrase in folded:
                        seen.add(vendor)
                        hits.append(_Hit(vendor, Signal(kind, value, f"mentions '{phrase.strip()}': {what}",
                                                        strength), until))
            return tuple(hits)
        return ()

    def signals(self, obs: Observation, as_of: dt.date) -> list[tuple[str, Signal]]:
        """(vendor id, signal) pairs for one observation, on one date."""
        out = []
        # MAC addresses and host names are nearly all distinct: memoizing them would only
        # churn the cache that vendor strings and models profit from
        if obs.kind in _DISTINCT_KINDS:
            hits = self._signals_uncached(obs.kind, obs.value)
        else:
            hits = self._signals(obs.kind, obs.value)
        for hit in hits:
            if hit.until is not None and as_of >= hit.until:
                continue  # the brand or subsidiary no longer belonged to the vendor
            signal = hit.signal
            if obs.where:
                signal = Signal(signal.kind, signal.value, f"{signal.detail} [{obs.where}]", signal.strength)
            out.append((hit.vendor, signal))
        return out

    # -- one asset -> findings --------------------------------------------------------------
    def screen(self, asset: Asset, as_of: dt.date, lists: frozenset[str] | None = None) -> tuple[EquipmentFinding, ...]:
        by_vendor: dict[str, dict[tuple[str, str], Signal]] = {}
        for obs in asset.observations:
            for vendor, signal in self.signals(obs, as_of):
                seen = by_vendor.setdefault(vendor, {})
                key = (signal.kind, signal.value)
                if key not in seen or signal.strength > seen[key].strength:
                    seen[key] = signal
        findings = []
        for vendor_id, signals in by_vendor.items():
            vendor = self.vendors[vendor_id]
            entries = [e for e in vendor.entries if e.in_force(as_of) and (lists is None or e.list in lists)]
            if not entries:
                continue
            confidence = combine(s.strength for s in signals.values())
            level = "high" if confidence >= HIGH else "medium" if confidence >= MEDIUM else "low"
            ordered = tuple(sorted(signals.values(), key=lambda s: -s.strength))
            for entry in entries:
                findings.append(EquipmentFinding(vendor_id, vendor.name, entry, ordered, round(confidence, 4), level))
        return tuple(sorted(findings, key=lambda f: (-f.confidence, f.vendor, f.entry.list)))


def combine(strengths: Iterable[float]) -> float:
    """Independent evidence: the chance that not every signal is wrong."""
    doubt = 1.0
    for s in strengths:
        doubt *= 1.0 - s
    return 1.0 - doubt
