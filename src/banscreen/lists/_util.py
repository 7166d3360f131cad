"""Small helpers shared by the list loaders."""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import re
from pathlib import Path

from banscreen.lists.interface import ListError
from banscreen.model import LoadIssue


def read_text(path: Path, issues: list[LoadIssue]) -> str:
    """A list file's text: gzip-aware, UTF-8, falling back to Windows-1252 with an issue
    (OFAC and BIS files have been published in both)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ListError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as exc:
            raise ListError(f"{path}: damaged gzip file: {exc}") from exc
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        issues.append(LoadIssue(str(path), line, "not valid UTF-8; the file was read as Windows-1252"))
        return data.decode("cp1252", errors="replace")


def head_bytes(path: Path, size: int = 4096) -> bytes:
    """The first bytes of a file, decompressed if it is gzip; b"" if unreadable."""
    try:
        with path.open("rb") as fh:
            head = fh.read(size)
        if head[:2] == b"\x1f\x8b":
            with gzip.open(path, "rb") as gz:
                head = gz.read(size)
    except (OSError, EOFError):
        return b""
    return head


def parse_date(text: str, formats: tuple[str, ...] = ("%Y-%m-%d",)) -> dt.date | None:
    """A date, or None for an empty field; ValueError for one that is not a date."""
    text = text.strip()
    if not text:
        return None
    for fmt in formats:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"not a date: {text!r}")


def plausible(d: dt.date | None) -> bool:
    """Real list files carry typos such as 3033-09-30 or 0210-06-21."""
    return d is not None and dt.date(1940, 1, 1) <= d <= dt.date.today() + dt.timedelta(days=366 * 60)


def stable_id(*parts: str) -> str:
    """An id for entries whose list gives none: stable across versions while the entry's
    identifying fields stay the same, so that diffs and decisions can follow it."""
    digest = hashlib.sha1("\x1f".join(p.strip().lower() for p in parts).encode("utf-8")).hexdigest()
    return "h" + digest[:12]


_SPACES = re.compile(r"\s+")


def clean(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def split_multi(text: str, sep: str = ";") -> tuple[str, ...]:
    out: list[str] = []
    for part in text.split(sep):
        part = clean(part)
        if part and part not in out:
            out.append(part)
    return tuple(out)


MAX_UNZIPPED = 1 << 30  # 1 GiB
MAX_RATIO = 200  # uncompressed / compressed: more is a zip bomb, not a list


def read_zip_member(path: Path, suffix: str) -> tuple[str, bytes]:
    """The one member of a ZIP archive whose name ends with `suffix`, read in memory:
    refused when its name climbs out of the archive, or its size or compression
    ratio says zip bomb."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as z:
            members = [i for i in z.infolist() if i.filename.lower().endswith(suffix.lower())]
            if len(members) != 1:
                raise ListError(f"{path}: expected one *{suffix} file in the archive, found {len(members)}")
            info = members[0]
            if info.filename.startswith(("/", "\\")) or ".." in Path(info.filename).parts:
                raise ListError(f"{path}: refused: member name {info.filename!r} leaves the archive")
            if info.file_size > MAX_UNZIPPED or info.file_size > MAX_RATIO * max(info.compress_size, 1):
                raise ListError(f"{path}: refused: {info.filename} would unpack to {info.file_size:,} bytes from "
                                f"{info.compress_size:,} (zip bomb limits: {MAX_UNZIPPED:,} bytes, ratio {MAX_RATIO})")
            with z.open(info) as fh:
                data = fh.read(MAX_UNZIPPED + 1)
            if len(data) > MAX_UNZIPPED:
                raise ListError(f"{path}: refused: {info.filename} unpacks past {MAX_UNZIPPED:,} bytes")
            return info.filename, data
    except zipfile.BadZipFile as exc:
        raise ListError(f"{path}: damaged ZIP archive: {exc}") from None
