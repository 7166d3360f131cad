"""Indicators from STIX 2.1 bundles, the format MVT and public mobile IOC repositories
use: `indicator` objects whose patterns compare one observable (`[domain-name:value =
'x']`, `[app:id = 'com.x']`, `[file:hashes.sha256 = '...']`, ...), joined to their
malware family by `indicates` relationships. Patterns outside that subset are reported,
not guessed."""

from __future__ import annotations

import json
import re
from pathlib import Path

from banscreen.lists.interface import ListError
from banscreen.model import Indicator
from banscreen.model import LoadIssue

_COMPARISON = re.compile(r"\[\s*([a-z0-9-]+):([a-z0-9_.'-]+)\s*=\s*'((?:[^'\\]|\\.)*)'\s*\]", re.IGNORECASE)
KINDS = {
    ("domain-name", "value"): "host", ("ipv4-addr", "value"): "host", ("ipv6-addr", "value"): "host",
    ("url", "value"): "url", ("app", "id"): "package", ("app", "cert.sha256"): "cert_sha256",
    ("file", "hashes.sha256"): "file_sha256", ("file", "hashes.'sha-256'"): "file_sha256",
    ("android-property", "name"): "prop", ("file", "name"): "file_name",
}


def load_stix(path: Path) -> tuple[list[Indicator], list[LoadIssue]]:
    try:
        doc = json.loads(Path(path).read_text("utf-8"))
    except (OSError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ListError(f"{path}: not a readable STIX JSON bundle: {exc}") from None
    if not isinstance(doc, dict) or doc.get("type") != "bundle":
        raise ListError(f"{path}: not a STIX bundle (no \"type\": \"bundle\")")
    objects = doc.get("objects") or []
    malware = {o["id"]: o.get("name", "unnamed") for o in objects if o.get("type") == "malware"}
    family_of: dict[str, str] = {}
    for o in objects:
        if o.get("type") == "relationship" and o.get("relationship_type") == "indicates":
            family_of[o.get("source_ref", "")] = malware.get(o.get("target_ref", ""), "unknown family")
    indicators, issues = [], []
    for o in objects:
        if o.get("type") != "indicator":
            continue
        if o.get("pattern_type", "stix") != "stix":
            issues.append(LoadIssue(str(path), 0, f"{o.get('id')}: pattern type {o.get('pattern_type')} not read"))
            continue
        comparisons = _COMPARISON.findall(o.get("pattern", ""))
        if not comparisons:
            issues.append(LoadIssue(str(path), 0, f"{o.get('id')}: pattern {o.get('pattern')!r} is not a simple "
                                                  "comparison; not read"))
            continue
        family = family_of.get(o["id"]) or o.get("name") or "unknown family"
        for obj_type, prop, value in comparisons:
            kind = KINDS.get((obj_type.lower(), prop.lower()))
            if kind is None:
                issues.append(LoadIssue(str(path), 0, f"{o.get('id')}: {obj_type}:{prop} not supported"))
                continue
            indicators.append(Indicator(kind, value.replace("\\'", "'"), family, "high",
                                        f"STIX indicator {o['id']}", f"STIX bundle {Path(path).name}"))
    return indicators, issues
