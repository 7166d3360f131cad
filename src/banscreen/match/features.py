"""Comparing two normalized names: named features, each a score with a detail, and the
qualifiers that lower a score where the evidence is thin or the forms differ. `compare`
takes the best feature and applies the qualifiers; every number in the explanation comes
from one feature here (nomenklatura's way)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from functools import lru_cache

from rapidfuzz.distance import Levenshtein

from banscreen.match import translit
from banscreen.match.names import (NormalizedName, Similarity, Weight, legal_spelling, align_tokens, fold,
                                   cross_script_similarity, distinctive, has_han, number_value, tables,
                                   token_similarity)
from banscreen.model import Feature
from banscreen.reference.countries import is_country_word


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


# A patronymic (NASIMOVICH, PETROVNA, Ukrainian IVANOVYCH, OGLU) present on one side only:
# lists and files add or leave it out freely, so its absence costs a quarter of its weight.
PATRONYMIC = re.compile(r"^[a-z]{3,}(?:ovich|evich|ovna|evna|ovych|evych|ivna|ogly|oglu|kyzy|qizi)$")
PATRONYMIC_SHARE = 0.25


_PATRONYMIC_ENDS = ("vich", "vna", "vych", "ivna", "ogly", "oglu", "kyzy", "qizi")  # (Ukrainian: -ovych, -ivna)


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
    matched_q = [False] * len(q)
    matched_c = [False] * len(c)
    gained = 0.0
    parts = []
    for i, j, s in pairs:
        # A matched query token weighs what the list token it matched weighs: a typo
        # makes a token unseen, which must not make it count more.
        gained += s * 2 * wc[j]
        matched_q[i] = matched_c[j] = True
        parts.append(f"{q[i]}={c[j]}" if s == 1.0 else f"{q[i]}~{c[j]}({s:.2f})")
    # (sums in index order, as before: the same floats to the last digit)
    total = sum(2 * wc[j] for j in range(len(c)) if matched_c[j])
    missing_q = [q[i] for i in range(len(q)) if not matched_q[i]]
    missing_c = [c[j] for j in range(len(c)) if not matched_c[j]]
    total += sum(weight(tok) * _unmatched_share(tok) for tok in missing_q)
    total += sum(wc[j] * _unmatched_share(c[j]) for j in range(len(c)) if not matched_c[j])
    score = gained / total if total else 0.0
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


def joined_feature(query: NormalizedName, candidate: NormalizedName, numbers_differ: bool = False,
                   exact: bool = False) -> Feature:
    """Edit similarity of the names with spaces removed, in order, with and without
    their legal forms: catches words joined or split ("Al Qaida" / "Alqaida",
    "S.A.DE C.V." / "S.A. de C.V.") that token pairing misses. It speaks only where
    the two sides have different numbers of words (otherwise token pairing already
    compared them word by word) and the strings are nearly identical (`exact`: identical,
    for Chinese characters read in pinyin, where a letter more or less is another
    character: 王國興 "wangguoxing" is not WANG Guoying)."""
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
            if sim >= (1.0 if exact else JOINED_MIN) and sim > best:
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
    same = sorted(k for k in a & b if len(k) >= 5)  # (sorted: a set's order, and so the detail, varies by process)
    if same:
        return Feature("sound_joined", translit.SAME_KEY_SIMILARITY,
                       f"'{query.joined}' and '{candidate.joined}' sound alike ({same[0]})")
    return Feature("sound_joined", 0.0, f"'{query.joined}' and '{candidate.joined}' sound different")


@lru_cache(maxsize=64)
def transcribing_similarity(script_a: str, script_b: str) -> Similarity:
    """Token similarity between a name written in `script_a` and one in `script_b`, one
    of them syllabic (translit.syllabic_script): as spelled, as it sounds, or by the
    consonant skeletons of the transcription, whichever is highest."""
    def similarity(a: str, b: str) -> float:
        return max(cross_script_similarity(a, b), translit.transcription_similarity(a, script_a, b, script_b))
    return similarity


@lru_cache(maxsize=8)
def reading_similarity(reading: str) -> Similarity:
    """Token similarity for a name read one syllable a word (`reading`, a key of
    translit.SYLLABLE_READINGS) against another name: the same spelling, or one of the
    spellings lists give the syllable (정 is jeong, jong, jung, chong, chung ...; gwok is
    Kwok; pinyin xing is Wade-Giles hsing). Not by sound: a syllable's consonants alone
    are shared by too many others; nor by a letter's difference: that is another
    syllable, and another character."""
    def similarity(a: str, b: str) -> float:
        # a syllable one letter from another is another character (xing / ying, 興 / 英
        # read hing / jing): the same, one of its spellings, or an initial
        if len(a) == 1 or len(b) == 1:
            return token_similarity(a, b)
        return translit.syllable_similarity(reading, a, b)
    return similarity


def _same_word(a: str, b: str) -> float:
    """1.0 for the same word or its synonym (token_similarity), else 0."""
    return 1.0 if token_similarity(a, b) == 1.0 else 0.0


def _chinese_characters(name: NormalizedName) -> bool:
    """A name in Chinese characters read as Chinese (pinyin or Cantonese), not a foreign
    name transcribed into them (parted by a dot: translit.syllabic_script)."""
    return not name.latin and has_han(name.original) and translit.syllabic_script(name.original) != "han"


def _syllable_words(name: NormalizedName) -> bool:
    """A Chinese or Korean name read one syllable a word (pinyin split, Cantonese, Korean):
    a list name with fewer words is not "fewer names" of it, one syllable of a given name
    is not a name (刘镇东, liu zhen dong, is not LIU, Jhon)."""
    if name.latin or len(name.tokens) < 2:
        return False
    if name.reading:
        return True
    return has_han(name.original) and len(name.tokens) == sum(1 for c in name.original if has_han(c))


# The most words a name may have for the transcription feature to also try two of them run
# together.
TRANSCRIPTION_JOIN_MAX_WORDS = 6


def transcription_feature(query: NormalizedName, candidate: NormalizedName, weight: Weight,
                          scripts: tuple[str, str]) -> Feature:
    """The token comparison again with words also compared by their consonant skeletons,
    for a name transcribed into Chinese characters, Hangul or kana against one in
    another script: 马丁·麦吉尼斯 (ma-ding mai-ji-ni-si) / "Martin McGuinness"."""
    similarity = transcribing_similarity(*scripts)
    tok = token_feature(query, candidate, weight, similarity)
    ran = ""
    if 2 <= min(len(query.tokens), len(candidate.tokens)) < max(len(query.tokens), len(candidate.tokens)) \
            <= TRANSCRIPTION_JOIN_MAX_WORDS:
        # a transcription writes a particle or a hyphenated name as one word: 拉魯薩 is
        # "La Russa", 뒤퐁애냥 "Dupont-Aignan" (not for a name of one word: several
        # short words run together are like too many; not past a person's name's length:
        # each join is another comparison of the two names)
        more, other = (query, candidate) if len(query.tokens) > len(candidate.tokens) else (candidate, query)
        words = more.tokens
        for i in range(len(words) - 1):
            if min(len(words[i]), len(words[i + 1])) < 2:
                continue  # (an initial is not part of a word)
            joined = replace(more, tokens=(*words[:i], words[i] + words[i + 1], *words[i + 2:]))
            pair = (joined, other) if more is query else (other, joined)
            alt = token_feature(*pair, weight, similarity)
            if alt.score > tok.score:
                tok, ran = alt, f" ('{words[i]} {words[i + 1]}' as one word)"
    return Feature("transcription", tok.score, f"{scripts[0] or 'latin'} / {scripts[1] or 'latin'} transcription, "
                                               f"words by their consonants{ran}: {tok.detail}")


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
# Each word of a contained list name must be in the query nearly as written.
CONTAINED_SIMILARITY = 0.9


def _beside_legal_form(query: NormalizedName, word: str, legal: set[str]) -> bool:
    """Whether `word` stands in the query right before words that make one of `legal`."""
    folded = list(query.folded)
    for i, tok in enumerate(folded):
        if tok == word:
            after = folded[i + 1:i + 1 + tables().legal_max_len]
            for size in range(len(after), 0, -1):
                if tables().legal.get(tuple(legal_spelling(w) for w in after[:size])) in legal:
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
# Small words of Romance, Germanic and Dutch names that an acronym may leave out, as it
# leaves out "of" ("DIBC": Distribuidora Imperial de Baja California); tried both with
# and without them.
ACRONYM_SKIPS = frozenset({"de", "da", "del", "della", "di", "do", "dos", "das", "du", "des", "la", "le", "les",
                           "el", "en", "y", "e", "et", "und", "van", "von", "der", "den", "het"})


# An acronym with a place after it ("BIF-USA", the US branch of Benevolence
# International Foundation): the place is not in the name spelled out, so a little less.
ACRONYM_PLACE_PENALTY = 0.02
# A one-word name made of the first one to three letters of each of the other's words
# ("CIMEX": COmercio Interior, Mercado EXterior; "INRIMAR": INmobiliaria RIvera
# MARadiaga): a little weaker than initials, as more words can be cut that way (on the
# bundled lists, about 1 in 100,000 pairs of a one-word and a three-word name).
SYLLABLE_ACRONYM_SCORE = 0.78
SYLLABLE_ACRONYM_LETTERS = 3


def _beginnings(word: str, words: Sequence[str]) -> bool:
    """Whether `word` is the first 1 to SYLLABLE_ACRONYM_LETTERS letters of each of
    `words`, run together in order."""
    ends = {0}  # where in `word` the beginnings of the words so far may end
    for w in words:
        ends = {i + n for i in ends for n in range(1, min(SYLLABLE_ACRONYM_LETTERS, len(w)) + 1)
                if word.startswith(w[:n], i)}
        if not ends:
            return False
    return len(word) in ends


def _initials(word: str, words: Sequence[str]) -> bool:
    return len(words) == len(word) and "".join(w[0] for w in words) == word


def _syllables(word: str, words: Sequence[str]) -> bool:
    return 3 <= len(words) < len(word) and _beginnings(word, words)


# (feature, score, test, what the word is made of)
_ACRONYMS = (("acronym", ACRONYM_SCORE, _initials, "initials"),
             ("syllable_acronym", SYLLABLE_ACRONYM_SCORE, _syllables, "beginnings"))


def _acronym_readings(name: NormalizedName) -> tuple[Sequence[str], ...]:
    """The word lists an acronym of `name` may be made of: its words, its words as written
    (legal forms left out), those without small words ("of", "the"), its words without
    particles ("de", "la")."""
    stop = tables().stopwords
    spelled = [tok for tok in (name.folded or name.tokens) if tok not in name.legal]
    return (name.tokens, spelled, [w for w in spelled if w not in stop],
            [w for w in name.tokens if w not in ACRONYM_SKIPS])


def initials(name: NormalizedName) -> frozenset[str]:
    """The acronyms of `name` made of its words' initials (`acronym`), one per reading of
    acronym_feature, for a name of three words or more; what the candidate index looks
    up a one-word query by (RGB: RECONNAISSANCE GENERAL BUREAU)."""
    if len(name.tokens) < 3:
        return frozenset()
    out = set()
    for words in _acronym_readings(name):
        if words and all(w[:1].isalpha() for w in words):
            word = "".join(w[0] for w in words)
            if 3 <= len(word) <= 8:
                out.add(word)
    return frozenset(out)


def acronym_word(name: NormalizedName) -> tuple[str, str]:
    """(word, place) of a name that may be an acronym: its one word, or its first word
    with a country after it ("KCST Korea"); ("", "") for any other name."""
    toks = name.tokens
    if len(toks) == 2 and is_country_word(toks[1]) and not is_country_word(toks[0]):
        return toks[0], toks[1]
    return (toks[0], "") if len(toks) == 1 else ("", "")


def acronym_feature(query: NormalizedName, candidate: NormalizedName) -> Feature | None:
    """When one name is one word of 3 to 8 letters (and perhaps a country after it) and
    the other's words (with or without small words such as "of") begin with those
    letters, in order (`acronym`), or with the pieces of that word, one to three letters
    each, for three words or more (`syllable_acronym`); None otherwise."""
    for short, long_ in ((query, candidate), (candidate, query)):
        word, place = acronym_word(short)
        if len(long_.tokens) < 3 or not 3 <= len(word) <= 8:
            continue
        if not word.isalpha() or word in long_.tokens or word in long_.folded:
            continue
        readings = _acronym_readings(long_)
        for name, score, is_made_of, made_of in _ACRONYMS:  # (initials first, in every reading)
            for words in readings:
                if is_made_of(word, words):
                    detail = f"'{word}' is the {made_of} of '{' '.join(words)}'"
                    if place:
                        return Feature(name, score - ACRONYM_PLACE_PENALTY, f"{detail}, with a place after it: {place}")
                    return Feature(name, score, detail)
    return None


# A person's name with fewer names than the other, all of them found there ("MEZA,
# Arturo" / "MEZA GASPAR, Arturo"): lists and files leave out middle names and second
# surnames. Only when the names found carry enough weight to identify someone.
FEWER_NAMES_SCORE = 0.8
FEWER_NAMES_WEIGHT = 10.0
# ... each found at this similarity or more (NameIndex._bounds keeps the names that may be)
FEWER_NAMES_SIMILARITY = 0.85
# What each name found only as a variant (a nickname, a typo: similarity 0.85-1) costs,
# times the distance of its similarity from 1: one such name keeps the pair above the
# default threshold (Bob Kasten / Robert W. Kasten Jr.), two seldom do.
FEWER_NAMES_VARIANT_COST = 0.3


def fewer_names_feature(query: NormalizedName, candidate: NormalizedName, weight: Weight,
                        similarity: Similarity, aligned: list[tuple[int, int, float]] | None = None,
                        transcribed: bool = False) -> Feature | None:
    """For persons: every name of the shorter side found in the longer one; None when
    the sides have as many names. `aligned`: the query-candidate alignment, if known."""
    short, long_ = (query, candidate) if len(query.tokens) < len(candidate.tokens) else (candidate, query)
    if len(short.tokens) == len(long_.tokens) or len(short.tokens) < 2:
        return None
    if aligned is None:
        aligned = align_tokens(query.tokens, candidate.tokens, similarity)
    pairs = aligned if short is query else [(j, i, s) for i, j, s in aligned]
    # (between a name transcribed into syllables and another script, the same sound is
    # the best two spellings can agree: it counts as the same)
    best = translit.SAME_KEY_SIMILARITY if transcribed else 1.0
    pairs = [(i, j, min(1.0, s / best)) for i, j, s in pairs if s >= FEWER_NAMES_SIMILARITY]
    if len(pairs) < len(short.tokens):
        return Feature("fewer_names", 0.0, "not every name of the shorter side is in the longer")
    if sum(weight(short.tokens[i]) for i, _, _ in pairs) < FEWER_NAMES_WEIGHT:
        return Feature("fewer_names", 0.0, "the names in common are too common to identify a person")
    matched = {j for _, j, _ in pairs}
    extra = " ".join(tok for j, tok in enumerate(long_.tokens) if j not in matched)
    score = FEWER_NAMES_SCORE - FEWER_NAMES_VARIANT_COST * sum(1.0 - s for _, _, s in pairs)
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


# A query that names a place ("... (Tehran)", "... Tehran Branch", "... Tehran") against a
# list name that holds another place the query lacks ("... (Dubai) FZE"): a branch or
# subsidiary elsewhere, likelier another party than the one listed.
PLACE_PENALTY = 0.1


def place_feature(query: NormalizedName, candidate: NormalizedName) -> Feature | None:
    """A qualifier when the query names a place (in its words or in the words it set
    aside: "... (Tehran)", "... Tehran Branch") and the list name another, each not
    found in the other name; None otherwise (a place on one side only: a branch of the
    party listed, or a list name that says no place)."""
    places = tables().places
    words = (*query.tokens, *fold(query.aside)) if query.aside else query.tokens
    asked = {w for w in words if w in places and w not in candidate.tokens}
    if not asked:
        return None
    listed = {w for w in candidate.tokens if w in places and w not in words}
    if not listed or "".join(w for w in words if w in asked) == "".join(w for w in candidate.tokens if w in listed):
        return None  # (none, or the same place spelled joined: HongKong / Hong Kong)
    return Feature("places", -PLACE_PENALTY, f"query in {' '.join(sorted(asked))}, "
                                            f"list name in {' '.join(sorted(listed))}")


# A company name that shares only common words and places with a list name lacking the
# word that names the listed party ("Shenzhen Technology" / "Shenzhen Huawei
# Technologies"): another company of the same trade and town, more often than not.
GENERIC_ONLY_PENALTY = 0.15


def generic_only_feature(query: NormalizedName, candidate: NormalizedName,
                         aligned: list[tuple[int, int, float]]) -> Feature | None:
    """A qualifier when every list word the query matched is a common business word or a
    place (names.yaml's generic words, ISO 3166 names, trade hubs) and the list name has a
    word that is neither, which the query lacks; None otherwise. (A shared number of three
    digits or more is not common: Tianjin 764 Technology.) Judged by the tables, not
    by rarity: a brand that names many list entries (huawei: 170 names) weighs less than a
    town, and still is what names the party."""
    generic, c = tables().generic, candidate.tokens
    matched = {j for _, j, _ in aligned}
    # (a number of three digits or more names a party as a word does: Tianjin 764 ...)
    if not matched or any(c[j] not in generic and not (c[j].isdigit() and len(c[j]) < 3) for j in matched):
        return None
    missing = [tok for j, tok in enumerate(c) if j not in matched and len(tok) > 1 and tok not in generic
               and not tok.isdigit()]
    if not missing:
        return None
    return Feature("generic_only", -GENERIC_ONLY_PENALTY,
                   f"only common words and places in common; not in the query: {' '.join(missing)}")


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
    scripts = ("", "")
    chinese = (_chinese_characters(query), _chinese_characters(candidate))
    both_chinese = all(chinese)
    if both_chinese and (query.reading or candidate.reading):
        # two names in Chinese characters: compared as written (their joined pinyin, an
        # exact comparison), not syllable by syllable, where three characters of four
        # alike would pass (华为技术 / 华力技术)
        return 0.0, (Feature("tokens", 0.0, "both in Chinese characters: compared as written"),)
    if not (query.latin and candidate.latin) and similarity is token_similarity:
        scripts = (translit.name_script(query.original, query.reading),
                   translit.name_script(candidate.original, candidate.reading))
        if both_chinese:
            similarity = _same_word  # a letter of pinyin more or less is another character
        elif query.reading or candidate.reading:
            similarity = reading_similarity(query.reading or candidate.reading)
        elif query.latin != candidate.latin or scripts[0] != scripts[1]:
            similarity = cross_script_similarity
    legal = legal_feature(query, candidate)
    if len(query.tokens) == len(candidate.tokens) and (query.tokens == candidate.tokens
                                                      or query.canonical == candidate.canonical):
        exact = Feature("exact", 1.0, f"same normalized name '{query.text}'")
        features = (exact, legal, *_reading_features(query, candidate, weight, similarity))
        return max(0.0, 1.0 + sum(f.score for f in features[1:])), features
    aligned = align_tokens(query.tokens, candidate.tokens, similarity)
    numbers = number_feature(query, candidate, weight)
    tok = token_feature(query, candidate, weight, similarity, aligned)
    joined = joined_feature(query, candidate, numbers is not None, exact=any(chinese))
    # Joined-string similarity is a weaker signal than aligned tokens (one distinctive
    # word can hide inside a long string of generic ones), so it is discounted.
    joined = Feature("joined", joined.score * JOINED_MAX, joined.detail)
    features = [tok, joined]
    if similarity is cross_script_similarity and len(query.tokens) != len(candidate.tokens) and not any(chinese):
        features.append(sound_joined_feature(query, candidate))
    elif (query.latin or candidate.latin) and tok.score < translit.SAME_KEY_SIMILARITY \
            and (query.latin and candidate.latin or has_han(query.original) or has_han(candidate.original)) \
            and translit.same_chinese_name(query.tokens, candidate.tokens):
        features.append(Feature("romanization", translit.SAME_KEY_SIMILARITY,
                                f"'{query.text}' and '{candidate.text}' read as the same pinyin (Wade-Giles)"))
    transcribed = scripts[0] != scripts[1] and not (query.reading or candidate.reading)
    if transcribed and tok.score < translit.SAME_KEY_SIMILARITY:
        features.append(transcription_feature(query, candidate, weight, scripts))
    if contained and len(query.tokens) > len(candidate.tokens) and tok.score < CONTAINED_MAX:
        features.append(contained_feature(query, candidate, weight, similarity, aligned))
    if person:
        extra = None
        if tok.score < FEWER_NAMES_SCORE and not (_syllable_words(query) or _syllable_words(candidate)):
            extra = (fewer_names_feature(query, candidate, weight, transcribing_similarity(*scripts), transcribed=True)
                     if transcribed else fewer_names_feature(query, candidate, weight, similarity, aligned))
    else:
        extra = acronym_feature(query, candidate)
    if extra is not None:
        features.append(extra)
    score = max(f.score for f in features)
    by_tokens = score == tok.score
    reading = _reading_features(query, candidate, weight, similarity, aligned)
    features += [legal, *reading, *([numbers] if numbers else [])]
    score += legal.score + sum(f.score for f in reading) + (numbers.score if numbers else 0.0)
    places = place_feature(query, candidate)
    if places:
        features.append(places)
        score += places.score
    if not person and by_tokens and not query.part:  # (a part set aside: the part feature judges it)
        generic_only = generic_only_feature(query, candidate, aligned)
        if generic_only:
            features.append(generic_only)
            score += generic_only.score
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
