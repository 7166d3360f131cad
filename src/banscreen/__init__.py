"""banscreen: screen parties, shipments, equipment and Android fleets against US telecom
restrictions. As a library: `from banscreen import Screener` (banscreen/library.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from banscreen.version import __version__

if TYPE_CHECKING:
    from banscreen.library import Screener

__all__ = ["Screener", "__version__"]


def __getattr__(name: str) -> Any:
    # Loaded on first use: `import banscreen` (and the CLI's start) stays light.
    if name == "Screener":
        from banscreen.library import Screener

        return Screener
    raise AttributeError(f"module 'banscreen' has no attribute {name!r}")
