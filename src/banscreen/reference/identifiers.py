"""Identifiers that equipment inputs state and the matchers resolve: MAC addresses (whose
first 24 bits are an IEEE OUI), SNMP private enterprise numbers (PENs) and CPE names.
Plain parsing, shared by the readers (sources/) and the matchers (match/)."""

from __future__ import annotations

import re

_OID = re.compile(r"(?:^|[^0-9])(?:1\.3\.6\.1\.4\.1|iso\.3\.6\.1\.4\.1|enterprises)\.(\d+)")
_CPE23 = re.compile(r"^cpe:2\.3:[aho\*]:([^:]+):")
_CPE22 = re.compile(r"^cpe:/[aho]?:([^:]+)")


def mac_digits(value: str) -> str | None:
    """'44:19:B6:12:34:56', '4419.b612.3456', '44-19-B6-12-34-56' -> '4419b6123456'."""
    digits = value.replace(":", "").replace("-", "").replace(".", "").replace(" ", "").lower()
    if len(digits) != 12 or not digits.isalnum():
        return None
    try:
        int(digits, 16)
    except ValueError:
        return None
    return digits


def pen_of(oid: str) -> int | None:
    """The enterprise number in an OID under 1.3.6.1.4.1 (or its symbolic forms)."""
    m = _OID.search(oid.strip())
    return int(m.group(1)) if m else None


def cpe_vendor(cpe: str) -> str | None:
    """The vendor part of a CPE 2.3 or 2.2 name, lower case."""
    m = _CPE23.match(cpe.strip().lower()) or _CPE22.match(cpe.strip().lower())
    return m.group(1).replace("\\", "") if m else None
