"""Firmware image files, scanned like an unpacked firmware tree: every APK and build.prop
inside becomes a scan unit.

- partition images (system.img, vendor.img, product.img, ...): ext2/3/4, raw or in
  Android's sparse format, read in place by ext4.py and android_sparse.py;
- firmware zips: factory images, OTA target-files and full OTA packages, holding APKs,
  build.prop files, partition images or further zips (two levels, as factory images
  nest an image zip). Partition images inside are streamed to a private temp file,
  under size limits; member names never become file names;
- EROFS partition images (most phones since Android 13), through erofs-utils'
  fsck.erofs when it is installed (reported as unreadable when it is not).

- block-based OTA packages (Android 5 to 9): system.new.dat[.br] with its transfer list,
  rebuilt into a private temp file by block_ota.py;
- A/B OTA payloads (payload.bin, in an OTA zip or alone): full payloads' system,
  vendor and product partitions rebuilt by ab_payload.py; incremental ones reported."""

from __future__ import annotations

import re
import struct
import tempfile
from pathlib import Path, PurePosixPath
from typing import BinaryIO, Callable, Iterator

from banscreen.model import LoadIssue
from banscreen.sources import android_sparse, ext4
from banscreen.sources.apk import MAX_MEMBER as MAX_APK
from banscreen.sources.safezip import DAMAGED, SafeZip

MAX_IMAGE = 16 * 2**30  # one partition image, unpacked from a zip
MAX_FIRMWARE_TOTAL = 64 * 2**30
MAX_EROFS_UNPACKED = 32 * 2**30  # an EROFS image unpacked; also at most 8 times its size
MAX_ZIP_DEPTH = 2
EROFS_MAGIC = 0xE0F5E1E2
PARTITION_IMAGE = re.compile(r"(?:^|/)(?:system|system_ext|vendor|product|odm|oem)(?:_[ab])?\.img$", re.I)
PARTITION_DIRS = {"system", "system_ext", "vendor", "product", "odm", "oem"}


class FirmwareError(Exception):
    """A firmware zip that must not, or cannot, be read."""


def image_kind(head: bytes) -> str | None:
    """'sparse', 'ext4', 'erofs' or None, from a file's first 2 KiB."""
    if android_sparse.is_sparse(head):
        return "sparse"
    if len(head) >= 1024 + 58 and struct.unpack_from("<H", head, 1024 + 56)[0] == ext4.MAGIC:
        return "ext4"
    if len(head) >= 1028 and struct.unpack_from("<I", head, 1024)[0] == EROFS_MAGIC:
        return "erofs"
    return None


def _image_name(label: str) -> str:
    """An image's own name from its evidence label (zip!/dir/system.img, payload.bin!vendor.img)."""
    return PurePosixPath(label.rsplit("!", 1)[-1]).name


def _wanted(path: str) -> bool:
    return path.endswith(".apk") or path.rsplit("/", 1)[-1] == "build.prop"


def read_image(path: Path, label: str | None = None) -> Iterator:
    """Scan units of one partition image; `label` names it in evidence (for an image
    from a zip: zip!/member)."""
    from banscreen.sources.android_captures import MAX_PROP, apk_unit, props_units

    label = label or str(path)
    try:
        with open(path, "rb") as fh:
            kind = image_kind(fh.read(2048))
            if kind == "erofs":
                yield from _erofs(Path(path), label)
                return
            if kind is None:
                yield LoadIssue(label, 0, "not an ext4 or Android sparse partition image")
                return
            source = android_sparse.SparseImage(fh) if kind == "sparse" else ext4.FileSource(fh)
            if kind == "sparse" and image_kind(source.read(0, 2048)) == "erofs":
                yield from _sparse_erofs(source, label)  # fsck.erofs reads raw images only
                return
            fs = ext4.Ext4(source)
            for entry in fs.walk(_wanted):
                where = f"{label}!{entry.path}"
                try:
                    if entry.path.endswith(".apk"):
                        data = fs.read_file(entry.inode, MAX_APK)
                        yield apk_unit(data, where, where, f"in partition image {_image_name(label)}")
                    else:
                        yield from props_units(where, fs.read_file(entry.inode, MAX_PROP).decode("utf-8", "replace"))
                except ext4.Ext4Error as exc:
                    yield LoadIssue(where, 0, f"not read: {exc}")
    except (ext4.Ext4Error, android_sparse.SparseError) as exc:
        yield LoadIssue(label, 0, f"partition image not read: {exc}")
    except OSError as exc:
        yield LoadIssue(label, 0, f"cannot be read: {exc.strerror or exc}")


def read_zip(source: Path | BinaryIO, label: str, depth: int = 0) -> Iterator:
    """Scan units of a firmware zip; nested zips and partition images recurse."""
    from banscreen.sources.android_captures import MAX_PROP, apk_unit, props_units

    try:
        archive = SafeZip(source, MAX_IMAGE, MAX_FIRMWARE_TOTAL, FirmwareError)
    except FirmwareError as exc:
        yield LoadIssue(label, 0, f"firmware zip not read: {exc}")
        return
    with archive:
        for name in sorted(archive.names()):
            where, low = f"{label}!/{name}", name.lower()
            parts = PurePosixPath(low).parts
            try:
                if low.endswith(".apk"):
                    in_partition = bool(parts) and parts[0] in PARTITION_DIRS
                    yield apk_unit(archive.read(name, MAX_APK), where, where,
                                   f"under /{parts[0]} in the firmware" if in_partition else None)
                elif parts and parts[-1] == "build.prop":
                    yield from props_units(where, archive.read(name, MAX_PROP).decode("utf-8", "replace"))
                elif low.endswith(".zip") and depth >= MAX_ZIP_DEPTH:
                    yield LoadIssue(where, 0, f"a zip nested more than {MAX_ZIP_DEPTH} levels deep: not opened")
                elif low.endswith(".zip"):
                    yield from _extracted(archive, name, read_zip, where, depth + 1)
                elif PARTITION_IMAGE.search(low):
                    yield from _extracted(archive, name, read_image, where)
                elif parts and parts[-1] == "payload.bin":
                    yield from _extracted(archive, name, read_payload, where)
                elif re.search(r"\.new\.dat(\.br)?$", low):
                    yield from _block_ota(archive, name, where)
            except FirmwareError as exc:
                yield LoadIssue(where, 0, f"not read: {exc}")


def _extracted(archive: SafeZip, name: str, read: Callable[..., Iterator], *args) -> Iterator:
    """`read(member, *args)`'s units, the zip member streamed, under the archive's limits,
    into a private temp file whose name is ours, never the member's."""
    with tempfile.TemporaryDirectory(prefix="banscreen-fw-") as tmp:
        member = Path(tmp) / "member"
        with member.open("wb") as out:
            archive.extract_to(name, out)
        yield from read(member, *args)


def read_payload(path: Path, label: str) -> Iterator:
    """An A/B OTA payload's app-bearing partitions, each rebuilt into a private temp file
    and read as a partition image; boot, vbmeta and the like hold no apps and are skipped."""
    from banscreen.sources.ab_payload import PayloadError, read_header, rebuild

    try:
        with open(path, "rb") as fh:
            payload = read_header(fh)
            wanted = [p for p in payload.partitions if re.sub(r"_[ab]$", "", p.name) in PARTITION_DIRS]
            if not wanted:
                names = ", ".join(p.name for p in payload.partitions) or "none"
                yield LoadIssue(label, 0, f"A/B OTA payload without system, vendor or product partitions ({names})")
            for partition in wanted:
                where = f"{label}!{partition.name}.img"
                with tempfile.TemporaryDirectory(prefix="banscreen-payload-") as tmp:
                    image = Path(tmp) / "partition.img"
                    try:
                        with image.open("wb") as out:
                            rebuild(fh, payload, partition, out, MAX_IMAGE)
                    except PayloadError as exc:
                        yield LoadIssue(where, 0, f"A/B OTA partition not read: {exc}")
                        continue
                    yield from read_image(image, where)
    except PayloadError as exc:
        yield LoadIssue(label, 0, f"A/B OTA payload not read: {exc}")
    except OSError as exc:
        yield LoadIssue(label, 0, f"cannot be read: {exc.strerror or exc}")


def _block_ota(archive: SafeZip, name: str, where: str) -> Iterator:
    """A block-based OTA's partition (system.new.dat[.br] with system.transfer.list):
    rebuilt into a private temp file, then read as a partition image."""
    from banscreen.sources.android_captures import MAX_PROP
    from banscreen.sources.block_ota import BlockOtaError, rebuild

    prefix = re.sub(r"\.new\.dat(\.br)?$", "", name)
    transfer = prefix + ".transfer.list"
    if transfer not in archive.names():
        yield LoadIssue(where, 0, f"block-based OTA data without its transfer list ({transfer}): not read")
        return
    text = archive.read(transfer, MAX_PROP).decode("utf-8", "replace")
    with tempfile.TemporaryDirectory(prefix="banscreen-ota-") as tmp:
        image = Path(tmp) / "partition.img"
        try:
            with image.open("wb") as out, archive.zip.open(name) as data:
                rebuild(text, data, name.lower().endswith(".br"), out, MAX_IMAGE)
        except BlockOtaError as exc:
            yield LoadIssue(where, 0, f"block-based OTA not read: {exc}")
            return
        except DAMAGED as exc:
            yield LoadIssue(where, 0, f"block-based OTA not read: member damaged: {exc}")
            return
        yield from read_image(image, where)


def _sparse_erofs(source: android_sparse.SparseImage, label: str) -> Iterator:
    """An EROFS image in Android's sparse format, expanded into a private temp file."""
    if source.size > MAX_IMAGE:
        yield LoadIssue(label, 0, f"sparse image expands to {source.size:,} bytes, over {MAX_IMAGE:,}: refused")
        return
    with tempfile.TemporaryDirectory(prefix="banscreen-simg-") as tmp:
        raw = Path(tmp) / "partition.img"
        with raw.open("wb") as out:
            for offset in range(0, source.size, 1 << 20):
                out.write(source.read(offset, min(1 << 20, source.size - offset)))
        yield from _erofs(raw, label)


def _erofs(path: Path, label: str) -> Iterator:
    """An EROFS image (most phones since Android 13, usually LZ4-compressed): unpacked by
    erofs-utils' fsck.erofs into a private temp folder, which is then walked like a
    firmware tree without following links. A watchdog stops the unpacking past a size
    limit (compressed images can expand a lot), and each file is capped by RLIMIT_FSIZE."""
    import resource
    import shutil
    import subprocess
    import time

    from banscreen.sources.android_captures import firmware_units

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
        yield from firmware_units(out, label, in_image=_image_name(label))


def _tree_size(root: Path) -> int:
    import os

    total = 0
    for folder, _, files in os.walk(root, followlinks=False):
        for name in files:
            try:
                total += os.lstat(os.path.join(folder, name)).st_size
            except OSError:
                pass
    return total
