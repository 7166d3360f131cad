"""Android indicators against what a device, a capture or an APK shows. Pure: the
indicator set comes in as data (package tables, a STIX bundle's parsed indicators)."""

from __future__ import annotations

import re
from typing import Iterable

from banscreen.model import AndroidFinding, Indicator, Observation, Severity

SEVERITIES = tuple(Severity)
# Permissions that together let an app read and send a user's communications.
DATA_PERMISSIONS = {"android.permission.READ_SMS", "android.permission.READ_CALL_LOG",
                    "android.permission.READ_CONTACTS", "android.permission.RECEIVE_SMS"}


class IndicatorMatcher:
    """A scan unit's observations against the indicator set: exact values, package
    prefixes, hosts (and their subdomains), URLs, and risky permission sets."""

    def __init__(self, indicators: Iterable[Indicator]):
        self.exact: dict[tuple[str, str], list[Indicator]] = {}
        self.prefixes: list[Indicator] = []
        self.hosts: list[Indicator] = []
        self.hosts_by_name: dict[str, list[Indicator]] = {}
        self.urls: list[Indicator] = []
        for ind in indicators:
            if ind.kind == "package_prefix":
                self.prefixes.append(ind)
            elif ind.kind == "host":
                self.hosts.append(ind)
                self.hosts_by_name.setdefault(ind.value.lower().strip("."), []).append(ind)
            elif ind.kind == "url":
                self.urls.append(ind)
            else:
                key = (ind.kind, ind.value.lower() if ind.kind in ("cert_sha256", "file_sha256", "package")
                       else ind.value)
                self.exact.setdefault(key, []).append(ind)

    def match(self, obs: Observation) -> list[tuple[Indicator, str]]:
        """(indicator, evidence) for one observation."""
        kind = obs.kind
        if kind not in _SEARCHED:  # most observations (classes, permissions): one dict lookup
            value = obs.value.strip()
            return [(ind, f"{kind} {value!r} [{obs.where}]") for ind in self.exact.get((kind, value), ())]
        out = []
        value = obs.value.strip()
        lookup = "package" if kind == "package" else kind
        for ind in self.exact.get((lookup, value.lower() if kind in ("package", "cert_sha256", "file_sha256")
                                   else value), ()):
            out.append((ind, f"{kind} {value!r} [{obs.where}]"))
        if kind == "package":
            out += [(ind, f"package {value!r} starts with {ind.value!r} [{obs.where}]")
                    for ind in self.prefixes if value.startswith(ind.value)]
        if kind in ("host", "url", "string"):
            lowered = value.lower()
            hostname = _hostname(kind, lowered)
            if hostname is not None:
                # The name and each parent domain looked up: an APK has thousands of
                # strings and a STIX bundle hundreds of hosts, so no pairwise loop.
                labels = hostname.split(".")
                for i in range(len(labels)):
                    for ind in self.hosts_by_name.get(".".join(labels[i:]), ()):
                        out.append((ind, f"{kind} {value!r} names {ind.value.lower()} [{obs.where}]"))
            else:  # free text (a capture's string): any mention
                for ind in self.hosts:
                    host = ind.value.lower()
                    if host in lowered:
                        out.append((ind, f"{kind} {value!r} names {host} [{obs.where}]"))
            for ind in self.urls:
                if ind.value.lower() in lowered:
                    out.append((ind, f"{kind} {value!r} contains {ind.value!r} [{obs.where}]"))
        return out

    def findings(self, observations: Iterable[Observation]) -> list[AndroidFinding]:
        seen: dict[tuple[str, str], AndroidFinding] = {}
        permissions, system, package = set(), False, ""
        for obs in observations:
            if obs.kind == "permission":
                permissions.add(obs.value)
            if obs.kind == "flag" and obs.value.upper() == "SYSTEM":
                system = True
            if obs.kind == "package" and not package:
                package = obs.value
            for ind, evidence in self.match(obs):
                key = (ind.kind, ind.value)
                if key not in seen:
                    seen[key] = AndroidFinding(f"{ind.family}: {ind.kind} {ind.value}", ind.kind, ind.source,
                                               f"{evidence}; {ind.note}".strip("; "), ind.severity)
        risky = permissions & DATA_PERMISSIONS
        if "android.permission.INTERNET" in permissions and len(risky) >= 2:
            updater = any(w in package.lower() for w in ("fota", "update", "upgrade", "ota"))
            seen[("permissions", package)] = AndroidFinding(
                "permission risk: reads communications and has network access", "permissions",
                "banscreen heuristic", f"{package or 'app'} requests {', '.join(sorted(risky))} and INTERNET"
                + ("; a system app" if system else "") + ("; calls itself an updater" if updater else ""),
                "high" if (system and updater) else "medium")
        return sorted(seen.values(), key=lambda f: (SEVERITIES.index(f.severity), f.indicator))


# kinds matched by more than an exact lookup: case-folded, by prefix, or by host name
_SEARCHED = frozenset({"package", "cert_sha256", "file_sha256", "host", "url", "string"})
_URL_HOST = re.compile(r"[a-z][a-z0-9+.-]*://(?:[^/?#@]*@)?(\[[^\]]*\]|[^/:?#]*)")


def _hostname(kind: str, lowered: str) -> str | None:
    """The host an observation names, or None for free text."""
    if kind == "host":
        return lowered.strip(".")
    if kind == "url":
        m = _URL_HOST.match(lowered)
        if m:
            return m.group(1).strip(".")
    return None
