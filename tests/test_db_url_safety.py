"""A database password is never printed or stored, and an unreachable case store is a
clear error with exit code 2 (issue 17, item 3)."""

from __future__ import annotations

import sys

import pytest

from banscreen.store.engine import masked, where

SECRET = "S3cret-pw"
URL = f"postgresql+psycopg://screener:{SECRET}@127.0.0.1:9/cases"


def test_urls_are_shown_without_their_password():
    assert SECRET not in masked(URL) and "screener:***@127.0.0.1:9" in masked(URL)
    assert where(URL) == "127.0.0.1:9"
    assert masked("sqlite:////tmp/cases.db") == "sqlite:////tmp/cases.db"


def test_the_report_command_line_masks_the_password(monkeypatch):
    from banscreen.cli.common import command_line

    monkeypatch.setattr(sys, "argv", ["banscreen", "screen", "parties", "x.csv", "--db", URL, "-f", "sarif"])
    assert SECRET not in command_line() and "--db postgresql+psycopg://screener:***@" in command_line()
    monkeypatch.setattr(sys, "argv", ["banscreen", "cases", "list", f"--db={URL}"])
    assert SECRET not in command_line()


def test_an_unreachable_case_store_is_exit_2_with_where(bundled_home, monkeypatch, capsys):
    from banscreen import cli

    monkeypatch.setattr(sys, "argv", ["banscreen", "screen", "parties", "examples/parties.csv", "-q",
                                      "--db", URL, "--home", str(bundled_home)])
    monkeypatch.chdir(__import__("pathlib").Path(__file__).resolve().parents[1])
    with pytest.raises(SystemExit) as exc:
        cli.main()
    err = capsys.readouterr().err
    assert exc.value.code == 2
    assert "cannot connect to the case store at 127.0.0.1:9" in err
    assert SECRET not in err and "internal error" not in err and "SELECT" not in err
