"""The Typer application and its command groups; the command modules add to them."""

from __future__ import annotations

from typing import Annotated

import typer

from banscreen.cli.common import out
from banscreen.version import __version__

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Screen parties against US restricted-party and telecom lists, as of a date.")
screen_app = typer.Typer(no_args_is_help=True, help="Screen inputs against the lists.")
lists_app = typer.Typer(no_args_is_help=True, help="Import and inspect versioned list data.")
cases_app = typer.Typer(no_args_is_help=True, help="Review alerts: list, show, decide; runs.")
audit_app = typer.Typer(no_args_is_help=True, help="The audit chain: verify, anchor, export.")
keys_app = typer.Typer(no_args_is_help=True, help="API keys for the HTTP service.")
android_app = typer.Typer(no_args_is_help=True, help="Find ADUPS-style pre-installed spyware.")
hooks_app = typer.Typer(no_args_is_help=True, help="Webhooks: push alerts and runs to other systems.")
app.add_typer(screen_app, name="screen")
app.add_typer(lists_app, name="lists")
app.add_typer(cases_app, name="cases")
app.add_typer(audit_app, name="audit")
app.add_typer(keys_app, name="keys")
app.add_typer(android_app, name="android")
app.add_typer(hooks_app, name="hooks")


@app.callback(invoke_without_command=True)
def _main(version: Annotated[bool, typer.Option("--version", help="Show the version and exit.")] = False) -> None:
    if version:
        out.print(f"banscreen {__version__}")
        raise typer.Exit(0)
