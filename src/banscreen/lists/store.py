"""A versioned, time-aware store of restricted-party lists, kept as plain files.

Each import of a list file becomes an immutable version under
`<root>/lists/<dataset>/<version>/` (a manifest plus the parsed entries), written to a
temporary folder and renamed into place, so a failed import leaves nothing behind and a
reader never sees half a version. History is every version ever imported. Screening as
of a date uses, per dataset, the newest version published on or before that date."""

from __future__ import annotations

import dataclasses
import datetime as dt
import gzip
import hashlib
import json
import os
import shutil
import uuid
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Iterable

import yaml

from banscreen.lists import loader_for
from banscreen.lists.interface import ListDropError, ListError, LoadResult
from banscreen.model import ListEntry, LoadIssue

MANIFEST = "manifest.json"
ENTRIES = "entries.jsonl.gz"
ISSUES = "issues.jsonl"


@dataclass(frozen=True)
class ListVersion:
    dataset: str
    version: str
    format: str
    source: str
    published: dt.date
    published_basis: str  # "file" (stated in the data), "user" (given at import), "estimated"
    imported_at: str  # ISO timestamp, UTC
    sha256: str
    entries: int
    rows: int
    issues: int
    historical: bool = False  # entries carry their own full validity windows

    @property
    def label(self) -> str:
        return f"{self.dataset}@{self.version}"

    def as_dict(self) -> dict:
        d = dataclasses.asdict(self)
        d["published"] = self.published.isoformat()
        return d


@dataclass(frozen=True)
class ImportOutcome:
    version: ListVersion
    created: bool  # False when identical content was already imported
    result: LoadResult | None


@dataclass(frozen=True)
class Selection:
    versions: tuple[ListVersion, ...]
    warnings: tuple[str, ...]


@dataclass(frozen=True)
class Diff:
    old: ListVersion
    new: ListVersion
    added: tuple[ListEntry, ...]
    removed: tuple[ListEntry, ...]
    changed: tuple[tuple[ListEntry, ListEntry], ...]


def entry_to_dict(e: ListEntry) -> dict:
    d = dataclasses.asdict(e)
    for k in ("start_date", "end_date"):
        d[k] = d[k].isoformat() if d[k] else None
    return d


def entry_from_dict(d: dict) -> ListEntry:
    kw = dict(d)
    for k in ("aliases", "addresses", "countries", "programs"):
        kw[k] = tuple(kw.get(k) or ())
    for k in ("start_date", "end_date"):
        kw[k] = dt.date.fromisoformat(kw[k]) if kw.get(k) else None
    return ListEntry(**kw)


def _instant(imported_at: str) -> dt.datetime:
    try:
        value = dt.datetime.fromisoformat(imported_at)
    except ValueError:
        return dt.datetime.min.replace(tzinfo=dt.timezone.utc)
    return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)


def cut_last_line(path: Path) -> tuple[int, bool] | None:
    """For a text file that does not end with a line break (its last row may be cut
    off): the number of its last line, and whether that line is visibly cut (an open
    quote, or fewer fields than the first line). None when the file ends with a line
    break, and for folders and formats whose parser notices a cut by itself (XML, zip,
    gzip)."""
    if not path.is_file():
        return None
    with path.open("rb") as fh:
        first = fh.readline(1 << 20)
        if first.startswith((b"<", b"PK", b"\x1f\x8b", b"\xef\xbb\xbf<")):
            return None
        fh.seek(0, 2)
        size = fh.tell()
        if size == 0:
            return None
        fh.seek(max(0, size - (1 << 20)))
        tail = fh.read()
        if tail.endswith((b"\n", b"\r")):
            return None
        last = tail.rsplit(b"\n", 1)[-1]
        fh.seek(0)
        lines = 1
        while chunk := fh.read(1 << 20):
            lines += chunk.count(b"\n")
    delimiter = b"\t" if first.count(b"\t") > first.count(b",") else b","
    visibly_cut = last.count(b'"') % 2 == 1 or last.count(delimiter) < first.count(delimiter)
    return lines, visibly_cut


def content_hash(path: Path) -> str:
    h = hashlib.sha256()
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for f in files:
        if path.is_dir():
            h.update(f.relative_to(path).as_posix().encode() + b"\0")
        with f.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
    return h.hexdigest()


def default_root() -> Path:
    env = os.environ.get("BANSCREEN_HOME")
    if env:
        return Path(env)
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "banscreen"


def bundled_snapshot() -> list[dict]:
    """The list files shipped in the package, as described by its SNAPSHOT.yaml."""
    folder = resources.files("banscreen.data").joinpath("snapshot")
    doc = yaml.safe_load(folder.joinpath("SNAPSHOT.yaml").read_text("utf-8"))
    out = []
    for item in doc["files"]:
        item = dict(item)
        item["path"] = Path(str(folder.joinpath(item["path"])))
        out.append(item)
    return out


class ListStore:
    """Versioned list data on disk: every import is a new, immutable version folder
    (entries, issues, manifest), written aside and renamed into place, so a reader sees a
    whole version or none. `select` picks the versions in force on a date."""

    def __init__(self, root: Path | None = None):
        self.root = Path(root) if root else default_root()
        self.lists_dir = self.root / "lists"

    # -- writing ---------------------------------------------------------------------
    def import_file(
        self,
        path: Path,
        *,
        format: str | None = None,
        dataset: str | None = None,
        published: dt.date | None = None,
        source: str | None = None,
        max_drop: float | None = None,
    ) -> ImportOutcome:
        """Import a list file as a new version of its dataset: the loader is picked by
        `format` or sniffed; `published` defaults to the file's own date, else an
        estimate. Atomic, and identical content is not imported twice (the outcome says
        which version holds it).

        Refused (ListError, nothing imported): a file whose last row is cut off (a
        truncated download or copy), and, with `max_drop`, a version with a larger share
        of entries fewer than the version it follows (by publish date), so that a partial file
        never goes into force and closes alerts as "entry removed". `max_drop=None` (the
        commands' --allow-drop) imports such a file anyway."""
        path = Path(path)
        loader = loader_for(path, format)
        dataset = dataset or loader.dataset
        sha = content_hash(path)
        for v in self.versions(dataset):
            if v.sha256 == sha:
                return ImportOutcome(v, False, None)
        result = loader.load(path)
        if not result.entries:
            raise ListError(f"{path}: no entries could be read; nothing imported")
        cut = cut_last_line(path) if max_drop is not None else None
        if cut and (cut[1] or any(i.line >= cut[0] for i in result.issues)):
            raise ListDropError(f"{path}:{cut[0]}: the file ends in the middle of a row: a truncated download or "
                                "copy? Nothing imported; --allow-drop imports it anyway", 0, len(result.entries))
        basis = "user"
        if published is None:
            published, basis = result.published, "file"
        if published is None:
            starts = [e.start_date for e in result.entries if e.start_date and e.start_date <= dt.date.today()]
            published = max(starts) if starts else dt.date.fromtimestamp(path.stat().st_mtime)
            basis = "estimated"
        # The version this one follows: an older file imported for history is checked
        # against what came before it, not against today's list.
        earlier = [v for v in self.versions(dataset) if v.published <= published]
        if max_drop is not None and earlier and earlier[-1].entries:
            before, after = earlier[-1].entries, len(result.entries)
            if (before - after) / before > max_drop:
                raise ListDropError(
                    f"{path}: {after:,} entries against {before:,} in {earlier[-1].label} (a drop of "
                    f"{(before - after) / before:.0%}, over the {max_drop:.0%} allowed): a truncated or partial "
                    "file? Nothing imported; --allow-drop imports it anyway", before, after)
        version = ListVersion(
            dataset=dataset,
            version=f"{published.isoformat()}-{sha[:10]}",
            format=loader.format,
            source=source or str(path),
            published=published,
            published_basis=basis,
            imported_at=dt.datetime.now(dt.timezone.utc).isoformat(timespec="microseconds"),
            sha256=sha,
            entries=len(result.entries),
            rows=result.rows,
            issues=len(result.issues),
            historical=result.historical,
        )
        entries = [dataclasses.replace(e, dataset=dataset) for e in result.entries]
        self._write(version, entries, result.issues)
        return ImportOutcome(version, True, result)

    def _write(self, version: ListVersion, entries: list[ListEntry], issues: list[LoadIssue]) -> None:
        parent = self.lists_dir / version.dataset
        parent.mkdir(parents=True, exist_ok=True)
        final = parent / version.version
        tmp = parent / f".tmp-{uuid.uuid4().hex}"
        tmp.mkdir()
        try:
            with gzip.open(tmp / ENTRIES, "wt", encoding="utf-8") as fh:
                for e in entries:
                    fh.write(json.dumps(entry_to_dict(e), ensure_ascii=False) + "\n")
            with (tmp / ISSUES).open("w", encoding="utf-8") as fh:
                for i in issues:
                    fh.write(json.dumps(dataclasses.asdict(i)) + "\n")
            # The manifest is written last: a folder without one is not a version.
            (tmp / MANIFEST).write_text(json.dumps(version.as_dict(), indent=2), encoding="utf-8")
            try:
                os.rename(tmp, final)
            except OSError:
                if not (final / MANIFEST).exists():
                    raise
                shutil.rmtree(tmp, ignore_errors=True)  # a concurrent import won the race
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise

    def ensure_bundled(self) -> list[ImportOutcome]:
        """Import the bundled snapshot into an empty store, so screening works offline
        with nothing set up. A store that already has versions is left alone."""
        if self.versions():
            return []
        return [
            self.import_file(
                item["path"], format=item["format"], dataset=item["dataset"],
                published=dt.date.fromisoformat(str(item["published"])),
                source=f"bundled: {item['source']}",
            )
            for item in bundled_snapshot()
        ]

    # -- reading ---------------------------------------------------------------------
    def datasets(self) -> list[str]:
        if not self.lists_dir.exists():
            return []
        return sorted(p.name for p in self.lists_dir.iterdir() if p.is_dir() and not p.name.startswith("."))

    def versions(self, dataset: str | None = None) -> list[ListVersion]:
        names = [dataset] if dataset else self.datasets()
        out = []
        for name in names:
            folder = self.lists_dir / name
            if not folder.exists():
                continue
            for vdir in folder.iterdir():
                manifest = vdir / MANIFEST
                if vdir.name.startswith(".") or not manifest.exists():
                    continue
                d = json.loads(manifest.read_text("utf-8"))
                d["published"] = dt.date.fromisoformat(d["published"])
                out.append(ListVersion(**d))
        # Same publish date: the later import wins, then the version id, so the order
        # never depends on the folder listing (imported_at has seconds in older versions).
        return sorted(out, key=lambda v: (v.dataset, v.published, _instant(v.imported_at), v.version))

    def version(self, dataset: str, version: str | None = None) -> ListVersion:
        """A version by id (or unique id prefix); the newest when `version` is None."""
        versions = self.versions(dataset)
        if not versions:
            raise ListError(f"no versions of dataset {dataset!r} (known: {', '.join(self.datasets()) or 'none'})")
        if version is None:
            return versions[-1]
        found = [v for v in versions if v.version == version or v.version.startswith(version)]
        if len(found) != 1:
            raise ListError(
                f"{dataset}: {'no' if not found else 'more than one'} version matches {version!r}; "
                f"known: {', '.join(v.version for v in versions)}"
            )
        return found[0]

    def entries(self, version: ListVersion) -> list[ListEntry]:
        path = self.lists_dir / version.dataset / version.version / ENTRIES
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            return [entry_from_dict(json.loads(line)) for line in fh]

    def issues(self, version: ListVersion) -> list[LoadIssue]:
        path = self.lists_dir / version.dataset / version.version / ISSUES
        return [LoadIssue(**json.loads(line)) for line in path.read_text("utf-8").splitlines() if line]

    def select(self, as_of: dt.date, pinned: dict[str, str] | None = None,
               datasets: Iterable[str] | None = None) -> Selection:
        """Per dataset: the pinned version, else the newest published on or before
        `as_of`, else (with a warning) the oldest there is."""
        pinned = dict(pinned or {})
        chosen, warnings = [], []
        for name in datasets or self.datasets():
            versions = self.versions(name)
            if not versions:
                continue
            if name in pinned:
                chosen.append(self.version(name, pinned.pop(name)))
                continue
            if versions[-1].historical:  # a curated history: the newest is right for any date
                chosen.append(versions[-1])
                continue
            before = [v for v in versions if v.published <= as_of]
            if before:
                chosen.append(before[-1])
            else:
                oldest = versions[0]
                chosen.append(oldest)
                warnings.append(
                    f"{name}: no version published on or before {as_of}; using the oldest, "
                    f"{oldest.version} (published {oldest.published}), which may lack entries removed since"
                )
        for name in pinned:
            raise ListError(f"--list-version names dataset {name!r}, which has no versions")
        return Selection(tuple(chosen), tuple(warnings))

    def diff(self, old: ListVersion, new: ListVersion) -> Diff:
        a = {e.key: e for e in self.entries(old)}
        b = {e.key: e for e in self.entries(new)}
        added = tuple(b[k] for k in b.keys() - a.keys())
        removed = tuple(a[k] for k in a.keys() - b.keys())
        changed = tuple((a[k], b[k]) for k in a.keys() & b.keys()
                        if dataclasses.replace(a[k], dataset="") != dataclasses.replace(b[k], dataset=""))
        order = lambda e: (e.list, e.name)  # noqa: E731
        return Diff(old, new, tuple(sorted(added, key=order)), tuple(sorted(removed, key=order)),
                    tuple(sorted(changed, key=lambda p: order(p[1]))))
