"""The stored parties' name keys (match/party_keys.py makes them) and the queries the
delta re-screen runs on them and on the parties' screening state. Everything here is
one SQL statement per batch: nothing loads every party."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, Iterable, Iterator, Sequence

from sqlalchemy import Text, cast, delete, func, insert, select, update
from sqlalchemy.orm import Session

from banscreen.model import AlertStatus
from banscreen.store.engine import in_chunks
from banscreen.store.schema import Alert, NameKey, NameWord, SubjectRow

WORD, WHOLE = 0, 1  # match/party_keys.WORD and WHOLE: the store does not import matching
SHORT_WORD = 3  # words this short are matched exactly, never searched for typos (names.SHORT_TOKEN)

# Parties, not assets or Android units (those are not names to re-screen).
IS_PARTY = (SubjectRow.key.not_like("id:asset:%"), SubjectRow.key.not_like("id:android:%"))


def parties_without_keys(s: Session, version: str, batch: int = 2000) -> Iterator[list[tuple[int, str]]]:
    """(id, name) of the parties whose keys are missing or were made by another
    version, a batch at a time, in id order."""
    last = 0
    while True:
        rows = s.execute(select(SubjectRow.id, SubjectRow.name)
                         .where(*IS_PARTY, SubjectRow.id > last,
                                (SubjectRow.keys_version.is_(None)) | (SubjectRow.keys_version != version))
                         .order_by(SubjectRow.id).limit(batch)).all()
        if not rows:
            return
        yield [(r.id, r.name) for r in rows]
        last = rows[-1].id


def replace_keys(s: Session, version: str, keyed: Sequence[tuple[int, list[tuple[int, int, str]]]]) -> None:
    """Store these parties' keys, (form, kind, key) each, in place of any they had."""
    ids = [subject_id for subject_id, _ in keyed]
    for chunk in in_chunks(ids):
        s.execute(delete(NameKey).where(NameKey.subject_id.in_(chunk)))
    rows = [{"subject_id": subject_id, "variant": form, "kind": kind, "key": key}
            for subject_id, keys in keyed for form, kind, key in keys]
    if rows:
        s.execute(insert(NameKey), rows)
    words = sorted({r["key"] for r in rows if r["kind"] == WORD and len(r["key"]) > SHORT_WORD
                    and not r["key"].startswith("#")})
    if words:
        s.execute(_insert_new(s, NameWord).values([{"word": w} for w in words]))
    for chunk in in_chunks(ids):
        s.execute(update(SubjectRow).where(SubjectRow.id.in_(chunk))
                  .values(keys_version=version).execution_options(synchronize_session=False))


def _insert_new(s: Session, table):
    """INSERT that skips rows already there (SQLite and PostgreSQL say it alike)."""
    if s.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert
        return pg_insert(table).on_conflict_do_nothing()
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert
    return sqlite_insert(table).on_conflict_do_nothing()


def vocabulary(s: Session) -> list[str]:
    """Every stored word longer than SHORT_WORD (each once)."""
    return list(s.execute(select(NameWord.word)).scalars())


def parties_with_keys(s: Session, keys: Iterable[str], kind: int) -> set[int]:
    """Ids of the parties holding any of `keys` as keys of this kind."""
    out: set[int] = set()
    for chunk in in_chunks(sorted(set(keys))):
        out.update(s.execute(select(NameKey.subject_id).distinct()
                             .where(NameKey.kind == kind, NameKey.key.in_(chunk))).scalars())
    return out


def forms_with_words(s: Session, words: Iterable[str]) -> dict[tuple[int, int], list[str]]:
    """The forms of party names (subject id, form) holding any of `words` as a WORD,
    each with all of its words."""
    forms: set[tuple[int, int]] = set()
    for chunk in in_chunks(sorted(set(words))):
        forms.update((subject_id, form) for subject_id, form in s.execute(
            select(NameKey.subject_id, NameKey.variant).where(NameKey.kind == WORD, NameKey.key.in_(chunk))))
    out: dict[tuple[int, int], list[str]] = {form: [] for form in forms}
    for chunk in in_chunks(sorted({subject_id for subject_id, _ in forms})):
        for subject_id, form, key in s.execute(select(NameKey.subject_id, NameKey.variant, NameKey.key)
                                               .where(NameKey.kind == WORD, NameKey.subject_id.in_(chunk))):
            if (subject_id, form) in out:
                out[(subject_id, form)].append(key)
    return out


def parties_with_alerts_on(s: Session, entry_keys: Iterable[str]) -> set[int]:
    """Ids of the subjects with an alert (in any state) on any of these entries."""
    out: set[int] = set()
    for chunk in in_chunks(sorted(set(entry_keys))):
        out.update(s.execute(select(Alert.subject_id).distinct().where(Alert.entry_key.in_(chunk))).scalars())
    return out


def parties_with_open_alerts(s: Session, at_least: int) -> set[int]:
    """Ids of the subjects with `at_least` open alerts or more."""
    return set(s.execute(select(Alert.subject_id).where(Alert.status == AlertStatus.OPEN)
                         .group_by(Alert.subject_id).having(func.count() >= at_least)).scalars())


def screening_states(s: Session) -> list[tuple[dict[str, Any], dt.date, str, int]]:
    """The states the stored parties were last screened in: (list versions, as-of
    date, the versions as stored, number of parties), one per distinct state."""
    stored = cast(SubjectRow.screened_versions, Text)
    rows = s.execute(select(stored, SubjectRow.as_of, func.count()).where(*IS_PARTY)
                     .group_by(stored, SubjectRow.as_of)).all()
    return [(json.loads(text) if text else {}, as_of, text, n) for text, as_of, n in rows]


def in_state(stored_versions: str, as_of: dt.date):
    """The WHERE clause of the parties in one screening state (as `screening_states` gives it)."""
    return (*IS_PARTY, cast(SubjectRow.screened_versions, Text) == stored_versions, SubjectRow.as_of == as_of)


def parties_in_state(s: Session, ids: Iterable[int], stored_versions: str, as_of: dt.date) -> list[SubjectRow]:
    """Those of `ids` that are parties in this screening state, in id order."""
    out: list[SubjectRow] = []
    for chunk in in_chunks(sorted(set(ids))):
        out.extend(s.execute(select(SubjectRow).where(SubjectRow.id.in_(chunk), *in_state(stored_versions, as_of))
                             ).scalars())
    return sorted(out, key=lambda row: row.id)


def restamp(s: Session, stored_versions: str, as_of: dt.date, versions: dict[str, str], new_as_of: dt.date,
            run_id: int) -> int:
    """Mark every party of one screening state as screened against `versions` as of
    `new_as_of` by run `run_id` (one UPDATE); returns how many."""
    s.flush()
    result = s.execute(update(SubjectRow).where(*in_state(stored_versions, as_of))
                       .values(screened_versions=versions, as_of=new_as_of, last_run_id=run_id)
                       .execution_options(synchronize_session=False))
    return result.rowcount


def open_alerts_on(s: Session, entry_keys: Iterable[str]) -> list[Alert]:
    """Open alerts on any of these entries."""
    out: list[Alert] = []
    for chunk in in_chunks(sorted(set(entry_keys))):
        out.extend(s.execute(select(Alert).where(Alert.status == AlertStatus.OPEN, Alert.entry_key.in_(chunk)))
                   .scalars())
    return out
