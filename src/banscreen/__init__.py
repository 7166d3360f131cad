"""banscreen: screen parties, equipment and Android fleets against US telecom restrictions."""

__version__ = "0.1.0"
