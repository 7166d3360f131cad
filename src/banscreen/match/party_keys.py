"""The candidate search of `index.NameIndex`, turned around: from a few changed list
entries to the stored parties that could match them.

A party is searched by the words of its normalized name (`NameIndex._candidates`): each
word reaches the list words equal to it or spelt alike (typos, synonyms, numbers,
abbreviations, nicknames), and words run together reach their parts. A list name is
scored for the party only if an upper bound of their score reaches the threshold. Kept
with each stored party are its words and run-together words (`name_keys`).
`ChangeReach` gives the stored words that reach a changed name (`reach_words`, for one
indexed lookup) and replays the bound for the parties holding one (`reaches`), from their
stored words and the index's own weights. A party that reaches no changed name has the
same candidates, so the same results, as before: the delta re-screen
(screen/rescreen.py) screens only the others, in full, as a full screening would."""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, Sequence

from banscreen.match import names as nm
from banscreen.match import features as ft
from banscreen.match.index import (CONTAINED_SHARED, MIN_JOINED_KEY, NameIndex, _deletes, _runs, acronym_lookup_word,
                                   may_have_fewer_names)
from banscreen.model import ListEntry

WORD, WHOLE = 0, 1  # a word the search walks from; a key matched only whole (words run together)
# Held (as a WHOLE key) by a party whose name has a form not in Latin letters. Search
# compares such a name across scripts, by sounds and consonant skeletons its words do
# not show, with a wider pruning margin (index.CROSS_SCRIPT_PRUNE_MARGIN): the reach of
# a change is not computed from its words, and a delta re-screen checks it whenever
# anything changed. ("#" and a word: no stored key of a name looks so, see `storable`.)
CROSS_SCRIPT = "#script"
# ... and ACRONYM + a word, by a party the search looks up as the initials of
# organizations' names (index.acronym_lookup_word): a changed name with those initials
# reaches it.
ACRONYM = "#initials:"
KEY_LENGTH = 200  # longer keys (a long name run together) are kept as their hash


def storable(key: str) -> str:
    """`key` as stored and looked up: itself, or its hash when too long for the column."""
    if len(key) <= KEY_LENGTH:
        return key
    return "#" + hashlib.sha256(key.encode()).hexdigest()


def name_keys(name: str) -> list[tuple[int, int, str]]:
    """(form, kind, key) for each normalized form of a party's name, as a party is
    searched (names.variants, decorated): each of its words (WORD; a word twice in the
    name is there twice, as the search counts it twice) and its words run together, with
    and without legal forms (WHOLE), CROSS_SCRIPT for a form not in Latin letters, and
    ACRONYM and the word for a form the search looks up as initials."""
    out: list[tuple[int, int, str]] = []
    for number, form in enumerate(v for v in nm.variants(name) if v.tokens):
        out += [(number, WORD, storable(token)) for token in form.tokens]
        out += [(number, WHOLE, storable(key)) for key in sorted(_runs(form.tokens) | _runs(form.folded))]
        if not form.latin:
            out.append((number, WHOLE, CROSS_SCRIPT))
        if word := acronym_lookup_word(form):
            out.append((number, WHOLE, ACRONYM + word))
    return out


class StoredWords:
    """The stored parties' words (the vocabulary searched for typos of a changed word),
    with the most each can add to any name's bound without reaching a changed name: its
    weight as an initial, and the list's common words it reaches (NameIndex._candidates
    adds those unwalked words to what any name may still share). One per re-screen: it
    depends on the index and the stored words, not on what changed."""

    def __init__(self, index: NameIndex, vocabulary: Sequence[str]):
        self.index, self.vocabulary = index, vocabulary
        self.by_spelling = nm.by_russian_spelling(vocabulary)
        common = [c for c, ids in index.postings.items() if len(ids) > index._common]
        alike = _spelt_alike(index, common, vocabulary, self.by_spelling)
        self._common_slack: dict[str, float] = {}
        for c in common:
            for stored in {c, *_same_word(c), *alike.get(c, ())}:
                self._common_slack[stored] = self._common_slack.get(stored, 0.0) + index.weight(c)
        self._initial_slack = nm.INITIAL_SIMILARITY * index._max_weight

    def slack(self, word: str) -> float:
        """The most this stored word adds to any name's bound (NameIndex._token_info's
        slack and unwalked common words)."""
        return (self._initial_slack if len(word) < 2 else 0.0) + self._common_slack.get(word, 0.0)


@dataclass(frozen=True, slots=True)
class _Form:
    """One normalized form of a changed entry's name, as the index weighs it."""

    weight: float  # NameIndex.name_weight
    can_be_inside: bool  # NameIndex.can_be_inside
    cutoff: float  # the bound a party must reach (lower for names no longer in the index)
    person_words: int = 0  # its number of words for a person's name (NameIndex.person_words)


class ChangeReach:
    """Which stored parties a few changed entries can reach: the forward search's
    candidate step (`NameIndex._candidates`) run from a party's stored words against
    only the changed names. `current`: the changed entries as the index holds them now;
    `gone`: as they were (removed, or before a change), weighed with today's word
    weights and a margin for the difference."""

    GONE_MARGIN = 0.05

    def __init__(self, stored: StoredWords, current: Iterable[ListEntry], gone: Iterable[ListEntry], cutoff: float):
        index = self.index = stored.index
        self.stored, self.cutoff = stored, cutoff
        self.forms: list[_Form] = []
        self.by_word: dict[str, list[int]] = {}  # list word -> forms holding it
        self.whole_keys: set[str] = set()  # list words a party's run-together words may equal
        self.run_keys: set[str] = set()  # list words run together, which a party's word may equal
        seen: set[tuple[str, tuple[str, ...]]] = set()
        for entries, margin in ((current, 0.0), (gone, self.GONE_MARGIN)):
            for entry in entries:
                for raw in entry.names:
                    if not raw or not raw.strip():
                        continue
                    for form in nm.variants(raw, decorated=False):
                        if not form.tokens or (entry.key, form.tokens) in seen:  # (a gone form kept as is)
                            continue
                        seen.add((entry.key, form.tokens))
                        self._add(form, entry, cutoff - margin)
        words = set(self.by_word)
        alike = _spelt_alike(index, words, stored.vocabulary, stored.by_spelling)
        self.reach_words = {storable(k) for w in words for k in (w, *_same_word(w), *alike.get(w, ()))}
        self._words: dict[str, tuple] = {}
        self._unlisted = [w for w in self.by_word if w not in index.postings]

    def _add(self, form: nm.NormalizedName, entry: ListEntry, cutoff: float) -> None:
        number = len(self.forms)
        self.forms.append(_Form(sum(self.index.weight(t) for t in form.tokens),
                                (len(form.tokens) > 1 or bool(form.legal)) and entry.kind != "person", cutoff,
                                len(form.tokens) if entry.kind == "person" else 0))
        for token in dict.fromkeys(form.tokens):
            self.by_word.setdefault(token, []).append(number)
        self.whole_keys |= {storable(t) for t in form.tokens if len(t) >= MIN_JOINED_KEY}
        self.run_keys |= {storable(k) for seq in (form.tokens, form.folded) for k in _runs(seq)}
        if entry.kind != "person":
            self.whole_keys |= {ACRONYM + k for k in ft.initials(form)}

    def _word(self, word: str) -> tuple:
        """What one stored word brings to the search, once per word: (its lightest
        weight, what it may add to any name, whether it walks a rare list word, the
        weight of the common list words it reaches, [(form, weight shared, through a
        common list word)])."""
        if word in self._words:
            return self._words[word]
        index, common = self.index, self.index._common
        info = index._token_info(word)
        lightest, slack = info.lightest, info.slack
        walks_rare = bool(info.rare)
        common_weight = sum(info.common_weights)
        if len(word) >= 2:
            neighbors = dict(index._latin_neighbors(word))
        else:
            neighbors = {word: 1.0} if word in index.postings else {}
        for listed in self._unlisted:  # words of names no longer listed are not the index's
            if listed not in neighbors:
                similarity = nm.token_similarity(word, listed)
                if similarity > 0.0:
                    neighbors[listed] = similarity
        shares = [(f, similarity * index.weight(listed), len(index.postings.get(listed, ())) > common)
                  for listed, similarity in neighbors.items() for f in self.by_word.get(listed, ())]
        self._words[word] = out = (lightest, slack, walks_rare, common_weight, shares)
        return out

    def reaches(self, words: Sequence[str]) -> bool:
        """Whether a party's name form made of `words` (repeats kept) has any changed
        name among its candidates: the forward search's upper bound, or a changed name
        lying whole inside it (names.contained_feature)."""
        return self._may_reach(words) and self._reaches(words)

    def _may_reach(self, words: Sequence[str]) -> bool:
        """A first look, from the words reaching a changed name: a bound of the bound
        that leaves the other words' weight out of the denominator and counts all they
        may add (`StoredWords.slack`), so it never says no where `_reaches` says yes."""
        q_weight = slack = 0.0
        shared: dict[int, float] = {}
        for word in words:
            if word in self.reach_words:
                lightest, word_slack, _, word_common, shares = self._word(word)
                q_weight += lightest
                slack += word_slack + word_common
                for f, w, _ in shares:
                    shared[f] = shared.get(f, 0.0) + w
            else:
                slack += self.stored.slack(word)
        return self._any_within(shared, slack, q_weight, len(words))

    def _any_within(self, shared: dict[int, float], slack: float, q_weight: float, n_words: int) -> bool:
        """Whether any changed name's bound reaches its cutoff (NameIndex._candidates), or
        it is a person's name that may have fewer or more names than the party, all found
        in the other (NameIndex._bounds: taken whatever the party's legal form)."""
        for f, sh in shared.items():
            form = self.forms[f]
            if 2 * (sh + slack) / (q_weight + form.weight) >= form.cutoff:
                return True
            if form.cutoff <= ft.FEWER_NAMES_SCORE \
                    and may_have_fewer_names(form.person_words, n_words, sh + slack, form.weight, q_weight):
                return True
            inside_needed = form.cutoff / ft.CONTAINED_MAX if n_words > 1 else math.inf
            if form.can_be_inside and sh >= CONTAINED_SHARED * form.weight \
                    and sh + slack >= inside_needed * form.weight:
                return True
        return False

    def _reaches(self, words: Sequence[str]) -> bool:
        q_weight = slack = common_weight = 0.0
        walks_rare = False
        shared: dict[int, float] = {}
        common_shared: dict[int, float] = {}
        for word in words:
            lightest, word_slack, rare, word_common, shares = self._word(word)
            q_weight += lightest
            slack += word_slack
            walks_rare |= rare
            common_weight += word_common
            for f, w, through_common in shares:
                target = common_shared if through_common else shared
                target[f] = target.get(f, 0.0) + w
        if walks_rare:  # common list words are not walked: any name may still share them
            slack += common_weight
        else:
            for f, w in common_shared.items():
                shared[f] = shared.get(f, 0.0) + w
        return self._any_within(shared, slack, q_weight, len(words))


def _same_word(word: str) -> set[str]:
    """Words the index takes as this one without an edit: its synonyms, the other ways
    of writing its number, its abbreviations and nicknames (the tables are symmetric)."""
    t = nm.tables()
    canonical = t.synonyms.get(word, word)
    out = {w for w in _spellings().get(canonical, ())}
    value = nm.number_value(word)
    if value is not None:
        out |= _number_spellings(value)
    out |= set(t.abbreviations.get(word, ()))
    if len(word) >= 3:
        out |= {w for w in nm.nicknames().get(word, ()) if len(w) >= 3}
    return out


@lru_cache(maxsize=1)
def _spellings() -> dict[str, frozenset[str]]:
    """Canonical word -> every spelling that folds to it (names.yaml synonyms)."""
    out: dict[str, set[str]] = {}
    for spelling, canonical in nm.tables().synonyms.items():
        out.setdefault(canonical, {canonical}).add(spelling)
    return {k: frozenset(v) for k, v in out.items()}


def _number_spellings(value: str) -> set[str]:
    """The words writing a number: its digits, ordinal and the number words of names.yaml."""
    n = int(value) if value.isdigit() and len(value) < 10 else None
    out = {value}
    if n is not None:
        out |= {f"{n}st", f"{n}nd", f"{n}rd", f"{n}th", f"{n:02d}", f"{n:03d}"}
    out |= {w for w, v in nm.tables().numbers.items() if v == value}
    return out


def _spelt_alike(index: NameIndex, words: Iterable[str], vocabulary: Sequence[str],
                 by_spelling: dict[str, tuple[str, ...]] | None = None) -> dict[str, set[str]]:
    """For each list word longer than names.SHORT_TOKEN, the stored words the index takes
    as it with a typo or as a sound-alike: one C pass of rapidfuzz over the stored words
    (their number grows slowly with the parties; the parties' count does not enter), then
    the index's own test (a shared deletion key and names.token_similarity); and the
    stored words spelling it as German or French spell Russian (`by_spelling`: stored
    words by names.russian_spelling, as NameIndex._neighbors looks them up)."""
    import numpy as np
    from rapidfuzz import process
    from rapidfuzz.distance import OSA

    long_words = [w for w in words if len(w) > nm.SHORT_TOKEN]
    if not long_words or not vocabulary:
        return {}
    out: dict[str, set[str]] = {}
    for w in long_words:
        if by_spelling and len(w) >= nm.RUSSIAN_SPELLING_MIN:
            spelled = nm.russian_spelling(w)
            for stored in (spelled, *by_spelling.get(spelled, ())):
                if stored != w and nm.token_similarity(stored, w) > 0.0:
                    out.setdefault(w, set()).add(stored)
    by_limit: dict[int, list[str]] = {}
    for w in long_words:  # the shorter word's length bounds the edits; sound-alikes are 2 apart
        by_limit.setdefault(max(nm.allowed_edits(len(w)), 2), []).append(w)
    for limit, group in by_limit.items():
        distances = process.cdist(group, vocabulary, scorer=OSA.distance, score_cutoff=limit, dtype=np.uint8,
                                  workers=-1)
        for row, column in zip(*np.nonzero(distances <= limit)):
            word, stored = group[row], vocabulary[column]
            if word == stored or len(stored) <= nm.SHORT_TOKEN or nm.token_similarity(stored, word) <= 0.0:
                continue
            # listed now: only through the index's deletion keys or sound-alike table
            # (NameIndex._neighbors)
            if word not in index.postings or _deletion_keys(word) & _deletion_keys(stored) \
                    or nm.sound_alike_key(stored) == nm.sound_alike_key(word) != "":
                out.setdefault(word, set()).add(stored)
    return out


def _deletion_keys(word: str) -> set[str]:
    return _deletes(word) | {word}
