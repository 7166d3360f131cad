"""Delta re-screening of the stored parties: the work follows the list entries that
changed, not the number of parties.

The stored parties are kept with the keys their names are searched by
(match/party_keys.py; made once per party, and again only when its name changes). A
re-screen takes the entries added, changed, removed, started or ended since the parties
were last screened, finds the parties holding a key that reaches any of them (plus those
with an alert on one), and screens just those again, in full and exactly as a full
screening would: same index, same word weights, same candidate ranking, same recording.
Every other party's results cannot have changed, so it is only marked as screened
against the new versions (one UPDATE). Alerts on entries removed or no longer in force
are closed by a query, not a screen. Recorded as a run of screen 'rescreen'.

What a full re-screen may still do differently: word weights come from the whole list,
so a change re-weighs every word a little, and a pair that scored within a hair of the
threshold can cross it in a full re-screen; the delta keeps such a pair's earlier
result (see README, "Re-screening"). Embargoed-destination findings are re-checked only
for the parties screened again."""

from __future__ import annotations

import contextlib
import datetime as dt
import time
from dataclasses import dataclass, field
from typing import Callable, Iterator

from sqlalchemy.orm import Session

from banscreen.lists.store import ListStore, ListVersion
from banscreen.match import fingerprint as match_fingerprint
from banscreen.match import party_keys
from banscreen.match.index import PRUNE_MARGIN, NameIndex
from banscreen.model import DecisionKind, ListEntry, Subject
from banscreen.screen.index_cache import build_index
from banscreen.screen.parties import Screener, ScreenOptions
from banscreen.screen.record import party_findings
from banscreen.store import CaseStore, CaseSubject, RunCounts
from banscreen.store import name_keys as keys_db
from banscreen.store.alerts import close_alert
from banscreen.store.audit import AuditWriter
from banscreen.store.runs import AlertChange, Recorder, changes_since, complete_run
from banscreen.store.schema import Run


@dataclass
class EntryChange:
    """What changed in one dataset for parties screened against `old` as of `since`:
    the entries whose search results may differ, as they are now (`current`) and as they
    were (`gone`: removed, or before a change), and the entries whose open alerts close,
    with why."""

    current: list[ListEntry] = field(default_factory=list)
    gone: list[ListEntry] = field(default_factory=list)
    alerted: list[ListEntry] = field(default_factory=list)  # changed where the search does not look
    closing: dict[str, str] = field(default_factory=dict)  # entry key -> reason


class ListChanges:
    """The list changes between each state parties were screened in and now, computed
    once per (dataset, version screened against, as-of date)."""

    def __init__(self, store: ListStore, current: dict[str, ListVersion], index: NameIndex, as_of: dt.date):
        self.store, self.current, self.as_of = store, current, as_of
        self._changes: dict[tuple, EntryChange] = {}
        self._entries: dict[str, list[ListEntry]] = {}
        for entry in index.entries:  # the current versions' entries, already in memory
            self._entries.setdefault(entry.dataset, []).append(entry)

    def entries(self, dataset: str) -> list[ListEntry]:
        return self._entries.get(dataset, [])

    def since(self, dataset: str, old_version: str | None, since: dt.date) -> EntryChange:
        key = (dataset, old_version, since)
        if key not in self._changes:
            self._changes[key] = self._since(dataset, old_version, since)
        return self._changes[key]

    def _since(self, dataset: str, old_version: str | None, since: dt.date) -> EntryChange:
        new, as_of = self.current[dataset], self.as_of
        now = self.entries(dataset)
        change = EntryChange()
        if old_version is None:  # a dataset these parties were never screened against
            change.current = list(now)
        elif old_version != new.version:
            d = self.store.diff(self.store.version(dataset, old_version), new)
            # an entry changed only where the search does not look (an address, a citation)
            # has the same candidates as before: the parties with an alert on it are enough
            change.current, change.gone = list(d.added), list(d.removed)
            for before, after in d.changed:
                if _searched_as(before) == _searched_as(after):
                    change.alerted.append(after)
                else:
                    change.current.append(after)
                    change.gone.append(before)
            change.closing = {e.key: f"removed from {dataset} in version {new.version}" for e in d.removed}
        touched = {e.key for e in change.current}
        # listings that began or ended between the two dates
        change.current += [e for e in now if e.key not in touched and e.in_force(since) != e.in_force(as_of)]
        for e in now:
            if not e.in_force(as_of) and e.key not in change.closing:
                when = f"ended {e.end_date}" if e.end_date and e.end_date <= as_of else f"starts {e.start_date}"
                change.closing[e.key] = f"the listing is not in force on {as_of} ({when})"
        return change


def _searched_as(e: ListEntry) -> tuple:
    """What of an entry the name search and the screen's choice of matches read: its
    names, kind, countries (a country mismatch lowers a score), list and dates."""
    return (e.names, e.kind, e.countries, e.list, e.start_date, e.end_date)


@dataclass
class RescreenStats:
    """How much work a re-screen did, and where its time went; recorded with its run."""

    stale: int = 0  # parties with something newer to be screened against
    screened: int = 0  # ... of which screened again, because a change could reach them
    keys_made: int = 0  # parties whose name keys were made in this run
    affected_entries: int = 0  # entries added, changed (before and after), removed, started or ended
    reach_words: int = 0  # stored words that reach one of them
    parties_reached_by_words: int = 0  # parties holding such a word (their bound decides)
    reached: dict[str, int] = field(default_factory=dict)  # parties reached, by why: joined, bound, alerted, cross_script
    ruled_out: int = 0  # reached parties whose matches cannot change (NameIndex.may_differ): not screened
    seconds: dict[str, float] = field(default_factory=dict)  # by phase

    @contextlib.contextmanager
    def phase(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - start

    def as_dict(self) -> dict:
        return {**self.__dict__, "seconds": {k: round(v, 3) for k, v in self.seconds.items()}}


def rescreen(cases: CaseStore, store: ListStore, as_of: dt.date, min_score: float, actor: str | None = None,
             on_progress: Callable[[], None] | None = None) -> RunCounts:
    """Re-screen the stored parties against what changed in the lists in force on
    `as_of`; returns the run's counts."""
    selection = store.select(as_of)
    versions = {v.dataset: v.version for v in selection.versions}
    run_id = cases.start_run(screen="rescreen", input_path="(stored subjects)", input_sha256="", as_of=as_of,
                             list_versions=versions, options={"min_score": min_score}, actor=actor)
    with cases.run_transaction(run_id, actor) as (s, writer, run):
        recorder, stats = _rescreen(s, writer, run, store, selection.versions, as_of, min_score, on_progress)
        complete_run(writer, run, recorder.counts, stats.as_dict())
    return recorder.counts


def preview(cases: CaseStore, store: ListStore, as_of: dt.date, min_score: float, actor: str | None = None
            ) -> tuple[RunCounts, RescreenStats, list[AlertChange]]:
    """What `rescreen` would open, reopen and close, without writing anything."""
    selection = store.select(as_of)
    versions = {v.dataset: v.version for v in selection.versions}
    with cases.trial_transaction(screen="rescreen", as_of=as_of, list_versions=versions,
                                 options={"min_score": min_score}, actor=actor) as (s, writer, run):
        start = writer.head.seq
        recorder, stats = _rescreen(s, writer, run, store, selection.versions, as_of, min_score, None)
        return recorder.counts, stats, changes_since(s, start)


def _rescreen(s: Session, writer: AuditWriter, run: Run, store: ListStore, selected: tuple[ListVersion, ...],
              as_of: dt.date, min_score: float, on_progress: Callable[[], None] | None
              ) -> tuple[Recorder, RescreenStats]:
    current = {v.dataset: v for v in selected}
    versions = {d: v.version for d, v in current.items()}
    stats = RescreenStats()
    with stats.phase("keys"):
        version = match_fingerprint()
        for batch in keys_db.parties_without_keys(s, version):
            keys_db.replace_keys(s, version, [(subject_id, party_keys.name_keys(name)) for subject_id, name in batch])
            stats.keys_made += len(batch)
    with stats.phase("lists"):
        screener = Screener(build_index(store, selected), selected, ScreenOptions(as_of=as_of, min_score=min_score))
        changes = ListChanges(store, current, screener.index, as_of)
    recorder = Recorder(s, writer, run, versions)
    stored_words: party_keys.StoredWords | None = None  # made at the first change that needs it
    for screened_versions, since, stored_versions, count in keys_db.screening_states(s):
        stale = {d: screened_versions.get(d) for d in current
                 if screened_versions.get(d) != versions[d] or since < as_of}
        if not stale:
            continue
        stats.stale += count
        change = EntryChange()
        with stats.phase("lists"):
            for dataset, old in stale.items():
                part = changes.since(dataset, old, since)
                change.current += part.current
                change.gone += part.gone
                change.alerted += part.alerted
                change.closing.update(part.closing)
        with stats.phase("close"):
            _close_alerts(s, writer, recorder.counts, change.closing, stored_versions, since)
        if change.current or change.gone or change.alerted:
            with stats.phase("reach"):
                if stored_words is None:
                    stored_words = party_keys.StoredWords(screener.index, keys_db.vocabulary(s))
                ids, must_screen = _reached(s, stored_words, change, min_score, as_of, stats)
            with stats.phase("record"):
                rows = keys_db.parties_in_state(s, ids, stored_versions, since)
            changed, freed = _changed_positions(screener, change, as_of)
            for row in rows:
                subject = Subject(row=0, line=0, name=row.name, country=row.country, address=row.address)
                if row.id not in must_screen:
                    with stats.phase("check"):
                        differs = screener.may_differ(subject, changed, freed)
                    if not differs:
                        stats.ruled_out += 1
                        continue
                with stats.phase("screen"):
                    result = screener.screen(subject)
                with stats.phase("record"):
                    recorder.add(CaseSubject(row.key, row.name, row.country, row.address, row.fingerprint),
                                 party_findings(result))
                stats.screened += 1
                if on_progress:
                    on_progress()
            with stats.phase("record"):
                recorder.flush()
        with stats.phase("restamp"):
            keys_db.restamp(s, stored_versions, since, versions, as_of, run.id)
    recorder.counts.rows = stats.stale
    return recorder, stats


def _reached(s: Session, stored_words: party_keys.StoredWords, change: EntryChange, min_score: float,
             as_of: dt.date, stats: RescreenStats) -> tuple[set[int], set[int]]:
    """Ids of the parties whose candidates a change can alter: those holding a word whose
    bound reaches a changed name, those whose run-together words equal one (matched whole
    whatever the bound, see NameIndex._candidates), those with an alert on one, and those
    whose name is in another script (party_keys.CROSS_SCRIPT: `may_differ` decides); and,
    of these, the ones that must be screened again whatever their candidates (the
    alerted: their alert may close)."""
    reach = party_keys.ChangeReach(stored_words, change.current, change.gone, cutoff=min_score - PRUNE_MARGIN)
    stats.affected_entries += len(change.current) + len(change.gone) + len(change.alerted)
    stats.reach_words += len(reach.reach_words)
    joined = keys_db.parties_with_keys(s, reach.whole_keys, keys_db.WHOLE)
    joined |= keys_db.parties_with_keys(s, reach.run_keys, keys_db.WORD)
    cross_script = keys_db.parties_with_keys(s, {party_keys.CROSS_SCRIPT}, keys_db.WHOLE) - joined
    forms = keys_db.forms_with_words(s, reach.reach_words)
    stats.parties_reached_by_words += len({subject_id for subject_id, _ in forms})
    bound = {subject_id for (subject_id, _), words in forms.items() if subject_id not in joined
             and reach.reaches(words)}
    alerted = keys_db.parties_with_alerts_on(s, {e.key for e in (*change.current, *change.gone, *change.alerted)})
    if change.gone or any(not e.in_force(as_of) for e in change.current):
        # a match that left the results of a party with a full slate lets in one that
        # was past the slate's end: only a screening knows which
        alerted |= keys_db.parties_with_open_alerts(s, ScreenOptions().limit) & (joined | bound | cross_script)
    stats.reached["joined"] = stats.reached.get("joined", 0) + len(joined)
    stats.reached["bound"] = stats.reached.get("bound", 0) + len(bound)
    stats.reached["alerted"] = stats.reached.get("alerted", 0) + len(alerted - joined - bound)
    stats.reached["cross_script"] = stats.reached.get("cross_script", 0) + len(cross_script - bound - alerted)
    return joined | bound | alerted | cross_script, alerted


def _changed_positions(screener: Screener, change: EntryChange, as_of: dt.date) -> tuple[frozenset[int], int]:
    """The index positions of a change's current entries, and how many names may have
    left the candidate pools: the names of entries gone, and of entries no longer in
    force (NameIndex.may_differ)."""
    keys = {(e.dataset, e.key) for e in change.current}
    changed = frozenset(i for i, e in enumerate(screener.index.entries) if (e.dataset, e.key) in keys)
    freed = sum(len(e.names) for e in change.gone) + sum(len(e.names) for e in change.current
                                                        if not e.in_force(as_of))
    return changed, freed


def _close_alerts(s: Session, writer: AuditWriter, counts: RunCounts, closing: dict[str, str],
                  stored_versions: str, since: dt.date) -> None:
    """Close the open alerts of the parties in one screening state on entries removed
    or no longer in force."""
    alerts = keys_db.open_alerts_on(s, closing)
    if not alerts:
        return
    in_state = {row.id for row in keys_db.parties_in_state(s, {a.subject_id for a in alerts}, stored_versions, since)}
    for alert in alerts:
        if alert.subject_id in in_state:
            close_alert(s, writer, alert, DecisionKind.ENTRY_REMOVED, closing[alert.entry_key])
            counts.closed += 1
