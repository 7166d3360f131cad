"""A candidate index over list names, so that a query scores a few dozen names, not all.

Every name of every entry is normalized once. Candidates for a query come from an
inverted index on tokens, widened for typos by symmetric one-deletion keys (the
SymSpell idea: two tokens one edit apart share a key), and for joined/split words by
keys made of two adjacent tokens run together. Candidates are ranked by the weight of
the tokens they share, and only the best few are scored in full by `names.compare`."""

from __future__ import annotations

import datetime as dt
import heapq
import math
import threading
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, NamedTuple, Sequence

import numpy as np
from rapidfuzz.distance import OSA, Levenshtein

from banscreen.match import features as ft
from banscreen.match import names as nm
from banscreen.match import translit
from banscreen.model import Explanation, Feature, ListEntry

# A token in more than this share of names (after legal forms are set apart) is too
# common to find candidates by; it still counts in scoring.
COMMON_TOKEN_SHARE = 0.03
CANDIDATES_SCORED = 40
# Names whose upper bound is this far below the threshold are not scored. The bound is
# exact for token scores; the margin covers the joined-words comparison, which can see
# a typo inside words run together that no token key reaches.
PRUNE_MARGIN = 0.05
# ... and for a query not in Latin letters: there the bound covers the words' spellings
# and sounds but not every comparison across scripts (consonant skeletons, sounds run
# together), which can score a name well above it. benchmarks.evasion, margins 0.05 /
# 0.15 / 0.2 / 0.25 / 0.3 / 0.4 / 0.5: search finds 223 / 229 / 235 / 247 / 274 / 297
# / 301 of the 405 cross-script pairs the comparator matches, and 6 / 9 / 11 / 12 / 16
# / 37 / 44 of 601 politicians' names in other scripts hit a list entry (some rightly).
CROSS_SCRIPT_PRUNE_MARGIN = 0.3
# Postings walks of up to this many names are summed in a dict, longer ones with numpy
# (benchmarks: the cross-over on the bundled lists lies around here)
SMALL_WALK = 64
COUNTRY_MISMATCH_PENALTY = 0.05
# A list name inside the query shares at least this share of its weight visibly: half
# its weight is in distinctive words, each matched at names.CONTAINED_SIMILARITY or more.
CONTAINED_SHARED = 0.45
# The shortest one-word query the index looks up as an acronym (features.initials).
ACRONYM_LOOKUP_MIN = 4
# A one-word alias of a person ("OTTO", "LUCAS") is what OFAC calls a weak alias.
WEAK_ALIAS_PENALTY = 0.2
# A company of one word ("Brown LLC", "Lucas S.A.S.") against a person listed ("Victor
# Brown", the weak alias LUCAS): a surname or a given name alone makes many companies. (Not
# a company named with a person's full name: RODRIGUEZ LOPEZ, S.A. DE C.V. against
# RODRIGUEZ LOPEZ, Sergio is what an analyst must see, a company a listed person may own.)
COMPANY_AS_PERSON_PENALTY = 0.1


@dataclass(frozen=True, slots=True)
class IndexedName:
    entry: int  # position in NameIndex.entries
    name: str
    norm: nm.NormalizedName


@dataclass(frozen=True, slots=True)
class Hit:
    entry: ListEntry
    matched_name: str
    score: float
    explanation: Explanation


# A word of a name in another script finds list words by phonetic key only when the key
# has this many sounds: shorter keys are shared by too many names (benchmarks.evasion).
SOUND_KEY_MIN = 5
# A sound-alike (names._sound_alike) is more than a typo only where the shorter word
# allows one edit (7 letters or fewer): a query word longer than this plus its two edits
# finds its sound-alikes among its typo neighbors already.
SOUND_ALIKE_LOOKUP_MAX = 9
# Shorter runs of joined words ("m"+"d"+"s") say nothing about identity.
MIN_JOINED_KEY = 5


def _runs(tokens: Sequence[str]) -> set[str]:
    """Two and three adjacent words run together, and the whole name run together:
    the forms a name takes when its words are joined ("Ala'-al-Din" / "Ala'alDin")."""
    keys = {a + b for a, b in zip(tokens, tokens[1:])}
    keys |= {a + b + c for a, b, c in zip(tokens, tokens[1:], tokens[2:])}
    if len(tokens) > 1:
        keys.add("".join(tokens))
    return {k for k in keys if len(k) >= MIN_JOINED_KEY}


_NEVER = np.iinfo(np.int64).max  # a name's first place in a walk that did not reach it


def _array(ids: Sequence[int]) -> np.ndarray:
    return np.asarray(ids, dtype=np.int64)


def _inside_bounds(shared: float, slack: float, name_weight: float) -> tuple[float, float]:
    """(estimate, bound) of a list name that may lie whole inside the query
    (names.contained_feature): the share of its weight the query visibly holds, and
    what it could hold with `slack`, at the contained feature's scale."""
    return (ft.CONTAINED_MAX * min(1.0, shared / name_weight),
            ft.CONTAINED_MAX * min(1.0, (shared + slack) / name_weight))


class _CompactPostings(dict):
    """Key -> the values added under it, in the order added, without repeats; held as the
    value itself while there is one (most keys of the deletion and joined-word tables
    reach one word or name: a tuple each would cost ~45 MiB more of an index of 50,000
    names). Read a value back with `_held`."""

    def add(self, key: str, value) -> None:
        held = self.get(key)
        if held is None:
            self[key] = value
        elif type(held) is list:
            if held[-1] != value:
                held.append(value)
        elif held != value:
            self[key] = [held, value]

    def done(self) -> dict:
        """A plain dict, each list of several values a tuple."""
        return {k: tuple(v) if type(v) is list else v for k, v in self.items()}


def _held(value) -> tuple:
    """The values a `_CompactPostings` key holds, as a tuple."""
    return value if type(value) is tuple else (value,)


def acronym_lookup_word(query: nm.NormalizedName) -> str:
    """The word the index looks up as an acronym for `query` (NameIndex.acronyms), or "":
    a query of one word, perhaps with a country after it (features.acronym_word), of
    ACRONYM_LOOKUP_MIN to 8 letters, written in capitals."""
    word, _ = ft.acronym_word(query)
    if ACRONYM_LOOKUP_MIN <= len(word) <= 8 and word.isalpha() and word.upper() in query.original:
        return word
    return ""


def may_have_fewer_names(words, query_words: int, shared, name_weight, query_weight: float):
    """Whether a person's name of `words` words (0: not a person) may hold every name of
    a query of `query_words`, or the query every name of it, at the similarity
    features.fewer_names_feature asks (`shared`: what the two may share at most, with
    the shorter side's weight at stake, and the list name weighing enough): that feature
    is not covered by the token bound. With `&` and `|`, for one name or for arrays of
    them (NameIndex._bounds, the delta re-screen's reach)."""
    query_has_fewer = (words > query_words) & (query_words > 1) \
        & (shared >= ft.FEWER_NAMES_SIMILARITY * query_weight)
    name_has_fewer = (words < query_words) & (name_weight >= ft.FEWER_NAMES_WEIGHT) \
        & (shared >= ft.FEWER_NAMES_SIMILARITY * name_weight)
    return (words > 1) & (query_has_fewer | name_has_fewer)


def _one_word_company(query: nm.NormalizedName) -> bool:
    """A name of one word that ends with a legal form ("Brown LLC"; not "PAO, Liang", a
    surname read as the Russian PAO)."""
    return len(query.tokens) == 1 and bool(query.legal) and bool(query.folded) and query.folded[-1] not in query.tokens


def _cutoff(query: nm.NormalizedName, min_score: float) -> float:
    """The bound below which a name is not scored for `query` at `min_score`."""
    return min_score - (PRUNE_MARGIN if query.latin else CROSS_SCRIPT_PRUNE_MARGIN)


# Words longer than this get no typo keys: a word's two-deletion keys grow with the square
# of its length (a hostile 3,000-letter word made 4.5 million keys of 3,000 letters each,
# gigabytes), and no name's word is this long (the bundled lists' longest has 24 letters).
# A query word longer than this plus the most edits a word may carry is within those edits
# of no word that has keys, so it looks up none: no typo neighbor is lost.
MAX_TYPO_WORD = 60


def _deletes(token: str) -> set[str]:
    """Deletion keys reaching every token within the edits `names.token_similarity`
    allows: one deletion, and for tokens long enough to carry two edits, two; none for a
    token too long to be within those edits of a word of MAX_TYPO_WORD letters."""
    if len(token) > MAX_TYPO_WORD + nm.allowed_edits(MAX_TYPO_WORD):
        return set()
    ones = {token[:i] + token[i + 1 :] for i in range(len(token))}
    if nm.allowed_edits(len(token)) < 2:
        return ones
    twos = {d[:i] + d[i + 1 :] for d in ones for i in range(len(d))}
    return ones | twos


def _script_similarity(script: str) -> nm.Similarity:
    """How features.compare compares a word of a name in `script` (translit.name_script)
    with a list word in Latin letters."""
    if script in translit.SYLLABLE_READINGS:
        return ft.reading_similarity(script)
    return ft.transcribing_similarity(script, "") if script else nm.cross_script_similarity


class TokenInfo(NamedTuple):
    """What one query word contributes to candidate search (NameIndex._token_info)."""

    lightest: float  # its lightest possible weight
    lookups: list[tuple[float, np.ndarray]]  # (weight it can share, postings) per list word it may be
    slack: float  # what it may add to any name (an initial may match any word)
    joined: tuple[int, ...]  # names it matches as their words run together
    rare: list[tuple[float, np.ndarray]]  # the lookups of list words rare enough to walk
    common_weights: list[float]  # the weights of the others (not walked when a rare one is)
    common: list[tuple[float, np.ndarray]]  # ... with each one's members (NameIndex._members)


class WordWeights(dict):
    """Word -> weight by rarity; a word the lists do not use weighs `default` (the most a
    word can). A dict whose lookups stay in C: scoring looks words up millions of times."""

    def __init__(self, weights: dict[str, float], default: float):
        super().__init__(weights)
        self.default = default

    def __missing__(self, token: str) -> float:
        return self.default


class NameIndex:
    """Candidate retrieval and scoring over every name of a set of list entries: an
    inverted index on tokens (with one-deletion keys for typos and joined-word keys),
    word weights by rarity, and full scoring of only the best candidates."""

    def __init__(self, entries: Sequence[ListEntry], weights: "NameIndex | None" = None):
        """`weights`: take word rarity from another index (a delta index scores a few
        new entries exactly as the full index would)."""
        self.entries = list(entries)
        self.names: list[IndexedName] = []
        seen: set[tuple[int, tuple[str, ...]]] = set()
        for e_idx, entry in enumerate(self.entries):
            for raw in entry.names:
                if not raw or not raw.strip():
                    continue
                for norm in nm.variants(raw, decorated=False):
                    if not norm.tokens or (e_idx, norm.tokens) in seen:
                        continue
                    seen.add((e_idx, norm.tokens))
                    self.names.append(IndexedName(e_idx, raw, norm))

        postings: dict[str, list[int]] = defaultdict(list)
        joined = _CompactPostings()
        for n_idx, item in enumerate(self.names):
            toks = item.norm.tokens
            for tok in dict.fromkeys(toks):  # (unique, in the name's order: the same dict order every run)
                postings[tok].append(n_idx)
            for key in sorted(_runs(toks) | _runs(item.norm.folded)):
                joined.add(key, n_idx)
        self.postings = dict(postings)
        self.joined_postings = joined.done()
        acronyms = _CompactPostings()  # initials -> the organizations' names of 3+ words they begin
        for n_idx, item in enumerate(self.names):
            if self.entries[item.entry].kind != "person":
                for key in sorted(ft.initials(item.norm)):
                    acronyms.add(key, n_idx)
        self.acronyms = acronyms.done()
        self.russian_spellings = nm.by_russian_spelling(sorted(self.postings))
        synonyms = nm.tables().synonyms
        by_canonical: dict[str, list[str]] = defaultdict(list)
        for tok in self.postings:
            canon = synonyms.get(tok)
            if canon is not None or tok in set(synonyms.values()):
                by_canonical[canon or tok].append(tok)
        self.by_canonical = dict(by_canonical)
        by_number: dict[str, list[str]] = defaultdict(list)  # "3" -> ["3", "3rd", "third"]
        for tok in self.postings:
            value = nm.number_value(tok)
            if value is not None:
                by_number[value].append(tok)
        self.by_number = dict(by_number)

        n = max(len(self.names), 1)
        if weights is not None:
            self._max_weight = weights._max_weight
            self.weights = WordWeights({tok: weights.weight(tok) for tok in self.postings}, self._max_weight)
            self.weights.update(weights.weights)
        else:
            self._max_weight = math.log(1 + n)
            self.weights = WordWeights({tok: math.log(1 + n / len(ids)) for tok, ids in self.postings.items()},
                                       self._max_weight)
        self._common = max(50, int(n * COMMON_TOKEN_SHARE))
        self.name_weight = [sum(self.weight(t) for t in item.norm.tokens) for item in self.names]
        self.can_be_inside = [(len(item.norm.tokens) > 1 or bool(item.norm.legal))
                              and self.entries[item.entry].kind != "person" for item in self.names]
        # a person's name's number of words, 0 for others (_bounds: may_have_fewer_names)
        self.person_words = [len(item.norm.tokens) if self.entries[item.entry].kind == "person" else 0
                             for item in self.names]
        self._min_weight = weights._min_weight if weights is not None else min(self.weights.values(), default=1.0)

        deletes = _CompactPostings()
        for tok in sorted(tok for tok in self.postings if nm.SHORT_TOKEN < len(tok) <= MAX_TYPO_WORD):  # sorted: same walk
            for key in _deletes(tok) | {tok}:
                deletes.add(key, tok)
        self.deletes = deletes.done()
        self._start_caches()

    def _start_caches(self) -> None:
        """Per-process memo of per-token work; not pickled with the index."""
        self._neighbors = lru_cache(maxsize=100_000)(self._neighbors_uncached)
        self._weigh = self.weights.__getitem__  # what features.compare calls per word: no Python frame
        self._local = threading.local()
        self._token_info = lru_cache(maxsize=100_000)(self._token_info_uncached)
        self._sound_neighbors = lru_cache(maxsize=50_000)(self._sound_neighbors_uncached)
        self._sounds: dict[str, tuple[str, ...]] | None = None
        self._by_sound_alike: dict[str, tuple[str, ...]] | None = None
        # a list word's postings as an array, made once (many query words reach it)
        self._postings_array = lru_cache(maxsize=100_000)(lambda tok: _array(self.postings[tok]))
        self._members = lru_cache(maxsize=1_000)(self._members_uncached)

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        for per_process in ("_neighbors", "_token_info", "_postings_array", "_members", "_weigh", "_local",
                            "_sound_neighbors", "_sounds", "_by_sound_alike"):  # rebuilt on load
            del state[per_process]
        state.pop("_np_arrays", None)
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._start_caches()

    def __len__(self) -> int:
        return len(self.entries)

    def weight(self, token: str) -> float:
        return self.weights[token]

    def _token_info_uncached(self, tok: str, script: str | None = None):
        """What one query token contributes to candidate search (TokenInfo), computed
        once per distinct token.
        `script`: for a word of a name not in Latin letters, how the name is compared
        (translit.name_script): the list words it may be written as are its neighbors
        too (_sound_neighbors), each scored as features.compare scores it."""
        own = self.weight(tok)
        if len(tok) < 2:  # a letter: exact postings; as an initial it may match any word
            ids = self.postings.get(tok)
            return self._info(min(own, self._min_weight), [(own, self._postings_array(tok))] if ids else [],
                              nm.INITIAL_SIMILARITY * self._max_weight, (), [tok] if ids else [])
        if script is None:
            neighbors = self._latin_neighbors(tok)
        else:
            neighbors = self._neighbors(tok)
            # (scored as features.compare scores a word of another script, which may be
            # more than its spelling says: the bound must stay an upper bound)
            similarity = _script_similarity(script)
            merged = {cand: max(sim, similarity(tok, cand)) for cand, sim in neighbors}
            for cand, sim in self._sound_neighbors(tok, script):
                if sim > merged.get(cand, 0.0):
                    merged[cand] = sim
            neighbors = tuple(merged.items())
        # a matched token weighs what its list token weighs (names.token_feature): its
        # lightest possible weight keeps the bound an upper bound
        lightest = min([own, *(self.weight(c) for c, _ in neighbors)])
        lookups = [(s * self.weight(c), self._postings_array(c)) for c, s in neighbors]
        joined = _held(self.joined_postings.get(tok, ())) if len(tok) >= MIN_JOINED_KEY else ()
        return self._info(lightest, lookups, 0.0, joined,  # query "alqaida" ~ list "al qaida"
                          [c for c, _ in neighbors])

    def _info(self, lightest: float, lookups: list[tuple[float, np.ndarray]], slack: float,
              joined: tuple[int, ...], words: list[str]) -> TokenInfo:
        """A word's TokenInfo, its lookups (of the list `words`) parted into rare and
        common once (a query meets the same words again and again)."""
        common = [(w, self._members(word)) for (w, ids), word in zip(lookups, words) if len(ids) > self._common]
        return TokenInfo(lightest, lookups, slack, joined, [lk for lk in lookups if len(lk[1]) <= self._common],
                         [w for w, _ in common], common)

    def _members_uncached(self, word: str) -> np.ndarray:
        """Which names hold the list word `word`: a mask as long as the index (for the
        few common words, which are probed rather than walked: _bounds)."""
        mask = np.zeros(len(self.names), dtype=bool)
        mask[self.postings[word]] = True
        return mask

    def _neighbors_uncached(self, token: str) -> tuple[tuple[str, float], ...]:
        """List tokens similar to `token`, with their similarity."""
        found: dict[str, float] = {}
        if token in self.postings:
            found[token] = 1.0
        for variant in self.by_canonical.get(nm.tables().synonyms.get(token, token), ()):
            found[variant] = 1.0
        value = nm.number_value(token)
        for other in self.by_number.get(value, ()) if value is not None else ():
            found.setdefault(other, 1.0)
        nicknames = nm.nicknames().get(token, ()) if len(token) >= 3 else ()
        for other in (*nm.tables().abbreviations.get(token, ()), *nicknames):
            if other in self.postings and other not in found:
                found[other] = nm.token_similarity(token, other)
        if len(token) >= nm.RUSSIAN_SPELLING_MIN:  # Lawrow / Lavrov, Setschin / Sechin
            spelled = nm.russian_spelling(token)
            for cand in (spelled, *self.russian_spellings.get(spelled, ())):
                if cand in self.postings and cand not in found:
                    s = nm.token_similarity(token, cand)
                    if s > 0.0:
                        found[cand] = s
        if len(token) > nm.SHORT_TOKEN:
            keys = _deletes(token) | {token}
            for key in sorted(keys):  # (a set of strings iterates in another order each run)
                for cand in _held(self.deletes.get(key, ())):
                    if cand not in found:
                        s = nm.token_similarity(token, cand)
                        if s > 0.0:
                            found[cand] = s
        return tuple(found.items())

    def _latin_neighbors(self, token: str) -> tuple[tuple[str, float], ...]:
        """The neighbors of a word of a name in Latin letters, as the search walks them
        (_token_info) and a delta re-screen's reach takes them (party_keys): its
        _neighbors and the list words that sound like it (names._sound_alike: Mayer /
        Meier, two edits apart in a word allowed one, so sharing no deletion key), for a
        word the lists do not hold: a word they hold is most likely spelled as meant, and
        its sound-alikes (James / Jones) made 7 % more names scored, 16 % fewer names a
        second, and new alarms (benchmarks.names)."""
        found = self._neighbors(token)
        sound = nm.sound_alike_key(token) if len(token) <= SOUND_ALIKE_LOOKUP_MAX and token not in self.postings \
            else ""
        if not sound:
            return found
        have = dict(found)
        edits = nm.SOUND_ALIKE_EDITS
        for cand in self._sound_alikes().get(sound, ()):
            if cand not in have and abs(len(cand) - len(token)) <= edits \
                    and OSA.distance(token, cand, score_cutoff=edits) <= edits:  # (in C, before the Python test)
                s = nm.token_similarity(token, cand)
                if s > 0.0:
                    have[cand] = s
        return tuple(have.items())

    def _sound_alikes(self) -> dict[str, tuple[str, ...]]:
        """Soundex code (names.sound_alike_key) -> the list words with it, sorted; built
        on first use, per process."""
        if self._by_sound_alike is None:
            table: dict[str, list[str]] = defaultdict(list)
            for tok in sorted(self.postings):
                key = nm.sound_alike_key(tok)
                if key and len(self.postings[tok]) <= self._common:
                    table[key].append(tok)
            self._by_sound_alike = {k: tuple(v) for k, v in table.items()}
        return self._by_sound_alike

    def _sound_neighbors_uncached(self, token: str, script: str) -> tuple[tuple[str, float], ...]:
        """List words a word of a name in another script may be written as, with the
        similarity features.compare gives them: for a name read one syllable a word,
        the syllable's spellings (translit.SYLLABLE_READINGS: a Korean syllable's
        romanizations, a Cantonese one's Hong Kong and Macau spellings, the pinyin a
        Wade-Giles word reads as); otherwise, list words with the same phonetic key
        of SOUND_KEY_MIN sounds or more. (Shorter keys, keys one sound apart and consonant
        skeletons were tried: search then found up to 353 rather than 214 of the 398
        cross-script pairs the comparator matches, but the loose sound comparisons also
        met list names of innocent people: 46-65 % of 601 politicians' names in other
        scripts hit a list entry, against 1.2 % with long keys only.)"""
        similarity = _script_similarity(script)
        if script in translit.SYLLABLE_READINGS:
            spellings = translit.SYLLABLE_READINGS[script](token)
        else:  # list words with the same long phonetic key
            table = self._sound_table()
            spellings = {cand for key in translit.keys(token) if len(key) >= SOUND_KEY_MIN
                         for cand in table.get(key, ())}
        found = ((cand, similarity(token, cand)) for cand in sorted(spellings) if cand in self.postings)
        return tuple((cand, sim) for cand, sim in found if sim > 0.0)

    def _sound_table(self) -> dict[str, tuple[str, ...]]:
        """Phonetic key (translit.keys) of SOUND_KEY_MIN sounds or more -> the list words
        with it; built on the first query in another script, per process (a Latin-only
        workload never pays for it)."""
        if self._sounds is None:
            table: dict[str, set[str]] = defaultdict(set)
            for tok in self.postings:
                if tok.isalpha():
                    for key in translit.keys(tok):
                        if len(key) >= SOUND_KEY_MIN:
                            table[key].add(tok)
            self._sounds = {k: tuple(sorted(v)) for k, v in table.items()}
        return self._sounds

    def candidates(self, query: nm.NormalizedName, cutoff: float = 0.0) -> dict[int, tuple[float, float]]:
        """Names that may match the query, each with (estimate, bound): see `_candidates`."""
        found, inside = self._candidates(query, cutoff)
        return {**inside, **found}

    def _candidates(self, query: nm.NormalizedName, cutoff: float = 0.0
                    ) -> tuple[dict[int, tuple[float, float]], dict[int, tuple[float, float]]]:
        """Names that may match the query (their bound reaches `cutoff`), each with
        (estimate, bound).

        `bound` is an upper bound of the name's token score: the weight the two names
        can share over the weight of both, including what an initial or an unwalked
        common word could still add; where only the joined-words feature can judge a
        name it is that feature's maximum. `estimate` leaves out the could-still-add
        part, so it ranks names by what they visibly share. Names are scored in the
        order of `estimate` and scoring stops once `bound` falls below the threshold.
        Returned apart: the names that reach `cutoff` only as a list name lying whole
        inside the query (names.contained_feature), searched only when no other name
        matched."""
        lookups: list[tuple[float, np.ndarray]] = []
        rare: list[tuple[float, np.ndarray]] = []
        common_weights: list[float] = []
        common: list[tuple[float, np.ndarray]] = []
        joined: set[int] = set()
        q_weight = 0.0
        slack = 0.0  # what the query may share with any name beyond `acc`
        script = None if query.latin else translit.name_script(query.original, query.reading)
        for tok in query.tokens:  # repeated tokens count again ("ABDULLAH, Abdullah")
            info = self._token_info(tok, script)
            q_weight += info.lightest
            slack += info.slack
            lookups += info.lookups
            rare += info.rare
            common_weights += info.common_weights
            common += info.common
            if info.joined:
                joined.update(info.joined)
        for seq in (query.tokens, query.folded):  # query "al qaida" ~ list "alqaida"
            for key in _runs(seq):
                joined.update(self.postings.get(key, ()))
        probed: list[tuple[float, np.ndarray]] = []
        if rare and common_weights:
            # common words are not walked: any name may share them (its bound), and a
            # name the walk reaches is probed for them (a tighter bound it must pass too)
            slack += sum(common_weights)
            lookups, probed = rare, common
        out: dict[int, tuple[float, float]] = {}
        within: dict[int, tuple[float, float]] = {}
        if lookups:
            self._bounds(lookups, q_weight, slack, cutoff, len(query.tokens), out, within, probed,
                         fewer=not query.legal)
        # The joined-words feature can reach its own maximum. (Sorted: a set of ints built
        # from postings iterates in an order that differs from run to run, and the order
        # names enter the pool breaks ties in the ranking.)
        for n_idx in sorted(joined):
            estimate, bound = out.get(n_idx, (0.0, 0.0))
            # ranked by how alike the joined strings are, so that a crowd of names sharing
            # one run-together key ("abdal") does not push a name sharing every word out
            # of the names scored
            norm = self.names[n_idx].norm
            alike = max(Levenshtein.normalized_similarity(query.joined, norm.joined),
                        Levenshtein.normalized_similarity(query.joined_all, norm.joined_all))
            out[n_idx] = (max(estimate, ft.JOINED_MAX * alike), max(bound, ft.JOINED_MAX))
            within.pop(n_idx, None)
        for n_idx in self._acronym_candidates(query):  # (features.acronym_feature scores them)
            estimate, bound = out.get(n_idx, (0.0, 0.0))
            out[n_idx] = (max(estimate, ft.ACRONYM_SCORE), max(bound, ft.ACRONYM_SCORE))
            within.pop(n_idx, None)
        return out, within

    def _acronym_candidates(self, query: nm.NormalizedName) -> tuple[int, ...]:
        """The organizations' names of which a query of one word (perhaps with a country
        after it) is the initials: KCST, IRISL. Only for a word of ACRONYM_LOOKUP_MIN
        letters or more written in capitals: three letters are the initials of too many
        names (BAM: BAYT AL-MAL), and most words written otherwise are names."""
        word = acronym_lookup_word(query)
        return _held(self.acronyms.get(word, ())) if word else ()

    def _bounds(self, lookups: list[tuple[float, np.ndarray]], q_weight: float, slack: float, cutoff: float,
                query_tokens: int, out: dict[int, tuple[float, float]],
                within: dict[int, tuple[float, float]], probed: list[tuple[float, np.ndarray]] = (),
                fewer: bool = True) -> None:
        """The names the walked postings reach, with what each shares with the query (the
        weights of the postings that hold it, summed in walk order), into `out` when
        their bound reaches `cutoff`, else into `within` when they may lie whole inside
        the query. `probed`: the common words' lookups, not walked, their weights in
        `slack`: a person's name must also reach `cutoff` with only those of them it
        holds (as tight a bound as walking them would give, for the names the rare words
        reach). `fewer`: also keep persons' names with fewer or more names than the
        query (not for a query with a legal form: a company). Vectorized (numpy) past
        SMALL_WALK postings: the walk is the
        search's inner loop; names keep the order in which the walk first met them, and
        every sum is taken in the order a loop over the postings would take it, so the
        floats are the same either way."""
        sizes = [len(ids) for _, ids in lookups]
        inside_needed = cutoff / ft.CONTAINED_MAX if query_tokens > 1 else math.inf
        # (the slack without the probed words: what any name may still add)
        free = slack - sum(w for w, _ in probed) if probed else slack
        # A listed person with fewer names than the query, all of them in it, or with
        # more, all the query's in it (features.fewer_names_feature): the token bound
        # does not cover that feature (an extra middle name weighs on the query's side),
        # so such a name is kept when what it shares could be every name of the shorter
        # side at the feature's similarity.
        fewer = fewer and cutoff <= ft.FEWER_NAMES_SCORE
        if sum(sizes) <= SMALL_WALK:
            # A short walk: plain Python is quicker than numpy's set-up, with the same
            # float operations in the same order as the arrays below.
            acc: dict[int, float] = defaultdict(float)
            for w, ids in lookups:
                for n_idx in ids.tolist():
                    acc[n_idx] += w
            name_weight, can_be_inside, person_words = self.name_weight, self.can_be_inside, self.person_words
            for n_idx, sh in acc.items():
                w = name_weight[n_idx]
                denominator = q_weight + w
                b = 2 * (sh + slack) / denominator
                reach = sh + free + sum(pw for pw, held in probed if held[n_idx]) if probed else sh + slack
                words = person_words[n_idx]
                if b >= cutoff and (not words or 2 * reach / denominator >= cutoff) \
                        or fewer and may_have_fewer_names(words, query_tokens, reach, w, q_weight):
                    out[n_idx] = (2 * sh / denominator, b if b < 1.0 else 1.0)
                elif can_be_inside[n_idx] and sh >= CONTAINED_SHARED * w and sh + slack >= inside_needed * w:
                    within[n_idx] = _inside_bounds(sh, slack, w)
            return
        # Sums into per-thread arrays as long as the index, without sorting: `add.at`
        # adds in walk order, `minimum.at` keeps each name's first place in the walk
        # (ufunc.at is defined for repeated indices; a plain assignment is not). Both
        # arrays are left as they were found.
        sums, first = self._walk_scratch()
        all_ids = np.concatenate([ids for _, ids in lookups])
        all_w = np.repeat(np.array([w for w, _ in lookups]), sizes)
        place = np.arange(len(all_ids))
        np.minimum.at(first, all_ids, place)
        names = all_ids[first[all_ids] == place]  # first met first, as a dict filled by the walk
        np.add.at(sums, all_ids, all_w)
        shared = sums[names]
        sums[names] = 0.0
        first[names] = _NEVER
        nw_all, inside_all, words_all = self._arrays()
        nw = nw_all[names]
        denominator = q_weight + nw
        bound = 2 * (shared + slack) / denominator
        reach = shared + free + sum(w * members[names] for w, members in probed) if probed else shared + slack
        words = words_all[names]
        passes = (bound >= cutoff) & ((words == 0) | (2 * reach / denominator >= cutoff))
        if fewer:
            passes |= may_have_fewer_names(words, query_tokens, reach, nw, q_weight)
        estimate = 2 * shared / denominator
        for n_idx, est, b in zip(names[passes].tolist(), estimate[passes].tolist(), bound[passes].tolist()):
            # the estimate is left uncapped: among names sharing everything with the
            # query, the one with least else ranks first
            out[n_idx] = (est, b if b < 1.0 else 1.0)
        # The list name may lie whole inside a longer query (names.contained_feature): a
        # name of two words or more, or of one word with a legal form. (A contained
        # name's distinctive words, half its weight or more, are rare enough to be
        # walked: they are in `shared`.)
        with np.errstate(invalid="ignore"):  # inf * 0 is no match, as in Python
            maybe = ~passes & (shared >= CONTAINED_SHARED * nw) & (shared + slack >= inside_needed * nw) \
                & inside_all[names]
        for n_idx, sh, w in zip(names[maybe].tolist(), shared[maybe].tolist(), nw[maybe].tolist()):
            within[n_idx] = _inside_bounds(sh, slack, w)

    def _walk_scratch(self) -> tuple[np.ndarray, np.ndarray]:
        """This thread's two arrays as long as the index (sums, first places) for `_bounds`:
        per thread, as a server or a Dask worker may search one index from several."""
        scratch = getattr(self._local, "walk", None)
        if scratch is None:
            scratch = self._local.walk = (np.zeros(len(self.names)), np.full(len(self.names), _NEVER, dtype=np.int64))
        return scratch

    def _arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """`name_weight`, `can_be_inside` and `person_words` as arrays, made once per
        process."""
        arrays = self.__dict__.get("_np_arrays")
        if arrays is None:
            arrays = self._np_arrays = (np.asarray(self.name_weight, dtype=np.float64),
                                        np.asarray(self.can_be_inside, dtype=bool),
                                        np.asarray(self.person_words, dtype=np.int64))
        return arrays

    def search(
        self,
        name: str,
        *,
        as_of: dt.date | None = None,
        countries: Iterable[str] = (),
        min_score: float = 0.0,
        lists: frozenset[str] | None = None,
        limit: int = 10,
    ) -> list[Hit]:
        """Best matches for `name`, one per list entry, best first. A list name lying
        whole inside a longer query (names.contained_feature) is looked for only when
        nothing else matched: the search for it reaches many more names."""
        query_countries = {c for c in countries if c}
        best: dict[int, Hit] = {}
        variants = [v for v in nm.variants(name) if v.tokens]
        pools = [self._candidates(v, cutoff=_cutoff(v, min_score)) for v in variants]
        self._score_pool(variants, [found for found, _ in pools], best, query_countries, as_of, min_score, lists)
        if not best:
            self._score_pool(variants, [within for _, within in pools], best, query_countries, as_of, min_score,
                             lists)
        # (the dataset last: one listing carried by two files ranks the same way every time)
        return sorted(best.values(), key=lambda h: (-h.score, h.entry.list, h.entry.entry_id, h.entry.dataset))[:limit]

    def may_differ(self, name: str, changed: frozenset[int], freed: int, *, as_of: dt.date | None = None,
                   min_score: float = 0.0, lists: frozenset[str] | None = None) -> bool:
        """Whether `search(name, ...)` can differ from a search in which the entries at
        positions `changed` were not in force and `freed` more candidate names took
        scoring slots: False only when that is certain (word weights aside: they are
        those of this index in both).

        Only the first CANDIDATES_SCORED candidates of a pool, by estimate, are scored.
        So a search differs only through a changed entry among them scoring `min_score`
        or more, or through the slots: each changed entry among them pushed one
        candidate out, and each name that left (`freed`) let one in, all from just
        past the cut; if none of those reaches `min_score` either, nothing differs.
        Costs the candidate search and a few scores."""
        query_countries: set[str] = set()  # a country only lowers a score: leaving it out is safe
        for query in (v for v in nm.variants(name) if v.tokens):
            for pool in self._candidates(query, cutoff=_cutoff(query, min_score)):
                ranked = self._ranked(pool, as_of, lists, CANDIDATES_SCORED + freed + len(changed))
                top = ranked[:CANDIDATES_SCORED]
                moved = freed
                for n_idx in top:
                    if self.names[n_idx].entry in changed:
                        moved += 1
                        if self._score_name(query, n_idx, query_countries) >= min_score:
                            return True
                past_cut = ranked[CANDIDATES_SCORED:CANDIDATES_SCORED + moved]
                if any(self._score_name(query, n_idx, query_countries) >= min_score for n_idx in past_cut):
                    return True
        return False

    def _ranked(self, pool: dict[int, tuple[float, float]], as_of: dt.date | None,
                lists: frozenset[str] | None, needed: int) -> list[int]:
        """A pool's first `needed` names in the order they are scored: best estimate
        first, only names of entries in force on `as_of` and on `lists`."""
        out_of_force = self._out_of_force(as_of) if as_of is not None else frozenset()
        names, entries = self.names, self.entries

        def keep(n_idx: int) -> bool:
            e_idx = names[n_idx].entry
            return e_idx not in out_of_force and (lists is None or entries[e_idx].list in lists)

        def by_estimate(kv: tuple[int, tuple[float, float]]) -> tuple[float, float]:
            return kv[1]

        if len(pool) > 4 * needed:  # a large pool: sort only its head, unless too much of it is out of force
            head = [n_idx for n_idx, _ in heapq.nlargest(2 * needed, pool.items(), key=by_estimate) if keep(n_idx)]
            if len(head) >= needed:
                return head[:needed]
        ranked = sorted(pool.items(), key=by_estimate, reverse=True)
        if lists is None and not out_of_force:
            return [n_idx for n_idx, _ in ranked[:needed]]
        return [n_idx for n_idx, _ in ranked if keep(n_idx)][:needed]

    def _out_of_force(self, as_of: dt.date) -> frozenset[int]:
        """The entries not in force on `as_of` (a few hundred of ~30,000), once per date
        a process screens as of (the last few kept)."""
        cache = self._local.__dict__.setdefault("out_of_force", {})
        found = cache.get(as_of)
        if found is None:
            if len(cache) >= 8:
                cache.clear()
            found = cache[as_of] = frozenset(i for i, e in enumerate(self.entries) if not e.in_force(as_of))
        return found

    def _score_name(self, query: nm.NormalizedName, n_idx: int, query_countries: set[str]) -> float:
        item = self.names[n_idx]
        return self._judge(query, item, self.entries[item.entry], query_countries)[0]

    def _score_pool(self, variants: list[nm.NormalizedName], pools: list[dict[int, tuple[float, float]]],
                    best: dict[int, "Hit"], query_countries: set[str], as_of: dt.date | None, min_score: float,
                    lists: frozenset[str] | None) -> None:
        """Score each variant's best candidates of its pool into `best` (entry -> hit)."""
        for query, found in zip(variants, pools):
            for n_idx in self._ranked(found, as_of, lists, CANDIDATES_SCORED):
                item = self.names[n_idx]
                entry = self.entries[item.entry]
                judged = self._judge(query, item, entry, query_countries)
                score = judged[0]
                if score >= min_score and (item.entry not in best or score > best[item.entry].score):
                    # (the explanation is built only for a hit: most names scored are not)
                    best[item.entry] = self._hit(query, item, entry, judged)

    def _judge(self, query: nm.NormalizedName, item: IndexedName, entry: ListEntry, query_countries: set[str]
               ) -> tuple[float, tuple[Feature, ...], str, str]:
        """A list name's score against the query (rounded as hits report it), its
        features, and how the countries compare (agree / disagree / unknown, detail)."""
        score, features = ft.compare(query, item.norm, self._weigh, contained=entry.kind != "person",
                                     person=entry.kind == "person")
        if entry.kind == "person" and len(item.norm.tokens) == 1 and item.name != entry.name:
            features = (*features, Feature("weak_alias", -WEAK_ALIAS_PENALTY,
                                           f"one-word alias '{item.name}' of {entry.name}"))
            score = max(0.0, score - WEAK_ALIAS_PENALTY)
        if entry.kind == "person" and _one_word_company(query):
            features = (*features, Feature("company_as_person", -COMPANY_AS_PERSON_PENALTY,
                                           f"the query is a company of one word ({query.text} "
                                           f"{'/'.join(query.legal)}), {entry.name} a person"))
            score = max(0.0, score - COMPANY_AS_PERSON_PENALTY)
        country, detail = "unknown", ""
        if query_countries and entry.countries:
            if query_countries & set(entry.countries):
                country, detail = "agree", f"{'/'.join(sorted(query_countries & set(entry.countries)))} on both"
            else:
                country = "disagree"
                detail = f"query {'/'.join(sorted(query_countries))}, list {'/'.join(entry.countries)}"
                features = (*features, Feature("country", -COUNTRY_MISMATCH_PENALTY, detail))
                score = max(0.0, score - COUNTRY_MISMATCH_PENALTY)
        return round(score, 4), features, country, detail

    @staticmethod
    def _hit(query: nm.NormalizedName, item: IndexedName, entry: ListEntry,
             judged: tuple[float, tuple[Feature, ...], str, str]) -> Hit:
        score, features, country, detail = judged
        explanation = Explanation(
            query_name=query.original,
            query_normalized=query.describe(),
            candidate_normalized=item.norm.describe(),
            features=features,
            country=country,
            country_detail=detail,
        )
        return Hit(entry, item.name, score, explanation)
