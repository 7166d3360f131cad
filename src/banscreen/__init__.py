"""banscreen: screen parties, equipment and Android fleets against US telecom restrictions."""

from banscreen.version import __version__

__all__ = ["__version__"]
