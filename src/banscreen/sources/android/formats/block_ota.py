"""Block-based OTA packages: the full OTA zips of Android 5 to 9 (the years of the ADUPS
findings) carry each partition as `system.transfer.list` plus `system.new.dat`, brotli-
compressed as `system.new.dat.br` since Android 7. The transfer list says which 4 KiB
blocks of the partition the data stream fills, in order (`new` commands); the rest is
zeros. The image is rebuilt block by block into a private temp file, under a size
limit, then read like any partition image. Incremental OTAs (`move`, `bsdiff`,
`imgdiff`, `stash`) patch a previous image this package does not hold: reported."""

from __future__ import annotations

from typing import BinaryIO

BLOCK = 4096
INCREMENTAL = {"move", "bsdiff", "imgdiff", "stash", "free"}
CHUNK = 1 << 20


class BlockOtaError(Exception):
    """A transfer list or data stream that cannot be, or must not be, turned into an image."""


def parse_transfer_list(text: str) -> tuple[list[tuple[int, int]], int]:
    """([start, end) block ranges the data fills, in stream order], blocks in the image)."""
    lines = [line.strip() for line in text.splitlines()]
    try:
        version = int(lines[0])
        int(lines[1])
    except (IndexError, ValueError):
        raise BlockOtaError("not a transfer list: it starts with a version and a block count") from None
    if not 1 <= version <= 4:
        raise BlockOtaError(f"transfer list version {version} is unknown (1 to 4 are)")
    new: list[tuple[int, int]] = []
    end = 0
    for n, line in enumerate(lines[2 if version == 1 else 4:], 3 if version == 1 else 5):
        if not line:
            continue
        command, *args = line.split()
        if command in INCREMENTAL:
            raise BlockOtaError(f"line {n}: '{command}': an incremental OTA, which patches an image this "
                                "package does not hold")
        if command not in ("new", "zero", "erase"):
            raise BlockOtaError(f"line {n}: unknown command {command!r}")
        if not args:
            raise BlockOtaError(f"line {n}: '{command}' without a range set")
        ranges = _range_set(args[0], n)
        end = max([end, *(b for _, b in ranges)])
        if command == "new":
            new += ranges
    return new, end


def _range_set(text: str, line: int) -> list[tuple[int, int]]:
    try:
        numbers = [int(x) for x in text.split(",")]
    except ValueError:
        raise BlockOtaError(f"line {line}: range set {text[:40]!r} is not numbers") from None
    if not numbers or numbers[0] != len(numbers) - 1 or numbers[0] % 2:
        raise BlockOtaError(f"line {line}: range set {text[:40]!r} does not hold the count it declares")
    pairs = list(zip(numbers[1::2], numbers[2::2]))
    if any(a < 0 or b <= a for a, b in pairs):
        raise BlockOtaError(f"line {line}: range set {text[:40]!r} has an empty or reversed range")
    return pairs


class _DataStream:
    """The data stream, decompressed in bounded steps: brotli never hands back more than
    CHUNK bytes at a time, so a bomb costs time until the size limit stops it, not memory."""

    def __init__(self, fh: BinaryIO, brotli_compressed: bool):
        import brotli

        self.fh, self.buffer = fh, bytearray()
        self.decoder = brotli.Decompressor() if brotli_compressed else None
        self.error = brotli.error

    def read(self, n: int) -> bytes:
        while len(self.buffer) < n:
            if self.decoder is None:
                chunk = self.fh.read(CHUNK)
                if not chunk:
                    break
                self.buffer += chunk
                continue
            try:
                data = self.fh.read(1 << 16) if self.decoder.can_accept_more_data() else b""
                if not data and self.decoder.is_finished():
                    break
                out = self.decoder.process(data, output_buffer_limit=CHUNK)
                if not data and not out:
                    break  # input used up, nothing more to give: the stream was cut short
            except self.error as exc:
                raise BlockOtaError(f"the brotli data is damaged: {exc}") from None
            self.buffer += out
        data = bytes(self.buffer[:n])
        del self.buffer[:n]
        return data


def rebuild(transfer_list: str, data: BinaryIO, brotli_compressed: bool, out: BinaryIO, limit: int) -> int:
    """Writes the partition image to `out`; returns its size."""
    ranges, blocks = parse_transfer_list(transfer_list)
    size = blocks * BLOCK
    if size > limit:
        raise BlockOtaError(f"the transfer list describes a {size:,}-byte image, over the limit of {limit:,}")
    out.truncate(size)  # a sparse file: blocks never written read as zeros
    stream = _DataStream(data, brotli_compressed)
    for a, b in ranges:
        out.seek(a * BLOCK)
        left = (b - a) * BLOCK
        while left:
            chunk = stream.read(min(left, CHUNK))
            if not chunk:
                raise BlockOtaError(f"the data ends before block {b - left // BLOCK} that the transfer list fills")
            out.write(chunk)
            left -= len(chunk)
    return size
