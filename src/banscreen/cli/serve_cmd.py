"""`banscreen serve`: the HTTP API and the review page under uvicorn."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Optional

import typer
from rich.markup import escape

from banscreen.cli.app import app
from banscreen.cli.common import DbOpt, HomeOpt, err, list_store
from banscreen.screen import build_index


@app.command("serve")
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port.")] = 8080,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes (each loads the index once).")] = 1,
    refresh_hours: Annotated[float, typer.Option(min=0.0, help="Fetch the configured lists and switch versions "
                                                               "this often (0: never).")] = 0.0,
    rate: Annotated[float, typer.Option(min=0.001, help="Requests a second per key, sustained.")] = 200.0,
    burst: Annotated[int, typer.Option(min=1, help="Requests per key in a burst.")] = 400,
    max_body_mib: Annotated[float, typer.Option(min=0.01, help="Largest request body, MiB (counted as it "
                                                               "arrives, chunked or not).")] = 5.0,
    max_in_flight: Annotated[int, typer.Option(min=1, help="Requests served at once per worker; past it, 503 with "
                                                           "Retry-After at once.")] = 64,
    shed_queue_ms: Annotated[float, typer.Option(min=0.1, help="While the request first in line has waited this "
                                                               "long, refuse new ones at once (503, Retry-After).")
                             ] = 50.0,
    max_queue_ms: Annotated[float, typer.Option(min=0.1, help="A request that waited longer than this for its turn "
                                                              "to be screened is refused (503, Retry-After).")] = 1000.0,
    batch_processes: Annotated[Optional[int], typer.Option(
        min=0, help="Processes per worker that screen a streamed /v1/screen/batch, so one batch uses every core; "
                    "each loads the lists (about 400 MiB). 0: in the worker [default: the number of cores, or 0 on "
                    "one core].")] = None,
    secure_cookies: Annotated[Optional[bool], typer.Option(
        "--secure-cookies/--no-secure-cookies",
        help="Mark the session cookie Secure [default: when the request came over HTTPS; behind a TLS proxy, "
             "pass --secure-cookies].")] = None,
    docs: Annotated[bool, typer.Option(help="Serve the interactive API docs at /docs (their script loads from a "
                                            "CDN); /openapi.json is always served.")] = False,
    db: DbOpt = None,
    home: HomeOpt = None,
) -> None:
    """Run the HTTP API and the review page (uvicorn). Sessions and rate limits live in
    the case store's database, so any number of workers behave as one service."""
    import os

    import uvicorn

    if home:
        os.environ["BANSCREEN_HOME"] = str(home)
    if db:
        os.environ["BANSCREEN_DB"] = db
    os.environ["BANSCREEN_REFRESH_HOURS"] = str(refresh_hours)
    os.environ["BANSCREEN_DOCS"] = "1" if docs else "0"
    os.environ["BANSCREEN_RATE"], os.environ["BANSCREEN_BURST"] = str(rate), str(burst)
    os.environ["BANSCREEN_MAX_BODY"] = str(int(max_body_mib * 2**20))
    os.environ["BANSCREEN_MAX_IN_FLIGHT"], os.environ["BANSCREEN_MAX_QUEUE_MS"] = str(max_in_flight), str(max_queue_ms)
    os.environ["BANSCREEN_SHED_QUEUE_MS"] = str(shed_queue_ms)
    if batch_processes is None:
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
        batch_processes = cores if cores > 1 else 0
    os.environ["BANSCREEN_BATCH_PROCESSES"] = str(batch_processes)
    os.environ["BANSCREEN_SECURE_COOKIES"] = {True: "1", False: "0", None: ""}[secure_cookies]
    store = list_store(home)
    store.ensure_bundled()
    build_index(store, store.select(dt.date.today()).versions)  # the index cache, before workers start
    err.print(escape(f"serving on http://{host}:{port} (OpenAPI at /openapi.json" + (", docs at /docs" if docs else "")
                     + f"), {workers} worker(s), {batch_processes} batch process(es) each"))
    uvicorn.run("banscreen.api.app:app_from_env", factory=True, host=host, port=port, workers=workers,
                log_level="warning", proxy_headers=False)
