"""The command line: parses arguments, picks implementations, prints, chooses exit codes.
Everything else lives in the library. One module per command group over the shared
helpers of common.py; `main` is the entry point.

Exit codes: 0 no findings, 1 findings, 2 usage or input error (also when some rows could
not be read, even if others had findings), 3 internal error."""

from __future__ import annotations

import logging
import sys

from rich.markup import escape

from banscreen.cli import (android_cmds, cases_cmds, compare_cmd, hooks_cmds, keys_cmds, lists_cmds,  # noqa: F401
                          screen_cmds, serve_cmd)
from banscreen.cli.app import app
from banscreen.cli.common import EXIT_CLEAN, EXIT_INPUT, EXIT_INTERNAL, UsageError, err
from banscreen.lists import ListError
from banscreen.sources import SourceError
from banscreen.store import CaseError
from banscreen.store.engine import error_summary

log = logging.getLogger(__name__)


def main() -> None:
    """Entry point: Typer handles usage errors and exit codes (as SystemExit); every
    other expected failure becomes a message and exit code 2, never a traceback."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
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
        log.debug("internal error", exc_info=True)
        err.print(f"[red]internal error[/red]: {escape(error_summary(exc))}. "
                  "Please report this with the command used.")
        sys.exit(EXIT_INTERNAL)


__all__ = ["app", "main"]
