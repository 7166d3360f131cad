"""EROFS partition images (most phones since Android 13, usually LZ4-compressed), read
through erofs-utils' fsck.erofs: unpacked into a private temp folder under size limits,
then walked as a firmware tree without following links."""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import tempfile
import time
from pathlib import Path, PurePosixPath
from typing import Iterator

from banscreen.model import LoadIssue
from banscreen.sources.android.formats import sparse as android_sparse
from banscreen.sources.android.limits import MAX_IMAGE
from banscreen.sources.android.trees import firmware_units

EROFS_MAGIC = 0xE0F5E1E2
MAX_EROFS_UNPACKED = 32 * 2**30  # an EROFS image unpacked; also at most 8 times its size


def image_name(label: str) -> str:
    """An image's own name from its evidence label (zip!/dir/system.img, payload.bin!vendor.img)."""
    return PurePosixPath(label.rsplit("!", 1)[-1]).name


def read_sparse_erofs(source: android_sparse.SparseImage, label: str) -> Iterator:
    """An EROFS image in Android's sparse format, expanded into a private temp file."""
    if source.size > MAX_IMAGE:
        yield LoadIssue(label, 0, f"sparse image expands to {source.size:,} bytes, over {MAX_IMAGE:,}: refused")
        return
    with tempfile.TemporaryDirectory(prefix="banscreen-simg-") as tmp:
        raw = Path(tmp) / "partition.img"
        with raw.open("wb") as out:
            for offset in range(0, source.size, 1 << 20):
                out.write(source.read(offset, min(1 << 20, source.size - offset)))
        yield from read_erofs(raw, label)


def read_erofs(path: Path, label: str) -> Iterator:
    """An EROFS image (most phones since Android 13, usually LZ4-compressed): unpacked by
    erofs-utils' fsck.erofs into a private temp folder, which is then walked like a
    firmware tree without following links. A watchdog stops the unpacking past a size
    limit (compressed images can expand a lot), and each file is capped by RLIMIT_FSIZE."""
    tool = shutil.which("fsck.erofs") or shutil.which("fsck.erofs", path="/usr/sbin:/sbin:/usr/bin")
    if tool is None:
        yield LoadIssue(label, 0, "EROFS partition image: install erofs-utils (fsck.erofs) to read it, or unpack "
                                  "it elsewhere and scan the folder")
        return
    limit = min(max(8 * path.stat().st_size, 2**30), MAX_EROFS_UNPACKED)

    def cap_file_size():
        resource.setrlimit(resource.RLIMIT_FSIZE, (MAX_IMAGE, MAX_IMAGE))

    with tempfile.TemporaryDirectory(prefix="banscreen-erofs-") as tmp:
        out = Path(tmp) / "root"
        # stderr to a file, not a pipe: nothing reads a pipe while the watchdog polls, and
        # a damaged image's stream of messages would fill it and stall the unpacking
        with (Path(tmp) / "stderr").open("w+b") as log:
            proc = subprocess.Popen([tool, f"--extract={out}", "--no-preserve", str(path)],
                                    stdout=subprocess.DEVNULL, stderr=log, preexec_fn=cap_file_size)
            too_big = False
            while proc.poll() is None:
                time.sleep(0.2)
                if _tree_size(out) > limit:
                    proc.kill()
                    too_big = True
            proc.wait()
            log.seek(max(0, log.seek(0, 2) - 65536))  # the end holds the message that counts
            err = log.read().decode("utf-8", "replace").strip()
        if too_big or _tree_size(out) > limit:  # (a fast unpacking may end between two looks)
            yield LoadIssue(label, 0, f"EROFS image unpacks past {limit:,} bytes: refused (size limits)")
            return
        if proc.returncode != 0:
            yield LoadIssue(label, 0, f"EROFS image not read: fsck.erofs failed ({proc.returncode}): "
                                      f"{err.splitlines()[-1] if err else 'no message'}")
            return
        yield from firmware_units(out, label, in_image=image_name(label))


def _tree_size(root: Path) -> int:
    total = 0
    for folder, _, files in os.walk(root, followlinks=False):
        for name in files:
            try:
                total += os.lstat(os.path.join(folder, name)).st_size
            except OSError:
                pass
    return total
