"""Country names, ISO codes and common spellings -> ISO 3166-1 alpha-2."""

from __future__ import annotations

import re
from functools import lru_cache

import pycountry
from anyascii import anyascii

# Spellings users and lists write that pycountry's names and its fuzzy search do not
# resolve reliably. Keys are folded (lower case, letters and spaces only).
_ALIASES = {
    "iran": "IR", "persia": "IR", "islamic republic of iran": "IR", "iran islamic republic of": "IR",
    "north korea": "KP", "korea north": "KP", "dprk": "KP", "democratic peoples republic of korea": "KP",
    "korea democratic peoples republic of": "KP", "korea dpr": "KP", "dpr korea": "KP",
    "south korea": "KR", "korea south": "KR", "republic of korea": "KR", "korea republic of": "KR", "korea": "KR",
    "syria": "SY", "syrian arab republic": "SY", "cuba": "CU", "republic of cuba": "CU",
    "russia": "RU", "russian federation": "RU", "china": "CN", "prc": "CN", "peoples republic of china": "CN",
    "mainland china": "CN", "hong kong": "HK", "hong kong sar": "HK", "macau": "MO", "macao": "MO",
    "taiwan": "TW", "vietnam": "VN", "viet nam": "VN", "laos": "LA", "burma": "MM", "myanmar": "MM",
    "uk": "GB", "united kingdom": "GB", "great britain": "GB", "england": "GB", "britain": "GB",
    "usa": "US", "us": "US", "united states": "US", "united states of america": "US", "america": "US",
    "uae": "AE", "united arab emirates": "AE", "turkey": "TR", "turkiye": "TR", "venezuela": "VE",
    "bolivia": "BO", "tanzania": "TZ", "moldova": "MD", "czech republic": "CZ", "czechia": "CZ",
    "ivory coast": "CI", "cote divoire": "CI", "congo democratic republic": "CD", "drc": "CD",
    "democratic republic of the congo": "CD", "republic of the congo": "CG", "palestine": "PS",
    "west bank": "PS", "gaza": "PS", "belarus": "BY", "byelorussia": "BY", "kyrgyzstan": "KG",
    "macedonia": "MK", "north macedonia": "MK", "brunei": "BN", "cape verde": "CV", "swaziland": "SZ",
    "bosnia": "BA", "herzegovina": "BA", "bosnia herzegovina": "BA",
}

_FOLD = re.compile(r"[^a-z ]+")


def _fold(text: str) -> str:
    text = anyascii(text).lower().replace("'", "").replace("\u2019", "")
    return " ".join(_FOLD.sub(" ", text).split())


@lru_cache(maxsize=4096)
def to_iso2(text: str) -> str | None:
    """Resolve a country name or code; None when it is not recognisably a country."""
    raw = text.strip()
    if not raw:
        return None
    if len(raw) == 2 and raw.isalpha():
        c = pycountry.countries.get(alpha_2=raw.upper())
        if c is not None:
            return c.alpha_2
    if len(raw) == 3 and raw.isalpha():
        c = pycountry.countries.get(alpha_3=raw.upper())
        if c is not None:
            return c.alpha_2
    folded = _fold(raw)
    if folded in _ALIASES:
        return _ALIASES[folded]
    return _by_folded_name().get(folded)


@lru_cache(maxsize=1)
def _by_folded_name() -> dict[str, str]:
    """Every country's name, official name and common name, folded -> ISO 2; where two
    countries fold alike, the first in pycountry's order by name, then official name,
    then common name. Built once: matching a word against the lists asks whether it is
    a country, and a word that is not would otherwise be folded against every name."""
    out: dict[str, str] = {}
    for attr in ("name", "official_name", "common_name"):
        for c in pycountry.countries:
            value = getattr(c, attr, None)
            if value:
                out.setdefault(_fold(value), c.alpha_2)
    return out


@lru_cache(maxsize=50_000)
def is_country_word(word: str) -> bool:
    """Whether one word is a country's name or three-letter code ("usa", "EGYPT", "HKG"):
    two-letter codes are ordinary syllables too often ("gs", "de") to count."""
    return len(word) >= 3 and word.isalpha() and to_iso2(word) is not None


def name_of(iso2: str) -> str:
    c = pycountry.countries.get(alpha_2=iso2)
    return getattr(c, "common_name", None) or (c.name if c else iso2)
