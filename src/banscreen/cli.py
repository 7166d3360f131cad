"""The command line: parses arguments, picks implementations, prints, chooses exit codes.
Everything else lives in the library.

Exit codes: 0 no findings, 1 findings, 2 usage or input error (also when some rows could
not be read, even if others had findings), 3 internal error."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from banscreen import __version__
from banscreen.lists import LOADERS, ListError
from banscreen.lists.store import ListStore, default_root
from banscreen.model import LoadIssue
from banscreen.report import FORMATS, ReportContext
from banscreen.report.table import summary_line
from banscreen.screen import DEFAULT_MIN_SCORE, ScreenOptions, open_screener
from banscreen.sources import ColumnMap, SourceError, read_parties
from banscreen.store.cases import CaseError

EXIT_CLEAN, EXIT_HITS, EXIT_INPUT, EXIT_INTERNAL = 0, 1, 2, 3

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Screen parties against US restricted-party and telecom lists, as of a date.")
screen_app = typer.Typer(no_args_is_help=True, help="Screen inputs against the lists.")
lists_app = typer.Typer(no_args_is_help=True, help="Import and inspect versioned list data.")
app.add_typer(screen_app, name="screen")
app.add_typer(lists_app, name="lists")

err = Console(stderr=True, highlight=False, soft_wrap=True)
out = Console(highlight=False, soft_wrap=True)


def show_table(table: Table) -> None:
    """Print a table; wide when piped, so columns are not folded at 80 characters."""
    Console(highlight=False, width=None if sys.stdout.isatty() else 200).print(table)


class UsageError(Exception):
    pass


def _date(value: Optional[str], option: str) -> dt.date:
    if value is None or value == "today":
        return dt.date.today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"{option}: not a date (YYYY-MM-DD): {value!r}") from None


def _store(home: Optional[Path]) -> ListStore:
    return ListStore(home or default_root())


def _progress_total(paths: list[Path]) -> int | None:
    """Rows to expect, for the progress bar's ETA: lines of text inputs (a fast byte
    count), unknown for others."""
    total = 0
    for p in paths:
        if p.suffix.lower() not in (".csv", ".tsv", ".txt", ".jsonl", ".ndjson") or not p.is_file():
            return None
        with p.open("rb") as fh:
            total += sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 20), b""))
    return max(total - len(paths), 0)  # header lines


def _run(screen: str, items, format: str, output: Optional[Path], context, quiet: bool, strict: bool,
         total: int | None, partition_rows: int | None = None, recorder=None):
    """Write every result in `format`, with a progress bar on an interactive terminal;
    returns the run's summary. Unreadable rows go to stderr (or stop the run)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    batch = format == "parquet" or partition_rows
    if format not in FORMATS and format != "parquet":
        raise UsageError(f"--format: choose one of {', '.join(FORMATS)}, parquet")
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
            with output.open("w", encoding="utf-8", newline="") as fh:
                return formatter.write(guarded(advance), fh)
        return formatter.write(guarded(advance), sys.stdout)


def _recorded(db: Optional[str], screen: str, context, versions: dict[str, str], run, quiet: bool):
    """Run `run(recorder)`, recording the run and its alerts in the case store at `db`
    when one is given: one transaction for all results, or nothing if it fails."""
    if db is None:
        return run(None)
    from banscreen.store import CaseStore

    cases = CaseStore(db)
    inputs = context.inputs[0] if context.inputs else {"path": "", "sha256": ""}
    run_id = cases.start_run(screen=screen, input_path=", ".join(i["path"] for i in context.inputs),
                             input_sha256=inputs["sha256"], as_of=context.as_of, list_versions=versions,
                             options=context.options)
    with cases.recording(run_id, versions) as recorder:
        summary = run(recorder)
    c = recorder.counts
    if not quiet:
        err.print(escape(f"recorded run #{run_id} in {cases.url}: {c.new} new alerts, {c.reopened} reopened, "
                         f"{c.suppressed} suppressed by earlier decisions, {c.closed} closed"))
    return summary


DbOpt = Annotated[Optional[str], typer.Option("--db", envvar="BANSCREEN_DB", help=(
    "Record the run and its alerts in this case store: sqlite:///path.db or postgresql+psycopg://user@host/db."))]

HomeOpt = Annotated[Optional[Path], typer.Option("--home", envvar="BANSCREEN_HOME",
                                                 help="Folder of the list store [default: ~/.local/share/banscreen].")]


@app.callback(invoke_without_command=True)
def _main(version: Annotated[bool, typer.Option("--version", help="Show the version and exit.")] = False) -> None:
    if version:
        out.print(f"banscreen {__version__}")
        raise typer.Exit(0)


@screen_app.command("parties")
def screen_parties(
    file: Annotated[Path, typer.Argument(help="CSV/TSV, XLSX or JSON Lines file of parties.")],
    name_col: Annotated[Optional[str], typer.Option(help="Column holding the party name.")] = None,
    country_col: Annotated[Optional[str], typer.Option(help="Column holding the country.")] = None,
    address_col: Annotated[Optional[str], typer.Option(help="Column holding the address.")] = None,
    id_col: Annotated[Optional[str], typer.Option(help="Column holding your own id for the party.")] = None,
    as_of: Annotated[Optional[str], typer.Option(help="Screen as of this date, YYYY-MM-DD [default: today].")] = None,
    min_score: Annotated[float, typer.Option(min=0.0, max=1.0, help="Lowest name score reported.")]
    = DEFAULT_MIN_SCORE,
    lists: Annotated[Optional[str], typer.Option(help="Comma-separated list codes, e.g. SDN,EL,DPL [default: all].")]
    = None,
    list_version: Annotated[Optional[list[str]], typer.Option(
        help="Pin a dataset's version: DATASET=VERSION (repeatable).")] = None,
    format: Annotated[str, typer.Option("--format", "-f", help="table, json (JSON Lines), csv, html, sarif or "
                                                               "parquet (with -o).")] = "table",
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Write here instead of stdout.")] = None,
    input_format: Annotated[Optional[str], typer.Option(
        help="csv, xlsx, jsonl or parquet [default: by extension].")] = None,
    encoding: Annotated[str, typer.Option(help="Text encoding of CSV/JSONL input.")] = "utf-8-sig",
    sheet: Annotated[Optional[str], typer.Option(help="XLSX sheet [default: the first].")] = None,
    strict: Annotated[bool, typer.Option(help="Stop at the first unreadable row.")] = False,
    no_destinations: Annotated[bool, typer.Option("--no-destinations",
                                                  help="Skip embargoed-destination checks.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No notes on stderr.")] = False,
    dask: Annotated[Optional[str], typer.Option(
        help="Screen on a Dask cluster: a scheduler address (tcp://host:8786) or local:N for N local workers.")]
    = None,
    chunk_rows: Annotated[int, typer.Option(min=1, help="Rows per Dask task.")] = 5000,
    partition_rows: Annotated[Optional[int], typer.Option(
        min=1, help="Write -o as a directory of partition files of this many rows.")] = None,
    db: DbOpt = None,
    home: HomeOpt = None,
) -> None:
    """Screen a file of parties (names, countries, addresses) against the lists in force on a date."""
    if format not in FORMATS and format != "parquet":
        raise UsageError(f"--format: choose one of {', '.join(FORMATS)}, parquet")
    day = _date(as_of, "--as-of")
    pinned = {}
    for spec in list_version or []:
        dataset, sep, version = spec.partition("=")
        if not sep or not dataset or not version:
            raise UsageError(f"--list-version: expected DATASET=VERSION, got {spec!r}")
        pinned[dataset] = version
    codes = frozenset(c.strip().upper() for c in lists.split(",") if c.strip()) if lists else None
    options = ScreenOptions(as_of=day, min_score=min_score, lists=codes, destinations=not no_destinations)
    store = _store(home)
    screener, selection = open_screener(store, options, pinned)
    if codes:
        known = {e.list for e in screener.index.entries}
        unknown = sorted(codes - known)
        if unknown:
            raise UsageError(f"--lists: unknown list code(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    if not quiet:
        err.print(escape(f"screening as of {day} against " + ", ".join(v.label for v in selection.versions)))
        for w in selection.warnings:
            err.print(f"[yellow]note[/yellow]: {escape(w)}")

    subjects = read_parties(file, ColumnMap(name_col, country_col, address_col, id_col),
                            format=input_format, encoding=encoding, sheet=sheet)
    context = ReportContext.build("parties", day, selection.versions, [file], {
        "min_score": min_score, "lists": sorted(codes) if codes else "all", "destinations": not no_destinations,
        "pinned": pinned}, command=" ".join(["banscreen", *sys.argv[1:]]))
    client = None
    if dask:
        from banscreen.scale.dask_screen import DaskError, connect, screen_on_cluster

        try:
            client = connect(dask)
        except DaskError as exc:
            raise UsageError(f"--dask: {exc}") from None
        if not quiet:
            err.print(escape(f"Dask: {len(client.scheduler_info()['workers'])} workers at "
                             f"{client.scheduler.address}"))
        if file.suffix.lower() in (".parquet", ".pq") or input_format == "parquet":
            from banscreen.scale.dask_screen import screen_parquet_on_cluster

            # Parquet splits into row groups: the workers read their own partitions
            results = screen_parquet_on_cluster(client, screener, file,
                                                ColumnMap(name_col, country_col, address_col, id_col))
        else:
            results = screen_on_cluster(client, screener, subjects, chunk_rows)
    else:
        results = screener.screen_all(subjects)
    try:
        summary = _recorded(db, "parties", context, {v.dataset: v.version for v in selection.versions},
                            lambda rec: _run("parties", results, format, output, context, quiet, strict,
                                             _progress_total([file]), partition_rows, rec), quiet)
    finally:
        if client is not None:
            cluster = getattr(client, "cluster", None)
            client.close()
            if cluster is not None:
                cluster.close()
    if not quiet and format != "table":
        err.print(escape(summary_line("parties", summary)))
    raise typer.Exit(EXIT_INPUT if summary.errors else EXIT_HITS if summary.hits else EXIT_CLEAN)


@screen_app.command("equipment")
def screen_equipment(
    files: Annotated[list[Path], typer.Argument(help="Inventory CSV/XLSX, nmap XML, snmpwalk text, CycloneDX/SPDX "
                                                     "JSON or MAC list files.")],
    format_in: Annotated[Optional[str], typer.Option(
        "--format-in", help="inventory, nmap, snmpwalk, cyclonedx, spdx or maclist [default: detected].")] = None,
    as_of: Annotated[Optional[str], typer.Option(help="Screen as of this date, YYYY-MM-DD [default: today].")] = None,
    lists: Annotated[Optional[str], typer.Option(help="Comma-separated list codes, e.g. FCC-CL,NDAA-889.")] = None,
    format: Annotated[str, typer.Option("--format", "-f", help="table, json (JSON Lines), csv, html or sarif.")]
    = "table",
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Write here instead of stdout.")] = None,
    strict: Annotated[bool, typer.Option(help="Stop at the first unreadable record.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No notes on stderr.")] = False,
    db: DbOpt = None,
    home: HomeOpt = None,
) -> None:
    """Find equipment and software from covered vendors (FCC Covered List, NDAA 889, Kaspersky),
    including subsidiaries and brands, with the signals that point at each."""
    from banscreen.report.interface import vendor_summary
    from banscreen.screen import EquipmentOptions, open_equipment_screener
    from banscreen.sources.assets import read_assets

    if format not in FORMATS:
        raise UsageError(f"--format: choose one of {', '.join(FORMATS)}")
    day = _date(as_of, "--as-of")
    codes = frozenset(c.strip().upper() for c in lists.split(",") if c.strip()) if lists else None
    screener, selection = open_equipment_screener(_store(home), EquipmentOptions(as_of=day, lists=codes))
    if codes:
        known = {e.list for v in screener.resolver.vendors.values() for e in v.entries}
        if codes - known:
            raise UsageError(f"--lists: unknown list code(s) {', '.join(sorted(codes - known))}; "
                             f"known: {', '.join(sorted(known))}")
    if not quiet:
        from banscreen.lists.oui import registry_date
        err.print(escape(f"screening equipment as of {day} against "
                         + ", ".join(v.label for v in selection.versions) + f"; OUI data: {registry_date()}"))

    def items():
        for path in files:
            yield from screener.screen_all(read_assets(path, format_in))

    from banscreen.lists.oui import registry_date
    context = ReportContext.build("equipment", day, selection.versions, files,
                                  {"lists": sorted(codes) if codes else "all", "format_in": format_in or "detected"},
                                  command=" ".join(["banscreen", *sys.argv[1:]]), notes=[f"OUI data: {registry_date()}"])
    summary = _recorded(db, "equipment", context, {v.dataset: v.version for v in selection.versions},
                        lambda rec: _run("equipment", items(), format, output, context, quiet, strict,
                                         _progress_total(list(files)), recorder=rec), quiet)
    if not quiet and format != "table":
        for line in vendor_summary(summary):
            err.print(escape(line))
        err.print(escape(summary_line("equipment", summary)))
    raise typer.Exit(EXIT_INPUT if summary.errors else EXIT_HITS if summary.hits else EXIT_CLEAN)


cases_app = typer.Typer(no_args_is_help=True, help="Review alerts: list, show, decide; runs.")
audit_app = typer.Typer(no_args_is_help=True, help="The audit chain: verify, export.")
app.add_typer(cases_app, name="cases")
app.add_typer(audit_app, name="audit")


def _cases(db: Optional[str]):
    from banscreen.store import CaseStore

    return CaseStore(db)


@cases_app.command("list")
def cases_list(
    status: Annotated[str, typer.Option(help="open, closed or all.")] = "open",
    list_code: Annotated[Optional[str], typer.Option("--list", help="Only alerts on this list code.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1_000_000, help="At most this many.")] = 50,
    format: Annotated[str, typer.Option("--format", "-f", help="table or json.")] = "table",
    db: DbOpt = None,
) -> None:
    """Alerts, oldest first."""
    rows = _cases(db).alerts(None if status == "all" else status, list_code.upper() if list_code else None, limit)
    if format == "json":
        for a, s in rows:
            print(json.dumps({"id": a.id, "status": a.status, "subject": s.name, "subject_key": s.key,
                              "list": a.list, "entry_key": a.entry_key, "entry_name": a.entry_name,
                              "matched_name": a.matched_name, "score": a.score, "reason": a.reason},
                             ensure_ascii=False))
        return
    table = Table(title=f"{status} alerts")
    for col in ("id", "status", "subject", "list", "listed entry", "score", "reason"):
        table.add_column(col)
    for a, s in rows:
        table.add_row(str(a.id), a.status, escape(s.name), a.list, escape(a.entry_name), f"{a.score:.2f}",
                      escape(a.reason))
    show_table(table)


@cases_app.command("show")
def cases_show(alert_id: Annotated[int, typer.Argument(help="Alert id.")], db: DbOpt = None) -> None:
    """One alert: the subject, the match with its explanation, and every decision."""
    alert, subject, decisions = _cases(db).alert(alert_id)
    match = dict(alert.match)
    match.pop("_entry_state", None)
    print(json.dumps({"id": alert.id, "status": alert.status, "reason": alert.reason,
                      "subject": {"key": subject.key, "name": subject.name, "country": subject.country,
                                  "address": subject.address},
                      "list": alert.list, "entry_key": alert.entry_key, "match": match,
                      "decisions": [{"id": d.id, "decision": d.decision, "reviewer": d.reviewer, "reason": d.reason,
                                     "at": d.at.isoformat()} for d in decisions]}, indent=2, ensure_ascii=False))


@cases_app.command("decide")
def cases_decide(
    alert_id: Annotated[int, typer.Argument(help="Alert id.")],
    decision: Annotated[str, typer.Option(help="true_match, false_positive or escalate.")],
    reason: Annotated[str, typer.Option(help="Why: kept in the audit trail.")],
    reviewer: Annotated[Optional[str], typer.Option(help="Who decides [default: the login name].")] = None,
    db: DbOpt = None,
) -> None:
    """Record a reviewer's decision. A false positive stays quiet in later runs until
    the list entry or the subject changes."""
    from banscreen.store.cases import actor_name

    d = _cases(db).decide(alert_id, decision, reviewer or actor_name(), reason)
    out.print(escape(f"decision #{d.id}: alert #{alert_id} {decision} by {d.reviewer}"))


@cases_app.command("runs")
def cases_runs(limit: Annotated[int, typer.Option(min=1, max=1_000_000, help="At most this many.")] = 20, db: DbOpt = None) -> None:
    """Screening runs, newest first; a run that died half-way shows as failed."""
    table = Table(title="runs")
    for col in ("id", "screen", "status", "started", "actor", "rows", "new alerts", "suppressed", "input"):
        table.add_column(col)
    for r in _cases(db).runs(limit):
        table.add_row(str(r.id), r.screen, r.status, str(r.started_at)[:19], escape(r.actor), str(r.rows),
                      str(r.alerts_new), str(r.alerts_suppressed), escape(r.input_path))
    show_table(table)


@audit_app.command("verify")
def audit_verify(db: DbOpt = None) -> None:
    """Recompute the hash chain; exit 1 naming the first event that was edited,
    deleted or re-ordered."""
    result = _cases(db).verify()
    if result.ok:
        out.print(f"audit chain intact: {result.events} events")
        raise typer.Exit(EXIT_CLEAN)
    err.print(f"[red]audit chain broken[/red]: {escape(result.problem)}")
    raise typer.Exit(EXIT_HITS)


@audit_app.command("export")
def audit_export(
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Write here instead of stdout.")] = None,
    db: DbOpt = None,
) -> None:
    """The chain as JSON Lines, oldest first, with each event's hashes."""
    cases = _cases(db)
    if output:
        with output.open("w", encoding="utf-8") as fh:
            n = cases.export(fh)
        err.print(f"{n} events written to {escape(str(output))}")
    else:
        cases.export(sys.stdout)


@app.command("rescreen")
def rescreen(
    as_of: Annotated[Optional[str], typer.Option(help="As of this date [default: today].")] = None,
    min_score: Annotated[float, typer.Option(min=0.0, max=1.0, help="Lowest name score that alerts.")]
    = DEFAULT_MIN_SCORE,
    db: DbOpt = None,
    home: HomeOpt = None,
) -> None:
    """Screen the stored parties again, only against list entries added or changed
    since each was last screened; close alerts on entries since removed."""
    day = _date(as_of, "--as-of")
    store = _store(home)
    store.ensure_bundled()
    counts = _cases(db).rescreen(store, day, min_score)
    out.print(f"rescreen run #{counts.run_id}: {counts.rows} parties had newer list versions; {counts.new} new "
              f"alerts, {counts.reopened} reopened, {counts.suppressed} still suppressed, {counts.closed} closed")
    raise typer.Exit(EXIT_HITS if counts.new or counts.reopened else EXIT_CLEAN)


keys_app = typer.Typer(no_args_is_help=True, help="API keys for the HTTP service.")
app.add_typer(keys_app, name="keys")


@keys_app.command("create")
def keys_create(
    owner: Annotated[str, typer.Option(help="Who the key belongs to (recorded with every decision).")],
    role: Annotated[str, typer.Option(help="screener, reviewer or admin.")] = "screener",
    db: DbOpt = None,
) -> None:
    """Make an API key. It is printed once; only its hash is stored."""
    key_id, key = _cases(db).create_key(owner, role)
    err.print(escape(f"key #{key_id} for {owner} ({role}); keep it, it is not shown again:"))
    print(key)


@app.command("serve")
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port.")] = 8080,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes (each loads the index once).")] = 1,
    refresh_hours: Annotated[float, typer.Option(min=0.0, help="Fetch the configured lists and switch versions "
                                                               "this often (0: never).")] = 0.0,
    db: DbOpt = None,
    home: HomeOpt = None,
) -> None:
    """Run the HTTP API and the review page (uvicorn)."""
    import os

    import uvicorn

    if home:
        os.environ["BANSCREEN_HOME"] = str(home)
    if db:
        os.environ["BANSCREEN_DB"] = db
    os.environ["BANSCREEN_REFRESH_HOURS"] = str(refresh_hours)
    store = _store(home)
    store.ensure_bundled()
    from banscreen.screen import build_index

    build_index(store, store.select(dt.date.today()).versions)  # the index cache, before workers start
    err.print(escape(f"serving on http://{host}:{port} (OpenAPI at /docs), {workers} worker(s)"))
    uvicorn.run("banscreen.api.app:app_from_env", factory=True, host=host, port=port, workers=workers,
                log_level="warning", proxy_headers=False)


android_app = typer.Typer(no_args_is_help=True, help="Find ADUPS-style pre-installed spyware.")
app.add_typer(android_app, name="android")


@android_app.command("scan")
def android_scan(
    paths: Annotated[Optional[list[Path]], typer.Argument(help="adb captures (pm list packages -f -i -U, dumpsys "
                                                               "package, getprop), AndroidQF folders, build.prop "
                                                               "files, APK files, firmware folders, partition images "
                                                               "(ext4, sparse, EROFS), firmware and OTA zips.")] = None,
    adb: Annotated[bool, typer.Option("--adb", help="Also scan the device attached over adb (runs getprop and "
                                                    "dumpsys package on it).")] = False,
    serial: Annotated[Optional[str], typer.Option(help="With --adb: the device's serial, when several are "
                                                       "attached.")] = None,
    stix: Annotated[Optional[list[Path]], typer.Option(help="Add indicators from a STIX 2.1 bundle "
                                                            "(repeatable).")] = None,
    indicators: Annotated[Optional[list[Path]], typer.Option(help="Add indicators from a YAML file in "
                                                                  "android_indicators.yaml's format.")] = None,
    as_of: Annotated[Optional[str], typer.Option(help="As of this date, for the device-maker check.")] = None,
    format: Annotated[str, typer.Option("--format", "-f", help="table, json, csv, html or sarif.")] = "table",
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Write here instead of stdout.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No notes on stderr.")] = False,
    strict: Annotated[bool, typer.Option(help="Stop at the first input, line or APK that cannot be read.")]
    = False,
    db: DbOpt = None,
    home: HomeOpt = None,
) -> None:
    """Scan adb captures, a device over adb, AndroidQF acquisitions, firmware (folders, images, zips) and
    APKs for pre-installed spyware indicators (ADUPS FOTA and others), risky permission sets, and device
    makers that are covered vendors or listed parties."""
    import yaml

    from banscreen.android import AndroidScanner
    from banscreen.lists.stix import load_stix
    from banscreen.lists.indicators_yaml import bundled_indicators, load_indicators
    from banscreen.match.android import IndicatorMatcher
    from banscreen.screen import EquipmentOptions, open_equipment_screener
    from banscreen.sources import android_captures

    if format not in FORMATS:
        raise UsageError(f"--format: choose one of {', '.join(FORMATS)}")
    paths = paths or []
    if not paths and not adb:
        raise UsageError("give files or folders to scan, or --adb for an attached device")
    day = _date(as_of, "--as-of")
    found = list(bundled_indicators())
    for bundle in stix or []:
        more, problems = load_stix(bundle)
        found += more
        for p in problems:
            if not quiet:
                err.print(f"[yellow]not read[/yellow]: {escape(str(p))}")
    for extra in indicators or []:
        try:
            found += load_indicators(extra)
        except (OSError, yaml.YAMLError, KeyError, TypeError) as exc:
            raise UsageError(f"--indicators {extra}: not an indicators file: {exc}") from None
    store = _store(home)
    equipment, selection = open_equipment_screener(store, EquipmentOptions(as_of=day))
    scanner = AndroidScanner(IndicatorMatcher(found), equipment, day,
                             parties=lambda: open_screener(store, ScreenOptions(as_of=day))[0])
    context = ReportContext.build("android", day, selection.versions, [p for p in paths if p.is_file()],
                                  {"indicators": len(found)}, command=" ".join(["banscreen", *sys.argv[1:]]))

    def units():
        if adb:
            from banscreen.sources.adb import read_device

            yield from scanner.scan_all(read_device(serial))
        for path in paths:
            yield from scanner.scan_all(android_captures.read(path))

    summary = _recorded(db, "android", context, {v.dataset: v.version for v in selection.versions},
                        lambda rec: _run("android", units(), format, output, context, quiet, strict, None,
                                         recorder=rec), quiet)
    if not quiet and format != "table":
        err.print(escape(summary_line("android", summary)))
    raise typer.Exit(EXIT_INPUT if summary.errors else EXIT_HITS if summary.hits else EXIT_CLEAN)


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
    from banscreen.match.pairs import compare_pair
    from banscreen.sources.csv_rows import CsvRows

    if (pairs is None) == (name1 is None or name2 is None):
        raise UsageError("give two names, or --pairs FILE (not both)")
    store = _store(home)
    screener, _ = open_screener(store, ScreenOptions())
    weight = screener.index.weight
    matched = errors = 0
    if pairs is None:
        items = [(0, {"name1": name1, "name2": name2})]
    else:
        if not pairs.exists():
            raise SourceError(pairs, "no such file")
        items = []
        for row in CsvRows(encoding=encoding).rows(pairs):
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


@lists_app.command("import")
def lists_import(
    path: Annotated[Path, typer.Argument(help="List file or folder (OFAC CSV folder, CSL CSV, dpl.txt, YAML).")],
    format: Annotated[Optional[str], typer.Option("--format", help=f"One of: {', '.join(LOADERS)} "
                                                                   "[default: detected].")] = None,
    dataset: Annotated[Optional[str], typer.Option(help="Version family [default: by format].")] = None,
    published: Annotated[Optional[str], typer.Option(help="The data's publish date, YYYY-MM-DD "
                                                          "[default: from the file, else estimated].")] = None,
    home: HomeOpt = None,
) -> None:
    """Import a list file as a new version (atomic; identical content is not imported twice)."""
    store = _store(home)
    store.ensure_bundled()
    outcome = store.import_file(path, format=format, dataset=dataset,
                                published=_date(published, "--published") if published else None)
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
    force: Annotated[bool, typer.Option(help="Import even when the entry count drops past --max-drop.")] = False,
    max_drop: Annotated[float, typer.Option(min=0.0, max=1.0, help="Largest share of entries a new version may "
                                                                   "lose.")] = 0.2,
    timeout: Annotated[float, typer.Option(min=1.0, help="Seconds to wait for a server.")] = 60.0,
    retries: Annotated[int, typer.Option(min=1, help="Attempts per source.")] = 3,
    max_mib: Annotated[int, typer.Option(min=1, help="Largest download accepted, MiB.")] = 512,
    home: HomeOpt = None,
) -> None:
    """Fetch the configured lists (conditional requests), refuse broken or shrunken
    files, import atomically and show what changed. Exit 2 if any source failed."""
    from banscreen.lists.update import Updater, load_sources

    store = _store(home)
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
    store = _store(home)
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
    store = _store(home)
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
    store = _store(home)
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


def main() -> None:
    """Entry point: Typer handles usage errors and exit codes (as SystemExit); every
    other expected failure becomes a message and exit code 2, never a traceback."""
    try:
        app()
    except (ListError, SourceError, UsageError, CaseError) as exc:
        err.print(f"[red]error[/red]: {escape(str(exc))}")
        sys.exit(EXIT_INPUT)
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(EXIT_CLEAN)
    except Exception as exc:  # say what happened and where to report it
        err.print(f"[red]internal error[/red]: {type(exc).__name__}: {escape(str(exc))}. "
                  "Please report this with the command used.")
        sys.exit(EXIT_INTERNAL)


if __name__ == "__main__":
    main()
