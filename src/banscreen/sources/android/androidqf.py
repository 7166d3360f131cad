"""AndroidQF acquisitions (the collector MVT reads since it dropped `check-adb`): a folder
holding packages.json, getprop.txt and dumpsys.txt, among others.

packages.json is a list of packages, each with `name`, `installer`, `uid`, `system`,
`disabled`, `third_party` and `files`: every APK path with its md5/sha1/sha256 and the
signing certificate's hashes (`certificate.Sha256`). So the scan gets what adb captures
lack: per-APK file hashes and signer fingerprints, matched against `file_sha256` and
`cert_sha256` indicators (STIX `file:hashes.'SHA-256'`, `app:cert.sha256`). The
requested permissions of each package come from dumpsys.txt, the device's maker from
getprop.txt."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterator

from banscreen.model import LoadIssue, Observation, ScanUnit
from banscreen.sources.android.captures import SYSTEM_DIRS, dumpsys_units, padded_section, props_units

MAX_JSON = 256 * 2**20


def read(folder: Path) -> Iterator[ScanUnit | LoadIssue]:
    """The acquisition in `folder`: one unit per package (packages.json, with permissions
    from dumpsys.txt), then the device's properties (getprop.txt)."""
    packages = folder / "packages.json"
    by_package: dict[str, ScanUnit] = {}  # in packages.json's order
    for item in _packages(packages):
        if isinstance(item, LoadIssue):
            yield item
            continue
        line, entry = item
        name = entry["name"]
        where = f"packages.json line {line}"
        obs = [Observation("package", name, where)]
        if entry.get("system") is True:
            obs.append(Observation("flag", "SYSTEM", f"{where}: system package"))
        if entry.get("installer") not in (None, "", "null"):
            obs.append(Observation("installer", str(entry["installer"]), where))
        if entry.get("uid") is not None:
            obs.append(Observation("uid", str(entry["uid"]), where))
        for f in entry.get("files") or []:
            if not isinstance(f, dict):
                continue
            apk = str(f.get("path") or "")
            if apk:
                obs.append(Observation("apk_path", apk, where))
                if apk.startswith(SYSTEM_DIRS) and entry.get("system") is not True:
                    obs.append(Observation("flag", "SYSTEM", f"{where}: installed at {apk}"))
            if f.get("sha256"):
                obs.append(Observation("file_sha256", str(f["sha256"]).lower(), f"{where}: {apk or 'APK'}"))
            cert = f.get("certificate") if isinstance(f.get("certificate"), dict) else {}
            if cert.get("Sha256"):
                obs.append(Observation("cert_sha256", str(cert["Sha256"]).lower(),
                                       f"{where}: signer {cert.get('Subject') or 'unknown'}"))
        if name in by_package:  # a package listed twice (several users): one unit
            unit = by_package[name]
            by_package[name] = ScanUnit(unit.path, unit.line, name, (*unit.observations, *obs))
        else:
            by_package[name] = ScanUnit(str(packages), line, name, tuple(obs))

    dumpsys = folder / "dumpsys.txt"
    if dumpsys.is_file():
        for unit in dumpsys_units(dumpsys, package_section(dumpsys.read_text("utf-8", errors="replace"))):
            if isinstance(unit, LoadIssue) or not unit.package:
                continue
            extra = tuple(o for o in unit.observations if o.kind == "permission")
            extra = tuple(Observation(o.kind, o.value, f"dumpsys.txt {o.where}") for o in extra)
            if unit.package in by_package:
                known = by_package[unit.package]
                by_package[unit.package] = ScanUnit(known.path, known.line, known.package,
                                                    (*known.observations, *extra))
    yield from by_package.values()

    getprop = folder / "getprop.txt"
    if getprop.is_file():
        yield from props_units(getprop, getprop.read_text("utf-8", errors="replace"))


def package_section(text: str) -> str:
    """The `package` service's part of a full `dumpsys` (AndroidQF's dumpsys.txt holds
    every service; others may also print `Package [` lines). Lines before it are kept
    blank so that line numbers stay those of the file; without the service's header,
    the whole text."""
    section = padded_section(text, "DUMP OF SERVICE package:", "DUMP OF SERVICE ")
    return text if section is None else section


def _packages(path: Path) -> Iterator[tuple[int, dict] | LoadIssue]:
    """(line, package) for each entry of packages.json, read element by element so that
    a bad entry is reported with its line and the others still scanned."""
    if path.stat().st_size > MAX_JSON:
        yield LoadIssue(str(path), 0, f"larger than {MAX_JSON // 2**20} MiB: not read")
        return
    text = path.read_text("utf-8", errors="replace")
    decoder = json.JSONDecoder()

    def line_at(pos: int) -> int:
        return text.count("\n", 0, pos) + 1

    def skip(pos: int) -> int:
        while pos < len(text) and text[pos] in " \t\r\n":
            pos += 1
        return pos

    pos = skip(0)
    if not text.startswith("[", pos):
        yield LoadIssue(str(path), line_at(pos), "not an AndroidQF packages.json: expected a list of packages")
        return
    pos = skip(pos + 1)
    while pos < len(text) and text[pos] != "]":
        try:
            entry, end = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            yield LoadIssue(str(path), exc.lineno, f"not valid JSON: {exc.msg} (column {exc.colno}); "
                                                   "the rest of the file is not read")
            return
        line = line_at(pos)
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str) or not entry["name"].strip():
            yield LoadIssue(str(path), line, "a package entry needs a 'name'")
        else:
            yield line, entry
        pos = skip(end)
        if pos < len(text) and text[pos] == ",":
            pos = skip(pos + 1)
        elif pos < len(text) and text[pos] != "]":
            yield LoadIssue(str(path), line_at(pos), "not valid JSON: expected ',' or ']' between packages")
            return
