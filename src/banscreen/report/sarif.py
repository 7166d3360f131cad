"""SARIF 2.1.0 for code-scanning dashboards: one rule per list or indicator kind, one
result per finding, located at the input file and line."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Iterable, TextIO

from banscreen.model import AssetResult, Finding, LoadIssue, PartyResult
from banscreen.report.context import ReportContext
from banscreen.report.findings import collect_report
from banscreen.report.interface import Formatter, RunSummary

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFO_URI = "https://github.com/banscreen/banscreen"


def _uri(path: str) -> str:
    p = Path(path)
    return p.as_uri() if p.is_absolute() else p.as_posix()


def _fingerprint(f: Finding) -> str:
    """Stable across runs for the same subject and listing, so dashboards track it."""
    key = "\x1f".join((f.rule, f.subject, f.entry_id or f.entry_name, f.file, str(f.row)))
    return hashlib.sha256(key.encode()).hexdigest()[:32]


class SarifFormat(Formatter):
    format = "sarif"

    def __init__(self, screen: str = "parties", context: ReportContext | None = None):
        self.screen = screen
        self.context = context

    def write(self, items: Iterable[PartyResult | AssetResult | LoadIssue], out: TextIO) -> RunSummary:
        findings, problems, summary = collect_report(items)
        json.dump(self.document(findings, problems), out, indent=2, ensure_ascii=False)
        out.write("\n")
        return summary

    def document(self, findings: list[Finding], problems: list[LoadIssue]) -> dict:
        """The SARIF 2.1.0 log of one run: rules, results and unreadable inputs."""
        # Longer than 60 lines: most of it is the SARIF document written out as one literal.
        ctx = self.context
        rules: dict[str, dict] = {}
        for f in findings:
            if f.rule not in rules:
                rule = {"id": f.rule, "name": f.rule.replace("/", "_").replace("-", "_"),
                        "shortDescription": {"text": f.rule_name},
                        "fullDescription": {"text": f"{f.rule_name}: banscreen {f.screen} screen"},
                        "defaultConfiguration": {"level": "error" if f.screen == "parties" else "warning"},
                        "properties": {"tags": [f.screen, f.list] if f.list else [f.screen]}}
                if f.source_url:
                    rule["helpUri"] = f.source_url
                rules[f.rule] = rule
        order = {rid: i for i, rid in enumerate(rules)}
        files = sorted({f.file for f in findings if f.file} | {p.path for p in problems if p.path}
                       | {i["path"] for i in (ctx.inputs if ctx else [])})
        artifact_index = {path: i for i, path in enumerate(files)}
        hashes = {i["path"]: i["sha256"] for i in (ctx.inputs if ctx else [])}
        artifacts = []
        for path in files:
            a = {"location": {"uri": _uri(path)}}
            if path in hashes:
                a["hashes"] = {"sha-256": hashes[path]}
            artifacts.append(a)

        def location(file: str, line: int) -> dict:
            physical: dict = {"artifactLocation": {"uri": _uri(file), "index": artifact_index[file]}}
            if line >= 1:
                physical["region"] = {"startLine": line}
            return {"physicalLocation": physical}

        results = []
        for f in findings:
            result = {
                "ruleId": f.rule, "ruleIndex": order[f.rule], "level": f.severity,
                "message": {"text": f.message},
                "partialFingerprints": {"banscreenFinding/v1": _fingerprint(f)},
                "properties": {
                    "subject": f.subject, "row": f.row, "list": f.list, "entryId": f.entry_id,
                    "entryName": f.entry_name, "listedFrom": f.start_date.isoformat() if f.start_date else None,
                    "listedUntil": f.end_date.isoformat() if f.end_date else None, "score": f.score,
                    "listVersion": f.list_version or None, "citation": f.citation or None,
                },
            }
            if f.file:
                result["locations"] = [location(f.file, f.line)]
            results.append(result)
        notifications = [{"level": "error", "message": {"text": p.reason},
                          **({"locations": [location(p.path, p.line)]} if p.path else {})} for p in problems]
        invocation = {"executionSuccessful": True, "toolExecutionNotifications": notifications,
                      "endTimeUtc": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")}
        if ctx:
            invocation["startTimeUtc"] = ctx.started.replace("+00:00", "Z")
            if ctx.command:
                invocation["commandLine"] = ctx.command
        run = {
            "tool": {"driver": {"name": "banscreen", "version": ctx.version if ctx else None,
                                "informationUri": INFO_URI, "rules": list(rules.values())}},
            "invocations": [invocation],
            "artifacts": artifacts,
            "results": results,
            "properties": {"screen": self.screen, "asOf": ctx.as_of.isoformat() if ctx else None,
                           "listVersions": ctx.lists if ctx else [], "options": ctx.options if ctx else {},
                           "notes": ctx.notes if ctx else []},
        }
        if run["tool"]["driver"]["version"] is None:
            del run["tool"]["driver"]["version"]
        return {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}
