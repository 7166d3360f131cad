"""banscreen's curated telecom list (YAML): Covered List, section 889 entities and their
affiliates, the ZTE orders, Kaspersky; every entry with its citation."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import yaml

from banscreen.lists._util import read_text
from banscreen.lists.interface import ListError, ListLoader, LoadResult
from banscreen.model import KINDS, ListEntry, LoadIssue

REQUIRED = ("id", "list", "name", "citation")


class _TextDates(yaml.SafeLoader):
    """Safe YAML that leaves dates as text, so a bad one is reported on its entry
    instead of failing the whole file inside the YAML library."""


_TextDates.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _date(value: object, field: str) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"{field}: not an ISO date: {value!r}") from None


def _strings(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(str(v) for v in value)


def _entry_lines(text: str) -> list[int]:
    """Line numbers of each `- id:` item, for error messages."""
    return [i for i, line in enumerate(text.splitlines(), 1) if line.lstrip().startswith("- id:")]


class TelecomYamlLoader(ListLoader):
    format = "telecom-yaml"
    dataset = "telecom"
    description = "banscreen curated list, YAML with one cited entry per listing"

    @classmethod
    def sniff(cls, path: Path) -> bool:
        return path.suffix.lower() in {".yaml", ".yml"}

    def load(self, path: Path) -> LoadResult:
        issues: list[LoadIssue] = []
        text = read_text(path, issues)
        try:
            doc = yaml.load(text, Loader=_TextDates)  # noqa: S506 - a SafeLoader subclass
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f":{mark.line + 1}" if mark else ""
            raise ListError(f"{path}{where}: not valid YAML: {getattr(exc, 'problem', exc)}") from None
        if not isinstance(doc, dict) or not isinstance(doc.get("entries"), list):
            raise ListError(f"{path}: expected a mapping with an 'entries' list")
        lines = _entry_lines(text)
        dataset = str(doc.get("dataset") or self.dataset)
        entries = []
        for n, item in enumerate(doc["entries"]):
            line = lines[n] if n < len(lines) else 0
            if not isinstance(item, dict):
                issues.append(LoadIssue(str(path), line, "entry is not a mapping"))
                continue
            missing = [k for k in REQUIRED if not item.get(k)]
            if missing:
                issues.append(LoadIssue(str(path), line, f"entry lacks {', '.join(missing)}"))
                continue
            kind = str(item.get("kind") or "organization")
            if kind not in KINDS:
                issues.append(LoadIssue(str(path), line, f"unknown kind {kind!r}"))
                continue
            try:
                start, end = _date(item.get("start"), "start"), _date(item.get("end"), "end")
            except ValueError as exc:
                issues.append(LoadIssue(str(path), line, str(exc)))
                continue
            entries.append(
                ListEntry(
                    dataset=dataset,
                    list=str(item["list"]),
                    entry_id=str(item["id"]),
                    kind=kind,
                    name=str(item["name"]),
                    aliases=_strings(item.get("aliases")),
                    addresses=_strings(item.get("addresses")),
                    countries=_strings(item.get("countries")),
                    programs=_strings(item.get("programs")),
                    start_date=start,
                    end_date=end,
                    remarks=str(item.get("remarks") or ""),
                    source_url=str(item.get("source_url") or ""),
                    citation=str(item["citation"]),
                    parent=str(item.get("parent") or ""),
                    license_requirement=str(item.get("license_requirement") or ""),
                    license_policy=str(item.get("license_policy") or ""),
                )
            )
        return LoadResult(entries=entries, rows=len(doc["entries"]), issues=issues,
                          published=_date(doc.get("published"), "published"),
                          historical=bool(doc.get("historical", False)))
