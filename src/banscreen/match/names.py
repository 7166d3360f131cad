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

import yaml
from anyascii import anyascii
from pypinyin import lazy_pinyin
from rapidfuzz.distance import OSA, Levenshtein

from banscreen.model import Feature

# Tokens at most this long must match exactly (or as an initial): one edit in a 3-letter
# token is a different word far more often than a typo.
SHORT_TOKEN = 3
# A score from which two names are the same name, up to spelling, word order and legal
# form: what reports call an exact match (error, not warning) and what resolves a vendor.
EXACT_SCORE = 0.95
INITIAL_SIMILARITY = 0.6
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

    @property
    def canonical(self) -> tuple[str, ...]:
        """Tokens with spelling variants folded together, in order."""
        syn = tables().synonyms
        return tuple(syn.get(t, t) for t in self.tokens)

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


@dataclass(frozen=True, slots=True)
class Tables:
    legal: Mapping[tuple[str, ...], str]
    legal_max_len: int
    legal_words: frozenset[str]  # words of 6+ letters in legal forms, for typo repair
    synonyms: Mapping[str, str]
    stopwords: frozenset[str]
    cjk_terms: Mapping[str, str]
    cjk_max_len: int


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
    return Tables(
        legal=legal,
        legal_max_len=max(len(k) for k in legal),
        legal_words=frozenset(w for k in legal for w in k if len(w) >= LEGAL_TYPO_MIN),
        synonyms=synonyms,
        stopwords=frozenset(str(s) for s in raw["stopwords"]),
        cjk_terms=cjk,
        cjk_max_len=max(len(k) for k in cjk),
    )


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


def normalize(name: str, joined_pinyin: bool = True) -> NormalizedName:
    t = tables()
    tokens = fold(name, joined_pinyin)
    core, legal = _split_legal(tokens)
    distinctive = [tok for tok in core if tok not in t.stopwords]
    return NormalizedName(name, tuple(distinctive or core), tuple(legal), tuple(tokens))


def variants(name: str) -> tuple[NormalizedName, ...]:
    """The normalized forms a name is compared under: one, or for a Chinese-script name
    both joined ("huawei") and syllable-split ("hua wei") pinyin."""
    first = normalize(name)
    if not has_han(name):
        return (first,)
    split = normalize(name, joined_pinyin=False)
    return (first,) if split.tokens == first.tokens else (first, split)


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
    if len(a) == 1 or len(b) == 1:  # an initial: "J" ~ "john"
        return INITIAL_SIMILARITY if (a[0] == b[0] and len(a) != len(b)) else 0.0
    shorter = min(len(a), len(b))
    limit = allowed_edits(shorter)
    if limit == 0 or abs(len(a) - len(b)) > limit:
        return 0.0
    d = OSA.distance(a, b, score_cutoff=limit)
    if d > limit:
        return 0.0
    return 1.0 - d / max(len(a), len(b))


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


def token_feature(
    query: NormalizedName, candidate: NormalizedName, weight: Weight, similarity: Similarity = token_similarity
) -> Feature:
    """Weighted soft Dice over aligned tokens: rare tokens (a brand, a family name)
    weigh more than common ones ("trading", "international"), and every token left
    unmatched on either side lowers the score by its weight."""
    q, c = query.tokens, candidate.tokens
    if not q or not c:
        return Feature("tokens", 0.0, "no tokens to compare")
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
    total += sum(weight(q[i]) for i in range(len(q)) if i not in matched_q)
    total += sum(wc[j] for j in range(len(c)) if j not in matched_c)
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


def joined_feature(query: NormalizedName, candidate: NormalizedName) -> Feature:
    """Edit similarity of the names with spaces removed, in order, with and without
    their legal forms: catches words joined or split ("Al Qaida" / "Alqaida",
    "S.A.DE C.V." / "S.A. de C.V.") that token pairing misses. It speaks only where
    the two sides have different numbers of words (otherwise token pairing already
    compared them word by word) and the strings are nearly identical."""
    best, detail = 0.0, "same number of words: compared token by token"
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


def legal_feature(query: NormalizedName, candidate: NormalizedName) -> Feature:
    """Reported, not scored: a differing legal form rarely means a different party."""
    if not query.legal or not candidate.legal:
        return Feature("legal_form", 0.0, "legal form absent on one side")
    same = set(query.legal) & set(candidate.legal)
    detail = "same legal form" if same else f"{'/'.join(query.legal)} vs {'/'.join(candidate.legal)}"
    return Feature("legal_form", 0.0, detail)


WEAK_SINGLE_TOKEN_PENALTY = 0.1
# ... halved when both names carry the same legal form: two GmbHs called "Tethma" and
# "Techma" are likelier one company than "Powell LLC" and "LOWELL LIMITED".
SAME_LEGAL_FORM_RELIEF = 0.05


def compare(
    query: NormalizedName,
    candidate: NormalizedName,
    weight: Weight,
    similarity: Similarity = token_similarity,
) -> tuple[float, tuple[Feature, ...]]:
    """Score two normalized names. The base score is the best positive feature;
    qualifiers then lower it where the evidence is thin. All features are returned
    for the explanation."""
    if query.canonical == candidate.canonical:
        exact = Feature("exact", 1.0, f"same normalized name '{query.text}'")
        return 1.0, (exact, legal_feature(query, candidate))
    tok = token_feature(query, candidate, weight, similarity)
    joined = joined_feature(query, candidate)
    # Joined-string similarity is a weaker signal than aligned tokens (one distinctive
    # word can hide inside a long string of generic ones), so it is discounted.
    joined = Feature("joined", joined.score * JOINED_MAX, joined.detail)
    score = max(tok.score, joined.score)
    features = [tok, joined, legal_feature(query, candidate)]
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
