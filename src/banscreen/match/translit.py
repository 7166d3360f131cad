"""Comparing words that reached Latin letters by different roads.

A name written in Cyrillic, Arabic, Hebrew, Greek, Hangul or kana and romanized by
anyascii rarely spells a word as a list does: `Теренс Янг` reads "terens yang" where the
list says "Terence Young", `데이비드 트림블` reads "deibideu teulimbeul" for "David
Trimble", Arabic and Hebrew write few vowels ("hsn" for "Hassan"). Edit distance on the
letters calls these different words. A phonetic key brings them together: vowels after
the first letter dropped, letters that scripts and romanizations confuse merged (b/p/v/f,
d/t, g/k/q/c, s/z, l/r), digraphs read as one sound, doubled letters collapsed. Two words
with the same key, or keys one edit apart, are the same word written another way.

Used only where the two names come in different scripts (a name in one script is
spelled by its writer, and the exact comparison applies). Pure functions."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from rapidfuzz.distance import OSA

# Digraphs first (longest first), then single letters. "ch" is read three ways (Charles,
# Chenri for Henry, Chinese "ch"), so a word may have several keys.
_DIGRAPHS = (("dzh", "j"), ("dj", "j"), ("ght", "t"), ("sch", "s"), ("tch", "c"), ("kh", "h"), ("gh", "g"), ("ph", "f"), ("th", "t"), ("dh", "d"),
             ("sh", "s"), ("zh", "j"), ("ts", "s"), ("tz", "s"), ("dz", "z"), ("ck", "k"), ("ou", "u"),
             ("oy", "u"), ("ow", "u"), ("aw", "a"), ("ew", "u"))
_CH = ("s", "k", "h")
_CLASS = {"b": "b", "p": "b", "v": "b", "f": "b", "w": "b",
          "d": "d", "t": "d",
          "g": "k", "k": "k", "q": "k", "c": "k", "x": "k",
          "s": "s", "z": "s", "j": "s",
          "l": "l", "r": "l",
          "m": "m", "n": "n", "h": "h"}
_VOWELS = frozenset("aeiouy")

# A word and its spelling in another script with the same key: nearly the same word.
SAME_KEY_SIMILARITY = 0.9
# ... keys one edit apart (one sound written differently, or left out)
NEAR_KEY_SIMILARITY = 0.75


def _key(word: str, ch: str) -> str:
    w = word.replace("ch", "\0")
    for a, b in _DIGRAPHS:
        w = w.replace(a, b)
    w = w.replace("\0", ch)
    out: list[str] = []
    for i, c in enumerate(w):
        if c in _VOWELS:
            if i == 0:
                out.append("a")  # a word that starts with a vowel, whichever
            continue
        if c == "h" and i > 0:  # a silent or dropped h ("rikhard", "mohmmd")
            continue
        if c == "c" and i + 1 < len(w) and w[i + 1] in "eiy":
            c = "s"  # "terence"
        k = _CLASS.get(c, c)
        if not out or out[-1] != k:
            out.append(k)
    return "".join(out)


@lru_cache(maxsize=200_000)
def keys(word: str) -> frozenset[str]:
    """The phonetic keys of a folded word: one, or more where it holds "ch" (three
    readings) or starts with "j" (also read as "y", as in Nordic and German names)."""
    if not word.isalpha():
        return frozenset({word})
    if word.startswith("wr"):  # "wright" / "rayt"
        word = word[1:]
    spellings = [word, "y" + word[1:]] if word[0] == "j" else [word]
    return frozenset(_key(w, ch) for w in spellings for ch in (_CH if "ch" in w else ("s",)))


@lru_cache(maxsize=200_000)
def similarity(a: str, b: str) -> float:
    """How alike two words sound, in [0, 1]: 0 unless their keys agree, or differ by one
    edit in keys of three or more sounds that start alike."""
    if not (a.isalpha() and b.isalpha()) or min(len(a), len(b)) < 2:
        return 0.0
    best = 0.0
    for ka in keys(a):
        for kb in keys(b):
            if ka == kb and len(ka) >= 2:
                return SAME_KEY_SIMILARITY
            if min(len(ka), len(kb)) >= 3 and ka[0] == kb[0] and OSA.distance(ka, kb, score_cutoff=1) <= 1:
                best = NEAR_KEY_SIMILARITY
    return best


# --- Greek as it is read ---------------------------------------------------------------------------
# Modern Greek writes b, d and g as digraphs (μπ, ντ, γκ: "Μπερσάνι" is Bersani, "Ντενί" is
# Denis) and several vowels two ways; a letter-by-letter romanization ("mpersani", "nteni")
# hides the name a list spells in Latin letters. Read as spoken first.
_GREEK = re.compile(r"[\u0370-\u03ff\u1f00-\u1fff]")
_GREEK_WORD_START = (("μπ", "b"), ("ντ", "d"), ("γκ", "g"), ("γγ", "g"), ("τζ", "tz"))
_GREEK_DIGRAPHS = (("μπ", "mb"), ("ντ", "nd"), ("γκ", "ng"), ("γγ", "ng"), ("τζ", "tz"), ("ου", "u"), ("αι", "e"),
                   ("ει", "i"), ("οι", "i"), ("υι", "i"), ("αυ", "av"), ("ευ", "ev"), ("χ", "h"), ("η", "i"),
                   ("υ", "i"))
_GREEK_WORD = re.compile(r"[\u0370-\u03ff\x01]+")


def has_greek(text: str) -> bool:
    return bool(_GREEK.search(text))


def greek_as_read(text: str) -> str:
    """Greek words spelled as they sound, in Greek letters and Latin ones, ready for
    romanization: "Μπόχουσλαβ Σομπότκα" -> "bοhuσλαβ σομbοτκα" -> (anyascii)
    "bohuslav sombotka". Accents are dropped first (the digraphs do not carry them)."""
    # a diaeresis parts two vowels ("Σαΐντ" is Sa-id, not "sed"): kept apart by a mark
    # that no digraph crosses, dropped at the end
    chars: list[str] = []
    for c in unicodedata.normalize("NFD", text):
        if c == "\u0308" and chars:
            chars.insert(len(chars) - 1, "\x01")  # before the vowel that carries it
        elif not unicodedata.combining(c):
            chars.append(c)
    bare = "".join(chars).lower()

    def word(m: re.Match) -> str:
        w = m.group(0)
        for greek, latin in _GREEK_WORD_START:
            if w.startswith(greek):
                w = latin + w[len(greek):]
                break
        if w.startswith("γι") and len(w) > 2:  # "Γιούχα" / Juha, "Γιάντρανκα" / Jadranka
            w = "y" + w[2:]
        elif w.startswith("γου") or (w.startswith("ου") and len(w) > 2 and w[2] in "αεηιοωυ"):
            w = "w" + w[3 if w.startswith("γου") else 2:]  # "Γουάτσον" / Watson, "Ουόρεν" / Warren
        for greek, latin in _GREEK_DIGRAPHS:
            w = w.replace(greek, latin)
        return w

    return _GREEK_WORD.sub(word, bare).replace("\x01", "")


# --- Hebrew as it is read ------------------------------------------------------------------------
# Hebrew writes few vowels and uses consonant letters for some (ו for o/u, י for i, א and
# ע for a vowel at a word's start, a final ה for "a"); a letter-by-letter romanization
# ("hvyh" for Høie, "'dms" for Adams) reads those as consonants. Read as spoken: the
# matres lectionis as vowels, the geresh digraphs (ג' j, צ' ch, ז' zh), ש as sh.
_HEBREW = re.compile(r"[\u0590-\u05ff]")
_HEBREW_WORD = re.compile(r"[\u0590-\u05ff'\u05f3]+")
_HEBREW_GERESH = (("ג'", "j"), ("צ'", "ch"), ("ז'", "zh"), ("ת'", "th"))
_HEBREW_LETTERS = {"א": "a", "ב": "b", "ג": "g", "ד": "d", "ה": "h", "ו": "o", "ז": "z", "ח": "h", "ט": "t",
                   "י": "i", "כ": "k", "ך": "k", "ל": "l", "מ": "m", "ם": "m", "נ": "n", "ן": "n", "ס": "s",
                   "ע": "a", "פ": "p", "ף": "f", "צ": "ts", "ץ": "ts", "ק": "k", "ר": "r", "ש": "sh", "ת": "t"}


def has_hebrew(text: str) -> bool:
    return bool(_HEBREW.search(text))


def hebrew_as_read(text: str) -> str:
    """Hebrew words spelled as they sound, in Latin letters: "בריאן שץ" -> "brian shts",
    "ג'רי אדמס" -> "jeri adams" (vowel points dropped, doubled letters as one consonant:
    וו v, יי y; a word's final ה as a)."""
    bare = "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))
    bare = bare.replace("\u05f3", "'")  # Hebrew geresh

    def word(m: re.Match) -> str:
        w = m.group(0)
        for hebrew, latin in _HEBREW_GERESH:
            w = w.replace(hebrew, latin)
        w = w.replace("וו", "v").replace("יי", "y").replace("'", "")
        if w.endswith("ה") and len(w) > 1:
            w = w[:-1] + "a"
        out = []
        for i, c in enumerate(w):
            if c in "אע" and i > 0:
                out.append("a" if i == len(w) - 1 else "")  # a silent letter inside a word
            else:
                out.append(_HEBREW_LETTERS.get(c, c))
        return "".join(out)

    return _HEBREW_WORD.sub(word, bare)


# --- Arabic (and Persian) as it is read ---------------------------------------------------------
# Arabic writes short vowels only as optional marks and long ones with consonant letters;
# its article is joined to the word ("المرابطون", al-Mourabitoun). A letter-by-letter
# romanization ("lmrbtwn", "`bd", "'nsr") loses the article's and the initial vowels and
# reads و and ي as consonants. Read as spoken: the article apart, an initial alef or ayn
# as a vowel, و and ي inside a word as vowels.
_ARABIC = re.compile(r"[\u0600-\u06ff]")
_ARABIC_WORD = re.compile(r"[\u0600-\u06ff]+")
_ARABIC_MARKS = re.compile(r"[\u064b-\u065f\u0670\u0640]")  # harakat, superscript alef, tatweel
_ARABIC_LETTERS = {
    "ا": "a", "أ": "a", "إ": "i", "آ": "a", "ٱ": "a", "ب": "b", "ت": "t", "ث": "th", "ج": "j", "ح": "h", "خ": "kh",
    "د": "d", "ذ": "dh", "ر": "r", "ز": "z", "س": "s", "ش": "sh", "ص": "s", "ض": "d", "ط": "t", "ظ": "z", "ع": "",
    "غ": "gh", "ف": "f", "ق": "q", "ك": "k", "ک": "k", "ل": "l", "م": "m", "ن": "n", "ه": "h", "ة": "a", "و": "u",
    "ي": "i", "ی": "i", "ى": "a", "ء": "", "ئ": "", "ؤ": "", "پ": "p", "چ": "ch", "ژ": "zh", "گ": "g", "ہ": "h",
    "ھ": "h", "ۀ": "a", "ے": "e"}


def has_arabic(text: str) -> bool:
    return bool(_ARABIC.search(text))


def arabic_as_read(text: str) -> str:
    """Arabic-script words spelled as they sound, in Latin letters: "المرابطون" -> "al
    murabtun", "عبد اللطيف منصور" -> "abd al latif mansur" (vowel marks dropped; و and ي
    as consonants only at a word's start; an initial ayn as a)."""
    bare = _ARABIC_MARKS.sub("", text)  # the vowel marks only: hamza forms stay letters

    def word(m: re.Match) -> str:
        w = m.group(0)
        article = ""
        if w.startswith("ال") and len(w) > 3:
            article, w = "al ", w[2:]
        out = []
        for i, c in enumerate(w):
            if i == 0 and c == "ع":
                out.append("a")
            elif i == 0 and c in "وي":
                out.append("w" if c == "و" else "y")
            else:
                out.append(_ARABIC_LETTERS.get(c, c))
        return article + "".join(out)

    return _ARABIC_WORD.sub(word, bare)


# --- Wade-Giles and pinyin ------------------------------------------------------------------------
# Chinese names reach lists in both romanizations: Hsu Chih-Hao is Xu Zhihao, Teng Hsiao-p'ing
# is Deng Xiaoping. Apostrophes are gone once a name is folded, so an initial may stand for an
# aspirated or a plain sound: every reading is kept.
_WG_INITIALS = (("hs", ("x",)), ("ch", ("zh", "j", "ch", "q")), ("ts", ("z", "c")), ("tz", ("z", "c")),
                ("ss", ("s",)), ("sz", ("s",)), ("sh", ("sh",)), ("j", ("r",)), ("k", ("g", "k")),
                ("t", ("d", "t")), ("p", ("b", "p")))
_WG_FINALS = (("ieh", "ie"), ("ien", "ian"), ("iung", "iong"), ("ung", "ong"), ("ueh", "ue"), ("uei", "ui"),
              ("erh", "er"), ("ih", "i"))
MAX_SYLLABLE = 6


@lru_cache(maxsize=50_000)
def pinyin_readings(word: str) -> frozenset[str]:
    """The pinyin a one-syllable Wade-Giles word may stand for, the word itself included
    (a pinyin syllable reads as itself); empty for a word too long to be one syllable."""
    if not word.isalpha() or len(word) > MAX_SYLLABLE:
        return frozenset()
    out = {word}
    for initial, choices in _WG_INITIALS:
        if word.startswith(initial):
            rest = word[len(initial):]
            break
    else:
        initial, choices, rest = "", ("",), word
    for final, pinyin in _WG_FINALS:
        if rest.endswith(final):
            rest = rest[: -len(final)] + pinyin
            break
    out.update(choice + rest for choice in choices)
    return frozenset(out)


def same_chinese_name(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """Whether two Latin names of one-syllable words (and pinyin words run together) read
    as the same pinyin: "hsu chih hao" / "xu zhihao"."""
    if not a or not b or len(a) + len(b) > 12:
        return False
    readings_a = _name_readings(a)
    return bool(readings_a) and not readings_a.isdisjoint(_name_readings(b))


@lru_cache(maxsize=100_000)
def _name_readings(words: tuple[str, ...]) -> frozenset[str]:
    """Every pinyin a name of one-syllable words may read as, the words run together;
    empty when a word is not letters or the readings pass 256. Cached: a list name is
    met by many queries."""
    readings = {""}
    for word in words:
        options = pinyin_readings(word) or (frozenset({word}) if word.isalpha() else frozenset())
        if not options:
            return frozenset()
        readings = {r + o for r in readings for o in options}
        if len(readings) > 256:
            return frozenset()
    return frozenset(readings)
