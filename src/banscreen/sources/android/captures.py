"""Text captured from an Android device with adb and saved to files: one scan unit per
package (or one for the device's properties), its facts as observations. Pure parsers:
they see text, never where it came from (MVT's artefact parsers are the model).

- `adb shell pm list packages -f -i -U`: `package:<path>=<pkg>  installer=<x> uid:<n>`
  (the path may hold `=`: split on the last one);
- `adb shell dumpsys package`: `Package [name] (...)` blocks with codePath, flags,
  versions and requested permissions;
- `adb shell getprop`: `[name]: [value]` lines; `build.prop`: `name=value` lines."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterator

from banscreen.model import LoadIssue, Observation, ScanUnit

SYSTEM_DIRS = ("/system/", "/vendor/", "/product/", "/system_ext/", "/apex/")
MAKER_PROPS = ("ro.product.manufacturer", "ro.product.brand", "ro.product.vendor.manufacturer")
MAX_PROP = 4 * 2**20  # a build.prop larger than this is not a build.prop
_PM = re.compile(r"^package:(?P<rest>\S+)(?:\s+installer=(?P<installer>\S+))?(?:\s+uid:(?P<uid>\d+))?")
_GETPROP = re.compile(r"^\[(?P<name>[^\]]+)\]:\s*\[(?P<value>.*)\]\s*$")
_DUMPSYS_PKG = re.compile(r"^\s{2}Package \[(?P<name>[^\]]+)\]")


def pm_list_units(path: Path, text: str) -> Iterator[ScanUnit | LoadIssue]:
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


def props_units(path: Path | str, text: str) -> Iterator[ScanUnit | LoadIssue]:
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


def dumpsys_units(path: Path, text: str) -> Iterator[ScanUnit | LoadIssue]:
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


def padded_section(text: str, marker: str, next_marker: str) -> str | None:
    """The part of a capture from the line holding `marker` up to `next_marker` (or the
    end), with the lines before it kept blank so that the parsers' line numbers stay
    those of the whole file; None when `marker` is not there. Captures that hold several
    commands' output (AndroidQF's dumpsys.txt, a bugreport's dumpstate) are read so."""
    start = text.find(marker)
    if start < 0:
        return None
    end = text.find(next_marker, start + len(marker))
    return "\n" * text.count("\n", 0, start) + (text[start:] if end < 0 else text[start:end])


# The text kinds `detect` names, and the parser of each
PARSERS = {"pm-list": pm_list_units, "getprop": props_units, "buildprop": props_units, "dumpsys": dumpsys_units}
