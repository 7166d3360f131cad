"""The Python API (banscreen/library.py), tested as the README shows it: the README's
Python block runs as a doctest against the bundled lists, from the repository root."""

from __future__ import annotations

import doctest
import re
from pathlib import Path

import pytest

import banscreen

REPO = Path(__file__).resolve().parents[1]


def readme_block() -> str:
    text = (REPO / "README.md").read_text("utf-8")
    section = text.split("### Python API", 1)[1]
    return re.search(r"```python\n(.*?)```", section, re.DOTALL).group(1)


def test_readme_python_block_runs_as_written(bundled_home, monkeypatch):
    pytest.importorskip("pandas")
    monkeypatch.setenv("BANSCREEN_HOME", str(bundled_home))
    monkeypatch.chdir(REPO)
    test = doctest.DocTestParser().get_doctest(readme_block(), {}, "README.md", "README.md", 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.attempted >= 8 and result.failed == 0


def test_public_names_and_typing_marker():
    assert set(banscreen.__all__) == {"Screener", "__version__"}
    assert banscreen.Screener.__module__ == "banscreen.library"
    assert (Path(banscreen.__file__).parent / "py.typed").exists()
    with pytest.raises(AttributeError):
        banscreen.NoSuchThing  # noqa: B018


def test_bad_calls_are_clear_errors(bundled_home, monkeypatch):
    monkeypatch.setenv("BANSCREEN_HOME", str(bundled_home))
    with pytest.raises(ValueError, match="unknown list code"):
        banscreen.Screener.open(lists=["NOPE"])
    screener = banscreen.Screener.open(as_of="2024-06-01")
    with pytest.raises(ValueError, match="empty"):
        screener.screen_party("  ")
    with pytest.raises(ValueError, match="unknown role"):
        screener.screen_shipment({"shipper": "X"})
    pandas = pytest.importorskip("pandas")
    with pytest.raises(KeyError, match="no column"):
        screener.screen_frame(pandas.DataFrame({"a": ["x"]}), name_col="name")
    empty = screener.screen_frame(pandas.DataFrame({"name": [None, "", float("nan")]}))
    assert list(empty.columns) == list(banscreen.library.FRAME_COLUMNS) and empty.empty
