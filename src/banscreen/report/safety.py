"""What list data and input rows may not do to the person who opens a report: run a
formula in a spreadsheet, or a script through a link. Every report format and the
review page go through these."""

from __future__ import annotations

from urllib.parse import urlsplit

# A spreadsheet reads a cell starting with these as a formula (OWASP "CSV injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value):
    """A text cell that a spreadsheet shows as text: one starting with = + - @, a tab or
    a carriage return gets a leading apostrophe (OWASP's advice); other values as they are."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def is_http_url(value) -> bool:
    """Whether a link from list data may be rendered as a link: http(s) with a host only
    (never javascript:, data: or a relative path)."""
    if not isinstance(value, str) or not value:
        return False
    try:
        parts = urlsplit(value.strip())
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)
