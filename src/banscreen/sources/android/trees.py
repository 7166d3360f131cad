"""Unpacked firmware trees (a factory image's folder, or a partition image unpacked by
fsck.erofs): their build.prop files and APKs as scan units. Partition images found in a
folder are named by `firmware_files` and read by the caller (images.py), so this module
never reads an image and images.py can read trees without an import circle."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Iterator

from banscreen.model import LoadIssue, ScanUnit
from banscreen.sources.android.captures import MAX_PROP, props_units
from banscreen.sources.android.units import apk_unit

PARTITION_IMAGE = re.compile(r"(?:^|/)(?:system|system_ext|vendor|product|odm|oem)(?:_[ab])?\.img$", re.I)


def firmware_files(root: Path) -> tuple[list[Path], list[Path], list[Path]]:
    """(build.prop files, APKs, partition images) under `root`, walked without following
    symbolic links: a tree unpacked from a hostile image may link to / or /dev/zero."""
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
    """The build.prop and APK units of an unpacked firmware tree (its partition images
    are the caller's: see `firmware_files`). `label` names the tree in evidence; for a
    tree unpacked from a partition image (`in_image`), every APK is a system app."""
    props, apks, _ = firmware_files(root)
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
