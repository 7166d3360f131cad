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
from banscreen.sources.android.captures import MAX_PROP, props_units
from banscreen.sources.android.erofs import EROFS_MAGIC, image_name, read_erofs, read_sparse_erofs
from banscreen.sources.android.formats import ext4
from banscreen.sources.android.formats import sparse as android_sparse
from banscreen.sources.android.formats.ab_payload import PayloadError, read_header, rebuild as rebuild_payload
from banscreen.sources.android.formats.apk import MAX_MEMBER as MAX_APK
from banscreen.sources.android.formats.block_ota import BlockOtaError, rebuild as rebuild_block_ota
from banscreen.sources.android.limits import MAX_FIRMWARE_TOTAL, MAX_IMAGE
from banscreen.sources.android.trees import PARTITION_IMAGE
from banscreen.sources.android.units import apk_unit
from banscreen.sources.safezip import DAMAGED, SafeZip

MAX_ZIP_DEPTH = 2
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


def _wanted(path: str) -> bool:
    return path.endswith(".apk") or path.rsplit("/", 1)[-1] == "build.prop"


def read_image(path: Path, label: str | None = None) -> Iterator:
    """Scan units of one partition image; `label` names it in evidence (for an image
    from a zip: zip!/member)."""
    label = label or str(path)
    try:
        with open(path, "rb") as fh:
            kind = image_kind(fh.read(2048))
            if kind == "erofs":
                yield from read_erofs(Path(path), label)
                return
            if kind is None:
                yield LoadIssue(label, 0, "not an ext4 or Android sparse partition image")
                return
            source = android_sparse.SparseImage(fh) if kind == "sparse" else ext4.FileSource(fh)
            if kind == "sparse" and image_kind(source.read(0, 2048)) == "erofs":
                yield from read_sparse_erofs(source, label)  # fsck.erofs reads raw images only
                return
            fs = ext4.Ext4(source)
            for entry in fs.walk(_wanted):
                where = f"{label}!{entry.path}"
                try:
                    if entry.path.endswith(".apk"):
                        data = fs.read_file(entry.inode, MAX_APK)
                        yield apk_unit(data, where, where, f"in partition image {image_name(label)}")
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
                            rebuild_payload(fh, payload, partition, out, MAX_IMAGE)
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
                rebuild_block_ota(text, data, name.lower().endswith(".br"), out, MAX_IMAGE)
        except BlockOtaError as exc:
            yield LoadIssue(where, 0, f"block-based OTA not read: {exc}")
            return
        except DAMAGED as exc:
            yield LoadIssue(where, 0, f"block-based OTA not read: member damaged: {exc}")
            return
        yield from read_image(image, where)
