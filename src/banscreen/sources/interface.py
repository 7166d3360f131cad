"""What every input reader shares: the error for an input that cannot be read at all.
Each reader family (tabular/, parties/, equipment/, android/) has its own interface and
registry beside this; rows that cannot be read are `LoadIssue`s, not exceptions."""

from __future__ import annotations

from pathlib import Path


class SourceError(Exception):
    """An input that cannot be read at all: missing file, no header, no name column."""

    def __init__(self, path: str | Path, message: str, line: int | None = None):
        self.path, self.line, self.message = str(path), line, message
        where = f"{path}:{line}" if line else str(path)
        super().__init__(f"{where}: {message}")


def head_text(path: Path, size: int = 8192) -> str:
    """The first `size` bytes of a file as text, for sniffing its format."""
    try:
        with path.open("rb") as fh:
            return fh.read(size).decode("utf-8", errors="replace")
    except OSError as exc:
        raise SourceError(path, f"cannot open: {exc.strerror or exc}") from None
