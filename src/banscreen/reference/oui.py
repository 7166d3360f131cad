"""The IEEE MA-L (OUI) registry as netaddr ships it: 24-bit prefix -> organisation.

netaddr 1.3.0 carries the registry dated 2024-05-20 (netaddr/eui/oui.txt). Reading it
ourselves once is much faster than netaddr's per-address lookups for a million rows."""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

_LINE = re.compile(r"^([0-9A-F]{2})-([0-9A-F]{2})-([0-9A-F]{2})\s+\(hex\)\s+(.*\S)")


@lru_cache(maxsize=1)
def oui_registry() -> dict[int, str]:
    text = resources.files("netaddr.eui").joinpath("oui.txt").read_text("utf-8", errors="replace")
    out = {}
    for line in text.splitlines():
        m = _LINE.match(line)
        if m:
            out[int(m.group(1) + m.group(2) + m.group(3), 16)] = m.group(4)
    return out


def registry_date() -> str:
    """The registry file's date as packaged (for reports and the README)."""
    import netaddr

    return f"netaddr {netaddr.__version__} (IEEE MA-L registry file of 2024-05-20)"
