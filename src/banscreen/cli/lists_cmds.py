"""`banscreen lists import|update|history|show|diff`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.markup import escape
from rich.table import Table

from banscreen.cli.app import lists_app
from banscreen.cli.common import EXIT_CLEAN, EXIT_INPUT, HomeOpt, UsageError, err, list_store, out, parse_date, show_table
from banscreen.lists import LOADERS
from banscreen.lists.update import Updater, load_sources


@lists_app.command("import")
def lists_import(
    path: Annotated[Path, typer.Argument(help="List file or folder (OFAC CSV folder, CSL CSV, dpl.txt, YAML).")],
    format: Annotated[Optional[str], typer.Option("--format", help=f"One of: {', '.join(LOADERS)} "
                                                                   "[default: detected].")] = None,
    dataset: Annotated[Optional[str], typer.Option(help="Version family [default: by format].")] = None,
    published: Annotated[Optional[str], typer.Option(help="The data's publish date, YYYY-MM-DD "
                                                          "[default: from the file, else estimated].")] = None,
    allow_drop: Annotated[bool, typer.Option(help="Import even when the file has more than --max-drop of the "
                                                  "newest version's entries fewer.")] = False,
    max_drop: Annotated[float, typer.Option(min=0.0, max=1.0, help="Largest share of entries a new version may "
                                                                   "lose against the version before it.")] = 0.2,
    home: HomeOpt = None,
) -> None:
    """Import a list file as a new version (atomic; identical content is not imported
    twice). A file whose last row is cut off, or with more than --max-drop fewer entries
    than the version it follows by publish date, is refused (exit 2) unless --allow-drop
    is given."""
    store = list_store(home)
    store.ensure_bundled()
    outcome = store.import_file(path, format=format, dataset=dataset,
                                published=parse_date(published, "--published") if published else None,
                                max_drop=None if allow_drop else max_drop)
    v = outcome.version
    if not outcome.created:
        out.print(escape(f"unchanged: {path} is already imported as {v.label}"))
        return
    out.print(escape(f"imported {v.label}: {v.entries} entries from {v.rows} rows, published {v.published} "
                     f"({v.published_basis})"))
    for issue in outcome.result.issues if outcome.result else []:
        err.print(f"[yellow]skipped or amended[/yellow]: {escape(str(issue))}")


@lists_app.command("update")
def lists_update(
    config: Annotated[Optional[Path], typer.Option(help="Sources file [default: $BANSCREEN_HOME/sources.yaml, else "
                                                        "the built-in OFAC and trade.gov sources].")] = None,
    only: Annotated[Optional[list[str]], typer.Option(help="Update only this source (repeatable).")] = None,
    force: Annotated[bool, typer.Option("--allow-drop/--no-allow-drop", "--force",
                                        help="Import even when the entry count drops past --max-drop.")] = False,
    max_drop: Annotated[float, typer.Option(min=0.0, max=1.0, help="Largest share of entries a new version may "
                                                                   "lose.")] = 0.2,
    timeout: Annotated[float, typer.Option(min=1.0, help="Seconds to wait for a server.")] = 60.0,
    retries: Annotated[int, typer.Option(min=1, help="Attempts per source.")] = 3,
    max_mib: Annotated[int, typer.Option(min=1, help="Largest download accepted, MiB.")] = 512,
    home: HomeOpt = None,
) -> None:
    """Fetch the configured lists (conditional requests), refuse broken or shrunken
    files, import atomically and show what changed. Exit 2 if any source failed."""
    store = list_store(home)
    store.ensure_bundled()
    sources = load_sources(config, store.root)
    if only:
        unknown = set(only) - {s.name for s in sources}
        if unknown:
            raise UsageError(f"--only: no source named {', '.join(sorted(unknown))}")
        sources = [s for s in sources if s.name in only]
    updater = Updater(store, timeout=timeout, retries=retries, max_bytes=max_mib * 2**20, max_drop=max_drop,
                      force=force)
    failed = 0
    for source in sources:
        outcome = updater.update(source)
        colour = "green" if outcome.status == "imported" else "red" if not outcome.ok else "white"
        out.print(f"[{colour}]{outcome.status}[/{colour}] {escape(source.name)}: {escape(outcome.message)}")
        if outcome.diff:
            for title, items in (("+", outcome.diff.added), ("-", outcome.diff.removed)):
                for e in items[:10]:
                    out.print(escape(f"    {title} [{e.list}] {e.name}"))
                if len(items) > 10:
                    out.print(f"    ... {len(items) - 10} more")
        failed += not outcome.ok
    raise typer.Exit(EXIT_INPUT if failed else EXIT_CLEAN)


@lists_app.command("history")
def lists_history(
    dataset: Annotated[Optional[str], typer.Argument(help="Only this dataset.")] = None,
    home: HomeOpt = None,
) -> None:
    """Every imported version, oldest first."""
    store = list_store(home)
    store.ensure_bundled()
    table = Table(title="List versions")
    for col in ("dataset", "version", "published", "basis", "imported at", "entries", "rows", "issues", "source"):
        table.add_column(col)
    for v in store.versions(dataset):
        table.add_row(v.dataset, v.version, str(v.published), v.published_basis, v.imported_at, str(v.entries),
                      str(v.rows), str(v.issues), v.source)
    show_table(table)


@lists_app.command("show")
def lists_show(
    dataset: Annotated[Optional[str], typer.Argument(help="Dataset to show [default: a summary of all].")] = None,
    version: Annotated[Optional[str], typer.Option(help="Version id or prefix [default: newest].")] = None,
    entry: Annotated[Optional[str], typer.Option(help="Show one entry by its id.")] = None,
    grep: Annotated[Optional[str], typer.Option(help="Only entries whose names contain this text.")] = None,
    limit: Annotated[int, typer.Option(help="At most this many entries.")] = 20,
    home: HomeOpt = None,
) -> None:
    """Datasets and their current versions, or the entries of one version."""
    store = list_store(home)
    store.ensure_bundled()
    if dataset is None:
        table = Table(title=f"Datasets in {store.root}")
        for col in ("dataset", "newest version", "published", "entries", "lists"):
            table.add_column(col)
        for name in store.datasets():
            v = store.version(name)
            codes = sorted({e.list for e in store.entries(v)})
            table.add_row(name, v.version, str(v.published), str(v.entries), ", ".join(codes))
        show_table(table)
        return
    v = store.version(dataset, version)
    entries = store.entries(v)
    if entry:
        found = [e for e in entries if e.entry_id == entry]
        if not found:
            raise UsageError(f"{v.label}: no entry with id {entry!r}")
        for e in found:
            for field_name in e.__class__.__dataclass_fields__:
                out.print(f"[bold]{field_name}[/bold]: {escape(str(getattr(e, field_name)))}")
        return
    if grep:
        needle = grep.casefold()
        entries = [e for e in entries if any(needle in n.casefold() for n in e.names)]
    table = Table(title=f"{v.label}: {len(entries)} entries" + (f" matching {grep!r}" if grep else ""))
    for col in ("list", "id", "name", "start", "end", "countries"):
        table.add_column(col)
    for e in entries[:limit]:
        table.add_row(e.list, e.entry_id, e.name, str(e.start_date or ""), str(e.end_date or ""),
                      ",".join(e.countries))
    show_table(table)


@lists_app.command("diff")
def lists_diff(
    dataset: Annotated[str, typer.Argument(help="Dataset to compare.")],
    old: Annotated[Optional[str], typer.Argument(help="Older version [default: the one before the newest].")] = None,
    new: Annotated[Optional[str], typer.Argument(help="Newer version [default: the newest].")] = None,
    limit: Annotated[int, typer.Option(help="At most this many names per section.")] = 50,
    home: HomeOpt = None,
) -> None:
    """Entries added, removed and changed between two versions of a dataset."""
    store = list_store(home)
    store.ensure_bundled()
    versions = store.versions(dataset)
    if len(versions) < 2 and (old is None or new is None):
        raise UsageError(f"{dataset}: needs two versions to compare; it has {len(versions)}")
    a = store.version(dataset, old) if old else versions[-2]
    b = store.version(dataset, new) if new else versions[-1]
    d = store.diff(a, b)
    out.print(f"{a.label} -> {b.label}: {len(d.added)} added, {len(d.removed)} removed, {len(d.changed)} changed")
    for title, items in (("added", d.added), ("removed", d.removed)):
        for e in items[:limit]:
            out.print(escape(f"  {'+' if title == 'added' else '-'} [{e.list}] {e.name} ({e.entry_id})"))
        if len(items) > limit:
            out.print(f"  ... {len(items) - limit} more {title}")
    for before, after in d.changed[:limit]:
        fields = [f for f in before.__class__.__dataclass_fields__ if f != "dataset"
                  and getattr(before, f) != getattr(after, f)]
        out.print(escape(f"  ~ [{after.list}] {after.name} ({after.entry_id}): {', '.join(fields)}"))
    if len(d.changed) > limit:
        out.print(f"  ... {len(d.changed) - limit} more changed")
