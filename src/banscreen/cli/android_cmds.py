"""`banscreen android scan`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.markup import escape

from banscreen.cli.app import android_app
from banscreen.cli.common import (DbOpt, HomeOpt, OutputOpt, QuietOpt, UsageError, check_format, command_line, err,
                                  finish, list_store, parse_date, run_screen)
from banscreen.report import ReportContext
from banscreen.screen.android import indicator_set, open_android_scanner
from banscreen.sources import android as android_sources


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
    output: OutputOpt = None,
    quiet: QuietOpt = False,
    strict: Annotated[bool, typer.Option(help="Stop at the first input, line or APK that cannot be read.")]
    = False,
    db: DbOpt = None,
    home: HomeOpt = None,
) -> None:
    """Scan adb captures, a device over adb, AndroidQF acquisitions, firmware (folders, images, zips) and
    APKs for pre-installed spyware indicators (ADUPS FOTA and others), risky permission sets, and device
    makers that are covered vendors or listed parties."""
    check_format(format)
    paths = paths or []
    if not paths and not adb:
        raise UsageError("give files or folders to scan, or --adb for an attached device")
    day = parse_date(as_of, "--as-of")
    found, problems = indicator_set(stix or [], indicators or [])
    if not quiet:
        for p in problems:
            err.print(f"[yellow]not read[/yellow]: {escape(str(p))}")
    scanner, selection = open_android_scanner(list_store(home), day, found)
    context = ReportContext.build("android", day, selection.versions, [p for p in paths if p.is_file()],
                                  {"indicators": len(found)}, command=command_line())

    def units():
        if adb:
            from banscreen.sources.android.adb import read_device

            yield from scanner.scan_all(read_device(serial))
        for path in paths:
            yield from scanner.scan_all(android_sources.read(path))

    summary = run_screen("android", units(), db=db, context=context, format=format, output=output,
                         versions={v.dataset: v.version for v in selection.versions}, quiet=quiet, strict=strict)
    finish("android", summary, format, quiet)
