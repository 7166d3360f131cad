"""What a report says about its own run: the provenance an auditor asks for."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from banscreen.version import __version__


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


@dataclass
class ReportContext:
    screen: str  # "parties", "equipment", "android"
    as_of: dt.date
    lists: list[dict[str, Any]] = field(default_factory=list)  # label, dataset, published, source, sha256
    inputs: list[dict[str, Any]] = field(default_factory=list)  # path, sha256, bytes
    options: dict[str, Any] = field(default_factory=dict)
    command: str = ""
    started: str = field(default_factory=lambda: dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"))
    tool: str = "banscreen"
    version: str = __version__
    notes: list[str] = field(default_factory=list)  # e.g. the OUI registry's date

    @classmethod
    def build(cls, screen: str, as_of: dt.date, versions: Iterable, inputs: Iterable[Path], options: dict,
              command: str = "", notes: Iterable[str] = ()) -> "ReportContext":
        lists = [{"label": v.label, "dataset": v.dataset, "published": v.published.isoformat(),
                  "published_basis": v.published_basis, "source": v.source, "sha256": v.sha256} for v in versions]
        files = []
        for p in inputs:
            p = Path(p)
            if p.is_file():
                files.append({"path": str(p), "sha256": file_sha256(p), "bytes": p.stat().st_size})
        return cls(screen, as_of, lists, files, dict(options), command, notes=list(notes))
