"""Export classifications as users write them: EAR99, or an Export Control
Classification Number (ECCN: a digit for the category, a letter A-E for the product
group -- E is technology -- three digits, then paragraphs: 5A992.c)."""

from __future__ import annotations

import re

EAR99 = "EAR99"
ECCN_PATTERN = re.compile(r"\b([0-9][A-E][0-9]{3}(?:\.[a-z0-9]{1,3})*)", re.IGNORECASE)
EAR99_PATTERN = re.compile(r"\bEAR\s*-?\s*99\b", re.IGNORECASE)


class ClassificationError(ValueError):
    """Text that is neither EAR99 nor an ECCN."""


def classification(text: str) -> str:
    """'ear 99' -> 'EAR99', '5a002.A.1' -> '5A002.a.1', '' -> '' (unknown); anything else
    raises ClassificationError."""
    text = (text or "").strip()
    if not text:
        return ""
    if EAR99_PATTERN.fullmatch(text):
        return EAR99
    m = ECCN_PATTERN.fullmatch(text)
    if not m:
        raise ClassificationError(f"not EAR99 or an ECCN (such as 5A002 or 5A992.c): {text!r}")
    head, *paragraphs = text.split(".")
    return ".".join([head.upper(), *(p.lower() for p in paragraphs)])


