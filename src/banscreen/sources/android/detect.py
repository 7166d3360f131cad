"""Which kind of Android input a path is, and the reader of each kind: the registry of
the Android source family (as `lists/__init__.py` is for list formats). `read` is the
one entry point: any path in, scan units (or the issues that stopped them) out."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import Callable, Iterator

from banscreen.model import LoadIssue, ScanUnit
from banscreen.sources.android import androidqf, bundles
from banscreen.sources.android.captures import PARSERS
from banscreen.sources.android.images import image_kind, read_image, read_payload, read_zip
from banscreen.sources.android.trees import firmware_files, firmware_units
from banscreen.sources.android.units import apk_unit
from banscreen.sources.interface import SourceError

Units = Iterator[ScanUnit | LoadIssue]


def detect(path: Path) -> str:
    """The kind of input at `path`: a key of PARSERS (text captures) or BINARY_READERS."""
    if path.is_dir():
        if (path / "packages.json").is_file():
            return "androidqf"
        if (path / "main_entry.txt").is_file():
            return "bugreport-folder"
        return "folder"
    if path.name == "packages.json":  # the acquisition named by its package list
        return "androidqf"
    if path.suffix.lower() == ".apk":
        return "apk"
    with path.open("rb") as fh:
        raw = fh.read(8192)
    if bundles.is_age_encrypted(raw):
        return "age"
    if raw.startswith(b"PK\x03\x04") or raw.startswith(b"PK\x05\x06"):
        names = _zip_names(path)
        if names is None:  # a damaged zip: the reader of its kind says what is wrong
            return "firmware-zip" if path.suffix.lower() == ".zip" else "apk"
        if "AndroidManifest.xml" in names:
            return "apk"
        return bundles.zip_kind(names) or "firmware-zip"
    if image_kind(raw):
        return "image"
    if raw.startswith(b"CrAU"):
        return "payload"
    kind = _text_kind(path, raw)
    if kind is None:
        raise SourceError(path, "not an adb capture (pm list packages, dumpsys package, getprop), a bugreport, a "
                                "build.prop, an APK, an AndroidQF acquisition, a firmware folder, zip or partition "
                                "image")
    return kind


def _text_kind(path: Path, raw: bytes) -> str | None:
    """The capture a text file holds, judged by its first 8 KB, or None."""
    head = raw.decode("utf-8", errors="replace")
    if bundles.is_dumpstate(head):
        return "dumpstate"
    if path.name == "build.prop" or re.search(r"^ro\.[\w.]+=", head, re.M):
        return "buildprop"
    if re.search(r"^package:\S+", head, re.M):
        return "pm-list"
    if re.search(r"^\[[\w.]+\]: \[", head, re.M):
        return "getprop"
    if "Package [" in head or "Packages:" in head:
        return "dumpsys"
    return None


# What a file inside a folder may be read as (APKs, build.prop files and partition images
# are the firmware tree's; firmware zips inside a folder are not opened).
FOLDER_KINDS = ("pm-list", "getprop", "dumpsys", "dumpstate", "androidqf-zip", "bugreport-zip", "age")


def folder_reader(path: Path) -> Callable[[Path], Units] | None:
    """The reader for a file found in a folder, by its content, or None (never raises)."""
    try:
        kind = detect(path)
    except (SourceError, OSError):
        return None
    if kind not in FOLDER_KINDS:
        return None
    if kind in BINARY_READERS:
        return BINARY_READERS[kind]
    if kind == "dumpstate":
        return lambda p: bundles.dumpstate_units(str(p), p.read_text("utf-8", errors="replace"))
    return lambda p: PARSERS[kind](p, p.read_text("utf-8", errors="replace"))


def _zip_names(path: Path) -> list[str] | None:
    try:
        with zipfile.ZipFile(path) as z:
            return z.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return None  # a damaged zip: the reader of its kind says what is wrong


def read(path: Path) -> Iterator[ScanUnit | LoadIssue]:
    """Scan units of one input; an input that cannot be read at all is one LoadIssue, so
    a scan of many paths reports it and goes on with the others. An input that yields
    neither a unit nor an issue is an issue too ("no recognised Android data"), never a
    clean result."""
    path = Path(path)
    found = False
    for item in _read(path):
        found = True
        yield item
    if not found and path.exists():
        yield LoadIssue(str(path), 0, f"no recognised Android data in {path.name or path}: found {_contents(path)}")


def _read(path: Path) -> Iterator[ScanUnit | LoadIssue]:
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
    if kind == "dumpstate":
        yield from bundles.dumpstate_units(str(path), text)
        return
    yield from PARSERS[kind](path, text)


def _contents(path: Path) -> str:
    """What a path holds, in a few words, for the "nothing recognised" message."""
    try:
        if path.is_dir():
            names = sorted(p.name + ("/" if p.is_dir() else "") for p in path.iterdir())
            return f"{len(names)} entries ({_first(names)})" if names else "an empty folder"
        names = _zip_names(path) if zipfile.is_zipfile(path) else None
        if names is not None:
            return f"a zip of {len(names)} members ({_first(names)})"
        return f"a file of {path.stat().st_size:,} bytes"
    except OSError as exc:
        return f"nothing readable ({exc.strerror or exc})"


def _first(names: list[str], shown: int = 6) -> str:
    return ", ".join(names[:shown]) + (", ..." if len(names) > shown else "")


def _folder(root: Path) -> Units:
    """A folder: a firmware tree (build.prop files, APKs, partition images) and any
    capture files in it, recognised by content whatever their names."""
    props, _, images = firmware_files(root)
    yield from firmware_units(root, str(root))
    for image in images:
        yield from read_image(image)
    yield from bundles.read_capture_folder(root, folder_reader, set(props) | set(images))


def _age(path: Path) -> Units:
    yield LoadIssue(str(path), 0, "an age-encrypted acquisition (AndroidQF encrypts with age when given a key): "
                                  "decrypt it first, e.g. age -d -i key.txt -o acquisition.zip " + path.name)


def _androidqf(path: Path) -> Units:
    yield from androidqf.read(path if path.is_dir() else path.parent)


def _apk(path: Path) -> Units:
    yield apk_unit(path, str(path), str(path))


# Readers of the inputs that are not text, by the kind `detect` names
BINARY_READERS: dict[str, Callable[[Path], Units]] = {
    "folder": _folder, "androidqf": _androidqf, "apk": _apk, "image": read_image, "age": _age,
    "androidqf-zip": bundles.read_androidqf_zip, "bugreport-zip": bundles.read_bugreport_zip,
    "bugreport-folder": bundles.read_bugreport_folder,
    "firmware-zip": lambda path: read_zip(path, str(path)), "payload": lambda path: read_payload(path, str(path))}
