"""The versioned list store: imports, history, as-of selection, atomicity, diffs."""

from __future__ import annotations

import datetime as dt
import os

import pytest

from banscreen.lists import ListError
from banscreen.lists.store import ListStore


def test_import_records_version(empty_store, lists_dir):
    out = empty_store.import_file(lists_dir / "bis-dpl-2018-08_peoplecheck" / "dpl.txt")
    v = out.version
    assert out.created
    assert (v.dataset, v.format, v.published, v.published_basis) == ("bis-dpl", "dpl", dt.date(2018, 8, 3), "file")
    assert v.rows == 539 and v.entries == len(empty_store.entries(v)) and len(v.sha256) == 64
    assert dt.datetime.fromisoformat(v.imported_at).tzinfo is not None
    assert empty_store.versions() == [v]


def test_same_content_is_not_imported_twice(empty_store, lists_dir):
    path = lists_dir / "bis-dpl-2018-08_peoplecheck" / "dpl.txt"
    first = empty_store.import_file(path)
    again = empty_store.import_file(path)
    assert not again.created and again.version == first.version
    assert len(empty_store.versions("bis-dpl")) == 1


def test_history_and_as_of_selection(empty_store, lists_dir):
    old = empty_store.import_file(lists_dir / "bis-dpl-2018-08_peoplecheck" / "dpl.txt").version
    new = empty_store.import_file(lists_dir / "bis-dpl-2023-11_moov-watchman" / "dpl.txt").version
    assert empty_store.versions("bis-dpl") == [old, new]
    assert empty_store.select(dt.date(2020, 1, 1)).versions == (old,)
    assert empty_store.select(dt.date(2024, 1, 1)).versions == (new,)
    early = empty_store.select(dt.date(2015, 1, 1))
    assert early.versions == (old,) and "no version published on or before 2015-01-01" in early.warnings[0]
    pinned = empty_store.select(dt.date(2024, 1, 1), {"bis-dpl": old.version[:12]})
    assert pinned.versions == (old,)
    with pytest.raises(ListError, match="no versions"):
        empty_store.select(dt.date(2024, 1, 1), {"nonesuch": "x"})


def test_failed_import_leaves_previous_version_untouched(empty_store, lists_dir, monkeypatch):
    path_old = lists_dir / "bis-dpl-2018-08_peoplecheck" / "dpl.txt"
    old = empty_store.import_file(path_old).version
    before = sorted(p.name for p in (empty_store.lists_dir / "bis-dpl").iterdir())

    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(os, "rename", crash)  # fail at the very last step of the write
    with pytest.raises(OSError, match="disk full"):
        empty_store.import_file(lists_dir / "bis-dpl-2023-11_moov-watchman" / "dpl.txt")
    monkeypatch.undo()
    assert sorted(p.name for p in (empty_store.lists_dir / "bis-dpl").iterdir()) == before  # no temp left
    assert empty_store.versions() == [old]
    assert len(empty_store.entries(old)) == old.entries


def test_import_of_unreadable_file_fails_cleanly(empty_store, tmp_path):
    bad = tmp_path / "dpl.txt"
    bad.write_text('"Name"\t"Effective_Date"\n')
    with pytest.raises(ListError, match="not a Denied Persons List"):
        empty_store.import_file(bad, format="dpl")
    assert empty_store.versions() == []


def test_diff_between_real_versions(empty_store, lists_dir):
    old = empty_store.import_file(lists_dir / "bis-dpl-2018-08_peoplecheck" / "dpl.txt").version
    new = empty_store.import_file(lists_dir / "bis-dpl-2023-11_moov-watchman" / "dpl.txt").version
    d = empty_store.diff(old, new)
    old_keys = {e.key for e in empty_store.entries(old)}
    new_keys = {e.key for e in empty_store.entries(new)}
    assert {e.key for e in d.added} == new_keys - old_keys and d.added
    assert {e.key for e in d.removed} == old_keys - new_keys and d.removed
    for before, after in d.changed:
        assert before.key == after.key and before != after


def test_bundled_snapshot_imports_once(empty_store):
    outcomes = empty_store.ensure_bundled()
    assert {o.version.dataset for o in outcomes} == {"ofac-sdn", "csl", "bis-dpl", "telecom"}
    assert all(o.version.source.startswith("bundled:") for o in outcomes)
    assert empty_store.ensure_bundled() == []  # a store with versions is left alone
    telecom = empty_store.version("telecom")
    assert telecom.historical
    # a curated history is used for any date, without a "no version before" note
    sel = empty_store.select(dt.date(2010, 1, 1))
    assert telecom in sel.versions and not any(w.startswith("telecom") for w in sel.warnings)


def test_version_lookup_errors(empty_store):
    with pytest.raises(ListError, match="no versions of dataset"):
        empty_store.version("csl")
    assert ListStore(empty_store.root / "nothing").datasets() == []
