"""`lists update` against a real HTTP server on a loopback port, serving the real list
files: conditional requests, diffs, and every way a download goes wrong."""

from __future__ import annotations

import gzip
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from banscreen.lists.store import ListStore
from banscreen.lists.update import Source, Updater, load_sources


class ListServer:
    """Routes: /csl.csv serves `self.body` with an ETag (304 when it matches);
    /error answers 500; /slow waits; /huge declares a large body; /short lies about
    its length."""

    def __init__(self):
        self.body = b""
        self.hits: dict[str, int] = {}
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                server.hits[self.path] = server.hits.get(self.path, 0) + 1
                if self.path == "/csl.csv":
                    etag = f'"{hash(server.body) & 0xffffffff:x}"'
                    if self.headers.get("If-None-Match") == etag:
                        self.send_response(304)
                        self.end_headers()
                        return
                    self.send_response(200)
                    self.send_header("ETag", etag)
                    self.send_header("Content-Length", str(len(server.body)))
                    self.end_headers()
                    self.wfile.write(server.body)
                elif self.path == "/error":
                    self.send_error(500, "upstream broke")
                elif self.path == "/slow":
                    time.sleep(3)
                    self.send_response(200)
                    self.end_headers()
                elif self.path == "/huge":
                    self.send_response(200)
                    self.send_header("Content-Length", str(10 * 2**20))
                    self.end_headers()
                    self.wfile.write(b"x" * 1024)
                elif self.path == "/short":
                    self.send_response(200)
                    self.send_header("Content-Length", str(len(server.body) + 5000))
                    self.end_headers()
                    self.wfile.write(server.body)
                    self.wfile.flush()
                    self.close_connection = True

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self):
        self.httpd.shutdown()


@pytest.fixture()
def server():
    s = ListServer()
    yield s
    s.stop()


def source(server, path="/csl.csv") -> Source:
    return Source("csl", server.url + path, "csl", "csl", "consolidated.csv")


def test_first_fetch_then_not_modified_then_changed(server, lists_dir, tmp_path):
    store = ListStore(tmp_path / "home")
    updater = Updater(store, timeout=5, retries=2, backoff=0.05)
    server.body = (lists_dir / "tiny-fixtures_moov-watchman" / "cslustest" / "consolidated.csv").read_bytes()
    first = updater.update(source(server))
    assert first.status == "imported" and "first version" in first.message
    assert len(store.versions("csl")) == 1
    second = updater.update(source(server))
    assert second.status == "unchanged" and "304" in second.message
    server.body = gzip.decompress((lists_dir / "trade-gov-csl-2022-05_moov-watchman" / "consolidated.csv.gz"
                                   ).read_bytes())
    third = updater.update(source(server))
    assert third.status == "imported" and third.diff is not None and len(third.diff.added) > 10_000
    assert "added" in third.message and len(store.versions("csl")) == 2


def test_truncated_file_refused_and_old_version_kept(server, lists_dir, tmp_path):
    store = ListStore(tmp_path / "home")
    updater = Updater(store, timeout=5, retries=1)
    server.body = gzip.decompress((lists_dir / "trade-gov-csl-2022-05_moov-watchman" / "consolidated.csv.gz"
                                   ).read_bytes())
    assert updater.update(source(server)).status == "imported"
    before = store.versions("csl")
    server.body = (lists_dir / "trade-gov-csl-2023-11-truncated_moov-watchman" / "csl.csv").read_bytes()
    refused = updater.update(source(server))
    # cut mid-row at its end: refused for that, before the drop (70%) is even counted
    assert refused.status == "refused" and "truncated" in refused.message and ":4233:" in refused.message
    assert store.versions("csl") == before
    forced = Updater(store, timeout=5, retries=1, force=True).update(source(server))
    assert forced.status == "imported"


@pytest.mark.parametrize("path,expect", [
    ("/error", "http 500"),
    ("/slow", "timed out"),
    ("/huge", "over the"),
    ("/short", "incomplete"),
])
def test_broken_downloads_fail_cleanly(server, lists_dir, tmp_path, path, expect):
    store = ListStore(tmp_path / "home")
    server.body = (lists_dir / "tiny-fixtures_moov-watchman" / "cslustest" / "consolidated.csv").read_bytes()
    Updater(store, timeout=5, retries=1).update(source(server))
    before = store.versions()
    outcome = Updater(store, timeout=1, retries=2, backoff=0.05, max_bytes=2**20).update(source(server, path))
    assert outcome.status == "failed" and expect in outcome.message.lower(), outcome.message
    assert store.versions() == before
    if path == "/error":
        assert server.hits["/error"] == 2  # retried, bounded


def test_sources_file(tmp_path):
    assert {s.name for s in load_sources(None, tmp_path)} == {"ofac-sdn", "ofac-consolidated", "csl"}
    bad = tmp_path / "s.yaml"
    bad.write_text("sources: [{name: x}]")
    from banscreen.lists import ListError

    with pytest.raises(ListError, match="not a usable sources file"):
        load_sources(bad, tmp_path)


def test_cli_update(server, lists_dir, tmp_path, monkeypatch, capsys):
    import sys

    from banscreen import cli

    server.body = (lists_dir / "tiny-fixtures_moov-watchman" / "cslustest" / "consolidated.csv").read_bytes()
    cfg = tmp_path / "sources.yaml"
    cfg.write_text(f"sources:\n  - {{name: csl-test, url: '{server.url}/csl.csv', format: csl, dataset: csl-test}}\n"
                   f"  - {{name: broken, url: '{server.url}/error', format: csl, dataset: broken}}\n")
    monkeypatch.setattr(sys, "argv", ["banscreen", "lists", "update", "--config", str(cfg), "--retries", "1",
                                      "--home", str(tmp_path / "home")])
    with pytest.raises(SystemExit) as exc:
        cli.main()
    out = capsys.readouterr().out
    assert exc.value.code == 2 and "imported csl-test" in out.replace("\n", " ") and "HTTP 500" in out
