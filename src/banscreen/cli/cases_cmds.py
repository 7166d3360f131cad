"""`banscreen cases list|show|decide|runs`, `audit verify|export|anchor` and `rescreen`."""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.markup import escape
from rich.table import Table

from banscreen.cli.app import app, audit_app, cases_app
from banscreen.cli.common import (EXIT_CLEAN, EXIT_HITS, DbOpt, HomeOpt, UsageError, case_store, err, list_store,
                                  out, parse_date, show_table, tell_hooks)
from banscreen.screen import DEFAULT_MIN_SCORE
from banscreen.screen.rescreen import preview as preview_rescreen
from banscreen.screen.rescreen import rescreen as rescreen_parties
from banscreen.store import actor_name
from banscreen.store.audit import Anchor


@cases_app.command("list")
def cases_list(
    status: Annotated[str, typer.Option(help="open, closed or all.")] = "open",
    list_code: Annotated[Optional[str], typer.Option("--list", help="Only alerts on this list code.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1_000_000, help="At most this many.")] = 50,
    format: Annotated[str, typer.Option("--format", "-f", help="table or json.")] = "table",
    db: DbOpt = None,
) -> None:
    """Alerts, oldest first."""
    rows = case_store(db).alerts(None if status == "all" else status, list_code.upper() if list_code else None, limit)
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
    alert, subject, decisions = case_store(db).alert(alert_id)
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
    d = case_store(db).decide(alert_id, decision, reviewer or actor_name(), reason)
    out.print(escape(f"decision #{d.id}: alert #{alert_id} {decision} by {d.reviewer}"))


@cases_app.command("runs")
def cases_runs(limit: Annotated[int, typer.Option(min=1, max=1_000_000, help="At most this many.")] = 20, db: DbOpt = None) -> None:
    """Screening runs, newest first; a run that died half-way shows as failed."""
    table = Table(title="runs")
    for col in ("id", "screen", "status", "started", "actor", "rows", "new alerts", "suppressed", "input"):
        table.add_column(col)
    for r in case_store(db).runs(limit):
        table.add_row(str(r.id), r.screen, r.status, str(r.started_at)[:19], escape(r.actor), str(r.rows),
                      str(r.alerts_new), str(r.alerts_suppressed), escape(r.input_path))
    show_table(table)


@audit_app.command("verify")
def audit_verify(
    anchor: Annotated[Optional[list[Path]], typer.Option(
        help="A file with anchors `audit anchor` printed (one JSON per line; repeatable): the chain must "
             "still hold each.")] = None,
    db: DbOpt = None,
) -> None:
    """Recompute the hash chain, check the chain head and any anchors kept elsewhere,
    and replay the chain against the alerts and decisions tables; exit 1 naming the
    first event that was edited, deleted or re-ordered, or the rows that disagree."""
    anchors = []
    for path in anchor or []:
        try:
            lines = [line for line in path.read_text("utf-8").splitlines() if line.strip()]
            anchors += [Anchor.parse(line) for line in lines]
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise UsageError(f"--anchor {path}: {getattr(exc, 'strerror', None) or exc}") from None
    result = case_store(db).verify(tuple(anchors))
    if result.ok:
        out.print(f"audit chain intact: {result.events} events"
                  + (f", {len(anchors)} anchor(s) held" if anchors else "") + "; alerts and decisions agree with it")
        raise typer.Exit(EXIT_CLEAN)
    err.print(f"[red]audit chain broken[/red]: {escape(result.problem)}")
    for line in result.disagreements[1:20]:
        err.print(f"  also: {escape(line)}")
    raise typer.Exit(EXIT_HITS)


@audit_app.command("anchor")
def audit_anchor(db: DbOpt = None) -> None:
    """Print the chain's head as one JSON line. Keep it outside the database (a ticket,
    write-once storage); `audit verify --anchor FILE` then catches a chain cut back below
    it, which the database alone cannot show."""
    print(json.dumps(case_store(db).anchor().as_dict()))


@audit_app.command("export")
def audit_export(
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Write here instead of stdout.")] = None,
    db: DbOpt = None,
) -> None:
    """The chain as JSON Lines, oldest first, with each event's hashes."""
    cases = case_store(db)
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
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would open, reopen and close; write "
                                                              "nothing.")] = False,
    format: Annotated[str, typer.Option("--format", "-f", help="With --dry-run: table or json.")] = "table",
    db: DbOpt = None,
    home: HomeOpt = None,
) -> None:
    """Screen the stored parties again where list entries changed since each was last
    screened: only the parties a changed entry can reach are screened, in full; alerts
    on entries since removed or ended are closed."""
    day = parse_date(as_of, "--as-of")
    if format not in ("table", "json"):
        raise UsageError("--format must be table or json")
    store = list_store(home)
    store.ensure_bundled()
    if dry_run:
        counts, stats, changes = preview_rescreen(case_store(db), store, day, min_score)
        if format == "json":
            for c in changes:
                print(json.dumps(dataclasses.asdict(c), ensure_ascii=False))
        else:
            table = Table(title=f"rescreen as of {day} would change {len(changes)} alerts (dry run: nothing written)")
            for col in ("change", "party", "list", "entry", "score", "why"):
                table.add_column(col)
            for c in changes:
                table.add_row(c.action, escape(c.subject_name), c.list, escape(c.entry_name), f"{c.score:.2f}",
                              escape(c.reason))
            show_table(table)
        err.print(f"dry run: {stats.stale} parties have newer list versions, {stats.screened} would be screened "
                  f"again; {counts.new} would open, {counts.reopened} reopen, {counts.closed} close")
        raise typer.Exit(EXIT_HITS if counts.new or counts.reopened else EXIT_CLEAN)
    cases = case_store(db)
    counts = rescreen_parties(cases, store, day, min_score)
    out.print(f"rescreen run #{counts.run_id}: {counts.rows} parties had newer list versions; {counts.new} new "
              f"alerts, {counts.reopened} reopened, {counts.suppressed} still suppressed, {counts.closed} closed")
    tell_hooks(cases, quiet=False)
    raise typer.Exit(EXIT_HITS if counts.new or counts.reopened else EXIT_CLEAN)
