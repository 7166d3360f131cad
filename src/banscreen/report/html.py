"""A single self-contained HTML page: summary, charts, a sortable and filterable table
of findings with their explanations, and the run's provenance. Inline CSS, static SVG
charts and a few lines of script: it opens with no network."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import PurePath
from typing import Iterable, TextIO

from jinja2 import Environment, PackageLoader, select_autoescape

from banscreen.model import AssetResult, Finding, LoadIssue, Outcome, PartyResult, ShipmentResult
from banscreen.report.safety import is_http_url
from banscreen.report.charts import SEVERITY_COLORS, bar_chart, histogram
from banscreen.report.context import ReportContext
from banscreen.report.findings import collect_report
from banscreen.report.interface import Formatter, RunSummary

OUTCOME_COLORS = {"prohibited": "#7a1712", "license_required": "#b3261e", "review": "#a15c00",
                  "no_list_restriction_found": "#3b6ea5"}
TITLES = {"parties": "party screening report", "equipment": "covered-equipment report",
          "android": "Android spyware report", "shipments": "shipment screening report"}
UNITS = {"parties": "rows", "equipment": "assets", "android": "units", "shipments": "shipments"}


class Words(dict):
    """The words a screen's page uses for its parts, where they differ from the parties page."""

    def __missing__(self, key: str) -> str:
        return PARTY_WORDS[key]


PARTY_WORDS = {"unreadable": "unreadable rows", "by_list": "Findings by list", "all_lists": "all lists",
               "problems": "Rows that could not be read", "filter": "Filter: name, list, entry, text…",
               "error": "error", "warning": "warning", "note": "note"}
WORDS = {
    "parties": Words(),
    "shipments": Words(by_list="Reasons by list", filter="Filter: shipment, party, list, text…",
                       error="prohibited / licence", warning="review", note="information"),
    "equipment": Words(),
    # Android findings keep high/medium/low, which SARIF calls error/warning/note
    "android": Words(unreadable="unreadable inputs", by_list="Findings by indicator kind", all_lists="all kinds",
                     problems="Inputs that could not be read", filter="Filter: package, indicator, path, text…",
                     error="high", warning="medium", note="low"),
}


def short_path(path: str) -> str:
    """The file's name, and the path inside it for a member of an archive or image:
    /data/fw/factory.zip!/system.img!/system/app/X.apk -> factory.zip!/system.img!/system/app/X.apk"""
    outer, sep, inner = path.partition("!")
    return PurePath(outer).name + sep + inner


def _environment() -> Environment:
    env = Environment(loader=PackageLoader("banscreen.report", "templates"),
                      autoescape=select_autoescape(["html", "j2"]), trim_blocks=True, lstrip_blocks=True)
    env.filters["short_path"] = short_path
    env.tests["http_url"] = is_http_url  # only http(s) links from list data become links
    return env


class HtmlFormat(Formatter):
    format = "html"

    def __init__(self, screen: str = "parties", context: ReportContext | None = None):
        self.screen = screen
        self.context = context or ReportContext(screen, dt.date.today())

    def write(self, items: Iterable[PartyResult | AssetResult | ShipmentResult | LoadIssue], out: TextIO
              ) -> RunSummary:
        shipments: list[ShipmentResult] = []

        def kept(stream):  # the shipment view needs the shipments themselves, not only their reasons
            for item in stream:
                if isinstance(item, ShipmentResult):
                    shipments.append(item)
                yield item

        findings, problems, summary = collect_report(kept(items))
        out.write(self.render(findings, problems, summary, shipments))
        return summary

    def render(self, findings: list[Finding], problems: list[LoadIssue], summary: RunSummary,
               shipments: list[ShipmentResult] = ()) -> str:
        order = {"error": 0, "warning": 1, "note": 2}
        findings = sorted(findings, key=lambda f: (order[f.severity], -(f.score or 0), f.row))
        words = WORDS.get(self.screen, Words())
        by_list = Counter(f.list for f in findings)
        charts = [bar_chart(list(by_list.items()), words["by_list"], "chart-by-list")]
        if self.screen == "shipments":
            charts = [bar_chart([(o.value, summary.by_outcome.get(o.value, 0)) for o in Outcome
                                 if summary.by_outcome.get(o.value)], "Shipments by outcome", "chart-by-outcome",
                                colors=OUTCOME_COLORS),
                      bar_chart(list(Counter(r.shipment.destination or "(none)" for r in shipments
                                             if r.outcome is not Outcome.NONE).items()),
                                "Shipments with a restriction, by destination", "chart-by-destination"),
                      charts[0]]
        elif self.screen == "parties":
            scores = [f.score for f in findings if f.score is not None and f.rule.startswith("parties/list/")]
            charts.append(histogram(scores, "Name score distribution", "chart-scores"))
        elif self.screen == "android":  # units per family: "ADUPS FOTA: host ..." -> ADUPS FOTA
            families: dict[str, set[str]] = {}
            for f in findings:
                families.setdefault(f.entry_name.split(":")[0], set()).add(f.file)
            charts.append(bar_chart([(k, len(v)) for k, v in families.items()], "Units by indicator family",
                                    "chart-by-family"))
        else:
            vendors: dict[str, set[tuple[str, int]]] = {}
            for f in findings:
                vendors.setdefault(f.entry_name, set()).add((f.file, f.row))
            charts.append(bar_chart([(v, len(rows)) for v, rows in vendors.items()],
                                    "Equipment by covered vendor", "chart-by-vendor"))
        if self.screen != "shipments":
            charts.append(bar_chart([(words[k], n) for k, n in Counter(f.severity for f in findings).items()],
                                    "Findings by severity", "chart-by-severity",
                                    colors={words[k]: c for k, c in SEVERITY_COLORS.items()}))
        order_of = {o: o.rank for o in Outcome}
        shipments = sorted(shipments, key=lambda r: (order_of[r.outcome], r.shipment.row))
        template = _environment().get_template("report.html.j2")
        return template.render(ctx=self.context, screen=self.screen, words=words,
                               title=TITLES.get(self.screen, "report"),
                               unit=UNITS.get(self.screen, "rows"), summary=summary, findings=findings,
                               problems=problems, charts=charts, by_severity=Counter(f.severity for f in findings),
                               shipments=shipments, outcomes=list(Outcome),
                               lists_present=sorted(by_list))
