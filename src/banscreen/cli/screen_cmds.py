"""`banscreen screen parties|equipment|shipments`."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.markup import escape

from banscreen.cli.app import screen_app
from banscreen.cli.common import (AsOfOpt, DbOpt, EncodingOpt, HomeOpt, NoDestinationsOpt, OutputOpt, QuietOpt,
                                  SheetOpt, StrictOpt, UsageError, check_format, check_list_codes, command_line, err,
                                  finish, list_store, parse_date, parse_list_codes, progress_total, run_screen)
from banscreen.reference.oui import registry_date
from banscreen.report import ReportContext
from banscreen.report.interface import vendor_summary
from banscreen.screen.shipments import ShipmentScreener
from banscreen.screen import (DEFAULT_MIN_SCORE, EquipmentOptions, ScreenOptions, open_equipment_screener,
                              open_screener, settle_heap)
from banscreen.sources import ColumnMap, read_parties
from banscreen.sources.equipment import read_assets
from banscreen.sources.shipments import read_shipments


def _pinned(specs: Optional[list[str]]) -> dict[str, str]:
    pinned = {}
    for spec in specs or []:
        dataset, sep, version = spec.partition("=")
        if not sep or not dataset or not version:
            raise UsageError(f"--list-version: expected DATASET=VERSION, got {spec!r}")
        pinned[dataset] = version
    return pinned


@screen_app.command("parties")
def screen_parties(
    file: Annotated[Path, typer.Argument(help="CSV/TSV, XLSX or JSON Lines file of parties.")],
    name_col: Annotated[Optional[str], typer.Option(help="Column holding the party name.")] = None,
    country_col: Annotated[Optional[str], typer.Option(help="Column holding the country.")] = None,
    address_col: Annotated[Optional[str], typer.Option(help="Column holding the address.")] = None,
    id_col: Annotated[Optional[str], typer.Option(help="Column holding your own id for the party.")] = None,
    as_of: AsOfOpt = None,
    min_score: Annotated[float, typer.Option(min=0.0, max=1.0, help="Lowest name score reported.")]
    = DEFAULT_MIN_SCORE,
    lists: Annotated[Optional[str], typer.Option(help="Comma-separated list codes, e.g. SDN,EL,DPL [default: all].")]
    = None,
    list_version: Annotated[Optional[list[str]], typer.Option(
        help="Pin a dataset's version: DATASET=VERSION (repeatable).")] = None,
    format: Annotated[str, typer.Option("--format", "-f", help="table, json (JSON Lines), csv, html, sarif or "
                                                               "parquet (with -o).")] = "table",
    output: OutputOpt = None,
    input_format: Annotated[Optional[str], typer.Option(
        help="csv, xlsx, jsonl or parquet [default: by extension].")] = None,
    encoding: EncodingOpt = "utf-8-sig",
    sheet: SheetOpt = None,
    strict: StrictOpt = False,
    no_destinations: NoDestinationsOpt = False,
    quiet: QuietOpt = False,
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
    # Longer than 60 lines with its option declarations: the body is about 35.
    check_format(format, "parquet")
    day, pinned, codes = parse_date(as_of, "--as-of"), _pinned(list_version), parse_list_codes(lists)
    options = ScreenOptions(as_of=day, min_score=min_score, lists=codes, destinations=not no_destinations)
    screener, selection = open_screener(list_store(home), options, pinned)
    settle_heap(collect=False)  # (one index for the life of the command: its collections need not walk it)
    check_list_codes(codes, {e.list for e in screener.index.entries})
    if not quiet:
        err.print(escape(f"screening as of {day} against " + ", ".join(v.label for v in selection.versions)))
        for w in selection.warnings:
            err.print(f"[yellow]note[/yellow]: {escape(w)}")
    columns = ColumnMap(name_col, country_col, address_col, id_col)
    subjects = read_parties(file, columns, format=input_format, encoding=encoding, sheet=sheet)
    context = ReportContext.build("parties", day, selection.versions, [file], {
        "min_score": min_score, "lists": sorted(codes) if codes else "all", "destinations": not no_destinations,
        "pinned": pinned}, command=command_line())
    with contextlib.ExitStack() as stack:
        results = screener.screen_all(subjects)
        if dask:
            from banscreen.scale.dask_screen import DaskError, cluster, screen_file_on_cluster

            try:
                client = stack.enter_context(cluster(dask))
            except DaskError as exc:
                raise UsageError(f"--dask: {exc}") from None
            if not quiet:
                err.print(escape(f"Dask: {len(client.scheduler_info()['workers'])} workers at "
                                 f"{client.scheduler.address}"))
            parquet = file.suffix.lower() in (".parquet", ".pq") or input_format == "parquet"
            results = screen_file_on_cluster(client, screener, file, columns, subjects, parquet, chunk_rows)
        summary = run_screen("parties", results, db=db, context=context, format=format, output=output,
                             versions={v.dataset: v.version for v in selection.versions}, quiet=quiet,
                             strict=strict, total=progress_total([file]), partition_rows=partition_rows)
    finish("parties", summary, format, quiet)


@screen_app.command("equipment")
def screen_equipment(
    files: Annotated[list[Path], typer.Argument(help="Inventory CSV/XLSX, nmap XML, snmpwalk text, CycloneDX/SPDX "
                                                     "JSON or MAC list files.")],
    format_in: Annotated[Optional[str], typer.Option(
        "--format-in", help="inventory, nmap, snmpwalk, cyclonedx, spdx or maclist [default: detected].")] = None,
    as_of: AsOfOpt = None,
    lists: Annotated[Optional[str], typer.Option(help="Comma-separated list codes, e.g. FCC-CL,NDAA-889.")] = None,
    format: Annotated[str, typer.Option("--format", "-f", help="table, json (JSON Lines), csv, html or sarif.")]
    = "table",
    output: OutputOpt = None,
    strict: Annotated[bool, typer.Option(help="Stop at the first unreadable record.")] = False,
    quiet: QuietOpt = False,
    db: DbOpt = None,
    home: HomeOpt = None,
) -> None:
    """Find equipment and software from covered vendors (FCC Covered List, NDAA 889, Kaspersky),
    including subsidiaries and brands, with the signals that point at each."""
    check_format(format)
    day, codes = parse_date(as_of, "--as-of"), parse_list_codes(lists)
    screener, selection = open_equipment_screener(list_store(home), EquipmentOptions(as_of=day, lists=codes))
    check_list_codes(codes, {e.list for v in screener.resolver.vendors.values() for e in v.entries})
    if not quiet:
        err.print(escape(f"screening equipment as of {day} against "
                         + ", ".join(v.label for v in selection.versions) + f"; OUI data: {registry_date()}"))

    def items():
        for path in files:
            yield from screener.screen_all(read_assets(path, format_in))

    context = ReportContext.build("equipment", day, selection.versions, files,
                                  {"lists": sorted(codes) if codes else "all", "format_in": format_in or "detected"},
                                  command=command_line(), notes=[f"OUI data: {registry_date()}"])
    summary = run_screen("equipment", items(), db=db, context=context, format=format, output=output,
                         versions={v.dataset: v.version for v in selection.versions}, quiet=quiet, strict=strict,
                         total=progress_total(list(files)))
    finish("equipment", summary, format, quiet, notes=vendor_summary(summary))


@screen_app.command("shipments")
def screen_shipments(
    file: Annotated[Path, typer.Argument(help="CSV/TSV, XLSX or JSON Lines file of shipments, one per row.")],
    as_of: Annotated[Optional[str], typer.Option(
        help="Date for rows without a ship date, YYYY-MM-DD [default: today].")] = None,
    min_score: Annotated[float, typer.Option(min=0.0, max=1.0, help="Lowest name score that becomes a reason.")]
    = DEFAULT_MIN_SCORE,
    lists: Annotated[Optional[str], typer.Option(help="Comma-separated list codes [default: all].")] = None,
    list_version: Annotated[Optional[list[str]], typer.Option(
        help="Pin a dataset's version for every row: DATASET=VERSION (repeatable).")] = None,
    format: Annotated[str, typer.Option("--format", "-f", help="table, json (JSON Lines), csv, html or sarif.")]
    = "table",
    output: OutputOpt = None,
    input_format: Annotated[Optional[str], typer.Option(help="csv, xlsx or jsonl [default: by extension].")] = None,
    encoding: EncodingOpt = "utf-8-sig",
    sheet: SheetOpt = None,
    strict: StrictOpt = False,
    no_destinations: NoDestinationsOpt = False,
    quiet: QuietOpt = False,
    db: DbOpt = None,
    home: HomeOpt = None,
) -> None:
    """Decide on each shipment as of its ship date: prohibited, license_required, review or
    no_list_restriction_found, with every reason (party and role, listing, rule, citation).
    List screening only: not a licence determination, and not legal advice."""
    check_format(format)
    day, pinned, codes = parse_date(as_of, "--as-of"), _pinned(list_version), parse_list_codes(lists)
    options = ScreenOptions(as_of=day, min_score=min_score, lists=codes, destinations=not no_destinations)
    screener = ShipmentScreener(list_store(home), options, pinned)
    selection = screener.selection(day)
    check_list_codes(codes, {e.list for e in screener.screener(day).index.entries})
    if not quiet:
        err.print(escape(f"screening shipments, each as of its ship date ({day} where a row has none), against "
                         + ", ".join(v.label for v in selection.versions) + " (versions as of that date)"))
    context = ReportContext.build("shipments", day, selection.versions, [file], {
        "min_score": min_score, "lists": sorted(codes) if codes else "all", "destinations": not no_destinations,
        "pinned": pinned, "as_of": "each row's ship_date; --as-of for rows without one"}, command=command_line(),
        notes=["Outcomes say what the restricted-party lists and embargoes say of each shipment: not a licence "
               "determination, no classification, no licence exception beyond those a listing names; not legal "
               "advice."])
    results = screener.screen_all(read_shipments(file, format=input_format, encoding=encoding, sheet=sheet))
    summary = run_screen("shipments", results, db=db, context=context, format=format, output=output,
                         versions={v.dataset: v.version for v in selection.versions}, quiet=quiet, strict=strict,
                         total=progress_total([file]))
    if not quiet:
        for warning in screener.warnings:
            err.print(f"[yellow]note[/yellow]: {escape(warning)}")
    finish("shipments", summary, format, quiet)
