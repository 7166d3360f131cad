"""`banscreen keys create|list|revoke`: the service's API keys."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from banscreen.cli.app import keys_app
from banscreen.cli.common import DbOpt, case_store, err, out, show_table
from banscreen.store.keys import key_record


@keys_app.command("create")
def keys_create(
    owner: Annotated[str, typer.Option(help="Who the key belongs to (recorded with every decision).")],
    role: Annotated[str, typer.Option(help="screener, reviewer or admin.")] = "screener",
    db: DbOpt = None,
) -> None:
    """Make an API key. It is printed once; only its hash is stored."""
    key_id, key = case_store(db).create_key(owner, role)
    err.print(escape(f"key #{key_id} for {owner} ({role}); keep it, it is not shown again:"))
    print(key)


@keys_app.command("list")
def keys_list(
    format: Annotated[str, typer.Option("--format", "-f", help="table or json.")] = "table",
    db: DbOpt = None,
) -> None:
    """Every key: id, owner, role, its first characters, when made and when revoked."""
    rows = [key_record(k) for k in case_store(db).keys()]
    if format == "json":
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    table = Table(title="API keys")
    for col in ("id", "owner", "role", "prefix", "created", "revoked"):
        table.add_column(col)
    for r in rows:
        table.add_row(str(r["id"]), escape(r["owner"]), r["role"], escape(r["prefix"]) + "…", r["created"][:19],
                      str(r["revoked"])[:19] if r["revoked"] else "")
    show_table(table)


@keys_app.command("revoke")
def keys_revoke(key_id: Annotated[int, typer.Argument(help="The key's id (see `keys list`).")],
                db: DbOpt = None) -> None:
    """Revoke a key: it and every review-page session opened with it stop working at once."""
    row = case_store(db).revoke_key(key_id)
    out.print(escape(f"key #{row.id} ({row.prefix}…, {row.owner}) revoked"))
