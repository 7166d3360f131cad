"""Which kind of Android input a path is, and the reader of each kind: the registry of
the Android source family (as `lists/__init__.py` is for list formats). `read` is the
one entry point: any path in, scan units (or the issues that stopped them) out."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import Callable, Iterator

from banscreen.model import LoadIssue, ScanUnit
from banscreen.sources.android import androidqf
from banscreen.sources.android.captures import PARSERS
from banscreen.sources.android.images import image_kind, read_image, read_payload, read_zip
from banscreen.sources.android.trees import firmware_files, firmware_units
from banscreen.sources.android.units import apk_unit
from banscreen.sources.interface import SourceError

Units = Iterator[ScanUnit | LoadIssue]


def detect(path: Path) -> str:
    """The kind of input at `path`: a key of PARSERS (text captures) or BINARY_READERS."""
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


def _firmware(root: Path) -> Units:
    """An unpacked factory image: its tree, then its partition images (system.img, ...)."""
    yield from firmware_units(root, str(root))
    for image in firmware_files(root)[2]:
        yield from read_image(image)


def _androidqf(path: Path) -> Units:
    yield from androidqf.read(path if path.is_dir() else path.parent)


def _apk(path: Path) -> Units:
    yield apk_unit(path, str(path), str(path))


# Readers of the inputs that are not text, by the kind `detect` names
BINARY_READERS: dict[str, Callable[[Path], Units]] = {
    "firmware": _firmware, "androidqf": _androidqf, "apk": _apk, "image": read_image,
    "firmware-zip": lambda path: read_zip(path, str(path)), "payload": lambda path: read_payload(path, str(path))}
