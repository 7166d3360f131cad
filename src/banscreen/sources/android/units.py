"""Scan units made from APK files: the one place an APK's facts become observations."""

from __future__ import annotations

from pathlib import Path

from banscreen.model import LoadIssue, Observation, ScanUnit
from banscreen.sources.android.formats.apk import ApkError, read_apk


def apk_unit(source: Path | bytes, label: str, where: str, system: str | None = None) -> ScanUnit | LoadIssue:
    """One APK's facts, or its error: a hostile or broken APK is reported, never run.
    `system` says why it counts as a system app (where it is installed), if it does."""
    try:
        info = read_apk(source)
    except ApkError as exc:
        return LoadIssue(label, 0, f"APK not read: {exc}")
    obs = info.observations(where)
    if system:
        obs = (*obs, Observation("flag", "SYSTEM", system))
    return ScanUnit(label, 0, info.package, obs)
