"""A live device over adb: runs `getprop` and `dumpsys package` on it and reads the
output with the same parsers as saved captures, so a live scan and a scan of files
saved from the same device give the same findings.

`dumpsys package` is used rather than `pm list packages`: it lists every package with
its code path, flags and requested permissions, so the permission check has data."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Iterator

from banscreen.model import LoadIssue, ScanUnit
from banscreen.sources.android.captures import PARSERS
from banscreen.sources.interface import SourceError

COMMANDS = (
    ("getprop", ("shell", "getprop"), PARSERS["getprop"]),
    ("dumpsys package", ("shell", "dumpsys", "package"), PARSERS["dumpsys"]),
)


def device_serials(adb: str) -> list[str]:
    """Serials of the devices `adb devices` lists as ready (not offline or unauthorized)."""
    out = _run(adb, ("devices",), 30)
    serials = []
    for line in out.splitlines()[1:]:
        parts = line.split()
        if len(parts) >= 2 and parts[1] == "device":
            serials.append(parts[0])
    return serials


def read_device(serial: str | None = None, adb: str | None = None, timeout: float = 120) -> Iterator[
        ScanUnit | LoadIssue]:
    """Scan units from one attached device (the only one, when `serial` is None)."""
    exe = adb or shutil.which("adb")
    if not exe:
        raise SourceError(Path("adb"), "adb is not on PATH; install Android platform-tools "
                                       "(Debian: apt-get install adb) or save captures to files")
    if serial is None:
        serials = device_serials(exe)
        if len(serials) != 1:
            raise SourceError(Path("adb"), f"{len(serials)} devices ready ({', '.join(serials) or 'none'}); "
                                           "name one with --serial")
        serial = serials[0]
    for label, args, parse in COMMANDS:
        where = Path(f"adb:{serial}:{label}")
        try:
            text = _run(exe, ("-s", serial, *args), timeout)
        except SourceError as exc:
            yield LoadIssue(str(where), 0, exc.message)
            continue
        yield from parse(where, text)


def _run(exe: str, args: tuple[str, ...], timeout: float) -> str:
    try:
        done = subprocess.run([exe, *args], capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise SourceError(Path("adb"), f"`adb {' '.join(args)}` gave no answer in {timeout:.0f} s") from None
    except OSError as exc:
        raise SourceError(Path("adb"), f"could not run adb: {exc}") from None
    if done.returncode != 0:
        reason = (done.stderr or done.stdout).decode("utf-8", "replace").strip().splitlines()
        raise SourceError(Path("adb"), f"`adb {' '.join(args)}` failed (exit {done.returncode}): "
                                       f"{reason[-1] if reason else 'no message'}")
    return done.stdout.decode("utf-8", "replace")
