"""Text captured from an Android device with adb and saved to files, and firmware
trees: one scan unit per package (or one for the device's properties), its facts as
observations.

- `adb shell pm list packages -f -i -U`: `package:<path>=<pkg>  installer=<x> uid:<n>`
  (the path may hold `=`: split on the last one);
- `adb shell dumpsys package`: `Package [name] (...)` blocks with codePath, flags,
  versions and requested permissions;
- `adb shell getprop`: `[name]: [value]` lines; `build.prop`: `name=value` lines;
- a firmware directory: its build.prop(s) and the APKs under system/app, system/priv-app,
  vendor/app, product/app, each read by apk.py."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from banscreen.model import LoadIssue, Observation
from banscreen.sources.interface import SourceError

SYSTEM_DIRS = ("/system/", "/vendor/", "/product/", "/system_ext/", "/apex/")
MAKER_PROPS = ("ro.product.manufacturer", "ro.product.brand", "ro.product.vendor.manufacturer")
_PM = re.compile(r"^package:(?P<rest>\S+)(?:\s+installer=(?P<installer>\S+))?(?:\s+uid:(?P<uid>\d+))?")
_GETPROP = re.compile(r"^\[(?P<name>[^\]]+)\]:\s*\[(?P<value>.*)\]\s*$")
_DUMPSYS_PKG = re.compile(r"^\s{2}Package \[(?P<name>[^\]]+)\]")


@dataclass(frozen=True)
class ScanUnit:
    path: str  # the file (and package path) it came from
    line: int
    package: str  # empty for device properties
    observations: tuple[Observation, ...]


def detect(path: Path) -> str:
    if path.is_dir():
        return "firmware"
    if path.suffix.lower() == ".apk":
        return "apk"
    head = path.read_text("utf-8", errors="replace")[:8192]
    if path.name == "build.prop" or re.search(r"^ro\.[\w.]+=", head, re.M):
        return "buildprop"
    if re.search(r"^package:\S+", head, re.M):
        return "pm-list"
    if re.search(r"^\[[\w.]+\]: \[", head, re.M):
        return "getprop"
    if "Package [" in head or "Packages:" in head:
        return "dumpsys"
    raise SourceError(path, "not an adb capture (pm list packages, dumpsys package, getprop), a build.prop or a "
                            "firmware directory")


def read(path: Path) -> Iterator[ScanUnit | LoadIssue]:
    """Scan units of one input; an input that cannot be read at all is one LoadIssue, so
    a scan of many paths reports it and goes on with the others."""
    path = Path(path)
    try:
        if not path.exists():
            raise SourceError(path, "no such file or folder")
        kind = detect(path)
        text = "" if kind in ("firmware", "apk") else path.read_text("utf-8", errors="replace")
    except SourceError as exc:
        yield LoadIssue(str(path), 0, exc.message)
        return
    except OSError as exc:
        yield LoadIssue(str(path), 0, f"cannot be read: {exc.strerror or exc}")
        return
    if kind == "firmware":
        yield from _firmware(path)
        return
    if kind == "apk":
        yield _apk(path, str(path))
        return
    yield from PARSERS[kind](path, text)


def _pm_list(path: Path, text: str) -> Iterator[ScanUnit | LoadIssue]:
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        m = _PM.match(line.strip())
        if not m or "=" not in m.group("rest"):
            yield LoadIssue(str(path), n, "not a 'pm list packages -f' line")
            continue
        apk, package = m.group("rest").rsplit("=", 1)
        obs = [Observation("package", package, f"line {n}"), Observation("apk_path", apk, f"line {n}")]
        if apk.startswith(SYSTEM_DIRS):
            obs.append(Observation("flag", "SYSTEM", "installed under a system partition"))
        if m.group("installer"):
            obs.append(Observation("installer", m.group("installer"), f"line {n}"))
        if m.group("uid"):
            obs.append(Observation("uid", m.group("uid"), f"line {n}"))
        yield ScanUnit(str(path), n, package, tuple(obs))


def _props(path: Path, text: str) -> Iterator[ScanUnit | LoadIssue]:
    obs = []
    for n, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        m = _GETPROP.match(line)
        name, value = (m.group("name"), m.group("value")) if m else (line.split("=", 1) + [""])[:2] \
            if "=" in line else (None, None)
        if name is None:
            continue  # a value running on from the line before
        obs.append(Observation("prop", name.strip(), f"line {n}"))
        if name.strip() in MAKER_PROPS and value.strip():
            obs.append(Observation("manufacturer", value.strip(), f"{name.strip()}, line {n}"))
        if value.strip().startswith(("http://", "https://")):
            obs.append(Observation("url", value.strip(), f"{name.strip()}, line {n}"))
    yield ScanUnit(str(path), 1, "", tuple(obs))


def _dumpsys(path: Path, text: str) -> Iterator[ScanUnit | LoadIssue]:
    package, start, obs, section = "", 0, [], ""
    for n, line in enumerate(text.splitlines(), 1):
        m = _DUMPSYS_PKG.match(line)
        if m:
            if package:
                yield ScanUnit(str(path), start, package, tuple(obs))
            package, start, section = m.group("name"), n, ""
            obs = [Observation("package", package, f"line {n}")]
            continue
        if not package:
            continue
        stripped = line.strip()
        if stripped.startswith("codePath="):
            code = stripped.split("=", 1)[1]
            obs.append(Observation("apk_path", code, f"line {n}"))
            if code.startswith(SYSTEM_DIRS):
                obs.append(Observation("flag", "SYSTEM", f"codePath, line {n}"))
        elif stripped.startswith(("flags=[", "pkgFlags=[")) and " SYSTEM " in f" {stripped} ":
            obs.append(Observation("flag", "SYSTEM", f"line {n}"))
        elif stripped.endswith("permissions:"):
            section = stripped
        elif section == "requested permissions:" and re.match(r"^[\w.]+$", stripped):
            obs.append(Observation("permission", stripped, f"line {n}"))
        elif stripped and not line.startswith("      "):
            section = ""
    if package:
        yield ScanUnit(str(path), start, package, tuple(obs))


PARSERS = {"pm-list": _pm_list, "getprop": _props, "buildprop": _props, "dumpsys": _dumpsys}


def _firmware(root: Path) -> Iterator[ScanUnit | LoadIssue]:
    for prop in sorted(root.rglob("build.prop")):
        yield from _props(prop, prop.read_text("utf-8", errors="replace"))
    for apk in sorted(root.rglob("*.apk")):
        rel = "/" + apk.relative_to(root).as_posix()
        unit = _apk(apk, rel)
        if isinstance(unit, ScanUnit) and rel.startswith(("/system", "/vendor", "/product")):
            unit = ScanUnit(unit.path, unit.line, unit.package,
                            (*unit.observations, Observation("flag", "SYSTEM", f"installed at {rel}")))
        yield unit


def _apk(path: Path, where: str) -> ScanUnit | LoadIssue:
    """One APK's facts, or its error: a hostile or broken APK is reported, never run."""
    from banscreen.sources.apk import ApkError, read_apk

    try:
        info = read_apk(path)
    except ApkError as exc:
        return LoadIssue(str(path), 0, f"APK not read: {exc}")
    return ScanUnit(str(path), 0, info.package, info.observations(where))
