"""banscreen's version: one place, below every layer, so any module may name it."""

__version__ = "0.1.0"
