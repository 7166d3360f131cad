"""`lists update`: fetch the configured list files, refuse a broken download, import
atomically, say what changed.

Fetching uses conditional requests (ETag / Last-Modified remembered per source), a
timeout, bounded retries with backoff for network errors and 5xx answers, and a size
limit. A fetched file is parsed fully before anything is imported; a file whose entry
count drops by more than `max_drop` against the version in force is refused unless
forced. A refused or failed update leaves the current version in force."""

from __future__ import annotations

import datetime as dt
import json
import logging
import shutil
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import yaml

from banscreen.lists import loader_for
from banscreen.lists.interface import ListDropError, ListError
from banscreen.lists.store import Diff, ListStore

log = logging.getLogger(__name__)

USER_AGENT = "banscreen-lists-update/0.1 (+https://github.com/banscreen/banscreen)"


@dataclass(frozen=True)
class Source:
    name: str
    url: str
    format: str
    dataset: str
    filename: str


@dataclass
class Outcome:
    source: str
    status: str  # "imported", "unchanged", "refused", "failed"
    message: str
    diff: Diff | None = None
    details: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status in ("imported", "unchanged")


def load_sources(config: Path | None, root: Path) -> list[Source]:
    if config is None and (root / "sources.yaml").exists():
        config = root / "sources.yaml"
    try:
        text = config.read_text("utf-8") if config else \
            resources.files("banscreen.data").joinpath("sources.yaml").read_text("utf-8")
        doc = yaml.safe_load(text)
        return [Source(s["name"], s["url"], s["format"], s.get("dataset") or s["name"],
                       s.get("filename") or Path(s["url"].split("?")[0]).name or "list") for s in doc["sources"]]
    except (OSError, yaml.YAMLError, KeyError, TypeError) as exc:
        raise ListError(f"{config or 'built-in sources.yaml'}: not a usable sources file: {exc}") from None


class Updater:
    """Fetches list sources (conditional requests, retries, size limits) and imports what
    changed, refusing broken or shrunken files; each source's result is an Outcome."""

    def __init__(self, store: ListStore, *, timeout: float = 60.0, retries: int = 3, backoff: float = 1.0,
                 max_bytes: int = 512 * 2**20, max_drop: float = 0.2, force: bool = False):
        self.store, self.timeout, self.retries, self.backoff = store, timeout, retries, backoff
        self.max_bytes, self.max_drop, self.force = max_bytes, max_drop, force
        self.state_path = store.root / "update-state.json"

    def _state(self) -> dict:
        try:
            return json.loads(self.state_path.read_text())
        except (OSError, ValueError):  # no state yet, or a damaged one: fetch unconditionally
            log.debug("no usable update state at %s", self.state_path)
            return {}

    def _save_state(self, state: dict) -> None:
        self.state_path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.state_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(state, indent=2))
        tmp.replace(self.state_path)

    def update(self, source: Source) -> Outcome:
        state = self._state()
        known = state.get(source.name, {})
        work = Path(tempfile.mkdtemp(prefix="banscreen-update-"))
        try:
            try:
                fetched = self._fetch(source, known, work / source.filename)
            except ListError as exc:
                log.warning("list source %s failed: %s", source.name, exc)
                return Outcome(source.name, "failed", str(exc))
            if fetched is None:
                return Outcome(source.name, "unchanged", f"{source.url}: not modified (HTTP 304)")
            path, headers = fetched
            outcome = self._import(source, path)
            if outcome.ok:
                state[source.name] = {"etag": headers.get("ETag"), "last_modified": headers.get("Last-Modified"),
                                      "fetched_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")}
                self._save_state(state)
            return outcome
        finally:
            shutil.rmtree(work, ignore_errors=True)

    def _fetch(self, source: Source, known: dict, target: Path):
        headers = {"User-Agent": USER_AGENT}
        if known.get("etag"):
            headers["If-None-Match"] = known["etag"]
        if known.get("last_modified"):
            headers["If-Modified-Since"] = known["last_modified"]
        last_error = ""
        for attempt in range(self.retries):
            if attempt:
                time.sleep(self.backoff * 2 ** (attempt - 1))
            try:
                request = urllib.request.Request(source.url, headers=headers)
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    declared = response.headers.get("Content-Length")
                    if declared and int(declared) > self.max_bytes:
                        raise ListError(f"{source.url}: refused: {int(declared):,} bytes is over the "
                                        f"{self.max_bytes:,}-byte limit")
                    size = 0
                    with target.open("wb") as fh:
                        while chunk := response.read(1 << 16):
                            size += len(chunk)
                            if size > self.max_bytes:
                                raise ListError(f"{source.url}: refused: the body passed the {self.max_bytes:,}-byte "
                                                "limit")
                            fh.write(chunk)
                    if declared and size != int(declared):
                        raise ListError(f"{source.url}: incomplete download: {size:,} of {int(declared):,} bytes")
                    return target, dict(response.headers)
            except urllib.error.HTTPError as exc:
                if exc.code == 304:
                    return None
                last_error = f"HTTP {exc.code} {exc.reason}"
                if exc.code < 500:
                    break  # a client error will not mend itself
            except ListError:
                raise
            except (urllib.error.URLError, TimeoutError, OSError, ValueError) as exc:
                reason = getattr(exc, "reason", exc)
                last_error = f"{type(reason).__name__}: {reason}" if not isinstance(reason, str) else reason
                if "IncompleteRead" in repr(exc):
                    last_error = f"incomplete download: {exc}"
        raise ListError(f"{source.url}: failed after {attempt + 1} attempt(s): {last_error}")

    def _import(self, source: Source, path: Path) -> Outcome:
        try:
            result = loader_for(path, source.format).load(path)  # parse fully before anything is imported
        except ListError as exc:
            log.warning("list source %s refused: %s", source.name, exc)
            return Outcome(source.name, "refused", f"refused: {exc}")
        current = self.store.versions(source.dataset)
        try:
            imported = self.store.import_file(path, format=source.format, dataset=source.dataset,
                                              published=result.published or dt.date.today(), source=source.url,
                                              max_drop=None if self.force else self.max_drop)
        except ListDropError as exc:
            return Outcome(source.name, "refused", f"refused: {exc}",
                           details={"before": exc.before, "after": exc.after, "issues": len(result.issues)})
        except ListError as exc:
            return Outcome(source.name, "refused", f"refused: {exc}")
        if not imported.created:
            return Outcome(source.name, "unchanged", f"same content as {imported.version.label}")
        diff = self.store.diff(current[-1], imported.version) if current else None
        summary = (f"imported {imported.version.label}: {imported.version.entries:,} entries"
                   + (f"; {len(diff.added)} added, {len(diff.removed)} removed, {len(diff.changed)} changed"
                      if diff else "; first version"))
        return Outcome(source.name, "imported", summary, diff, {"issues": len(result.issues)})
