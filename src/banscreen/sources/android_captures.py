"""Text captured from an Android device with adb and saved to files, and firmware
trees: one scan unit per package (or one for the device's properties), its facts as
observations.

- `adb shell pm list packages -f -i -U`: `package:<path>=<pkg>  installer=<x> uid:<n>`
  (the path may hold `=`: split on the last one);
- `adb shell dumpsys package`: `Package [name] (...)` blocks with codePath, flags,
  versions and requested permissions;
- `adb shell getprop`: `[name]: [value]` lines; `build.prop`: `name=value` lines;
- a firmware directory: its build.prop(s) and the APKs under system/app, system/priv-app,
  vendor/app, product/app, each read by apk.py, and its partition images (system.img,
  vendor.img, ...), read by firmware_image.py."""

from __future__ import annotations

import os
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
    from banscreen.sources.firmware_image import image_kind

    if path.is_dir():
        return "androidqf" if (path / "packages.json").is_file() else "firmware"
    if path.name == "packages.json":  # the acquisition named by its package list
        return "androidqf"
    if path.suffix.lower() == ".apk":
        return "apk"
    with path.open("rb") as fh:
        raw = fh.read(8192)
    if raw.startswith(b"PK\x03\x04") or raw.startswith(b"PK\x05\x06"):
        return "apk" if _has_manifest(path) else "firmware-zip"
    if image_kind(raw):
        return "image"
    if raw.startswith(b"CrAU"):
        return "payload"
    head = raw.decode("utf-8", errors="replace")
    if path.name == "build.prop" or re.search(r"^ro\.[\w.]+=", head, re.M):
        return "buildprop"
    if re.search(r"^package:\S+", head, re.M):
        return "pm-list"
    if re.search(r"^\[[\w.]+\]: \[", head, re.M):
        return "getprop"
    if "Package [" in head or "Packages:" in head:
        return "dumpsys"
    raise SourceError(path, "not an adb capture (pm list packages, dumpsys package, getprop), a build.prop, an "
                            "APK, an AndroidQF folder, a firmware folder, zip or partition image")


def _has_manifest(path: Path) -> bool:
    import zipfile

    try:
        with zipfile.ZipFile(path) as z:
            return "AndroidManifest.xml" in z.namelist()
    except (zipfile.BadZipFile, OSError):
        return path.suffix.lower() != ".zip"  # a damaged zip: the APK reader says what is wrong


def read(path: Path) -> Iterator[ScanUnit | LoadIssue]:
    """Scan units of one input; an input that cannot be read at all is one LoadIssue, so
    a scan of many paths reports it and goes on with the others."""
    path = Path(path)
    try:
        if not path.exists():
            raise SourceError(path, "no such file or folder")
        kind = detect(path)
        text = "" if kind in BINARY_READERS else path.read_text("utf-8", errors="replace")
    except SourceError as exc:
        yield LoadIssue(str(path), 0, exc.message)
        return
    except OSError as exc:
        yield LoadIssue(str(path), 0, f"cannot be read: {exc.strerror or exc}")
        return
    if kind in BINARY_READERS:
        yield from BINARY_READERS[kind](path)
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


PARSERS = {"pm-list": _pm_list, "getprop": props_units, "buildprop": props_units, "dumpsys": _dumpsys}


MAX_PROP = 4 * 2**20  # a build.prop larger than this is not a build.prop


def firmware_files(root: Path) -> tuple[list[Path], list[Path], list[Path]]:
    """(build.prop files, APKs, partition images) under `root`, walked without following
    symbolic links: a tree unpacked from a hostile image may link to / or /dev/zero."""
    from banscreen.sources.firmware_image import PARTITION_IMAGE

    props, apks, images = [], [], []
    for folder, dirs, files in os.walk(root, followlinks=False):
        dirs.sort()
        for name in sorted(files):
            path = Path(folder) / name
            if path.is_symlink() or not path.is_file():
                continue
            if name == "build.prop":
                props.append(path)
            elif name.endswith(".apk"):
                apks.append(path)
            elif PARTITION_IMAGE.search(name):
                images.append(path)
    return props, apks, images


def firmware_units(root: Path, label: str, in_image: str | None = None) -> Iterator[ScanUnit | LoadIssue]:
    """The units of an unpacked firmware tree. `label` names the tree in evidence; for a
    tree unpacked from a partition image (`in_image`), every APK is a system app."""
    props, apks, images = firmware_files(root)
    for prop in props:
        rel = "/" + prop.relative_to(root).as_posix()
        where = prop if in_image is None else f"{label}!{rel}"
        if prop.stat().st_size > MAX_PROP:
            yield LoadIssue(str(where), 0, f"larger than {MAX_PROP // 2**20} MiB: not a build.prop")
            continue
        yield from props_units(where, prop.read_text("utf-8", errors="replace"))
    for apk in apks:
        rel = "/" + apk.relative_to(root).as_posix()
        if in_image is not None:
            yield apk_unit(apk, f"{label}!{rel}", f"{label}!{rel}", f"in partition image {in_image}")
            continue
        system = f"installed at {rel}" if rel.startswith(("/system", "/vendor", "/product")) else None
        yield apk_unit(apk, str(apk), rel, system)
    if in_image is None:  # an unpacked factory image: its partition images (system.img, vendor.img, ...)
        from banscreen.sources.firmware_image import read_image

        for image in images:
            yield from read_image(image)


def _firmware(root: Path) -> Iterator[ScanUnit | LoadIssue]:
    yield from firmware_units(root, str(root))


# Readers of the inputs that are not text (their modules are imported when first needed)

def _androidqf(path: Path) -> Iterator[ScanUnit | LoadIssue]:
    from banscreen.sources import androidqf

    yield from androidqf.read(path if path.is_dir() else path.parent)


def _apk(path: Path) -> Iterator[ScanUnit | LoadIssue]:
    yield apk_unit(path, str(path), str(path))


def _image(path: Path) -> Iterator[ScanUnit | LoadIssue]:
    from banscreen.sources.firmware_image import read_image

    yield from read_image(path)


def _firmware_zip(path: Path) -> Iterator[ScanUnit | LoadIssue]:
    from banscreen.sources.firmware_image import read_zip

    yield from read_zip(path, str(path))


def _payload(path: Path) -> Iterator[ScanUnit | LoadIssue]:
    from banscreen.sources.firmware_image import read_payload

    yield from read_payload(path, str(path))


BINARY_READERS = {"firmware": _firmware, "androidqf": _androidqf, "apk": _apk, "image": _image,
                  "firmware-zip": _firmware_zip, "payload": _payload}


def apk_unit(source: Path | bytes, label: str, where: str, system: str | None = None) -> ScanUnit | LoadIssue:
    """One APK's facts, or its error: a hostile or broken APK is reported, never run.
    `system` says why it counts as a system app (where it is installed), if it does."""
    from banscreen.sources.apk import ApkError, read_apk

    try:
        info = read_apk(source)
    except ApkError as exc:
        return LoadIssue(label, 0, f"APK not read: {exc}")
    obs = info.observations(where)
    if system:
        obs = (*obs, Observation("flag", "SYSTEM", system))
    return ScanUnit(label, 0, info.package, obs)
