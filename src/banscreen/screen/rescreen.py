"""Delta re-screening of the stored parties: each is screened again only against the
list entries added or changed since the version it was last screened against (and
entries whose listing began since its last as-of date); alerts on entries removed or
no longer in force are closed. Recorded as a run of screen 'rescreen'."""

from __future__ import annotations

import datetime as dt
from typing import Callable

from banscreen.lists.store import ListStore, ListVersion
from banscreen.match.index import NameIndex
from banscreen.model import DecisionKind, ListEntry, Match, PartyResult, Subject
from banscreen.reference.countries import to_iso2
from banscreen.screen.index_cache import build_index
from banscreen.screen.record import party_findings
from banscreen.store import CaseStore, RunCounts
from banscreen.store.alerts import CaseBatch, apply_finding, close_alert
from banscreen.store.runs import complete_run, open_alerts_by_subject, stored_parties


class DeltaIndexes:
    """The entries each stored subject must be searched against, per (dataset, version it
    was screened against, its last as-of date), as small name indexes that keep the
    word weights of the full index, so scores equal a full screening's."""

    def __init__(self, store: ListStore, current: dict[str, ListVersion], as_of: dt.date):
        self.store, self.current, self.as_of = store, current, as_of
        self.full = build_index(store, current.values())
        self.indexes: dict[tuple, tuple[NameIndex, set[str]]] = {}
        self._entries: dict[str, dict[str, ListEntry]] = {}

    def entries(self, dataset: str) -> dict[str, ListEntry]:
        """The current version's entries of `dataset`, by key."""
        if dataset not in self._entries:
            self._entries[dataset] = {e.key: e for e in self.store.entries(self.current[dataset])}
        return self._entries[dataset]

    def delta(self, dataset: str, old_version: str | None, since: dt.date) -> tuple[NameIndex, set[str]]:
        """(index of the entries to search, keys of entries removed): added or changed
        since `old_version`, and unchanged ones whose listing began after `since`."""
        key = (dataset, old_version, since)
        if key not in self.indexes:
            new = self.current[dataset]
            if old_version is None:
                changed, removed = list(self.entries(dataset).values()), set()
            elif old_version == new.version:
                changed, removed = [], set()
            else:
                d = self.store.diff(self.store.version(dataset, old_version), new)
                changed = [*d.added, *(after for _, after in d.changed)]
                removed = {e.key for e in d.removed}
            keys = {e.key for e in changed}
            changed += [e for e in self.entries(dataset).values() if e.key not in keys and e.start_date
                        and since < e.start_date <= self.as_of]
            self.indexes[key] = (NameIndex(changed, weights=self.full), removed)
        return self.indexes[key]


def rescreen(cases: CaseStore, store: ListStore, as_of: dt.date, min_score: float, actor: str | None = None,
             on_progress: Callable[[], None] | None = None) -> RunCounts:
    """Re-screen the stored parties against what changed in the lists in force on
    `as_of`; returns the run's counts."""
    selection = store.select(as_of)
    current = {v.dataset: v for v in selection.versions}
    versions = {d: v.version for d, v in current.items()}
    deltas = DeltaIndexes(store, current, as_of)
    run_id = cases.start_run(screen="rescreen", input_path="(stored subjects)", input_sha256="", as_of=as_of,
                             list_versions=versions, options={"min_score": min_score}, actor=actor)
    counts = RunCounts(run_id)
    with cases.run_transaction(run_id, actor) as (s, writer, run):
        subjects = stored_parties(s)
        open_by_subject = open_alerts_by_subject(s)
        batch = CaseBatch(s)
        for position, subject in enumerate(subjects):
            if position % CaseBatch.CHUNK == 0:  # alerts and suppressions of the next subjects at once
                batch.settle(writer)
                batch.clear()
                batch.load(x.id for x in subjects[position:position + CaseBatch.CHUNK])
            stale = {d: subject.screened_versions.get(d) for d in current
                     if subject.screened_versions.get(d) != versions[d] or subject.as_of < as_of}
            if not stale:
                continue
            counts.rows += 1
            searched: set[str] = set()  # entry keys this re-screen looked at again, over all datasets so far
            matched: set[str] = set()
            for dataset, old in stale.items():
                index, removed = deltas.delta(dataset, old, subject.as_of)
                searched |= {e.key for e in index.entries}
                if index.entries:
                    iso = to_iso2(subject.country) if subject.country else None
                    for hit in index.search(subject.name, as_of=as_of, countries=[iso] if iso else [],
                                            min_score=min_score, limit=10):
                        match = Match(hit.entry, current[dataset].label, hit.matched_name, hit.score, hit.explanation)
                        found = party_findings(PartyResult(Subject(0, 0, subject.name, subject.country,
                                                                   subject.address), (match,)))[0]
                        apply_finding(s, writer, subject, found, run, counts, batch)
                        matched.add(found.entry_key)
                _close_stale(s, writer, open_by_subject.get(subject.id, []), deltas.entries(dataset), removed,
                             searched, matched, f"{dataset} in version {versions[dataset]}", as_of, run_id, counts)
            subject.screened_versions = {**subject.screened_versions, **versions}
            subject.as_of, subject.last_run_id = as_of, run_id
            if on_progress:
                on_progress()
        batch.settle(writer)
        complete_run(writer, run, counts, {"delta_entries": {f"{d}:{o}:{since}": len(ix[0].entries)
                                                             for (d, o, since), ix in deltas.indexes.items()}})
    return counts


def _close_stale(s, writer, alerts, known: dict[str, ListEntry], removed: set[str], searched: set[str],
                 matched: set[str], where: str, as_of: dt.date, run_id: int, counts: RunCounts) -> None:
    """Close a subject's open alerts on entries removed, no longer in force, or changed
    so that they no longer match."""
    for alert in alerts:
        if alert.status != "open":
            continue
        if alert.entry_key in removed:
            close_alert(s, writer, alert, DecisionKind.ENTRY_REMOVED, f"removed from {where}")
        elif alert.entry_key in known and not known[alert.entry_key].in_force(as_of):
            ended = known[alert.entry_key].end_date
            close_alert(s, writer, alert, DecisionKind.ENTRY_REMOVED,
                        f"the listing is not in force on {as_of} (ended {ended})")
        elif alert.entry_key in searched and alert.entry_key not in matched and alert.entry_key in known:
            close_alert(s, writer, alert, DecisionKind.NO_LONGER_MATCHES,
                        f"the changed entry no longer matches (re-screen run {run_id})")
        else:
            continue
        counts.closed += 1
