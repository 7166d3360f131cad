"""Name normalization and comparison: pure functions, no I/O beyond reading the
package's own tables once.

A name is folded to ASCII tokens (CJK to pinyin, everything else through anyascii),
its legal form ("Co., Ltd.", "OOO", "GmbH") is set apart from its distinctive tokens,
and spelling variants of common words fold to one form. Two names are then compared by
named features, each with a score and a human-readable detail, so an analyst can see
why a hit was raised."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Callable, Mapping, Sequence

import jellyfish
import yaml
from anyascii import anyascii
from num2words import num2words
from pypinyin import lazy_pinyin
from rapidfuzz.distance import OSA, Levenshtein

from banscreen.match import translit
from banscreen.match.disguise import segments, spelled_out, undisguise
from banscreen.model import Feature

# Tokens at most this long must match exactly (or as an initial): one edit in a 3-letter
# token is a different word far more often than a typo.
SHORT_TOKEN = 3
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
# Short legal forms that are also ordinary words or name particles ("as", "sa", "ab")
# count as a legal form only at the end of a name; these may also lead it.
# Legal-form words at least this long are recognised with typos ("COMAPNY", "LIMIED");
# shorter ones ("joint" / "point") would catch real words.
LEGAL_TYPO_MIN = 6
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
        return self.text + legal


@lru_cache(maxsize=200_000)
def _canonical(tokens: tuple[str, ...]) -> tuple[str, ...]:
    syn = tables().synonyms
    return tuple(number_value(t) or syn.get(t, t) for t in tokens)


@dataclass(frozen=True, slots=True)
class Tables:
    legal: Mapping[tuple[str, ...], str]
    legal_max_len: int
    legal_words: frozenset[str]  # words of 6+ letters in legal forms, for typo repair
    synonyms: Mapping[str, str]
    stopwords: frozenset[str]
    cjk_terms: Mapping[str, str]
    cjk_max_len: int
    abbreviations: Mapping[str, frozenset[str]]  # word -> its abbreviations and expansions
    generic: frozenset[str]  # common business words and place names: never what identifies a name
    numbers: Mapping[str, str]  # "third", "twelve" -> "3", "12"


@lru_cache(maxsize=1)
def tables() -> Tables:
    raw = yaml.safe_load(resources.files("banscreen.data").joinpath("names.yaml").read_text("utf-8"))
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
    return Tables(
        legal=legal,
        legal_max_len=max(len(k) for k in legal),
        legal_words=frozenset(w for k in legal for w in k if len(w) >= LEGAL_TYPO_MIN),
        synonyms=synonyms,
        stopwords=frozenset(str(s) for s in raw["stopwords"]),
        cjk_terms=cjk,
        cjk_max_len=max(len(k) for k in cjk),
        abbreviations={k: frozenset(v) for k, v in abbreviations.items()},
        generic=frozenset(str(w) for w in raw["generic_words"]) | frozenset(synonyms) | frozenset(synonyms.values())
        | frozenset(abbreviations) | _place_words(),
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
    package's English table (Bill/William, Bob/Robert, Ben/Benjamin, ...) and names.yaml's
    `nicknames` for the Russian and Arabic short forms it lacks."""
    import csv
    import io

    text = resources.files("nicknames").joinpath("names.csv").read_text("utf-8")
    pairs = [(row["name1"], row["name2"]) for row in csv.DictReader(io.StringIO(text))]
    raw = yaml.safe_load(resources.files("banscreen.data").joinpath("names.yaml").read_text("utf-8"))
    pairs += [(name, short) for name, shorts in raw["nicknames"].items() for short in shorts]
    related: dict[str, set[str]] = {}
    for name, short in pairs:
        a, b = str(name).strip().lower(), str(short).strip().lower()
        if a and b and a != b:
            related.setdefault(a, set()).add(b)
            related.setdefault(b, set()).add(a)
    return {k: frozenset(v) for k, v in related.items()}


_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_APOSTROPHES = re.compile(r"['\u2018\u2019\u02bc\u02bb`´]")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def has_han(text: str) -> bool:
    return _HAN.search(text) is not None


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
    text = anyascii(text).lower()
    text = text.replace("&", " and ")
    # "Xi'an" and "O'Brien" are one word; "S.A." and "L.L.C." are one abbreviation.
    text = _APOSTROPHES.sub("", text).replace(".", "")
    return _NON_ALNUM.sub(" ", text).split()


@lru_cache(maxsize=50_000)
def _legal_spelling(token: str) -> str:
    """`token` itself, or the legal-form word it is a typo of."""
    t = tables()
    if len(token) < LEGAL_TYPO_MIN or token in t.legal_words:
        return token
    limit = 1  # more would turn real words into legal forms ("corporativo" / "corporation")
    for word in t.legal_words:
        if abs(len(word) - len(token)) <= limit and OSA.distance(token, word, score_cutoff=limit) <= limit:
            return word
    return token


def _split_legal(tokens: list[str]) -> tuple[list[str], list[str]]:
    t = tables()
    original = tokens
    tokens = [_legal_spelling(tok) for tok in tokens]
    n = len(tokens)
    spans: list[tuple[int, int, str]] = []  # (start, end, canonical)
    i = 0
    while i < n:
        for size in range(min(t.legal_max_len, n - i), 0, -1):
            canonical = t.legal.get(tuple(tokens[i : i + size]))
            if canonical is not None:
                spans.append((i, i + size, canonical))
                i += size
                break
        else:
            i += 1
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
        ambiguous = end - start == 1 and len(tokens[start]) <= 2
        if ambiguous and start < trailing_from and not (start == 0 and tokens[0] in LEADING_LEGAL):
            continue
        for k in range(start, end):
            keep[k] = False
        legal.append(canonical)
    core = [tok for tok, k in zip(original, keep) if k]
    if not core:  # a name that is nothing but a legal form keeps its tokens
        return original, []
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


def normalize(name: str, joined_pinyin: bool = True) -> NormalizedName:
    t = tables()
    tokens = fold(name, joined_pinyin)
    core, legal = _split_legal(tokens)
    distinctive = [tok for tok in core if tok not in t.stopwords]
    return NormalizedName(name, tuple(distinctive or core), tuple(legal), tuple(tokens), latin=is_latin(name))


def is_latin(text: str) -> bool:
    """Whether every letter of `text` is a Latin letter (digits and marks aside)."""
    return text.isascii() or all(ord(c) < 0x250 or 0x1E00 <= ord(c) <= 0x1EFF or 0xFF21 <= ord(c) <= 0xFF5A
                                 for c in text if c.isalpha())


def _forms(text: str) -> list[NormalizedName]:
    """One normalized form, or for a Chinese-script name both joined ("huawei") and
    syllable-split ("hua wei") pinyin."""
    first = normalize(text)
    if not has_han(text):
        return [first]
    split = normalize(text, joined_pinyin=False)
    return [first] if split.tokens == first.tokens else [first, split]


@lru_cache(maxsize=20_000)
def variants(name: str, decorated: bool = True) -> tuple[NormalizedName, ...]:
    """The normalized forms a name is compared under: the name as it reads (disguises
    undone, see disguise.py), with letters written one by one joined, and the parts of a
    decorated name that may be the listed party (before a branch suffix, each side of a
    c/o wrapper, ...), each marked with what was undone or set aside. A list's own names
    are not `decorated`: their parts are not searched on their own."""
    reading = undisguise(name)
    out = [NormalizedName(f.original, f.tokens, f.legal, f.folded, reading.undone, latin=f.latin)
           for f in _forms(reading.text)]
    joined = spelled_out(reading.text)
    if joined is not None:
        undone = (*reading.undone, "letters written one by one joined")
        out += [NormalizedName(f.original, f.tokens, f.legal, f.folded, undone, latin=f.latin) for f in _forms(joined)]
    for seg in segments(reading.text) if decorated else ():
        out += [NormalizedName(f.original, f.tokens, f.legal, f.folded, reading.undone, seg.how, seg.aside, f.latin)
                for f in _forms(seg.text)]
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
        return _sound_alike(a, b)
    d = OSA.distance(a, b, score_cutoff=limit)
    if d > limit:
        return _sound_alike(a, b)
    return 1.0 - d / max(len(a), len(b))


@lru_cache(maxsize=200_000)
def cross_script_similarity(a: str, b: str) -> float:
    """Token similarity for words of two names in different scripts: as spelled, or as
    they sound (translit.py), whichever is higher."""
    return max(token_similarity(a, b), translit.similarity(a, b))


def _sound_alike(a: str, b: str) -> float:
    """Names that sound alike (the same Soundex code: Meier/Mayer) and are at most two
    edits apart, for names of 4+ letters; below any exact spelling."""
    if a[0] != b[0] or min(len(a), len(b)) < 4 or abs(len(a) - len(b)) > 2 or not (a.isalpha() and b.isalpha()):
        return 0.0  # (Soundex keeps the first letter)
    if OSA.distance(a, b, score_cutoff=2) > 2 or jellyfish.soundex(a) != jellyfish.soundex(b):
        return 0.0
    return SOUND_ALIKE_SIMILARITY


Weight = Callable[[str], float]
Similarity = Callable[[str, str], float]


def align_tokens(
    query: Sequence[str], candidate: Sequence[str], similarity: Similarity = token_similarity
) -> list[tuple[int, int, float]]:
    """Pair query and candidate tokens one-to-one, most similar first, in any order."""
    pairs = []
    for i, q in enumerate(query):
        for j, c in enumerate(candidate):
            s = similarity(q, c)
            if s > 0.0:
                pairs.append((s, -abs(i - j), i, j))
    pairs.sort(reverse=True)
    used_q: set[int] = set()
    used_c: set[int] = set()
    out = []
    for s, _, i, j in pairs:
        if i in used_q or j in used_c:
            continue
        used_q.add(i)
        used_c.add(j)
        out.append((i, j, s))
    return out


_DIGITS = re.compile(r"\d+")


@lru_cache(maxsize=200_000)
def _numbers(tokens: tuple[str, ...]) -> tuple[frozenset[str], bool]:
    """The numbers a name writes (in digits or in words), and whether any is in digits."""
    found, digits = set(), False
    for tok in tokens:
        value = number_value(tok)
        if value is not None:
            found.add(value)
            digits = digits or tok[0].isdigit()
        elif any(ch.isdigit() for ch in tok):  # "pma243", "48thcentral"
            found.update(str(int(d)) if len(d) < 10 else d for d in _DIGITS.findall(tok))
            digits = True
    return frozenset(found), digits


# Numbered entities ("Company 7", "Branch 216") with other numbers, or a number on one
# side only, are different parties more often than not.
NUMBER_PENALTY = 0.15


def number_feature(query: NormalizedName, candidate: NormalizedName, weight: Weight | None = None) -> Feature | None:
    """A qualifier when the numbers in the two names differ; None when they agree. A
    number only in the query, after a list name that identifies itself without one
    ("ACME DUAL USE TRADING LIMITED 5"), is trailing text, not another entity."""
    (a, digits_a), (b, digits_b) = _numbers(query.folded or query.tokens), _numbers(candidate.folded or candidate.tokens)
    if a == b or not (digits_a or digits_b):  # number words alone may be typos ("Sven Star")
        return None
    if not b and weight is not None and any(distinctive(tok, weight) for tok in candidate.tokens):
        return None
    return Feature("numbers", -NUMBER_PENALTY, f"numbers differ: {' '.join(sorted(a)) or 'none'} vs "
                                              f"{' '.join(sorted(b)) or 'none'}")


# A patronymic (NASIMOVICH, PETROVNA, OGLU) present on one side only: lists and files
# add or leave it out freely, so its absence costs a quarter of its weight.
PATRONYMIC = re.compile(r"^[a-z]{3,}(?:ovich|evich|ovna|evna|ogly|oglu|kyzy|qizi)$")
PATRONYMIC_SHARE = 0.25


_PATRONYMIC_ENDS = ("vich", "vna", "ogly", "oglu", "kyzy", "qizi")


def _unmatched_share(token: str) -> float:
    return PATRONYMIC_SHARE if token.endswith(_PATRONYMIC_ENDS) and PATRONYMIC.match(token) else 1.0


def token_feature(
    query: NormalizedName, candidate: NormalizedName, weight: Weight, similarity: Similarity = token_similarity,
    pairs: list[tuple[int, int, float]] | None = None,
) -> Feature:
    """Weighted soft Dice over aligned tokens: rare tokens (a brand, a family name)
    weigh more than common ones ("trading", "international"), and every token left
    unmatched on either side lowers the score by its weight. `pairs`: the alignment,
    when the caller has it."""
    q, c = query.tokens, candidate.tokens
    if not q or not c:
        return Feature("tokens", 0.0, "no tokens to compare")
    if pairs is None:
        pairs = align_tokens(q, c, similarity)
    wc = [weight(tok) for tok in c]
    matched_q: set[int] = set()
    matched_c: set[int] = set()
    gained = 0.0
    parts = []
    for i, j, s in pairs:
        # A matched query token weighs what the list token it matched weighs: a typo
        # makes a token unseen, which must not make it count more.
        gained += s * 2 * wc[j]
        matched_q.add(i)
        matched_c.add(j)
        parts.append(f"{q[i]}={c[j]}" if s == 1.0 else f"{q[i]}~{c[j]}({s:.2f})")
    total = sum(2 * wc[j] for j in matched_c)
    total += sum(weight(q[i]) * _unmatched_share(q[i]) for i in range(len(q)) if i not in matched_q)
    total += sum(wc[j] * _unmatched_share(c[j]) for j in range(len(c)) if j not in matched_c)
    score = gained / total if total else 0.0
    missing_q = [q[i] for i in range(len(q)) if i not in matched_q]
    missing_c = [c[j] for j in range(len(c)) if j not in matched_c]
    detail = ", ".join(parts) or "no token in common"
    if missing_q:
        detail += f"; only in query: {' '.join(missing_q)}"
    if missing_c:
        detail += f"; only in list name: {' '.join(missing_c)}"
    return Feature("tokens", score, detail)


# Below this the joined strings are not "the same name spaced differently".
JOINED_MIN = 0.85
# The joined-words feature's highest score: identical strings with other spacing are a
# little less certain than identical words.
JOINED_MAX = 0.95


def joined_feature(query: NormalizedName, candidate: NormalizedName, numbers_differ: bool = False) -> Feature:
    """Edit similarity of the names with spaces removed, in order, with and without
    their legal forms: catches words joined or split ("Al Qaida" / "Alqaida",
    "S.A.DE C.V." / "S.A. de C.V.") that token pairing misses. It speaks only where
    the two sides have different numbers of words (otherwise token pairing already
    compared them word by word) and the strings are nearly identical."""
    best, detail = 0.0, "same number of words: compared token by token"
    if numbers_differ:
        return Feature("joined", 0.0, "the names carry different numbers")
    pairs = []
    if len(query.tokens) != len(candidate.tokens):
        pairs.append((query.joined, candidate.joined))
    if len(query.folded) != len(candidate.folded):
        pairs.append((query.joined_all, candidate.joined_all))
    for a, b in pairs:
        if a and b:
            sim = Levenshtein.normalized_similarity(a, b)
            if sim >= JOINED_MIN and sim > best:
                best, detail = sim, f"'{a}' vs '{b}'"
            elif best == 0.0:
                detail = f"'{a}' vs '{b}' ({sim:.2f}, too different)"
    return Feature("joined", best, detail)


# Another legal form (AG against GmbH, LLC against JSC) is a qualifier, not a miss: the
# same company is often written with a legal form it does not have, but two companies of
# one name and different forms exist too.
LEGAL_FORM_PENALTY = 0.03


def sound_joined_feature(query: NormalizedName, candidate: NormalizedName) -> Feature:
    """Names in two scripts with their words run together, by sound: 김정은 reads
    "gimjeongeun", one word, for "Kim Jong Un". The same phonetic key (translit.py) of
    the whole names, of five sounds or more, scores as a spelling variant."""
    a, b = translit.keys(query.joined), translit.keys(candidate.joined)
    same = [k for k in a & b if len(k) >= 5]
    if same:
        return Feature("sound_joined", translit.SAME_KEY_SIMILARITY,
                       f"'{query.joined}' and '{candidate.joined}' sound alike ({same[0]})")
    return Feature("sound_joined", 0.0, f"'{query.joined}' and '{candidate.joined}' sound different")


def legal_feature(query: NormalizedName, candidate: NormalizedName) -> Feature:
    """A small qualifier when both names carry a legal form and they differ."""
    if not query.legal or not candidate.legal:
        return Feature("legal_form", 0.0, "legal form absent on one side")
    if set(query.legal) & set(candidate.legal):
        return Feature("legal_form", 0.0, "same legal form")
    return Feature("legal_form", -LEGAL_FORM_PENALTY,
                   f"another legal form: {'/'.join(query.legal)} vs {'/'.join(candidate.legal)}")


# The list name found whole inside a longer query ("ZTE Corporation Shenzhen Branch"):
# strong, but below a name that is the same up to spelling.
CONTAINED_MAX = 0.9
# Only a list name with distinctive words counts as contained: at least one word, and
# half of its weight, in words of this rarity or more (weight log(1 + names/df): about
# one name in 150 or fewer). "Trading Company" is found inside every trading company.
DISTINCTIVE_WEIGHT = 5.0
# Each word of a contained list name must be in the query nearly as written.
CONTAINED_SIMILARITY = 0.9


def _beside_legal_form(query: NormalizedName, word: str, legal: set[str]) -> bool:
    """Whether `word` stands in the query right before words that make one of `legal`."""
    folded = list(query.folded)
    for i, tok in enumerate(folded):
        if tok == word:
            after = folded[i + 1:i + 1 + tables().legal_max_len]
            for size in range(len(after), 0, -1):
                if tables().legal.get(tuple(_legal_spelling(w) for w in after[:size])) in legal:
                    return True
    return False


def contained_feature(query: NormalizedName, candidate: NormalizedName, weight: Weight,
                      similarity: Similarity = token_similarity,
                      aligned: list[tuple[int, int, float]] | None = None) -> Feature:
    """Every word of the list name among the query's words, which has more: the listed
    name inside a longer input (a branch, a wrapper, trailing words)."""
    q, c = query.tokens, candidate.tokens
    if len(q) <= len(c) or not c:
        return Feature("contained", 0.0, "the query is not longer than the list name")
    if len(c) == 1 and not _beside_legal_form(query, c[0], set(candidate.legal)):
        # one word inside a longer name is everywhere ("Olga", "Amber"): only with the
        # same legal form right after it ("ZTE Corporation Shenzhen Branch")
        return Feature("contained", 0.0, "a one-word list name without its legal form beside it in the query")
    if aligned is None:
        aligned = align_tokens(q, c, similarity)
    pairs = [(i, j, s) for i, j, s in aligned if s >= CONTAINED_SIMILARITY]
    if len(pairs) < len(c):
        return Feature("contained", 0.0, "not every word of the list name is in the query")
    at = [i for i, _ in sorted(((i, j) for i, j, _ in pairs), key=lambda ij: ij[1])]
    if any(b != a + 1 for a, b in zip(at, at[1:])):  # the list name must stand as a phrase
        return Feature("contained", 0.0, "the words of the list name are in the query, but not together in order")
    wc = [weight(tok) for tok in c]
    rare = sum(w for tok, w in zip(c, wc) if distinctive(tok, weight))
    if not rare or rare < 0.5 * sum(wc):
        return Feature("contained", 0.0, f"list name '{candidate.text}' is in the query, but its words are "
                                         "too common to identify it there")
    score = CONTAINED_MAX * sum(s * wc[j] for _, j, s in pairs) / sum(wc)
    matched = {i for i, _, _ in pairs}
    extra = " ".join(q[i] for i in range(len(q)) if i not in matched)
    return Feature("contained", score, f"list name '{candidate.text}' found whole in the query; "
                                       f"extra words: {extra}")


# One name the initials of the other ("GBAE" / "General Bureau of Atomic Energy"): an
# abbreviation lists give as an alias, weaker than a name spelled out.
ACRONYM_SCORE = 0.8


def acronym_feature(query: NormalizedName, candidate: NormalizedName) -> Feature | None:
    """When one name is one word of 3 to 8 letters and the other's words (with or without
    small words such as "of") begin with those letters, in order; None otherwise."""
    for short, long_ in ((query, candidate), (candidate, query)):
        if len(short.tokens) != 1 or len(long_.tokens) < 3 or not 3 <= len(short.tokens[0]) <= 8:
            continue
        word = short.tokens[0]
        if not word.isalpha() or word in long_.tokens or word in long_.folded:
            continue
        stop = tables().stopwords
        spelled = [tok for tok in (long_.folded or long_.tokens) if tok not in long_.legal]
        for words in (long_.tokens, spelled, [w for w in spelled if w not in stop]):
            if len(words) == len(word) and "".join(w[0] for w in words) == word:
                return Feature("acronym", ACRONYM_SCORE, f"'{word}' is the initials of '{' '.join(words)}'")
    return None


# A person's name with fewer names than the other, all of them found there ("MEZA,
# Arturo" / "MEZA GASPAR, Arturo"): lists and files leave out middle names and second
# surnames. Only when the names found carry enough weight to identify someone.
FEWER_NAMES_SCORE = 0.8
FEWER_NAMES_WEIGHT = 10.0


def fewer_names_feature(query: NormalizedName, candidate: NormalizedName, weight: Weight,
                        similarity: Similarity, aligned: list[tuple[int, int, float]] | None = None
                        ) -> Feature | None:
    """For persons: every name of the shorter side found in the longer one; None when
    the sides have as many names. `aligned`: the query-candidate alignment, if known."""
    short, long_ = (query, candidate) if len(query.tokens) < len(candidate.tokens) else (candidate, query)
    if len(short.tokens) == len(long_.tokens) or len(short.tokens) < 2:
        return None
    if aligned is None:
        aligned = align_tokens(query.tokens, candidate.tokens, similarity)
    pairs = aligned if short is query else [(j, i, s) for i, j, s in aligned]
    pairs = [(i, j, s) for i, j, s in pairs if s >= 0.85]
    if len(pairs) < len(short.tokens):
        return Feature("fewer_names", 0.0, "not every name of the shorter side is in the longer")
    if sum(weight(short.tokens[i]) for i, _, _ in pairs) < FEWER_NAMES_WEIGHT:
        return Feature("fewer_names", 0.0, "the names in common are too common to identify a person")
    matched = {j for _, j, _ in pairs}
    extra = " ".join(tok for j, tok in enumerate(long_.tokens) if j not in matched)
    score = FEWER_NAMES_SCORE * sum(s for _, _, s in pairs) / len(pairs)
    return Feature("fewer_names", score, f"every name of '{short.text}' is in '{long_.text}'; not in the "
                                         f"shorter: {extra}")


# A part of a decorated name (before a branch suffix, one side of a c/o) scores a little
# below the same name given alone.
PART_PENALTY = 0.02


# ... and much lower when the part shares only common words with the list name: "Global
# Trading LLC Dubai Branch" is not every "Global Trading" of the lists.
PART_COMMON_PENALTY = 0.15


def _reading_features(query: NormalizedName, candidate: NormalizedName, weight: Weight,
                      similarity: Similarity, aligned: list[tuple[int, int, float]] | None = None) -> list[Feature]:
    """What was undone or set aside to read the query, as features of the explanation."""
    out = []
    if query.undone:
        out.append(Feature("undisguised", 0.0, "; ".join(query.undone)))
    if query.part:
        detail = f"{query.part}: compared '{query.original}'; set aside: '{query.aside}'"
        if aligned is None:
            aligned = align_tokens(query.tokens, candidate.tokens, similarity)
        shared = [candidate.tokens[j] for _, j, _ in aligned]
        if any(distinctive(tok, weight) for tok in shared):
            out.append(Feature("part", -PART_PENALTY, detail))
        else:
            out.append(Feature("part", -PART_COMMON_PENALTY, detail + "; only common words in common"))
    return out


WEAK_SINGLE_TOKEN_PENALTY = 0.1
# ... halved when both names carry the same legal form: two GmbHs called "Tethma" and
# "Techma" are likelier one company than "Powell LLC" and "LOWELL LIMITED".
SAME_LEGAL_FORM_RELIEF = 0.05


def compare(
    query: NormalizedName,
    candidate: NormalizedName,
    weight: Weight,
    similarity: Similarity = token_similarity,
    contained: bool = True,
    person: bool = False,
) -> tuple[float, tuple[Feature, ...]]:
    """Score two normalized names. The base score is the best positive feature;
    qualifiers then lower it where the evidence is thin or the forms differ. All
    features are returned for the explanation. `contained` lets the list name count when
    found whole inside a longer query (not for persons: more given names are more often
    another person); for a `person`, a name with fewer names all found in the other counts
    (fewer_names), for others an acronym of the other name does."""
    if query.latin != candidate.latin and similarity is token_similarity:
        similarity = cross_script_similarity
    legal = legal_feature(query, candidate)
    if query.canonical == candidate.canonical:
        exact = Feature("exact", 1.0, f"same normalized name '{query.text}'")
        features = (exact, legal, *_reading_features(query, candidate, weight, similarity))
        return max(0.0, 1.0 + sum(f.score for f in features[1:])), features
    aligned = align_tokens(query.tokens, candidate.tokens, similarity)
    numbers = number_feature(query, candidate, weight)
    tok = token_feature(query, candidate, weight, similarity, aligned)
    joined = joined_feature(query, candidate, numbers is not None)
    # Joined-string similarity is a weaker signal than aligned tokens (one distinctive
    # word can hide inside a long string of generic ones), so it is discounted.
    joined = Feature("joined", joined.score * JOINED_MAX, joined.detail)
    features = [tok, joined]
    if similarity is cross_script_similarity and len(query.tokens) != len(candidate.tokens):
        features.append(sound_joined_feature(query, candidate))
    if contained and len(query.tokens) > len(candidate.tokens) and tok.score < CONTAINED_MAX:
        features.append(contained_feature(query, candidate, weight, similarity, aligned))
    if person:
        extra = fewer_names_feature(query, candidate, weight, similarity, aligned) \
            if tok.score < FEWER_NAMES_SCORE else None
    else:
        extra = acronym_feature(query, candidate)
    if extra is not None:
        features.append(extra)
    score = max(f.score for f in features)
    reading = _reading_features(query, candidate, weight, similarity, aligned)
    features += [legal, *reading, *([numbers] if numbers else [])]
    score += legal.score + sum(f.score for f in reading) + (numbers.score if numbers else 0.0)
    if len(query.tokens) == 1 and len(candidate.tokens) == 1:
        # One word against one word, not the same: little corroborates it
        # ("Cook" / "Crook", "Powell" / "Lowell").
        penalty, detail = WEAK_SINGLE_TOKEN_PENALTY, "one word each side and they differ: weak evidence"
        if set(query.legal) & set(candidate.legal):
            penalty -= SAME_LEGAL_FORM_RELIEF
            detail += " (same legal form on both sides)"
        features.append(Feature("single_token", -penalty, detail))
        score -= penalty
    return max(score, 0.0), tuple(features)


def uniform_weight(_: str) -> float:
    return 1.0
