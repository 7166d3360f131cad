"""Names as they read, not as they are encoded, and the listed name inside a longer one.

Evaders (and messy exports) dress a listed name so that a literal comparison misses
it. `undisguise` reads a name the way a person would and says what it undid:

- HTML/XML markup: tags dropped (a script or style element with its content), entities
  decoded (`&amp;` -> `&`);
- invisible characters (Unicode format characters: zero-width spaces and joiners, soft
  hyphens, direction marks, byte-order marks) removed; full-width forms and no-break
  spaces are folded later by NFKC;
- homoglyphs: a Cyrillic or Greek letter inside a Latin word, or a word of look-alike
  letters in an otherwise Latin name, read as the Latin letter it looks like (Unicode
  TR39 confusables, as the confusable_homoglyphs package ships them). A name written
  wholly in Cyrillic or Greek is left alone, to be transliterated.

`spelled_out` joins letters written one by one (`H U A W E I`, `H.U.A.W.E.I`), and
`segments` finds the parts of a decorated name that may be the listed party: the name
before a branch or office suffix, each side of a `c/o`, `on behalf of`, `d/b/a`,
`acting through` or `agent of` wrapper, the name without a parenthesis, the part before
a dash, and the name before a trailing reference ("ref 20418", "PO#7731"). Each part comes with the words that were set aside, for the explanation.
Pure functions: no I/O beyond reading the confusables table once."""

from __future__ import annotations

import html
import json
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from banscreen.reference.countries import is_country_word

_TAG = re.compile(r"<\s*/?\s*[A-Za-z!?][^<>]{0,500}>")
_SCRIPT = re.compile(r"<\s*(script|style)\b[^>]{0,500}>.*?<\s*/\s*\1\s*>", re.I | re.S)
_ENTITY = re.compile(r"&(?:#\d{1,7}|#x[0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_WORD = re.compile(r"\w+")
# Letters written one at a time, separated by spaces, dots or hyphens: at least three.
_SPELLED = re.compile(r"(?<![\w.])(?:[^\W\d_][ .\-]+){2,}[^\W\d_](?![\w])\.?")
_LOOKALIKE_SCRIPTS = ("CYRILLIC", "GREEK")


@lru_cache(maxsize=1)
def _latin_lookalikes() -> dict[str, str]:
    """Cyrillic and Greek letters -> the Latin letter each is confusable with (TR39)."""
    raw = json.loads(resources.files("confusable_homoglyphs").joinpath("confusables.json").read_text("utf-8"))
    out = {}
    for char, glyphs in raw.items():
        if len(char) != 1 or not _script(char) in _LOOKALIKE_SCRIPTS:
            continue
        for glyph in glyphs:
            target = glyph.get("c", "")
            if len(target) == 1 and target.isascii() and target.isalpha():
                out[char] = target
                break
    return out


def _script(char: str) -> str:
    try:
        return unicodedata.name(char).split(" ", 1)[0]
    except ValueError:
        return ""


@dataclass(frozen=True, slots=True)
class Reading:
    """A name as it reads, and what was undone to read it so."""

    text: str
    undone: tuple[str, ...] = ()


def undisguise(name: str) -> Reading:
    """`name` with markup, invisible characters and look-alike letters undone."""
    text, undone = name, []
    if "<" in text and ">" in text:
        stripped = _TAG.sub(" ", _SCRIPT.sub(" ", text))
        if stripped != text:
            text = stripped
            undone.append("markup removed")
    if "&" in text and ";" in text:
        decoded = html.unescape(text) if _ENTITY.search(text) else text
        if decoded != text:
            text = decoded
            undone.append("character entities decoded")
    if text.isascii():
        return Reading(text, tuple(undone))
    invisible = sum(1 for ch in text if unicodedata.category(ch) == "Cf")
    if invisible:
        text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
        undone.append(f"{invisible} invisible character{'s' if invisible > 1 else ''} removed")
    if any("\uff01" <= ch <= "\uff5e" for ch in text):
        undone.append("full-width letters read as plain")
    text, swapped = _lookalikes(text)
    if swapped:
        undone.append(f"look-alike letters read as Latin ({', '.join(swapped)})")
    return Reading(text, tuple(undone))


def _lookalikes(text: str) -> tuple[str, list[str]]:
    """Replace Cyrillic/Greek look-alikes inside Latin words, or in look-alike-only words
    of a name that is otherwise Latin."""
    table = _latin_lookalikes()
    words = _WORD.findall(text)
    latin_words = sum(1 for w in words if all(_script(c) == "LATIN" for c in w if c.isalpha()))
    swapped: list[str] = []

    def fix(match: re.Match) -> str:
        word = match.group(0)
        scripts = {_script(c) for c in word if c.isalpha()}
        foreign = scripts & set(_LOOKALIKE_SCRIPTS)
        if not foreign:
            return word
        mixed = "LATIN" in scripts
        disguised_word = latin_words > 0 and all(c in table for c in word if c.isalpha() and _script(c) != "LATIN")
        if not (mixed or disguised_word) or not all(c in table for c in word if _script(c) in foreign):
            return word
        out = []
        for c in word:
            if _script(c) in foreign:
                swapped.append(f"{c}→{table[c]}")
                out.append(table[c])
            else:
                out.append(c)
        return "".join(out)

    return _WORD.sub(fix, text), list(dict.fromkeys(swapped))


def spelled_out(text: str) -> str | None:
    """`text` with letters written one by one joined into a word, or None if it has none."""
    joined = _SPELLED.sub(lambda m: " " + re.sub(r"[ .\-]", "", m.group(0)) + " ", text)
    return joined if joined != text else None


# --- the listed name inside a longer one ---------------------------------------------------------

_WRAPPERS = re.compile(
    r"\s*(?:,\s*)?\b(c\s*/\s*o|care\s+of|on\s+behalf\s+of|for\s+the\s+account\s+of|d\s*/\s*b\s*/\s*a|dba|"
    r"doing\s+business\s+as|t\s*/\s*a|trading\s+as|acting\s+through|through\s+its\s+agent|as\s+agent\s+for|"
    r"agent\s+of|attn\.?|attention|f\s*/\s*k\s*/\s*a|formerly\s+known\s+as|a\s*/\s*k\s*/\s*a|also\s+known\s+as)"
    r"(?=\W|$)[\s:,]*", re.I)
# A branch or office suffix: the keyword ends the name, or is followed only by where it
# is ("... Branch in Dubai", "... Office, Dubai", "... Branch (Dubai)").
_BRANCH = re.compile(
    r"\b(?:branch(?:\s+office)?|(?:regional|representative|rep\.?|liaison|sales|local|head|registered|"
    r"country|field|project)\s+office|office|subsidiary|division|plant|factory|warehouse|outlet)\b"
    r"(?:\s+(?:in|at|of)\s+[^,()]{1,60})?\s*(?:[,(].{0,120})?$", re.I)
# A reference after the name: "... ref 20418", "... PO#7731", "... acct 99-0142", "/inv 5521".
_REFERENCE = re.compile(r"(?:[\s,;/]+(?:ref(?:erence)?|po|p\.o\.|acct|account|inv(?:oice)?|order|ord|no|nr)\b"
                        r"|\s*#)[\s#:.\-]*[\w\-/#]*\d[\w\-/#.]*(?:\s.*)?$", re.I)
_PARENS = re.compile(r"\s*[(\[][^()\[\]]{0,200}[)\]]")
_DASH = re.compile(r"\s+[-–—]+\s+|\s*[|;]\s*")


@dataclass(frozen=True, slots=True)
class Segment:
    """A part of a name that may be the listed party, and the words set aside."""

    text: str
    how: str  # "branch or office suffix", "c/o wrapper", ...
    aside: str  # the words set aside


# Something at least one of the patterns above needs: a character, or a word. Most names
# have none of them, and looking for these first (a character class, then plain
# substrings) costs a tenth of running the patterns.
_DECORATING_CHARACTER = re.compile(r"[/()\[\]\-–—|;#\d]")
_DECORATING_WORDS = ("care", "behalf", "account", "dba", "doing", "trading", "acting", "through", "agent", "attn",
                     "attention", "known", "branch", "office", "subsidiary", "division", "plant", "factory",
                     "warehouse", "outlet")


def _may_be_decorated(text: str) -> bool:
    if _DECORATING_CHARACTER.search(text):
        return True
    folded = text.casefold()
    return any(word in folded for word in _DECORATING_WORDS)


def segments(text: str) -> list[Segment]:
    """The parts of a decorated name to search besides the whole; none for a plain name."""
    if not _may_be_decorated(text):
        return []
    out: list[Segment] = []
    seen = {text.strip().casefold()}

    def add(part: str, how: str, aside: str) -> None:
        part = " ".join(part.strip(" ,;:-–—()[]").split())
        if len(part) >= 2 and part.casefold() not in seen and any(c.isalnum() for c in part):
            seen.add(part.casefold())
            out.append(Segment(part, how, aside.strip(" ,;:-–—")))

    pieces = _WRAPPERS.split(text)
    if len(pieces) > 1:  # [before, marker, after, marker, after, ...]
        for k in range(0, len(pieces), 2):
            part = pieces[k]
            marker = pieces[k - 1] if k else pieces[1]
            rest = " ".join(p for i, p in enumerate(pieces) if i != k)
            add(part, f"'{' '.join(marker.split()).lower()}' wrapper", rest)
    for part in [text, *[s.text for s in out]]:
        m = _BRANCH.search(part)
        if m and m.start() > 0:
            before = part[:m.start()].rstrip(" ,;:-–—(")
            words = before.split()
            # the keyword may follow a place ("... Shenzhen Branch"): also without 1 or 2 words
            for drop in range(0, min(3, len(words))):
                kept = " ".join(words[:len(words) - drop])
                add(kept, "branch or office suffix", part[len(kept):])
        m = _REFERENCE.search(part)
        if m and m.start() > 0:
            add(part[:m.start()], "a reference after the name set aside", m.group(0))
        unbracketed = _PARENS.sub(" ", part)
        if unbracketed != part:
            add(unbracketed, "parenthesis set aside", " ".join(_PARENS.findall(part)))
        halves = _DASH.split(part, maxsplit=1)
        if len(halves) == 2:
            add(halves[0], "text after a dash set aside", halves[1])
        m = _TRAILING_PLACE.search(part)
        if m and len(part[:m.start()].split()) >= 2 and is_country_word(m.group(1)):
            add(part[:m.start()], "a place after the name set aside", m.group(1))
    return out


# A country's three-letter code hyphenated onto the end of a name ("SILVER BRIDGE SHIPPING
# CO-HKG"): a branch's or a registration's place, not the name. Only an upper-case code:
# a country's name after a hyphen is a family name too often (Smith-Jordan).
_TRAILING_PLACE = re.compile(r"\s*-\s*([A-Z]{3})\s*$")
