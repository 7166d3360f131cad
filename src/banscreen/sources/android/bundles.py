"""Android acquisitions as people hand them over: an AndroidQF acquisition zipped by the
collector (with or without a top folder; an age-encrypted one is reported as such), an
`adb bugreport` zip or its unpacked folder, and a folder of capture files whose names
say nothing (each file recognised by its content).

A bugreport's dumpstate file (named by `main_entry.txt`) holds the device's properties
(`------ SYSTEM PROPERTIES (getprop) ------`) and every service's dumpsys (`DUMP OF
SERVICE package:`); both sections are read by the capture parsers with the dumpstate
file's own line numbers, so evidence points into the file the user has. Archives are
read under the same limits as APKs and firmware zips (safezip.py)."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path, PurePosixPath
from typing import Callable, Iterator

from banscreen.model import LoadIssue, ScanUnit
from banscreen.sources.android import androidqf
from banscreen.sources.android.captures import dumpsys_units, padded_section, props_units
from banscreen.sources.safezip import ArchiveError, SafeZip

Units = Iterator[ScanUnit | LoadIssue]
MAX_MEMBER = 1 * 2**30  # one dumpstate text or packages.json
MAX_TOTAL = 4 * 2**30
MAX_CAPTURE = 256 * 2**20  # a file in a folder of captures larger than this is not a capture
AGE_HEADER = b"age-encryption.org/v1"
ANDROIDQF_FILES = ("packages.json", "dumpsys.txt", "getprop.txt")
_DUMPSTATE = re.compile(r"(?:^|/)(?:dumpstate|bugreport)[^/]*\.txt$", re.I)


def zip_kind(names: list[str]) -> str | None:
    """'androidqf-zip' or 'bugreport-zip' for an archive holding one, else None."""
    if any(PurePosixPath(n).name == "packages.json" and len(PurePosixPath(n).parts) <= 2 for n in names):
        return "androidqf-zip"
    if "main_entry.txt" in names or any(_DUMPSTATE.search(n) for n in names):
        return "bugreport-zip"
    return None


def read_androidqf_zip(path: Path) -> Units:
    """An AndroidQF acquisition zip: the three files the scan reads are unpacked (under
    the archive limits) into a temporary folder and read as an unpacked acquisition;
    evidence names `ZIP!member`."""
    try:
        with SafeZip(path, MAX_MEMBER, MAX_TOTAL) as archive:
            names = archive.names()
            top = min((n for n in names if PurePosixPath(n).name == "packages.json"), key=len)
            prefix = top[: -len("packages.json")]
            with tempfile.TemporaryDirectory(prefix="banscreen-androidqf-") as tmp:
                for name in ANDROIDQF_FILES:
                    if prefix + name in names:
                        with open(os.path.join(tmp, name), "wb") as out:
                            archive.extract_to(prefix + name, out)
                label = f"{path}!{prefix}"
                for item in androidqf.read(Path(tmp)):
                    yield _relabel(item, tmp + os.sep, label)
    except ArchiveError as exc:
        yield LoadIssue(str(path), 0, _archive_problem(exc))


def _relabel(item: ScanUnit | LoadIssue, tmp: str, label: str) -> ScanUnit | LoadIssue:
    if isinstance(item, LoadIssue):
        return LoadIssue(item.path.replace(tmp, label), item.line, item.reason)
    return ScanUnit(item.path.replace(tmp, label), item.line, item.package, item.observations)


def _archive_problem(exc: Exception) -> str:
    text = str(exc)
    if "encrypted" in text.lower() or "password" in text.lower():
        return "an encrypted archive: decrypt it first (banscreen does not take passwords)"
    return text


def read_bugreport_zip(path: Path) -> Units:
    """An `adb bugreport` zip: the dumpstate file `main_entry.txt` names (else the
    largest dumpstate-*.txt / bugreport-*.txt)."""
    try:
        with SafeZip(path, MAX_MEMBER, MAX_TOTAL) as archive:
            names = archive.names()
            entry = None
            if "main_entry.txt" in names:
                named = archive.read("main_entry.txt", 4096).decode("utf-8", errors="replace").strip()
                entry = named if named in names else None
                if entry is None:
                    yield LoadIssue(f"{path}!main_entry.txt", 1, f"names {named[:200]!r}, which is not in the "
                                                                   "archive; reading the largest dumpstate file")
            if entry is None:
                candidates = [n for n in names if _DUMPSTATE.search(n)]
                if not candidates:
                    yield LoadIssue(str(path), 0, "a bugreport zip without a dumpstate file")
                    return
                entry = max(candidates, key=archive.size)
            text = archive.read(entry).decode("utf-8", errors="replace")
    except ArchiveError as exc:
        yield LoadIssue(str(path), 0, _archive_problem(exc))
        return
    yield from dumpstate_units(f"{path}!{entry}", text)


def read_bugreport_folder(root: Path) -> Units:
    entry_file = root / "main_entry.txt"
    entry = None
    if entry_file.is_file():
        named = entry_file.read_text("utf-8", errors="replace").strip()
        candidate = (root / named).resolve()
        if candidate.is_file() and root.resolve() in candidate.parents:
            entry = candidate
    if entry is None:
        found = sorted((p for p in root.iterdir() if p.is_file() and _DUMPSTATE.search(p.name)),
                       key=lambda p: p.stat().st_size)
        if not found:
            yield LoadIssue(str(root), 0, "a bugreport folder without a dumpstate file")
            return
        entry = found[-1]
    if entry.stat().st_size > MAX_MEMBER:
        yield LoadIssue(str(entry), 0, f"larger than {MAX_MEMBER // 2**20} MiB: not read")
        return
    yield from dumpstate_units(str(entry), entry.read_text("utf-8", errors="replace"))


def is_dumpstate(head: str) -> bool:
    return "== dumpstate:" in head or "------ SYSTEM PROPERTIES" in head or "Bugreport format version" in head


def dumpstate_units(where: str, text: str) -> Units:
    """The packages (dumpsys package) and the device's properties (getprop) of one
    dumpstate text, with that text's line numbers."""
    packages = androidqf.package_section(text)
    if "DUMP OF SERVICE package:" in text:
        yield from dumpsys_units(Path(where), packages)
    else:
        yield LoadIssue(where, 0, "no 'DUMP OF SERVICE package:' section: packages not read")
    # `------ SYSTEM PROPERTIES (getprop) ------`, up to the next `------ NAME` line
    props = padded_section(text, "------ SYSTEM PROPERTIES", "\n------ ")
    if props:
        yield from props_units(where, props)
    else:
        yield LoadIssue(where, 0, "no SYSTEM PROPERTIES section: the device's properties not read")


def read_capture_folder(root: Path, reader_of: Callable[[Path], Callable[[Path], Units] | None],
                        skip: set[Path]) -> Units:
    """Every file under `root` (symbolic links not followed) that `reader_of` finds a
    reader for by its content: captures, dumpstate files, AndroidQF and bugreport zips;
    an AndroidQF folder inside is read as one acquisition. `skip` are files already read
    otherwise (the firmware tree's build.prop files and images)."""
    for folder, dirs, files in os.walk(root, followlinks=False):
        dirs.sort()
        here = Path(folder)
        if here != root and (here / "packages.json").is_file():
            dirs.clear()  # an AndroidQF acquisition: its files are read together
            yield from androidqf.read(here)
            continue
        for name in sorted(files):
            path = here / name
            if path in skip or path.is_symlink() or not path.is_file() or path.stat().st_size > MAX_CAPTURE:
                continue
            reader = reader_of(path)
            if reader is not None:
                yield from reader(path)


def is_age_encrypted(raw: bytes) -> bool:
    return raw.startswith(AGE_HEADER)
