"""Android scanning: capture or firmware units in, indicator findings out (the
orchestrator for `banscreen android scan`). The device's maker, from getprop or
build.prop, is resolved like equipment: a ZTE-made phone is itself a Covered List
finding."""

from __future__ import annotations

import datetime as dt
from typing import Iterable, Iterator

from banscreen.match.android import AndroidFinding, IndicatorMatcher
from banscreen.model import AndroidResult, Asset, LoadIssue
from banscreen.sources.android_captures import ScanUnit


class AndroidScanner:
    def __init__(self, matcher: IndicatorMatcher, equipment=None, as_of: dt.date | None = None):
        self.matcher, self.equipment = matcher, equipment
        self.as_of = as_of or dt.date.today()

    def scan(self, unit: ScanUnit) -> AndroidResult:
        findings = list(self.matcher.findings(unit.observations))
        makers = [o for o in unit.observations if o.kind == "manufacturer"]
        if makers and self.equipment is not None:
            for f in self.equipment.resolver.screen(Asset(0, unit.line, unit.path, "device", tuple(makers)),
                                                    self.as_of):
                findings.append(AndroidFinding(
                    f"{f.entry.list}: {f.entity} (since {f.entry.start_date})", "maker", f.entry.citation,
                    f"device maker {makers[0].value!r} [{makers[0].where}]: {f.signals[0].detail}", "high"))
        return AndroidResult(unit.path, unit.line, unit.package, tuple(findings))

    def scan_all(self, items: Iterable[ScanUnit | LoadIssue]) -> Iterator[AndroidResult | LoadIssue]:
        for item in items:
            yield item if isinstance(item, LoadIssue) else self.scan(item)
