"""What every command shares: consoles, exit codes, option types and parsers, and the
one loop that writes results in a format while recording them."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import sys
import tempfile
from pathlib import Path
from typing import Annotated, Iterable, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from banscreen.lists.store import ListStore, default_root
from banscreen.model import LoadIssue
from banscreen.report import FORMATS, ReportContext
from banscreen.report.interface import RunSummary
from banscreen.report.table import summary_line
from banscreen.screen.hooks import notify
from banscreen.screen.record import recorded_run
from banscreen.sources import SourceError
from banscreen.store import CaseStore
from banscreen.store.engine import masked

EXIT_CLEAN, EXIT_HITS, EXIT_INPUT, EXIT_INTERNAL = 0, 1, 2, 3

err = Console(stderr=True, highlight=False, soft_wrap=True)
out = Console(highlight=False, soft_wrap=True)


class UsageError(Exception):
    """A command line that asks for something impossible: exit 2 with its message."""


DbOpt = Annotated[Optional[str], typer.Option("--db", envvar="BANSCREEN_DB", help=(
    "Record the run and its alerts in this case store: sqlite:///path.db or postgresql+psycopg://user@host/db."))]

HomeOpt = Annotated[Optional[Path], typer.Option("--home", envvar="BANSCREEN_HOME",
                                                 help="Folder of the list store [default: ~/.local/share/banscreen].")]
AsOfOpt = Annotated[Optional[str], typer.Option(help="Screen as of this date, YYYY-MM-DD [default: today].")]
OutputOpt = Annotated[Optional[Path], typer.Option("--output", "-o", help="Write here instead of stdout.")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No notes on stderr.")]
EncodingOpt = Annotated[str, typer.Option(help="Text encoding of CSV/JSONL input.")]
SheetOpt = Annotated[Optional[str], typer.Option(help="XLSX sheet [default: the first].")]
StrictOpt = Annotated[bool, typer.Option(help="Stop at the first unreadable row.")]
NoDestinationsOpt = Annotated[bool, typer.Option("--no-destinations", help="Skip embargoed-destination checks.")]


def show_table(table: Table) -> None:
    """Print a table; wide when piped, so columns are not folded at 80 characters."""
    Console(highlight=False, width=None if sys.stdout.isatty() else 200).print(table)


def parse_date(value: Optional[str], option: str) -> dt.date:
    if value is None or value == "today":
        return dt.date.today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"{option}: not a date (YYYY-MM-DD): {value!r}") from None


def parse_list_codes(value: Optional[str]) -> frozenset[str] | None:
    """`--lists SDN,el` -> {"SDN", "EL"}; None for all lists."""
    return frozenset(c.strip().upper() for c in value.split(",") if c.strip()) if value else None


def check_list_codes(codes: frozenset[str] | None, known: Iterable[str]) -> None:
    known = set(known)
    if codes and codes - known:
        raise UsageError(f"--lists: unknown list code(s) {', '.join(sorted(codes - known))}; "
                         f"known: {', '.join(sorted(known))}")


def check_format(format: str, *extra: str) -> None:
    if format not in FORMATS and format not in extra:
        raise UsageError(f"--format: choose one of {', '.join([*FORMATS, *extra])}")


def list_store(home: Optional[Path]) -> ListStore:
    return ListStore(home or default_root())


def case_store(db: Optional[str]) -> CaseStore:
    return CaseStore(db)


def command_line() -> str:
    """The command as run, for reports' provenance, with any database password masked."""
    args, out = sys.argv[1:], ["banscreen"]
    for i, arg in enumerate(args):
        if arg.startswith("--db="):
            arg = "--db=" + masked(arg[5:])
        elif i and args[i - 1] == "--db":
            arg = masked(arg)
        out.append(arg)
    return " ".join(out)


def progress_total(paths: list[Path]) -> int | None:
    """Rows to expect, for the progress bar's ETA: lines of text inputs (a fast byte
    count), unknown for others."""
    total = 0
    for p in paths:
        if p.suffix.lower() not in (".csv", ".tsv", ".txt", ".jsonl", ".ndjson") or not p.is_file():
            return None
        with p.open("rb") as fh:
            total += sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 20), b""))
    return max(total - len(paths), 0)  # header lines


def write_results(screen: str, items, format: str, output: Optional[Path], context, quiet: bool, strict: bool,
                  total: int | None, partition_rows: int | None = None, recorder=None) -> RunSummary:
    """Write every result in `format`, with a progress bar on an interactive terminal;
    returns the run's summary. Unreadable rows go to stderr (or stop the run)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    batch = format == "parquet" or partition_rows
    check_format(format, "parquet")
    if batch and (output is None or format not in ("json", "parquet") or screen != "parties"):
        raise UsageError("--format parquet and --partition-rows write party results to -o PATH as json or parquet")
    if format == "html" and output is None and sys.stdout.isatty():
        raise UsageError("--format html writes a page: give -o FILE.html")
    show_progress = not quiet and err.is_terminal

    def guarded(advance):
        for item in items:
            if isinstance(item, LoadIssue):
                if strict:
                    raise SourceError(item.path, f"{item.reason} (stopped: --strict)", item.line or None)
                if not quiet:
                    err.print(f"[red]error[/red]: {escape(str(item))}")
            if recorder is not None:
                recorder.add(item)
            advance()
            yield item

    formatter = None if batch else FORMATS[format](screen=screen, context=context)
    columns = [TextColumn("screening"), BarColumn(), MofNCompleteColumn(),
               TextColumn("{task.fields[rate]} rows/s"), TimeRemainingColumn()]
    with Progress(*columns, console=err, transient=True, disable=not show_progress) as progress:
        task = progress.add_task("screen", total=total, rate="-")

        def advance():
            progress.advance(task)
            t = progress.tasks[0]
            if t.completed % 500 == 0 and t.elapsed:
                progress.update(task, rate=f"{t.completed / t.elapsed:,.0f}")

        if batch:
            from banscreen.scale.output import write_path

            return write_path(guarded(advance), output, format, partition_rows)
        if output:
            with atomic_output(output) as fh:
                return formatter.write(guarded(advance), fh)
        return formatter.write(guarded(advance), sys.stdout)


@contextlib.contextmanager
def atomic_output(path: Path):
    """A text file written aside and renamed over `path` once complete: a run that stops
    half-way (an error, --strict, Ctrl-C) leaves the previous file, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as fh:
            yield fh
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # as an ordinary new file, not mkstemp's 0600
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def run_screen(screen: str, items, *, db: Optional[str], context: ReportContext, versions: dict[str, str],
               format: str, output: Optional[Path], quiet: bool, strict: bool, total: int | None = None,
               partition_rows: int | None = None) -> RunSummary:
    """Write a screen's results, recorded in the case store at `db` when one is given,
    and say on stderr what was recorded."""
    cases = case_store(db) if db is not None else None
    summary, counts = recorded_run(cases, screen, context, versions,
                                   lambda rec: write_results(screen, items, format, output, context, quiet, strict,
                                                             total, partition_rows, rec))
    if counts is not None and not quiet:
        err.print(escape(f"recorded run #{counts.run_id} in {cases.shown_url}: {counts.new} new alerts, "
                         f"{counts.reopened} reopened, {counts.suppressed} suppressed by earlier decisions, "
                         f"{counts.closed} closed"))
    if cases is not None:
        tell_hooks(cases, quiet)
    return summary


def tell_hooks(cases: CaseStore, quiet: bool) -> None:
    """Push the run's events to the store's webhooks, after the run committed; a
    receiver's failure is a note, never the run's (see screen/hooks.py)."""
    stats = notify(cases)
    if stats is not None and not quiet:
        err.print(escape(f"webhooks: {stats.queued} events queued, {stats.delivered} of {stats.attempted} "
                         f"deliveries made now" + ("; the others are retried later (`hooks log`)"
                                                   if stats.attempted > stats.delivered else "")))


def finish(screen: str, summary: RunSummary, format: str, quiet: bool, notes: Iterable[str] = ()) -> None:
    """The closing lines on stderr (the table format prints its own), and the exit code."""
    if not quiet and format != "table":
        for line in notes:
            err.print(escape(line))
        err.print(escape(summary_line(screen, summary)))
    raise typer.Exit(EXIT_INPUT if summary.errors else EXIT_HITS if summary.hits else EXIT_CLEAN)
