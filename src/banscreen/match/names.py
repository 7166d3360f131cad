"""Name normalization and comparison: pure functions, no I/O beyond reading the
package's own tables once.

A name is folded to ASCII tokens (CJK to pinyin, everything else through anyascii),
its legal form ("Co., Ltd.", "OOO", "GmbH") is set apart from its distinctive tokens,
and spelling variants of common words fold to one form. Two names are then compared by
named features (features.py), each with a score and a human-readable detail, so an
analyst can see why a hit was raised."""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Callable, Iterable, Mapping, Sequence

import jellyfish
import yaml
from anyascii import anyascii
from num2words import num2words
from pypinyin import lazy_pinyin
from rapidfuzz.distance import OSA

from banscreen.match import translit
from banscreen.match.disguise import segments, spelled_out, undisguise

# Tokens at most this long must match exactly (or as an initial): one edit in a 3-letter
# token is a different word far more often than a typo.
SHORT_TOKEN = 3

# Only a list name with distinctive words counts as contained (features.contained_feature): at least one word, and
# half of its weight, in words of this rarity or more (weight log(1 + names/df): about
# one name in 150 or fewer). "Trading Company" is found inside every trading company.
DISTINCTIVE_WEIGHT = 5.0
# A score from which two names are the same name, up to spelling, word order and legal
# form: what reports call an exact match (error, not warning) and what resolves a vendor.
EXACT_SCORE = 0.95
INITIAL_SIMILARITY = 0.6
# A word against its abbreviation or expansion (LAB / LABORATORY, AIR / AIRLINES): the
# same word as a list would write it, a little less sure than the same spelling.
ABBREVIATION_SIMILARITY = 0.9
# A given name against its nickname (BILL / WILLIAM): usually the same person, but a
# nickname is shared by several names.
NICKNAME_SIMILARITY = 0.85
# Surnames that sound alike and are two edits apart (MEIER / MAYER).
SOUND_ALIKE_SIMILARITY = 0.8
# Legal-form words at least this long are recognised with typos ("COMAPNY", "LIMIED");
# shorter ones ("joint" / "point") would catch real words ...
LEGAL_TYPO_MIN = 6
# ... except inside a legal form of several words ("JOIT STOCK COMPANY"), from this length.
LEGAL_PHRASE_TYPO_MIN = 4
# Short legal forms that are also ordinary words or name particles ("as", "sa", "ab")
# count as a legal form only at the end of a name; these may also lead it.
LEADING_LEGAL = frozenset({"ao", "zao", "oao", "pao", "ooo", "tov", "too", "pjsc", "ojsc", "cjsc", "jsc"})


@dataclass(frozen=True, slots=True)
class NormalizedName:
    original: str
    tokens: tuple[str, ...]  # distinctive tokens, in the name's order
    legal: tuple[str, ...] = ()  # canonical legal forms found in the name
    folded: tuple[str, ...] = ()  # every token, legal forms included, in order
    undone: tuple[str, ...] = ()  # disguises undone to read the name (markup, look-alike letters, ...)
    part: str = ""  # for a part of a longer name: how it was found ("branch or office suffix", ...)
    aside: str = ""  # ... and the words set aside
    latin: bool = True  # written in Latin letters (else romanized here: compared by sound too)
    reading: str = ""  # for a name read one syllable a word, how (a key of translit.SYLLABLE_READINGS)

    @property
    def canonical(self) -> tuple[str, ...]:
        """Tokens with spelling variants folded together, in order."""
        return _canonical(self.tokens)

    @property
    def text(self) -> str:
        return " ".join(self.tokens)

    @property
    def joined(self) -> str:
        return "".join(self.tokens)

    @property
    def joined_all(self) -> str:
        return "".join(self.folded or self.tokens)

    def describe(self) -> str:
        legal = f" [{' '.join(self.legal)}]" if self.legal else ""
        # (how a name in Chinese characters was read: pinyin, Cantonese or Korean)
        reading = f" (Chinese characters read in {translit.READING_NAMES.get(self.reading, self.reading)})" \
            if self.reading and has_han(self.original) else ""
        return self.text + legal + reading


@lru_cache(maxsize=200_000)
def _canonical(tokens: tuple[str, ...]) -> tuple[str, ...]:
    syn = tables().synonyms
    return tuple(number_value(t) or syn.get(t, t) for t in tokens)


@dataclass(frozen=True, slots=True)
class Tables:
    legal: Mapping[tuple[str, ...], str]
    legal_max_len: int
    legal_first: frozenset[str]  # the words legal forms begin with
    # words of 6+ letters in legal forms, for typo repair; sorted, so that a word one edit
    # from two of them (OTVETSTVENNOSTIYU: ...NOSTYU, ...NOSTIU) reads the same in every process
    legal_words: tuple[str, ...]
    # shorter words of legal forms of several words (joint, stock), sorted: see legal_words
    legal_phrase_words: tuple[str, ...]
    synonyms: Mapping[str, str]
    stopwords: frozenset[str]
    cjk_terms: Mapping[str, str]
    cjk_max_len: int
    abbreviations: Mapping[str, frozenset[str]]  # word -> its abbreviations and expansions
    generic: frozenset[str]  # common business words and place names: never what identifies a name
    numbers: Mapping[str, str]  # "third", "twelve" -> "3", "12"
    places: frozenset[str]  # one-word country, subdivision and trade-hub names


@lru_cache(maxsize=1)
def _raw_tables() -> dict:
    """names.yaml as parsed, once."""
    return yaml.safe_load(resources.files("banscreen.data").joinpath("names.yaml").read_text("utf-8"))


@lru_cache(maxsize=1)
def tables() -> Tables:
    raw = _raw_tables()
    legal: dict[tuple[str, ...], str] = {}
    short = {"company": "co", "limited": "ltd", "corporation": "corp", "incorporated": "inc"}
    for canonical, spellings in raw["legal_forms"].items():
        for spelling in spellings:
            words = tuple(str(spelling).split())
            legal[words] = canonical
            abbreviated = tuple(short.get(w, w) for w in words)
            legal.setdefault(abbreviated, canonical)
    synonyms = {str(v): str(k) for k, vs in raw["synonyms"].items() for v in vs}
    cjk = {str(k): str(v) for k, v in raw["cjk_terms"].items()}
    abbreviations: dict[str, set[str]] = {}
    for group in raw["abbreviations"]:
        words = {str(w) for w in group}
        for w in words:
            abbreviations.setdefault(w, set()).update(words - {w})
    hubs = frozenset(str(w) for w in raw["trade_hubs"])
    return Tables(
        legal=legal,
        legal_max_len=max(len(k) for k in legal),
        legal_first=frozenset(k[0] for k in legal),
        legal_words=tuple(sorted({w for k in legal for w in k if len(w) >= LEGAL_TYPO_MIN})),
        legal_phrase_words=tuple(sorted({w for k in legal if len(k) >= 2 for w in k
                                         if LEGAL_PHRASE_TYPO_MIN <= len(w) < LEGAL_TYPO_MIN})),
        synonyms=synonyms,
        stopwords=frozenset(str(s) for s in raw["stopwords"]),
        cjk_terms=cjk,
        cjk_max_len=max(len(k) for k in cjk),
        abbreviations={k: frozenset(v) for k, v in abbreviations.items()},
        generic=frozenset(str(w) for w in raw["generic_words"]) | frozenset(synonyms) | frozenset(synonyms.values())
        | frozenset(abbreviations) | _place_words() | hubs,
        places=_place_words() | hubs,
        numbers=_number_words(),
    )


def _place_words() -> frozenset[str]:
    """One-word country and subdivision names (pycountry's ISO 3166 data), folded."""
    import pycountry

    words = set()
    for item in [*pycountry.countries, *pycountry.subdivisions]:
        for name in (getattr(item, "name", ""), getattr(item, "common_name", "")):
            folded = anyascii(name).lower().replace("'", "")
            if folded and " " not in folded and folded.isalpha():
                words.add(folded)
    return frozenset(words)


def distinctive(token: str, weight: Weight) -> bool:
    """Whether a word can identify a name: rare in the lists and not a common business
    word or a place. Rare means DISTINCTIVE_WEIGHT, or in a small list (a custom list of
    a few names, where no word can be that rare) most of the weight of a word seen once."""
    if token in tables().generic or token.isdigit():
        return False
    return weight(token) >= min(DISTINCTIVE_WEIGHT, 0.6 * weight("\0"))  # "\0": unseen, the rarest


def _number_words() -> dict[str, str]:
    """Number words (cardinal and ordinal, 0 to 100) -> digits, from num2words."""
    out = {}
    for n in range(2, 101):  # not "one" or "first": words of names ("One Vision", "First Bank")
        for word in (num2words(n), num2words(n, to="ordinal")):
            folded = word.replace("-", "").replace(" ", "")
            out[folded] = str(n)
    return out


@lru_cache(maxsize=1)
def nicknames() -> dict[str, frozenset[str]]:
    """Given name -> its nicknames and the names it is a nickname of: the `nicknames`
    package's English table (Bill/William, Bob/Robert, Ben/Benjamin, ...), names.yaml's
    `nicknames` for the Russian and Arabic short forms it lacks, and its
    `ukrainian_forms` (Mykola/Nikolay)."""
    import csv
    import io

    text = resources.files("nicknames").joinpath("names.csv").read_text("utf-8")
    pairs = [(row["name1"], row["name2"]) for row in csv.DictReader(io.StringIO(text))]
    raw = _raw_tables()
    pairs += [(name, short) for table in ("nicknames", "ukrainian_forms")
              for name, shorts in raw.get(table, {}).items() for short in shorts]
    related: dict[str, set[str]] = {}
    for name, short in pairs:
        a, b = str(name).strip().lower(), str(short).strip().lower()
        if a and b and a != b:
            related.setdefault(a, set()).add(b)
            related.setdefault(b, set()).add(a)
    return {k: frozenset(v) for k, v in related.items()}


_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_KOREAN_NAME = re.compile(r"[\uac00-\ud7a3]{2,4}")
_CHINESE_NAME = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]{2,4}")
# Thai and Lao write five vowels before the consonant they follow in speech (โจ "jo");
# anyascii spells them as written ("och"), so such a vowel is moved after its consonant
# before folding. (A letter marked silent stays: a foreign name's Latin spelling has it,
# ราซะก์ / Razak.)
_PREPOSED_VOWEL = re.compile("([\u0e40-\u0e44\u0ec0-\u0ec4])([\u0e01-\u0e2e\u0e81-\u0eae])")
_THAI_LAO = re.compile("[\u0e00-\u0eff]")
_APOSTROPHES = re.compile(r"['\u2018\u2019\u02bc\u02bb`´]")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def has_han(text: str) -> bool:
    return _HAN.search(text) is not None


# Characters whose reading in a name is not pypinyin's first: 什 is "shen" in 什么 ("what"),
# and "shi" in a name (布什 Bush, 布什尔 Bushehr, 什叶 Shia).
_NAME_READING = {"什": "shi"}


def _romanize_han(run: str, joined: bool) -> str:
    """Translate known business terms in a run of Han characters, romanize the rest.

    With `joined`, the pinyin syllables between two known terms form one token
    (华为 -> "huawei", as Latin-script lists write brand names); without, each
    syllable is its own token ("hua wei")."""
    t = tables()
    out: list[str] = []
    pending = ""

    def flush() -> None:
        nonlocal pending
        if pending:
            syllables = lazy_pinyin(pending)
            if len(syllables) == len(pending):
                syllables = [_NAME_READING.get(ch, syllable) for ch, syllable in zip(pending, syllables)]
            out.append("".join(syllables) if joined else " ".join(syllables))
            pending = ""

    i = 0
    while i < len(run):
        for size in range(min(t.cjk_max_len, len(run) - i), 0, -1):
            term = t.cjk_terms.get(run[i : i + size])
            if term is not None:
                flush()
                out.append(term)
                i += size
                break
        else:
            pending += run[i]
            i += 1
    flush()
    return " " + " ".join(out) + " "


def fold(text: str, joined_pinyin: bool = True) -> list[str]:
    """Unicode text -> lower-case ASCII tokens, punctuation removed."""
    text = unicodedata.normalize("NFKC", text)
    if has_han(text):
        text = _HAN.sub(lambda m: _romanize_han(m.group(0), joined_pinyin), text)
    if _THAI_LAO.search(text):
        text = _PREPOSED_VOWEL.sub(r"\2\1", text)
    text = anyascii(text).lower()
    text = text.replace("&", " and ")
    # "Xi'an" and "O'Brien" are one word; "S.A." and "L.L.C." are one abbreviation.
    text = _APOSTROPHES.sub("", text).replace(".", "")
    return _NON_ALNUM.sub(" ", text).split()


@lru_cache(maxsize=50_000)
def legal_spelling(token: str) -> str:
    """`token` itself, or the legal-form word it is a typo of."""
    t = tables()
    if len(token) < LEGAL_TYPO_MIN or token in t.legal_words:
        return token
    return _one_edit_from(token, t.legal_words)  # (in sorted order: see Tables.legal_words)


def _one_edit_from(token: str, words: Sequence[str]) -> str:
    """The first of `words` one edit (OSA) from `token`, else `token` (more edits would
    turn real words into legal forms: "corporativo" / "corporation")."""
    for word in words:
        if abs(len(word) - len(token)) <= 1 and OSA.distance(token, word, score_cutoff=1) <= 1:
            return word
    return token


@lru_cache(maxsize=50_000)
def _legal_phrase_spelling(token: str) -> str:
    """`token` itself, or the short word of a legal form of several words it is one
    typo of ("joit" / joint, "stok" / stock): words too short for `legal_spelling`, where
    one edit makes too many other words, read so only inside such a form."""
    if not LEGAL_PHRASE_TYPO_MIN <= len(token) < LEGAL_TYPO_MIN or token in tables().legal_words:
        return token
    return _one_edit_from(token, tables().legal_phrase_words)


def _legal_spans(tokens: list[str]) -> list[tuple[int, int, str]]:
    """(start, end, canonical) of each legal form in `tokens`, longest first, left to right."""
    t = tables()
    n = len(tokens)
    spans: list[tuple[int, int, str]] = []
    i = 0
    while i < n:
        if tokens[i] not in t.legal_first:  # (most words start no legal form: one set lookup)
            i += 1
            continue
        for size in range(min(t.legal_max_len, n - i), 0, -1):
            canonical = t.legal.get(tuple(tokens[i : i + size]))
            if canonical is not None:
                spans.append((i, i + size, canonical))
                i += size
                break
        else:
            i += 1
    return spans


# "PAO, Yu Liang": one word before a comma opening a name is a surname, as lists write
# persons, not a legal form (PAO, AO and TOO are surnames too).
_SURNAME_COMMA = re.compile(r"\s*[^\W\d_]+\s*,")


def _split_legal(tokens: list[str], latin: bool = True, surname_first: bool = False) -> tuple[list[str], list[str]]:
    """The name's words apart from its legal forms, and the legal forms (canonical). A
    name not written in Latin letters takes a one-word legal form only at its end, or one
    of LEADING_LEGAL at its start: elsewhere a word romanized to a Latin legal
    abbreviation is a name ("Σαρλ Μισέλ" reads "sarl misel": Charles Michel)."""
    t = tables()
    original = tokens
    tokens = [legal_spelling(tok) for tok in tokens]
    n = len(tokens)
    spans = _legal_spans(tokens)
    within = [_legal_phrase_spelling(tok) for tok in tokens]
    if within != tokens:
        # a typo in a short word of a legal form of several words ("JOIT STOCK COMPANY"):
        # read so only where the words around it make that legal form
        changed = {k for k in range(n) if within[k] != tokens[k]}
        found = _legal_spans(within)
        if changed <= {k for start, end, _ in found if end - start >= 2 for k in range(start, end)}:
            tokens, spans = within, found
    if not spans:
        return original, []
    # The trailing run of legal spans: "... Co., Ltd." or "... S.A. de C.V."
    trailing_from = n
    for start, end, _ in reversed(spans):
        if end == trailing_from:
            trailing_from = start
        else:
            break
    keep = [True] * n
    legal: list[str] = []
    for start, end, canonical in spans:
        if surname_first and start == 0 and end == 1 and n > 1:
            continue  # a surname, see _SURNAME_COMMA
        ambiguous = end - start == 1 and (len(tokens[start]) <= 2 or not latin)
        if ambiguous and start < trailing_from and not (start == 0 and tokens[0] in LEADING_LEGAL):
            continue
        for k in range(start, end):
            keep[k] = False
        legal.append(canonical)
    core = [tok for tok, k in zip(original, keep) if k]
    if not core:
        # A name that is nothing but legal forms keeps its first as its words ("CORP
        # Co., Ltd." is a company called Corp, a Co., Ltd.); one legal form alone
        # keeps its tokens.
        if len(legal) < 2:
            return original, []
        first_end = spans[0][1]
        return original[:first_end], legal[1:]
    return core, legal


_ORDINAL = re.compile(r"^(\d+)(?:st|nd|rd|th)$")


def number_value(token: str) -> str | None:
    """The number a token writes ('third', '3rd', 'twelve', '12' -> digits), else None."""
    if token.isdigit():
        return str(int(token)) if len(token) < 10 else token
    m = _ORDINAL.match(token)
    if m:
        return str(int(m.group(1)))
    return tables().numbers.get(token)


def normalize(name: str, joined_pinyin: bool = True, stopwords: bool = True) -> NormalizedName:
    """`name` folded, its legal forms set apart and (with `stopwords`) its stopwords
    dropped. A name read one syllable a word takes no stopwords: its syllables are its
    words, and some read like one (안 "an", 아 "a", 식 "sig")."""
    t = tables()
    tokens = fold(name, joined_pinyin)
    latin = is_latin(name)
    core, legal = _split_legal(tokens, latin, surname_first=bool(_SURNAME_COMMA.match(name)))
    distinctive = [tok for tok in core if not stopwords or tok not in t.stopwords]
    return NormalizedName(name, tuple(distinctive or core), tuple(legal), tuple(tokens), latin=latin)


def is_latin(text: str) -> bool:
    """Whether every letter of `text` is a Latin letter (digits and marks aside)."""
    return text.isascii() or all(ord(c) < 0x250 or 0x1E00 <= ord(c) <= 0x1EFF or 0xFF21 <= ord(c) <= 0xFF5A
                                 for c in text if c.isalpha())


def _forms(text: str) -> list[NormalizedName]:
    """One normalized form; for a Chinese-script name both joined ("huawei") and
    syllable-split ("hua wei") pinyin; for a Greek-script name both letter by letter
    ("Γιάννης" / "giannes", as Greek names are romanized) and as read ("yanis", as a
    foreign name written in Greek is: "Μπερσάνι" / "bersani", and with μπ/ντ/γκ inside a
    word read b/d/g: "Λίντι" / "lidi", translit.greek_as_read);
    for a Hebrew or Arabic one both letter by letter and with its vowel letters read as
    vowels (translit.hebrew_as_read, translit.arabic_as_read); for a Tamil one both, and
    with ச read as s (translit.tamil_as_read)."""
    first = normalize(text)
    if translit.has_greek(text):
        out = [first]
        for read in (normalize(translit.greek_as_read(text)), normalize(translit.greek_as_read(text, foreign=True))):
            if all(read.tokens != form.tokens for form in out):
                out.append(dataclasses.replace(read, original=text, latin=False))
        return out
    for has_script, as_read in ((translit.has_hebrew, translit.hebrew_as_read),
                                (translit.has_arabic, translit.arabic_as_read),
                                (translit.has_tamil, translit.tamil_as_read)):
        if has_script(text):
            read = normalize(as_read(text))
            if read.tokens != first.tokens:
                return [first, dataclasses.replace(read, original=text, latin=False)]
            return [first]
    if _KOREAN_NAME.fullmatch(text.strip()):
        # a Korean name of 2-4 syllables in one word (김정은): read one word per syllable,
        # as lists write it in Latin letters ("Kim Jong Un", "O Kuk-ryol"), each compared
        # by its romanizations (translit.korean_spellings); the whole word run together
        # would meet by sound any one-word name with its consonants ("choelyonghae" /
        # "solange")
        split = normalize(" ".join(text.strip()), stopwords=False)
        return [dataclasses.replace(split, original=text, reading=translit.KOREAN_SPLIT)]
    if not has_han(text) or translit.syllabic_script(text) == "han":
        # (a foreign name in Chinese characters is read word by word, as parted: its
        # syllables one by one are not its words)
        return [first]
    split = normalize(text, joined_pinyin=False, stopwords=False)
    chinese_name = _CHINESE_NAME.fullmatch(text.strip())
    if chinese_name:
        # a Chinese name of 2-4 characters: its syllables compared as pinyin syllables
        split = dataclasses.replace(split, reading=translit.PINYIN_SPLIT)
    out = [first] if split.tokens == first.tokens else [first, split]
    if chinese_name:
        # a Chinese name of 2-4 characters is also read in Cantonese, as Hong Kong and
        # Macau write it ("郭家麒": Kwok Ka-ki), each syllable by its spellings
        cantonese = translit.cantonese_reading(text.strip())
        if cantonese:
            out.append(dataclasses.replace(normalize(cantonese, stopwords=False), original=text, latin=False,
                                           reading=translit.CANTONESE_SPLIT))
        # ... and in Korean, as a Korean name written in Chinese characters is read
        # (金鐵萬: 김철만, Kim Chol-man), each syllable by its romanizations, as the Korean
        # name in Hangul is
        for hangul in translit.korean_readings(text.strip()):
            out.append(dataclasses.replace(normalize(" ".join(hangul), stopwords=False), original=text,
                                           latin=False, reading=translit.KOREAN_SPLIT))
    return out


def _read(form: NormalizedName, undone: tuple[str, ...], part: str = "", aside: str = "") -> NormalizedName:
    """`form` marked with what was undone to read it and, for a part of a longer name,
    how it was found and what was set aside (dataclasses.replace, without its cost on a
    path every query takes)."""
    return NormalizedName(form.original, form.tokens, form.legal, form.folded, undone, part, aside, form.latin,
                          form.reading)


@lru_cache(maxsize=20_000)
def variants(name: str, decorated: bool = True) -> tuple[NormalizedName, ...]:
    """The normalized forms a name is compared under: the name as it reads (disguises
    undone, see disguise.py), with letters written one by one joined, and the parts of a
    decorated name that may be the listed party (before a branch suffix, each side of a
    c/o wrapper, ...), each marked with what was undone or set aside. A list's own names
    are not `decorated`: their parts are not searched on their own."""
    reading = undisguise(name)
    out = [_read(f, reading.undone) for f in _forms(reading.text)]
    joined = spelled_out(reading.text)
    if joined is not None:
        undone = (*reading.undone, "letters written one by one joined")
        out += [_read(f, undone) for f in _forms(joined)]
    for seg in segments(reading.text) if decorated else ():
        out += [_read(f, reading.undone, seg.how, seg.aside) for f in _forms(seg.text)]
    seen: set[tuple[tuple[str, ...], tuple[str, ...]]] = set()
    unique = []
    for form in out:
        if (form.tokens, form.legal) not in seen:
            seen.add((form.tokens, form.legal))
            unique.append(form)
    return tuple(unique)


def allowed_edits(length: int) -> int:
    """Edits a token of this length may carry and still be the same word."""
    if length <= SHORT_TOKEN:
        return 0
    if length <= 7:
        return 1
    if length <= 11:
        return 2
    return 3


@lru_cache(maxsize=200_000)
def token_similarity(a: str, b: str) -> float:
    """Similarity of two folded tokens in [0, 1]; 0 when they are different words.

    Spelling variants listed in names.yaml (SERGEY/SERGEI, TECHNOLOGIES/TECHNOLOGY)
    are equal. Otherwise the OSA edit distance (a transposition is one edit) must be
    within what the shorter token's length allows."""
    if a == b:
        return 1.0
    syn = tables().synonyms
    if syn.get(a, a) == syn.get(b, b):
        return 1.0
    if (a[0].isdigit() or b[0].isdigit()) and number_value(a) is not None and number_value(a) == number_value(b):
        return 1.0  # 3rd / third, 12 / twelve
    if len(a) == 1 or len(b) == 1:  # an initial: "J" ~ "john"
        return INITIAL_SIMILARITY if (a[0] == b[0] and len(a) != len(b)) else 0.0
    t = tables()
    if b in t.abbreviations.get(a, ()):  # lab / laboratory, air / airlines
        return ABBREVIATION_SIMILARITY
    if min(len(a), len(b)) >= 3 and b in nicknames().get(a, ()):  # bill / william (not "al", an article)
        return NICKNAME_SIMILARITY
    shorter = min(len(a), len(b))
    limit = allowed_edits(shorter)
    if limit == 0 or abs(len(a) - len(b)) > limit:
        return _other_spelling(a, b)
    d = OSA.distance(a, b, score_cutoff=limit)
    if d > limit:
        return _other_spelling(a, b)
    similarity = 1.0 - d / max(len(a), len(b))
    if similarity < RUSSIAN_SPELLING_SIMILARITY and _same_russian_spelling(a, b):
        return RUSSIAN_SPELLING_SIMILARITY
    return similarity


def _other_spelling(a: str, b: str) -> float:
    """Beyond a typo: the same Russian name as German or French spell it, or a surname
    that sounds alike."""
    return RUSSIAN_SPELLING_SIMILARITY if _same_russian_spelling(a, b) else _sound_alike(a, b)


def _same_russian_spelling(a: str, b: str) -> bool:
    """Two words of RUSSIAN_SPELLING_MIN letters or more that English spells alike."""
    return min(len(a), len(b)) >= RUSSIAN_SPELLING_MIN and russian_spelling(a) == russian_spelling(b)


# German and French write a Russian name their own way (Lawrow, Prigoschin, Abramowitsch,
# Setchine, Poutine for Lavrov, Prigozhin, Abramovich, Sechin, Putin): each spelling
# rewritten as English spells Russian, in order.
_RUSSIAN_SPELLINGS = (("tsch", "ch"), ("sch", "sh"), ("tch", "ch"), ("zh", "sh"), ("w", "v"), ("ou", "u"))
_GERMAN_J = re.compile(r"j(?=[aeiou])|(?<=[aeiou])j$")  # Jewgeni, Sergej: й
_FRENCH_FINAL_E = re.compile(r"(?<=in)e$")  # Setchine, Poutine, Lénine
_FRENCH_J = re.compile(r"(?<=[aeiou])j(?=[aeiou])")
_RUSSIAN_FINAL_I = re.compile(r"(?:iy|ii|ij|y)$")  # -ий / -ый: Yevgeniy, Evgenii, Jewgeni
RUSSIAN_SPELLING_SIMILARITY = 0.9
RUSSIAN_SPELLING_MIN = 5


@lru_cache(maxsize=100_000)
def russian_spelling(word: str) -> str:
    """A folded word as English spells Russian, where German or French spell it their way
    (_RUSSIAN_SPELLINGS): "lawrow" -> "lavrov"; other words mostly as they are."""
    for spelled, english in _RUSSIAN_SPELLINGS:
        word = word.replace(spelled, english)
    french = _FRENCH_FINAL_E.search(word)
    if french:  # (spelt the French way, a j between vowels is ж: Prigojine, Prigozhin)
        word = _FRENCH_J.sub("sh", word[:french.start()])
    word = _GERMAN_J.sub("y", word)
    if word.startswith("ye"):  # Е as ye or e: Yevgeny / Evgeny, Yelena / Elena
        word = word[1:]
    return _RUSSIAN_FINAL_I.sub("i", word)


def by_russian_spelling(words: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """The `words` that russian_spelling changes, by that spelling, in the order given
    (the candidate index's list words, the delta re-screen's stored words)."""
    out: dict[str, list[str]] = {}
    for word in words:
        if len(word) >= RUSSIAN_SPELLING_MIN and (spelled := russian_spelling(word)) != word:
            out.setdefault(spelled, []).append(word)
    return {k: tuple(v) for k, v in out.items()}


@lru_cache(maxsize=200_000)
def cross_script_similarity(a: str, b: str) -> float:
    """Token similarity for words of two names in different scripts: as spelled, or as
    they sound (translit.py), whichever is higher."""
    return max(token_similarity(a, b), translit.similarity(a, b))


SOUND_ALIKE_MIN = 4
SOUND_ALIKE_EDITS = 2


def sound_alike_key(word: str) -> str:
    """The Soundex code under which `word` may sound like another (_sound_alike), or ""
    for a word that sounds like none: shorter than SOUND_ALIKE_MIN, or not all letters.
    The candidate index looks a query word's sound-alikes up by it."""
    return jellyfish.soundex(word) if len(word) >= SOUND_ALIKE_MIN and word.isalpha() else ""


def _sound_alike(a: str, b: str) -> float:
    """Names that sound alike (the same Soundex code: Meier/Mayer) and are at most two
    edits apart, for names of 4+ letters; below any exact spelling."""
    if a[0] != b[0] or abs(len(a) - len(b)) > SOUND_ALIKE_EDITS:
        return 0.0  # (Soundex keeps the first letter)
    key = sound_alike_key(a)
    if not key or OSA.distance(a, b, score_cutoff=SOUND_ALIKE_EDITS) > SOUND_ALIKE_EDITS or key != sound_alike_key(b):
        return 0.0
    return SOUND_ALIKE_SIMILARITY


Weight = Callable[[str], float]
Similarity = Callable[[str, str], float]


def align_tokens(
    query: Sequence[str], candidate: Sequence[str], similarity: Similarity = token_similarity
) -> list[tuple[int, int, float]]:
    """Pair query and candidate tokens one-to-one, most similar first, in any order."""
    same_is_one = similarity is token_similarity or similarity is cross_script_similarity
    pairs = []
    for i, q in enumerate(query):
        for j, c in enumerate(candidate):
            s = 1.0 if same_is_one and q == c else similarity(q, c)  # (the same word: no cache lookup)
            if s > 0.0:
                pairs.append((s, -abs(i - j), i, j))
    if len(pairs) < 2:
        return [(i, j, s) for s, _, i, j in pairs]
    pairs.sort(reverse=True)
    used_q = [False] * len(query)
    used_c = [False] * len(candidate)
    out = []
    for s, _, i, j in pairs:
        if used_q[i] or used_c[j]:
            continue
        used_q[i] = used_c[j] = True
        out.append((i, j, s))
    return out


def uniform_weight(_: str) -> float:
    return 1.0
