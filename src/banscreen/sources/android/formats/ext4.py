"""A read-only ext4 (and ext2/ext3) reader for firmware partition images: it walks the
directory tree and reads the files a scan needs, in memory, from any random-access byte
source (a raw image file, or an Android sparse image through android_sparse.py). Nothing
is mounted, extracted or run, and a hostile image cannot make it loop, recurse without
end or read past its limits: every offset, count and size is checked.

Covers what Android's make_ext4fs and e2fsprogs' mke2fs write: extent trees and classic
block maps, 32- and 64-bit group descriptors, hashed (htree) directories read linearly,
sparse files. Not covered: inline data and encrypted files (reported, not guessed)."""

from __future__ import annotations

import stat
import struct
from dataclasses import dataclass
from typing import Callable, Iterator, Protocol

MAGIC = 0xEF53
INCOMPAT_META_BG = 0x10
INCOMPAT_64BIT = 0x80
FL_EXTENTS = 0x80000
FL_INLINE_DATA = 0x10000000
FL_ENCRYPT = 0x800
ROOT_INODE = 2
MAX_DEPTH = 64  # directory nesting
MAX_ENTRIES = 2_000_000  # directory entries walked in one image
MAX_EXTENT_DEPTH = 5


class Ext4Error(Exception):
    """An image that is not ext4, or is damaged or hostile."""


class ByteSource(Protocol):
    size: int

    def read(self, offset: int, length: int) -> bytes: ...


class FileSource:
    """A raw image file as a ByteSource."""

    def __init__(self, fh):
        self.fh = fh
        self.size = fh.seek(0, 2)

    def read(self, offset: int, length: int) -> bytes:
        self.fh.seek(offset)
        return self.fh.read(length)


@dataclass(frozen=True)
class Entry:
    path: str  # "/app/Foo/Foo.apk", from the image's root
    inode: int
    size: int


def is_ext4(source: ByteSource) -> bool:
    head = source.read(1024 + 56, 2)
    return len(head) == 2 and struct.unpack("<H", head)[0] == MAGIC


class Ext4:
    def __init__(self, source: ByteSource):
        self.src = source
        sb = source.read(1024, 1024)
        if len(sb) < 1024 or struct.unpack_from("<H", sb, 56)[0] != MAGIC:
            raise Ext4Error("not an ext2/3/4 file system (no superblock magic)")
        log_block = struct.unpack_from("<I", sb, 24)[0]
        if log_block > 6:
            raise Ext4Error(f"bad block size 2^{10 + log_block}")
        self.block_size = 1024 << log_block
        self.blocks_per_group, self.inodes_per_group = struct.unpack_from("<I", sb, 32)[0], \
            struct.unpack_from("<I", sb, 40)[0]
        self.inodes_count = struct.unpack_from("<I", sb, 0)[0]
        first_data_block = struct.unpack_from("<I", sb, 20)[0]
        rev = struct.unpack_from("<I", sb, 76)[0]
        self.inode_size = struct.unpack_from("<H", sb, 88)[0] if rev >= 1 else 128
        self.incompat = struct.unpack_from("<I", sb, 96)[0]
        if self.incompat & INCOMPAT_META_BG:
            raise Ext4Error("meta_bg group descriptor layout is not supported")
        desc_size = struct.unpack_from("<H", sb, 254)[0] if self.incompat & INCOMPAT_64BIT else 32
        if not self.inodes_per_group or self.inode_size < 128 or self.inode_size > self.block_size \
                or desc_size < 32 or desc_size > 1024:
            raise Ext4Error("superblock values out of range")
        groups = -(-self.inodes_count // self.inodes_per_group)
        if groups * desc_size > source.size:
            raise Ext4Error("more block groups than the image can hold")
        table = source.read((first_data_block + 1) * self.block_size, groups * desc_size)
        if len(table) < groups * desc_size:
            raise Ext4Error("group descriptor table truncated")
        self.inode_tables = []
        for g in range(groups):
            d = g * desc_size
            lo = struct.unpack_from("<I", table, d + 8)[0]
            hi = struct.unpack_from("<I", table, d + 0x28)[0] if desc_size >= 64 else 0
            self.inode_tables.append(lo | hi << 32)

    # --- inodes and their data -------------------------------------------------------------------

    def inode(self, number: int) -> bytes:
        if not 1 <= number <= self.inodes_count:
            raise Ext4Error(f"inode {number} out of range")
        group, index = divmod(number - 1, self.inodes_per_group)
        raw = self._read(self.inode_tables[group] * self.block_size + index * self.inode_size, self.inode_size)
        if len(raw) < 128:
            raise Ext4Error(f"inode {number} lies past the end of the image")
        return raw

    @staticmethod
    def mode(raw: bytes) -> int:
        return struct.unpack_from("<H", raw, 0)[0]

    @staticmethod
    def size(raw: bytes) -> int:
        return struct.unpack_from("<I", raw, 4)[0] | struct.unpack_from("<I", raw, 0x6C)[0] << 32

    def read_file(self, number: int, limit: int) -> bytes:
        raw = self.inode(number)
        size = self.size(raw)
        if size > limit:
            raise Ext4Error(f"inode {number} holds {size:,} bytes, over the limit of {limit:,}")
        flags = struct.unpack_from("<I", raw, 0x20)[0]
        if flags & FL_INLINE_DATA:
            raise Ext4Error(f"inode {number} keeps its data inline (not supported)")
        if flags & FL_ENCRYPT:
            raise Ext4Error(f"inode {number} is encrypted")
        bs = self.block_size
        out = bytearray(size)
        n_blocks = -(-size // bs)
        i_block = raw[0x28:0x28 + 60]
        runs = self._extents(i_block, 0) if flags & FL_EXTENTS else _coalesce(self._block_map(i_block, n_blocks))
        for logical, physical, count, zeroed in runs:
            if logical >= n_blocks:
                continue
            count = min(count, n_blocks - logical)
            if zeroed:
                continue  # uninitialised extent: reads as zeros, like a hole
            start = logical * bs
            length = min(count * bs, size - start)
            data = self._read(physical * bs, length)
            if len(data) < length:
                raise Ext4Error(f"inode {number}: data block {physical} lies past the end of the image")
            out[start:start + length] = data
        return bytes(out)

    def _extents(self, node: bytes, depth: int) -> Iterator[tuple[int, int, int, bool]]:
        if depth > MAX_EXTENT_DEPTH:
            raise Ext4Error("extent tree too deep")
        magic, entries, _, tree_depth = struct.unpack_from("<HHHH", node, 0)
        if magic != 0xF30A or 12 + 12 * entries > len(node):
            raise Ext4Error("damaged extent tree")
        for k in range(entries):
            e = 12 + 12 * k
            if tree_depth == 0:
                logical, length, start_hi, start_lo = struct.unpack_from("<IHHI", node, e)
                zeroed = length > 32768
                yield logical, start_lo | start_hi << 32, length - 32768 if zeroed else length, zeroed
            else:
                _, leaf_lo, leaf_hi = struct.unpack_from("<IIH", node, e)
                yield from self._extents(self._read((leaf_lo | leaf_hi << 32) * self.block_size, self.block_size),
                                         depth + 1)

    def _block_map(self, i_block: bytes, n_blocks: int) -> Iterator[tuple[int, int, int, bool]]:
        """ext2/ext3 block maps: 12 direct blocks, then single, double and triple indirect."""
        pointers = struct.unpack("<15I", i_block)
        per_block = self.block_size // 4
        logical = 0
        for p in pointers[:12]:
            if logical >= n_blocks:
                return
            if p:
                yield logical, p, 1, False
            logical += 1
        for level, p in enumerate(pointers[12:], 1):
            span = per_block ** level
            if logical >= n_blocks:
                return
            if p:
                yield from self._indirect(p, level, logical, n_blocks)
            logical += span

    def _indirect(self, block: int, level: int, logical: int, n_blocks: int) -> Iterator[tuple[int, int, int, bool]]:
        pointers = struct.unpack(f"<{self.block_size // 4}I", self._read(block * self.block_size, self.block_size))
        span = (self.block_size // 4) ** (level - 1)
        for p in pointers:
            if logical >= n_blocks:
                return
            if p:
                if level == 1:
                    yield logical, p, 1, False
                else:
                    yield from self._indirect(p, level - 1, logical, n_blocks)
            logical += span

    def _read(self, offset: int, length: int) -> bytes:
        if offset < 0 or offset + length > self.src.size:
            raise Ext4Error(f"a block at byte {offset:,} lies past the end of the image ({self.src.size:,} bytes)")
        return self.src.read(offset, length)

    # --- directories -------------------------------------------------------------------------------

    def list_dir(self, number: int, name: str = "", limit: int = 64 * 2**20) -> list[tuple[str, int]]:
        """(name, inode) of a directory's entries but . and .., read linearly: hashed
        (htree) directories keep their index in entries that span whole blocks with
        inode 0, which a linear read skips, as it skips checksum tails."""
        data = self.read_file(number, limit)
        pos, children = 0, []
        while pos + 8 <= len(data):
            child, rec_len, name_len, _ = struct.unpack_from("<IHBB", data, pos)
            if rec_len < 8 or pos + rec_len > len(data) or 8 + name_len > rec_len:
                raise Ext4Error(f"damaged directory entry in {name or number} at byte {pos}")
            entry = data[pos + 8:pos + 8 + name_len].decode("utf-8", errors="replace")
            pos += rec_len
            if child and entry not in (".", ".."):
                children.append((entry, child))
        return children

    def walk(self, want: Callable[[str], bool], dir_limit: int = 64 * 2**20) -> Iterator[Entry]:
        """Regular files whose path `want` accepts, depth first, each directory once."""
        seen = {ROOT_INODE}
        stack = [("", ROOT_INODE, 0)]
        walked = 0
        while stack:
            prefix, number, depth = stack.pop()
            children = self.list_dir(number, prefix or "/", dir_limit)
            walked += len(children)
            if walked > MAX_ENTRIES:
                raise Ext4Error(f"more than {MAX_ENTRIES:,} directory entries")
            subdirs = []
            for name, child in sorted(children):
                path = f"{prefix}/{name}"
                raw = self.inode(child)
                mode = self.mode(raw)
                if stat.S_ISDIR(mode):
                    if child in seen or depth + 1 > MAX_DEPTH:
                        continue  # a hard-linked directory loop, or absurd nesting: walk once
                    seen.add(child)
                    subdirs.append((path, child, depth + 1))
                elif stat.S_ISREG(mode) and want(path):
                    yield Entry(path, child, self.size(raw))
            stack.extend(reversed(subdirs))  # so that they are walked in name order


def _coalesce(runs: Iterator[tuple[int, int, int, bool]]) -> Iterator[tuple[int, int, int, bool]]:
    """Block-map runs are one block each; adjacent ones become one read."""
    current = None
    for run in runs:
        if current and not run[3] and not current[3] and run[0] == current[0] + current[2] \
                and run[1] == current[1] + current[2]:
            current = (current[0], current[1], current[2] + run[2], False)
            continue
        if current:
            yield current
        current = run
    if current:
        yield current
