"""Android scanning: capture or firmware units in, indicator findings out (the
orchestrator for `banscreen android scan`). The device's maker, from getprop or
build.prop, is resolved like equipment (a ZTE-made phone is itself a Covered List
finding) and screened like a party against the restricted-party lists, so a maker on
the Entity List or the SDN list is found even where no covered-vendor rule names it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Callable, Iterable, Iterator

import yaml

from banscreen.lists.indicators_yaml import bundled_indicators, load_indicators
from banscreen.lists.interface import ListError
from banscreen.lists.stix import load_stix
from banscreen.match.android import IndicatorMatcher
from banscreen.match.names import EXACT_SCORE
from banscreen.model import AndroidFinding, AndroidResult, Asset, Indicator, LoadIssue, ScanUnit, Severity, Subject
from banscreen.lists.store import ListStore, Selection
from banscreen.screen.equipment import EquipmentOptions, EquipmentScreener, open_equipment_screener
from banscreen.screen.parties import ScreenOptions, Screener, open_screener


def indicator_set(stix: Iterable[Path] = (), extra: Iterable[Path] = ()) -> tuple[list[Indicator], list[LoadIssue]]:
    """The bundled indicators, plus those of STIX 2.1 bundles and YAML files: (indicators,
    the STIX objects that could not be read). A YAML file that is not an indicators file
    at all is a ListError."""
    found = list(bundled_indicators())
    problems: list[LoadIssue] = []
    for bundle in stix:
        more, issues = load_stix(bundle)
        found += more
        problems += issues
    for path in extra:
        try:
            found += load_indicators(path)
        except (OSError, yaml.YAMLError, KeyError, TypeError) as exc:
            raise ListError(f"{path}: not an indicators file: {exc}") from None
    return found, problems


class AndroidScanner:
    """Scan units in, `AndroidResult`s out: indicator matches, plus the device maker as a
    covered vendor (`equipment`) and as a listed party (`parties`)."""

    def __init__(self, matcher: IndicatorMatcher, equipment: EquipmentScreener | None = None,
                 as_of: dt.date | None = None, parties: Callable[[], Screener] | None = None):
        """`parties` makes the party Screener (for the date) on first need: its name
        index costs seconds to load, and most scans see no device properties."""
        self.matcher, self.equipment = matcher, equipment
        self.as_of = as_of or dt.date.today()
        self._make_parties, self._parties = parties, None

    def scan(self, unit: ScanUnit) -> AndroidResult:
        findings = list(self.matcher.findings(unit.observations))
        makers = [o for o in unit.observations if o.kind == "manufacturer"]
        covered: set[tuple[str, str]] = set()
        if makers and self.equipment is not None:
            for f in self.equipment.resolver.screen(Asset(0, unit.line, unit.path, "device", tuple(makers)),
                                                    self.as_of):
                covered.add((f.entry.list, f.entry.entry_id))
                findings.append(AndroidFinding(
                    f"{f.entry.list}: {f.entity} (since {f.entry.start_date})", "maker", f.entry.citation,
                    f"device maker {makers[0].value!r} [{makers[0].where}]: {f.signals[0].detail}", Severity.HIGH))
        if makers and self._make_parties is not None:
            findings += self._maker_parties(makers, covered)
        return AndroidResult(unit.path, unit.line, unit.package, tuple(findings))

    def _maker_parties(self, makers, covered: set[tuple[str, str]]) -> list[AndroidFinding]:
        if self._parties is None:
            self._parties = self._make_parties()
        out, seen = [], set(covered)
        for name in dict.fromkeys(o.value.strip() for o in makers if o.value.strip()):
            where = next(o.where for o in makers if o.value.strip() == name)
            for m in self._parties.screen(Subject(0, 0, name)).matches:
                key = (m.entry.list, m.entry.entry_id)
                if key in seen:
                    continue  # already a covered-maker finding, or another property naming the same maker
                seen.add(key)
                # A maker's short acronym (TCL, BLU) matching only an alias of a listed
                # party is weak: the Entity List's Techno-Commercial is also "TCL".
                acronym_alias = len(name) <= 3 and m.matched_name != m.entry.name
                severity = Severity.MEDIUM if m.score >= EXACT_SCORE and not acronym_alias else Severity.LOW
                out.append(AndroidFinding(
                    f"{m.entry.list}: {m.entry.name} ({m.entry.entry_id})", "maker-party", m.entry.citation,
                    f"device maker {name!r} [{where}] matches {m.matched_name!r} on the {m.entry.list} list, "
                    f"score {m.score:.2f}, listed from {m.entry.start_date or 'unknown'}", severity))
        return out

    def scan_all(self, items: Iterable[ScanUnit | LoadIssue]) -> Iterator[AndroidResult | LoadIssue]:
        for item in items:
            yield item if isinstance(item, LoadIssue) else self.scan(item)


def open_android_scanner(store: ListStore, as_of: dt.date, indicators: Iterable[Indicator]
                         ) -> tuple[AndroidScanner, Selection]:
    """A scanner for `as_of`: the indicators, the covered-vendor screener of the curated
    dataset in force (its selection is returned), and the party screener, made on first
    need (its name index costs seconds to load)."""
    equipment, selection = open_equipment_screener(store, EquipmentOptions(as_of=as_of))
    scanner = AndroidScanner(IndicatorMatcher(indicators), equipment, as_of,
                             parties=lambda: open_screener(store, ScreenOptions(as_of=as_of))[0])
    return scanner, selection
