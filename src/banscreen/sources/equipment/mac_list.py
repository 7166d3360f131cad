"""A plain list of MAC addresses, one per line (more columns after it are kept as the
label); blank lines and # comments are skipped."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterator

from banscreen.reference.identifiers import mac_digits
from banscreen.model import Asset, LoadIssue, Observation
from banscreen.sources.equipment.interface import AssetReader
from banscreen.sources.interface import SourceError

_MACLIKE = re.compile(r"^\s*([0-9A-Fa-f]{2}([:-]?)[0-9A-Fa-f]{2}(\2[0-9A-Fa-f]{2}){4}|[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}"
                      r"\.[0-9A-Fa-f]{4})\b")


class MacListReader(AssetReader):
    format = "maclist"
    description = "plain list of MAC addresses"

    @classmethod
    def sniff(cls, path: Path, head: str) -> bool:
        lines = [ln for ln in head.splitlines()[:20] if ln.strip() and not ln.lstrip().startswith("#")]
        return bool(lines) and sum(1 for ln in lines if _MACLIKE.match(ln)) >= max(1, len(lines) * 0.8)

    def assets(self, path: Path) -> Iterator[Asset | LoadIssue]:
        try:
            fh = path.open("r", encoding="utf-8", errors="replace")
        except OSError as exc:
            raise SourceError(path, f"cannot open: {exc.strerror or exc}") from None
        row = 0
        with fh:
            for number, line in enumerate(fh, 1):
                text = line.strip()
                if not text or text.startswith("#"):
                    continue
                row += 1
                first, _, rest = re.split(r"[\s,;]+", text, maxsplit=1)[0], None, text
                if mac_digits(first) is None:
                    yield LoadIssue(str(path), number, f"not a MAC address: {first!r}")
                    continue
                label = rest[len(first):].strip(" ,;\t") or first
                yield Asset(row, number, str(path), label, (Observation("mac", first, f"line {number}"),),
                            {"mac": first, "line": text})
