"""Pure matching: no I/O, no knowledge of files, stores or the CLI (beyond reading the
package's own tables and code, for `fingerprint`)."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from importlib import resources

from banscreen.version import __version__


@lru_cache(maxsize=1)
def fingerprint() -> str:
    """What every derived form of a name depends on: banscreen's version, the
    normalization tables and the matching code. A cached index or stored name key made
    under another fingerprint is made again."""
    h = hashlib.sha256(__version__.encode())
    h.update(resources.files("banscreen.data").joinpath("names.yaml").read_bytes())
    for module in sorted(p.name for p in resources.files("banscreen.match").iterdir() if p.name.endswith(".py")):
        h.update(resources.files("banscreen.match").joinpath(module).read_bytes())
    return h.hexdigest()[:20]
