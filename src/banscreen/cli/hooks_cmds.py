"""`banscreen hooks add|list|remove|log|deliver|redeliver`: webhooks."""

from __future__ import annotations

import json
from typing import Annotated, Optional

import typer
from rich.markup import escape
from rich.table import Table

from banscreen.cli.app import hooks_app
from banscreen.cli.common import DbOpt, UsageError, case_store, err, out, show_table
from banscreen.screen.hooks import deliver_due
from banscreen.store.hooks import HOOK_EVENTS, delivery_record, hook_record


@hooks_app.command("add")
def hooks_add(
    url: Annotated[str, typer.Argument(help="Where to POST each event (http:// or https://).")],
    events: Annotated[str, typer.Option(help="Comma-separated: " + ", ".join(HOOK_EVENTS) + ".")]
    = "alert.opened,alert.reopened,run.completed",
    secret: Annotated[Optional[str], typer.Option(
        envvar="BANSCREEN_HOOK_SECRET", help="The HMAC-SHA256 key the receiver checks bodies with (16 to 200 "
                                             "characters) [default: made here and printed once].")] = None,
    db: DbOpt = None,
) -> None:
    """Push events from now on to URL, each body signed in X-Banscreen-Signature: sha256=<hex>."""
    hook, made = case_store(db).add_hook(url, [e.strip() for e in events.split(",") if e.strip()], secret)
    err.print(escape(f"hook #{hook.id}: {', '.join(hook.events)} -> {hook.url}"))
    if secret is None:
        err.print("its secret (keep it for the receiver; it is not shown again):")
        print(made)


@hooks_app.command("list")
def hooks_list(format: Annotated[str, typer.Option("--format", "-f", help="table or json.")] = "table",
               db: DbOpt = None) -> None:
    """Every hook: id, URL, events, whether active (never the secret)."""
    rows = [hook_record(h) for h in case_store(db).hooks()]
    if format == "json":
        print(json.dumps(rows, indent=2))
        return
    table = Table(title="Webhooks")
    for col in ("id", "url", "events", "active", "created", "by"):
        table.add_column(col)
    for r in rows:
        table.add_row(str(r["id"]), escape(r["url"]), ", ".join(r["events"]), "yes" if r["active"] else "removed",
                      r["created"][:19], escape(r["created_by"]))
    show_table(table)


@hooks_app.command("remove")
def hooks_remove(hook_id: Annotated[int, typer.Argument(help="The hook's id (see `hooks list`).")],
                 db: DbOpt = None) -> None:
    """Stop a hook; its pending deliveries are marked failed; its log stays."""
    hook = case_store(db).remove_hook(hook_id)
    out.print(escape(f"hook #{hook.id} ({hook.url}) removed"))


@hooks_app.command("log")
def hooks_log(
    status: Annotated[Optional[str], typer.Option(help="pending, delivered or failed [default: all].")] = None,
    limit: Annotated[int, typer.Option(min=1, max=100_000, help="Newest deliveries shown.")] = 50,
    format: Annotated[str, typer.Option("--format", "-f", help="table or json.")] = "table",
    db: DbOpt = None,
) -> None:
    """The delivery log, newest first: event, status, attempts, last answer or error."""
    if status not in (None, "pending", "delivered", "failed"):
        raise UsageError("--status: pending, delivered or failed")
    rows = [delivery_record(d) for d in case_store(db).deliveries(status, limit)]
    if format == "json":
        for r in rows:
            print(json.dumps(r))
        return
    table = Table(title="Webhook deliveries")
    for col in ("id", "hook", "event", "status", "attempts", "last answer", "next attempt"):
        table.add_column(col)
    for r in rows:
        answer = str(r["last_code"] or "") + (f" {r['last_error']}" if r["last_error"] else "")
        table.add_row(str(r["id"]), str(r["hook_id"]), r["event"], r["status"], str(r["attempts"]),
                      escape(answer.strip()), (r["next_at"] or "")[:19])
    show_table(table)


@hooks_app.command("deliver")
def hooks_deliver(
    timeout: Annotated[float, typer.Option(min=0.1, max=120, help="Seconds to wait for each receiver.")] = 5.0,
    db: DbOpt = None,
) -> None:
    """Queue new events and send every delivery that is due (run it from cron; the
    service does it by itself). Exit 1 if an attempt failed."""
    cases = case_store(db)
    queued = cases.queue_hook_events()
    stats = deliver_due(cases, timeout, limit=10_000)
    for line in stats.errors:
        err.print(f"[yellow]not delivered[/yellow]: {escape(line)}")
    out.print(f"{queued} queued, {stats.attempted} attempted, {stats.delivered} delivered, "
              f"{stats.failed} failed for good")
    raise typer.Exit(1 if stats.attempted > stats.delivered else 0)


@hooks_app.command("redeliver")
def hooks_redeliver(
    delivery_id: Annotated[int, typer.Argument(help="The delivery's id (see `hooks log`).")],
    timeout: Annotated[float, typer.Option(min=0.1, max=120, help="Seconds to wait for the receiver.")] = 5.0,
    db: DbOpt = None,
) -> None:
    """Send a delivery again now (a failed one, or one waiting for its next attempt)."""
    cases = case_store(db)
    cases.redeliver(delivery_id)
    stats = deliver_due(cases, timeout, limit=10_000)
    for line in stats.errors:
        err.print(f"[yellow]not delivered[/yellow]: {escape(line)}")
    out.print(f"{stats.attempted} attempted, {stats.delivered} delivered")
    raise typer.Exit(0 if stats.attempted == stats.delivered else 1)
