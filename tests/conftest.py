"""Shared fixtures: the real list files in ../shared, and a store holding the bundled
snapshot (imported once per test session, into a temporary folder)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from banscreen.lists.store import ListStore

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("BANSCREEN_SHARED", REPO.parent / "shared"))
LISTS = SHARED / "data" / "lists"
DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def lists_dir() -> Path:
    if not LISTS.exists():
        pytest.skip(f"real list files not found at {LISTS} (set BANSCREEN_SHARED to the shared/ folder)")
    return LISTS


@pytest.fixture(scope="session")
def bundled_home(tmp_path_factory) -> Path:
    """A store root with the bundled snapshot imported: shared read-only by the tests
    that only screen, so the import and index build happen once."""
    root = tmp_path_factory.mktemp("bundled-home")
    ListStore(root).ensure_bundled()
    return root


@pytest.fixture()
def bundled_store(bundled_home) -> ListStore:
    return ListStore(bundled_home)


@pytest.fixture()
def scanner(bundled_store):
    """An Android scanner with the bundled indicators, as of 2026-11-28."""
    import datetime as dt

    from banscreen.screen.android import AndroidScanner
    from banscreen.lists.indicators_yaml import bundled_indicators
    from banscreen.match.android import IndicatorMatcher
    from banscreen.screen import EquipmentOptions, ScreenOptions, open_equipment_screener, open_screener

    day = dt.date(2026, 11, 28)
    equipment, _ = open_equipment_screener(bundled_store, EquipmentOptions(as_of=day))
    return AndroidScanner(IndicatorMatcher(bundled_indicators()), equipment, day,
                          parties=lambda: open_screener(bundled_store, ScreenOptions(as_of=day))[0])


@pytest.fixture()
def empty_store(tmp_path) -> ListStore:
    return ListStore(tmp_path / "home")


@pytest.fixture(scope="session")
def postgres():
    """A PostgreSQL server for this test session (see tests/pg.py)."""
    pytest.importorskip("psycopg", reason="pip install -e '.[test]' brings psycopg")
    from tests.pg import Cluster, PostgresUnavailable

    try:
        cluster = Cluster()
    except PostgresUnavailable as exc:
        pytest.skip(f"no PostgreSQL server: {exc}")
    yield cluster
    cluster.stop()


_databases = iter(range(1, 10_000))


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    """Each store test runs on SQLite and on a real PostgreSQL, each in a fresh database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'cases.db'}"
    cluster = request.getfixturevalue("postgres")
    return cluster.create_database(f"t{next(_databases)}_{os.getpid()}")
