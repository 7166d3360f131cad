"""Android sparse images (the format fastboot flashes and factory images ship system.img
and vendor.img in), read in place as a random-access byte source: no unpacking to disk.
Layout (libsparse's sparse_format.h): a 28-byte header, then chunks of 12-byte headers,
each raw data, a 4-byte fill pattern, a hole ("don't care") or a CRC."""

from __future__ import annotations

import bisect
import struct

MAGIC = 0xED26FF3A
RAW, FILL, DONT_CARE, CRC32 = 0xCAC1, 0xCAC2, 0xCAC3, 0xCAC4
MAX_CHUNKS = 10_000_000


class SparseError(Exception):
    """A file that is not an Android sparse image, or a damaged one."""


def is_sparse(head: bytes) -> bool:
    return len(head) >= 4 and struct.unpack_from("<I", head)[0] == MAGIC


class SparseImage:
    """The expanded image as a ByteSource (ext4.py reads from it)."""

    def __init__(self, fh):
        self.fh = fh
        file_size = fh.seek(0, 2)
        fh.seek(0)
        head = fh.read(28)
        if len(head) < 28 or not is_sparse(head):
            raise SparseError("not an Android sparse image")
        _, major, _, file_hdr, chunk_hdr, self.block_size, total_blocks, total_chunks, _ = \
            struct.unpack("<IHHHHIIII", head)
        if major != 1 or file_hdr < 28 or chunk_hdr < 12 or not self.block_size or self.block_size % 4 \
                or total_chunks > MAX_CHUNKS:
            raise SparseError("unsupported or damaged sparse header")
        self.size = total_blocks * self.block_size
        self.starts: list[int] = []  # first block of each chunk, for bisect
        self.chunks: list[tuple[int, int, int, bytes]] = []  # (blocks, type, file offset, fill pattern)
        pos, block = file_hdr, 0
        for n in range(total_chunks):
            fh.seek(pos)
            header = fh.read(chunk_hdr)
            if len(header) < 12:
                raise SparseError(f"chunk {n} truncated")
            kind, _, blocks, total = struct.unpack_from("<HHII", header)
            body = total - chunk_hdr
            if kind == RAW and body != blocks * self.block_size or kind == FILL and body != 4 \
                    or kind not in (RAW, FILL, DONT_CARE, CRC32) or pos + total > file_size:
                raise SparseError(f"chunk {n} (type {kind:#x}) is damaged")
            fill = fh.read(4) if kind == FILL else b""
            if kind != CRC32 and blocks:
                self.starts.append(block)
                self.chunks.append((blocks, kind, pos + chunk_hdr, fill))
                block += blocks
            pos += total
        if block != total_blocks:
            raise SparseError(f"chunks cover {block} blocks, the header says {total_blocks}")

    def read(self, offset: int, length: int) -> bytes:
        out = bytearray()
        end = min(offset + length, self.size)
        while offset < end:
            i = bisect.bisect_right(self.starts, offset // self.block_size) - 1
            blocks, kind, file_off, fill = self.chunks[i]
            chunk_start = self.starts[i] * self.block_size
            within = offset - chunk_start
            n = min(end, chunk_start + blocks * self.block_size) - offset
            if kind == RAW:
                self.fh.seek(file_off + within)
                out += self.fh.read(n)
            elif kind == FILL:
                out += (fill * (-(-(within % 4 + n) // 4)))[within % 4:within % 4 + n]
            else:
                out += bytes(n)
            offset += n
        return bytes(out)
