"""Destination screening: countries, codes, spellings, regions, dates."""

from __future__ import annotations

import datetime as dt

import pytest

from banscreen.reference.countries import to_iso2
from banscreen.match.destinations import screen_destination

TODAY = dt.date(2026, 1, 1)


@pytest.mark.parametrize("text,iso", [
    ("Iran", "IR"), ("IR", "IR"), ("IRN", "IR"), ("Iran, Islamic Republic of", "IR"), ("Persia", "IR"),
    ("North Korea", "KP"), ("DPRK", "KP"), ("Korea, Democratic People's Republic of", "KP"), ("kp", "KP"),
    ("Cuba", "CU"), ("Syrian Arab Republic", "SY"), ("South Korea", "KR"), ("Germany", "DE"),
    ("People's Republic of China", "CN"), ("中国", None), ("Atlantis", None), ("", None),
])
def test_country_resolution(text, iso):
    assert to_iso2(text) == iso


def test_country_fields_and_addresses():
    assert [h.code for h in screen_destination("IRN", "", TODAY)] == ["IR"]
    assert [h.code for h in screen_destination("", "12 Azadi St, Tehran", TODAY)] == ["IR"]
    assert [h.code for h in screen_destination("", "Pyongyang", TODAY)] == ["KP"]
    assert [h.code for h in screen_destination("Ukraine", "Donetsk People's Republic", TODAY)] == ["DNR-LNR"]
    assert screen_destination("Germany", "Friedrichstrasse 90, Berlin", TODAY) == []
    # word boundaries: "Iranian" is not "Iran", "Cubana" is not "Cuba"
    assert screen_destination("", "Iranian Street 4, Toronto", TODAY) == []


def test_program_windows():
    assert screen_destination("Syria", "", dt.date(2011, 8, 1)) == []       # before EO 13582
    assert screen_destination("Syria", "", dt.date(2020, 1, 1))             # in force
    assert screen_destination("Syria", "", dt.date(2025, 7, 1)) == []       # revoked by EO 14312
    assert screen_destination("", "Luhansk", dt.date(2022, 2, 20)) == []    # before EO 14065
    hit = screen_destination("Cuba", "", TODAY)[0]
    assert hit.start_date == dt.date(1962, 2, 7) and "31 CFR part 515" in hit.citation
