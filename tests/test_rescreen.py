"""The delta re-screen searched the other way round (match/party_keys.py,
screen/rescreen.py): from the changed list entries to the stored parties. On real list
files (the CSL of 2022-05 and the DPL of 2023-11) and a next-day DPL made from real names
(benchmarks/rescreen.py), it must end with exactly the open alerts a full screening of
every party ends with, on SQLite and on PostgreSQL, while screening only a few parties."""

from __future__ import annotations

import csv
import datetime as dt
import shutil
from collections import defaultdict
from pathlib import Path

import pytest
from sqlalchemy import func, select

from banscreen.lists.store import ListStore
from banscreen.match import party_keys
from banscreen.match.index import PRUNE_MARGIN
from banscreen.screen import ScreenOptions, open_screener
from banscreen.screen.rescreen import preview, rescreen
from banscreen.store import CaseStore
from banscreen.store.schema import AuditEvent, NameKey, SubjectRow
from benchmarks.make_names import generate
from benchmarks.rescreen import daily_dpl
from tests.test_cases import open_alerts, run

OLD_DAY, NEW_DAY = dt.date(2024, 5, 10), dt.date(2024, 5, 20)
MIN_SCORE = 0.75


@pytest.fixture(scope="session")
def base_home(tmp_path_factory, lists_dir):
    """A list store with the CSL of 2022-05 and the DPL of 2023-11, its index built."""
    root = tmp_path_factory.mktemp("rescreen-home")
    store = ListStore(root)
    store.import_file(lists_dir / "trade-gov-csl-2022-05_moov-watchman" / "consolidated.csv.gz",
                      published=dt.date(2022, 5, 16))
    store.import_file(lists_dir / "bis-dpl-2023-11_moov-watchman" / "dpl.txt", published=dt.date(2023, 11, 28))
    open_screener(store, ScreenOptions(as_of=OLD_DAY))
    return root


@pytest.fixture(scope="session")
def next_day(tmp_path_factory, base_home):
    """The next-day DPL (40 orders added, 5 changed, 5 removed) and the parties: list
    names perturbed, negatives, and variants of the names the change adds."""
    folder = tmp_path_factory.mktemp("rescreen-data")
    update = folder / "dpl-next.txt"
    made = daily_dpl(update)
    from banscreen.lists import DplLoader

    added = [e for e in DplLoader().load(update).entries if e.name in set(made["added"])]
    screener, _ = open_screener(ListStore(base_home), ScreenOptions(as_of=OLD_DAY))
    touched = [e for e in screener.index.entries if e.list == "DPL" and e.in_force(OLD_DAY)
               and e.name in {*made["removed"], *made["changed"]}]
    parties = folder / "parties.csv"
    with parties.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "name", "country"])
        queries = [*generate(screener.index.entries, 1200, seed=11), *generate(added, 60, seed=12, positive_share=1.0),
                   *generate(touched, 20, seed=13, positive_share=1.0)]
        for i, q in enumerate(queries, 1):
            w.writerow([i, q.query, q.country])
    return update, parties, made


def _store(tmp_path, base_home) -> ListStore:
    root = tmp_path / "home"
    shutil.copytree(base_home, root)
    return ListStore(root)


def test_daily_change_opens_exactly_what_a_full_screening_opens(db_url, tmp_path, base_home, next_day):
    update, parties, made = next_day
    store = _store(tmp_path, base_home)
    delta = CaseStore(db_url)
    full = CaseStore(f"sqlite:///{tmp_path / 'full.db'}")
    for cases in (delta, full):
        run(cases, store, parties, OLD_DAY)
    rescreen(delta, store, OLD_DAY, MIN_SCORE)  # makes the parties' name keys; nothing changed yet
    before = open_alerts(delta)
    store.import_file(update, published=dt.date(2024, 5, 15))

    # what it would do, without doing it
    events = _events(delta)
    _, _, changes = preview(delta, store, NEW_DAY, MIN_SCORE)
    assert _events(delta) == events and open_alerts(delta) == before

    counts = rescreen(delta, store, NEW_DAY, MIN_SCORE)
    run(full, store, parties, NEW_DAY)
    after = open_alerts(delta)
    assert after == open_alerts(full)  # the same open alerts as screening every party again
    assert counts.new > 0 and counts.closed > 0
    new_entries = {k for _, k in after - before}
    versions = store.versions("bis-dpl")
    diff = store.diff(versions[-2], versions[-1])
    assert len(diff.added) == 40 and len(diff.removed) == 5 and len(diff.changed) == 5
    # mostly on the orders added; also on the CSL's copy of an order removed from the DPL
    # file, which the screen no longer drops as the same listing seen twice
    assert len(new_entries & {e.key for e in diff.added}) >= 0.8 * len(new_entries)
    # it screened only the parties a change can reach
    payload = _completed(delta)
    assert payload["stale"] == 1280 and 0 < payload["screened"] < 1280 // 4
    assert payload["ruled_out"] > 0  # reached, but their matches could not change: not screened
    # the preview named exactly what the run did
    done = {(c.action, c.subject_key, c.entry_key) for c in changes}
    assert {("opened", s, k) for s, k in after - before} <= done
    assert {a for a, _, _ in done} <= {"opened", "reopened", "closed"}
    assert len([c for c in changes if c.action == "closed"]) == counts.closed
    assert len([c for c in changes if c.action == "opened"]) == counts.new
    assert delta.verify().ok


def test_name_keys_are_made_once_and_again_when_the_name_changes(tmp_path, base_home):
    store = _store(tmp_path, base_home)
    cases = CaseStore(f"sqlite:///{tmp_path / 'cases.db'}")
    f = tmp_path / "p.csv"
    f.write_text("id,name,country\n1,Nordic Fibre Networks AB,SE\n2,ABDUL RAHMAN,\n")
    run(cases, store, f, OLD_DAY)
    rescreen(cases, store, OLD_DAY, MIN_SCORE)
    assert _completed(cases)["keys_made"] == 2
    rescreen(cases, store, OLD_DAY, MIN_SCORE)
    assert _completed(cases)["keys_made"] == 0
    with cases.sessions() as s:
        words = set(s.execute(select(NameKey.key).where(NameKey.subject_id == 1, NameKey.kind == 0)).scalars())
    assert {"nordic", "fibre", "networks"} <= words
    f.write_text("id,name,country\n1,Baltic Cable Works AB,SE\n2,ABDUL RAHMAN,\n")
    run(cases, store, f, OLD_DAY)
    rescreen(cases, store, OLD_DAY, MIN_SCORE)
    assert _completed(cases)["keys_made"] == 1
    with cases.sessions() as s:
        words = set(s.execute(select(NameKey.key).where(NameKey.subject_id == 1, NameKey.kind == 0)).scalars())
        assert s.execute(select(func.count()).select_from(SubjectRow).where(SubjectRow.keys_version.is_(None))
                         ).scalar_one() == 0
    assert "baltic" in words and "nordic" not in words


def test_a_party_the_search_matches_to_a_changed_entry_is_always_reached(base_home, next_day):
    """Soundness of the inversion, without a database: for every generated party whose
    full forward search scores one of a set of entries at the threshold or above, the
    reach from those entries (its stored words and the bound, or its run-together
    words) finds the party."""
    _, parties, _ = next_day
    store = ListStore(base_home)
    screener, _ = open_screener(store, ScreenOptions(as_of=OLD_DAY))
    index = screener.index
    changed = index.entries[::40]  # one entry in forty, of every list
    keys = {e.key for e in changed}
    names = [row["name"] for row in csv.DictReader(parties.open())]
    vocabulary = sorted({k for n in names for _, kind, k in party_keys.name_keys(n)
                         if kind == party_keys.WORD and len(k) > 3})
    reach = party_keys.ChangeReach(party_keys.StoredWords(index, vocabulary), changed, [],
                                   cutoff=MIN_SCORE - PRUNE_MARGIN)
    positions = frozenset(range(0, len(index.entries), 40))
    matched = reached = ruled_out = 0
    for name in names:
        hits = [h for h in index.search(name, as_of=OLD_DAY, min_score=MIN_SCORE, limit=30) if h.entry.key in keys]
        forms: dict[int, list[str]] = defaultdict(list)
        whole, words = set(), set()
        for form, kind, key in party_keys.name_keys(name):
            if kind == party_keys.WORD:
                forms[form].append(key)
                words.add(key)
            else:
                whole.add(key)
        found = bool(whole & reach.whole_keys or words & reach.run_keys or any(
            set(w) & reach.reach_words and reach.reaches(w) for w in forms.values()))
        matched += bool(hits)
        reached += found
        assert found or not hits, f"{name!r} matches {hits[0].entry.name!r} but was not reached"
        # and of the reached, the check that rules a party out never rules out a match
        if found:
            differs = index.may_differ(name, positions, 0, as_of=OLD_DAY, min_score=MIN_SCORE)
            ruled_out += not differs
            assert differs or not hits, f"{name!r} matches {hits[0].entry.name!r} but was ruled out"
    assert matched >= 10  # the set holds real matches to check
    assert reached < len(names) // 3  # and the reach is narrow
    assert ruled_out > reached // 4  # and the check spares a good part of it a full screening


def _events(cases: CaseStore) -> int:
    with cases.sessions() as s:
        return s.execute(select(func.count()).select_from(AuditEvent)).scalar_one()


def _completed(cases: CaseStore) -> dict:
    with cases.sessions() as s:
        return s.execute(select(AuditEvent.payload).where(AuditEvent.action == "run.completed")
                         .order_by(AuditEvent.seq.desc()).limit(1)).scalar_one()


def test_rescreen_dry_run_cli(monkeypatch, capsys, tmp_path, base_home, next_day):
    from tests.test_cases import cli_call

    update, parties, _ = next_day
    store = _store(tmp_path, base_home)
    db = f"sqlite:///{tmp_path / 'cases.db'}"
    cases = CaseStore(db)
    run(cases, store, parties, OLD_DAY)
    store.import_file(update, published=dt.date(2024, 5, 15))
    code, out, err = cli_call(monkeypatch, capsys, "rescreen", "--dry-run", "--as-of", NEW_DAY.isoformat(),
                              "--db", db, "--home", str(store.root), "--format", "json")
    assert code == 1 and "dry run:" in err and "would open" in err
    import json

    changes = [json.loads(line) for line in out.splitlines()]
    assert changes and {c["action"] for c in changes} <= {"opened", "reopened", "closed"}
    assert all(c["subject_name"] and c["entry_key"] for c in changes)
    assert open_alerts(CaseStore(db)) == open_alerts(cases)
    assert [r.screen for r in CaseStore(db).runs()] == ["parties"]  # no run recorded
    code, out, _ = cli_call(monkeypatch, capsys, "rescreen", "--as-of", NEW_DAY.isoformat(), "--db", db,
                            "--home", str(store.root))
    assert code == 1 and "rescreen run #2" in out
    opened = sum(1 for c in changes if c["action"] == "opened")
    assert f"{opened} new alerts" in out


def _delta_and_full(db_url: str, tmp_path: Path, store, parties: Path, update: Path):
    """`parties` screened on OLD_DAY into two case stores; `update` imported; one store
    re-screened by delta to NEW_DAY, the other screened in full on NEW_DAY. Asserts both
    end with the same open alerts; returns (the delta's store, its open alerts before
    and after)."""
    delta = CaseStore(db_url)
    full = CaseStore(f"sqlite:///{tmp_path / 'full.db'}")
    for cases in (delta, full):
        run(cases, store, parties, OLD_DAY)
    rescreen(delta, store, OLD_DAY, MIN_SCORE)
    before = open_alerts(delta)
    store.import_file(update, published=dt.date(2024, 5, 15))
    rescreen(delta, store, NEW_DAY, MIN_SCORE)
    run(full, store, parties, NEW_DAY)
    after = open_alerts(delta)
    assert after == open_alerts(full)
    return delta, before, after


def test_parties_named_in_another_script_end_as_a_full_screening_ends(db_url, tmp_path, base_home, next_day):
    """A party whose name is in Cyrillic letters is compared across scripts (by sounds,
    skeletons, a wider pruning margin), which its stored words do not show: a delta
    re-screen checks it whenever anything changed (party_keys.CROSS_SCRIPT) and ends
    with the open alerts a full screening ends with."""
    import icu
    from banscreen.lists import DplLoader

    update, _, made = next_day
    to_cyrillic = icu.Transliterator.createInstance("Latin-Cyrillic")
    added = [e for e in DplLoader().load(update).entries if e.name in set(made["added"])]
    store = _store(tmp_path, base_home)
    screener, _ = open_screener(store, ScreenOptions(as_of=OLD_DAY))
    kept = [e for e in screener.index.entries if e.list == "DPL" and e.in_force(OLD_DAY)][:40]
    parties = tmp_path / "cyrillic.csv"
    with parties.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "name", "country"])
        for i, e in enumerate([*added, *kept], 1):
            w.writerow([i, to_cyrillic.transliterate(e.name.title()), ""])
    assert party_keys.CROSS_SCRIPT in {k for _, _, k in party_keys.name_keys("Синара Транспорт Машинес")}
    assert party_keys.CROSS_SCRIPT not in {k for _, _, k in party_keys.name_keys("Sinara Transport Machines")}

    delta, before, after = _delta_and_full(db_url, tmp_path, store, parties, update)
    assert after - before  # the Cyrillic names of the orders added found them
    assert _completed(delta)["reached"]["cross_script"] > 0


def test_parties_named_by_initials_end_as_a_full_screening_ends(db_url, tmp_path, base_home, next_day):
    """A party named by capital initials (KCST) is looked up as an acronym of the
    organizations' names (index.acronym_lookup_word), which its words do not show: its
    keys hold party_keys.ACRONYM and the word, a changed name's initials reach it, and a
    delta re-screen ends with the open alerts a full screening ends with."""
    from banscreen.lists import DplLoader
    from banscreen.match import features as ft
    from banscreen.match import names as nm

    update, _, made = next_day
    added = [e for e in DplLoader().load(update).entries if e.name in set(made["added"]) and e.kind != "person"]
    acronyms = sorted({a.upper() for e in added for a in ft.initials(nm.normalize(e.name)) if len(a) >= 4})
    assert acronyms, "the day's orders hold an organization of four words or more"
    store = _store(tmp_path, base_home)
    parties = tmp_path / "initials.csv"
    with parties.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "name", "country"])
        for i, name in enumerate([*acronyms, "Acme Widgets Ltd", "QXZW"], 1):
            w.writerow([i, name, ""])
    assert (party_keys.WHOLE, party_keys.ACRONYM + "kcst") in {(k, key) for _, k, key in party_keys.name_keys("KCST")}
    assert not any(key.startswith(party_keys.ACRONYM) for _, _, key in party_keys.name_keys("Kcst"))

    _, before, after = _delta_and_full(db_url, tmp_path, store, parties, update)
    assert after - before  # the initials of the orders added found them


def test_a_changed_name_reaches_its_german_spelling(tmp_path, base_home):
    """Search finds "Roman Abramowitsch" for ABRAMOVICH, Roman (names.russian_spelling,
    looked up by the index): a delta re-screen must reach a party so named when that
    entry changes; three edits apart, the typo pass over the stored words did not."""
    from banscreen.model import ListEntry

    store = _store(tmp_path, base_home)
    screener, _ = open_screener(store, ScreenOptions(as_of=OLD_DAY))
    changed = ListEntry("test", "SDN", "t1", "person", "ABRAMOVICH, Roman")
    stored = party_keys.StoredWords(screener.index, ["abramowitsch", "roman", "smith"])
    reach = party_keys.ChangeReach(stored, [changed], [], cutoff=MIN_SCORE - PRUNE_MARGIN)
    assert "abramowitsch" in reach.reach_words
    assert reach.reaches(["roman", "abramowitsch"])
    assert not reach.reaches(["smith"])


def test_a_changed_name_reaches_its_sound_alikes(tmp_path, base_home):
    """Search finds "Abdul Kaream" for KARIM, Abdul ("kaream" is no list word; a
    sound-alike two edits from "karim" in words allowing one, so no shared deletion key:
    NameIndex._latin_neighbors): a delta re-screen must reach a party so named when
    that entry changes ("karim" is a word of the lists, which the typo pass reached only
    through shared deletion keys)."""
    from banscreen.model import ListEntry

    store = _store(tmp_path, base_home)
    screener, _ = open_screener(store, ScreenOptions(as_of=OLD_DAY))
    index = screener.index
    assert "karim" in index.postings and "kaream" not in index.postings
    assert "karim" in dict(index._latin_neighbors("kaream"))
    changed = ListEntry("test", "SDN", "t1", "person", "KARIM, Abdul")
    stored = party_keys.StoredWords(index, ["kaream", "smith"])
    reach = party_keys.ChangeReach(stored, [changed], [], cutoff=MIN_SCORE - PRUNE_MARGIN)
    assert "kaream" in reach.reach_words
    assert "smith" not in reach.reach_words


def test_a_changed_name_reaches_a_party_with_an_extra_middle_name(tmp_path, base_home):
    """Search finds "Hassan Zebulon Khalil" for KHALIL, Hassan (features.fewer_names,
    kept by NameIndex._bounds whatever the token bound): a delta re-screen must reach a
    party so named when that entry changes; the token bound alone does not."""
    from banscreen.model import ListEntry

    store = _store(tmp_path, base_home)
    screener, _ = open_screener(store, ScreenOptions(as_of=OLD_DAY))
    index = screener.index
    changed = ListEntry("test", "SDN", "t1", "person", "KHALIL, Hassan")
    stored = party_keys.StoredWords(index, ["hassan", "zebulon", "khalil", "smith"])
    reach = party_keys.ChangeReach(stored, [changed], [], cutoff=MIN_SCORE - PRUNE_MARGIN)
    assert reach.reaches(["hassan", "zebulon", "khalil"])
    assert not reach.reaches(["zebulon", "smith"])
