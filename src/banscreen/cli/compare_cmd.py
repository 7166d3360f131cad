"""`banscreen compare`: name pairs scored by the screening comparator."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.markup import escape

from banscreen.cli.app import app
from banscreen.cli.common import EXIT_CLEAN, EXIT_HITS, EXIT_INPUT, HomeOpt, UsageError, err, list_store
from banscreen.match.pairs import compare_pair
from banscreen.model import LoadIssue
from banscreen.screen import DEFAULT_MIN_SCORE, ScreenOptions, open_screener
from banscreen.sources import SourceError
from banscreen.sources.tabular import CsvRows


@app.command("compare")
def compare_names(
    name1: Annotated[Optional[str], typer.Argument(help="First name.")] = None,
    name2: Annotated[Optional[str], typer.Argument(help="Second name.")] = None,
    pairs: Annotated[Optional[Path], typer.Option(help="CSV with columns name1, name2 and optionally kind.")] = None,
    min_score: Annotated[float, typer.Option(min=0.0, max=1.0, help="Score at which a pair counts as a match.")]
    = DEFAULT_MIN_SCORE,
    encoding: Annotated[str, typer.Option(help="Text encoding of the pairs file.")] = "utf-8-sig",
    home: HomeOpt = None,
) -> None:
    """Score name pairs with the screening comparator: one JSON line per pair with
    score, match and explanation. Word weights come from the lists in force today."""
    if (pairs is None) == (name1 is None or name2 is None):
        raise UsageError("give two names, or --pairs FILE (not both)")
    store = list_store(home)
    screener, _ = open_screener(store, ScreenOptions())
    weight = screener.index.weight
    matched = errors = 0
    if pairs is None:
        items = [(0, {"name1": name1, "name2": name2})]
    else:
        if not pairs.exists():
            raise SourceError(pairs, "no such file")
        items = []
        for row in CsvRows(encoding=encoding).checked_rows(pairs):
            if isinstance(row, LoadIssue):
                items.append((row.line, row))
            else:
                if "name1" not in row.fields or "name2" not in row.fields:
                    raise SourceError(pairs, f"needs columns name1 and name2 (has {', '.join(row.fields)})", 1)
                items.append((row.line, row.fields))
    for line, fields in items:
        if isinstance(fields, LoadIssue) or not (fields.get("name1") or "").strip() \
                or not (fields.get("name2") or "").strip():
            errors += 1
            reason = fields.reason if isinstance(fields, LoadIssue) else "name1 and name2 must both be given"
            print(json.dumps({"line": line, "error": reason}), flush=False)
            if pairs is not None:
                err.print(f"[red]error[/red]: {escape(f'{pairs}:{line}: {reason}')}")
            continue
        record = compare_pair(fields["name1"], fields["name2"], weight, min_score, kind=fields.get("kind") or None)
        if line:
            record = {"line": line, **record}
        matched += record["match"]
        print(json.dumps(record, ensure_ascii=False))
    raise typer.Exit(EXIT_INPUT if errors else EXIT_HITS if matched else EXIT_CLEAN)
