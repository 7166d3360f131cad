"""A/B OTA payloads (`payload.bin`, update_engine's format, Android 8 onwards): a header
(`CrAU`, version, manifest size, metadata-signature size), a protobuf manifest listing
each partition's install operations, then the data blobs. A full OTA writes every
partition with REPLACE (raw), REPLACE_BZ (bzip2) or REPLACE_XZ (xz) blobs and ZERO or
DISCARD ranges; each partition is rebuilt into a private temp file under a size limit
and read as a partition image. Operations that need the previous image (incremental
OTAs: SOURCE_COPY, *BSDIFF, PUFFDIFF, ZUCCHINI) and REPLACE_ZSTD are reported.

The manifest is read with a small protobuf wire-format reader: only the fields used
here (DeltaArchiveManifest.block_size = 3, partitions = 13; PartitionUpdate.partition_name
= 1, new_partition_info = 7 (PartitionInfo.size = 1), operations = 8; InstallOperation
.type = 1, data_offset = 2, data_length = 3, dst_extents = 6; Extent.start_block = 1,
num_blocks = 2)."""

from __future__ import annotations

import bz2
import lzma
import struct
from dataclasses import dataclass, field
from typing import BinaryIO

from banscreen.sources.android.formats.binary import uleb128

MAGIC = b"CrAU"
MAX_MANIFEST = 64 * 2**20
REPLACE, REPLACE_BZ, ZERO, DISCARD, REPLACE_XZ = 0, 1, 6, 7, 8
NAMES = {0: "REPLACE", 1: "REPLACE_BZ", 2: "MOVE", 3: "BSDIFF", 4: "SOURCE_COPY", 5: "SOURCE_BSDIFF", 6: "ZERO",
         7: "DISCARD", 8: "REPLACE_XZ", 9: "PUFFDIFF", 10: "BROTLI_BSDIFF", 11: "ZUCCHINI", 12: "LZ4DIFF_BSDIFF",
         13: "LZ4DIFF_PUFFDIFF", 14: "REPLACE_ZSTD"}


class PayloadError(Exception):
    """A payload that cannot be, or must not be, turned into partition images."""


@dataclass
class Operation:
    type: int = 0
    data_offset: int = 0
    data_length: int = 0
    dst_extents: list[tuple[int, int]] = field(default_factory=list)


@dataclass
class Partition:
    name: str = ""
    size: int = 0
    operations: list[Operation] = field(default_factory=list)


@dataclass
class Payload:
    block_size: int
    partitions: list[Partition]
    data_start: int  # file offset of the first data blob


def _fields(buf: bytes):
    """(field number, wire type, value) of a protobuf message; value is an int for
    varints and fixed numbers, bytes for length-delimited fields."""
    pos = 0
    while pos < len(buf):
        key, pos = _varint(buf, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _varint(buf, pos)
        elif wire == 1:
            if pos + 8 > len(buf):
                raise PayloadError("manifest truncated")
            value, pos = struct.unpack_from("<Q", buf, pos)[0], pos + 8
        elif wire == 2:
            n, pos = _varint(buf, pos)
            if pos + n > len(buf):
                raise PayloadError("manifest field runs past its message")
            value, pos = buf[pos:pos + n], pos + n
        elif wire == 5:
            if pos + 4 > len(buf):
                raise PayloadError("manifest truncated")
            value, pos = struct.unpack_from("<I", buf, pos)[0], pos + 4
        else:
            raise PayloadError(f"manifest has an unknown protobuf wire type {wire}")
        yield number, wire, value


def _varint(buf: bytes, pos: int) -> tuple[int, int]:
    try:
        return uleb128(buf, pos, 10)
    except EOFError:
        raise PayloadError("manifest truncated") from None
    except ValueError:
        raise PayloadError("manifest has a malformed varint") from None


def _typed(wire: int, value, expect: int, what: str):
    if wire != expect:
        raise PayloadError(f"manifest field {what} has the wrong type")
    return value


def read_header(fh: BinaryIO) -> Payload:
    head = fh.read(24)
    if len(head) < 20 or not head.startswith(MAGIC):
        raise PayloadError("not an A/B OTA payload (no CrAU header)")
    version, manifest_size = struct.unpack(">QQ", head[4:20])
    if version not in (1, 2):
        raise PayloadError(f"payload version {version} is unknown (1 and 2 are)")
    if version == 2 and len(head) < 24:
        raise PayloadError("header truncated")
    signature_size = struct.unpack(">I", head[20:24])[0] if version == 2 else 0
    header_size = 24 if version == 2 else 20
    if manifest_size > MAX_MANIFEST:
        raise PayloadError(f"manifest of {manifest_size:,} bytes: over the limit")
    fh.seek(header_size)
    manifest = fh.read(manifest_size)
    if len(manifest) < manifest_size:
        raise PayloadError("manifest truncated")
    block_size, partitions = 4096, []
    for number, wire, value in _fields(manifest):
        if number == 3:
            block_size = _typed(wire, value, 0, "block_size")
        elif number == 13:
            partitions.append(_partition(_typed(wire, value, 2, "partitions")))
    if block_size not in (512, 1024, 2048, 4096, 8192, 16384, 32768, 65536):
        raise PayloadError(f"block size {block_size} is not a power of two from 512 to 64 KiB")
    return Payload(block_size, partitions, header_size + manifest_size + signature_size)


def _partition(buf: bytes) -> Partition:
    p = Partition()
    for number, wire, value in _fields(buf):
        if number == 1:
            p.name = _typed(wire, value, 2, "partition_name").decode("utf-8", "replace")
        elif number == 7:
            for n, w, v in _fields(_typed(wire, value, 2, "new_partition_info")):
                if n == 1:
                    p.size = _typed(w, v, 0, "size")
        elif number == 8:
            p.operations.append(_operation(_typed(wire, value, 2, "operations")))
    return p


def _operation(buf: bytes) -> Operation:
    op = Operation()
    for number, wire, value in _fields(buf):
        if number == 1:
            op.type = _typed(wire, value, 0, "type")
        elif number == 2:
            op.data_offset = _typed(wire, value, 0, "data_offset")
        elif number == 3:
            op.data_length = _typed(wire, value, 0, "data_length")
        elif number == 6:
            start = count = 0
            for n, w, v in _fields(_typed(wire, value, 2, "dst_extents")):
                if n == 1:
                    start = _typed(w, v, 0, "start_block")
                elif n == 2:
                    count = _typed(w, v, 0, "num_blocks")
            op.dst_extents.append((start, count))
    return op


def rebuild(fh: BinaryIO, payload: Payload, partition: Partition, out: BinaryIO, limit: int) -> None:
    """Writes one partition's image to `out` from a full payload."""
    bs = payload.block_size
    size = partition.size or max((a + n) * bs for op in partition.operations for a, n in op.dst_extents or [(0, 0)])
    if size > limit:
        raise PayloadError(f"partition {partition.name} is {size:,} bytes, over the limit of {limit:,}")
    out.truncate(size)
    for k, op in enumerate(partition.operations):
        if op.type in (ZERO, DISCARD):
            continue  # the file is sparse: unwritten blocks read as zeros
        if op.type not in (REPLACE, REPLACE_BZ, REPLACE_XZ):
            kind = NAMES.get(op.type, str(op.type))
            raise PayloadError(f"partition {partition.name}, operation {k}: {kind} "
                               + ("is not supported" if op.type == 14 else
                                  "patches the previous image: an incremental OTA"))
        wanted = sum(n for _, n in op.dst_extents) * bs
        if any((a + n) * bs > size for a, n in op.dst_extents) or op.data_length > limit:
            raise PayloadError(f"partition {partition.name}, operation {k}: writes past the partition")
        fh.seek(payload.data_start + op.data_offset)
        blob = fh.read(op.data_length)
        if len(blob) < op.data_length:
            raise PayloadError(f"partition {partition.name}, operation {k}: the data ends early")
        try:
            if op.type == REPLACE_BZ:
                data = bz2.BZ2Decompressor().decompress(blob, max_length=wanted)
            elif op.type == REPLACE_XZ:
                data = lzma.LZMADecompressor().decompress(blob, max_length=wanted)
            else:
                data = blob
        except (OSError, lzma.LZMAError, ValueError, EOFError) as exc:
            raise PayloadError(f"partition {partition.name}, operation {k}: damaged data: {exc}") from None
        pos = 0
        for a, n in op.dst_extents:
            out.seek(a * bs)
            out.write(data[pos:pos + n * bs])
            pos += n * bs
