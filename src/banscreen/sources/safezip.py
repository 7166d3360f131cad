"""Zip archives from untrusted hands (APKs, firmware zips), opened with checks before any
member is read: no member may leave the archive (path traversal), none may unpack past an
absolute size or a compression ratio (zip bombs), and the total unpacked is capped.
Members are read into memory or streamed into a file the caller owns (a temp dir)."""

from __future__ import annotations

import zipfile
import zlib
from pathlib import Path
from typing import BinaryIO, Type

MAX_RATIO = 200
# What a damaged member can raise from zipfile: bad headers and CRCs, a corrupt deflate
# stream (zlib.error), an unknown compression method, an encrypted member (RuntimeError).
DAMAGED = (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, zlib.error,
           NotImplementedError, RuntimeError)


class ArchiveError(Exception):
    """A zip that must not, or cannot, be read."""


class SafeZip:
    def __init__(self, source: Path | BinaryIO, max_member: int, max_total: int,
                 error: Type[Exception] = ArchiveError):
        self.error, self.max_member, self.max_total, self.total = error, max_member, max_total, 0
        try:
            self.zip = zipfile.ZipFile(source)
        except DAMAGED as exc:
            raise error(f"not a readable zip archive: {exc}") from None
        for info in self.zip.infolist():
            name = info.filename
            if name.startswith(("/", "\\")) or ".." in Path(name.replace("\\", "/")).parts or ":" in name[:3]:
                raise error(f"refused: member {name!r} leaves the archive (path traversal)")
            if info.file_size > max_member or info.file_size > MAX_RATIO * max(info.compress_size, 1) + 4096:
                raise error(f"refused: member {name!r} would unpack to {info.file_size:,} bytes from "
                            f"{info.compress_size:,} (zip bomb limits)")

    def names(self) -> list[str]:
        return self.zip.namelist()

    def size(self, name: str) -> int:
        return self.zip.getinfo(name).file_size

    def read(self, name: str, limit: int | None = None) -> bytes:
        """A member's bytes, at most `limit` (default: the member limit); the declared
        sizes are checked up front, the real ones here."""
        limit = self.max_member if limit is None else min(limit, self.max_member)
        if self.size(name) > limit:
            raise self.error(f"refused: member {name!r} holds {self.size(name):,} bytes, over {limit:,}")
        try:
            with self.zip.open(name) as fh:
                data = fh.read(limit + 1)
        except DAMAGED as exc:
            raise self.error(f"member {name!r} is damaged: {exc}") from None
        if len(data) > limit:
            raise self.error(f"refused: member {name!r} unpacks past {limit:,} bytes")
        self._count(name, len(data))
        return data

    def extract_to(self, name: str, target: BinaryIO) -> None:
        """Streams a member into `target`, stopping at the limits whatever the header says."""
        written = 0
        try:
            with self.zip.open(name) as fh:
                while chunk := fh.read(1 << 20):
                    written += len(chunk)
                    self._count(name, len(chunk))
                    if written > self.max_member:
                        raise self.error(f"refused: member {name!r} unpacks past {self.max_member:,} bytes")
                    target.write(chunk)
        except DAMAGED as exc:
            raise self.error(f"member {name!r} is damaged: {exc}") from None

    def _count(self, name: str, n: int) -> None:
        self.total += n
        if n > self.max_member or self.total > self.max_total:
            raise self.error(f"refused: unpacked data passed the limits reading {name!r}")

    def close(self) -> None:
        self.zip.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


