"""The HTML report in a real browser: Debian's Chromium driven by Playwright, offline."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from banscreen.report import FORMATS, ReportContext
from banscreen.screen import ScreenOptions, open_screener
from banscreen.sources import read_parties

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "parties.csv"
SHOTS = Path(os.environ.get("BANSCREEN_TEST_OUTPUT", Path(__file__).resolve().parents[1] / "tests" / "output"))


@pytest.fixture(scope="module")
def browser():
    playwright = pytest.importorskip("playwright.sync_api", reason="pip install -e '.[test]' brings playwright")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} not installed (scripts/test installs Debian's chromium package)")
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield b
        b.close()


@pytest.fixture()
def report_page(browser, bundled_store, tmp_path):
    options = ScreenOptions(as_of=dt.date(2026, 11, 28))
    screener, selection = open_screener(bundled_store, options)
    context = ReportContext.build("parties", options.as_of, selection.versions, [EXAMPLE], {"min_score": 0.75})
    path = tmp_path / "report.html"
    with path.open("w", encoding="utf-8") as fh:
        FORMATS["html"](screen="parties", context=context).write(screener.screen_all(read_parties(EXAMPLE)), fh)
    context_ = browser.new_context(viewport={"width": 1400, "height": 1000}, offline=True)
    page = context_.new_page()
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(path.as_uri())
    yield page, requests
    context_.close()


def test_charts_render(report_page):
    page, requests = report_page
    bars = page.locator("#chart-by-list rect.bar")
    assert bars.count() >= 5
    box = bars.first.bounding_box()
    assert box and box["width"] > 10 and box["height"] > 10  # drawn, not just present
    assert page.locator("#chart-scores rect.bar").count() == 10
    assert all(url.startswith("file://") for url in requests)  # nothing from the network


def test_table_filters_and_sorts(report_page, tmp_path):
    page, _ = report_page
    rows = page.locator("#findings tbody tr")
    total = rows.count()
    assert total == int(page.locator("#count-findings").inner_text()) > 30
    assert page.locator("#shown").inner_text() == f"{total} of {total} findings shown"
    page.fill("#filter", "kaspersky")
    visible = page.locator("#findings tbody tr:not([hidden])")
    assert 0 < visible.count() < total
    assert all("kaspersky" in t.lower() for t in visible.all_inner_texts())
    assert page.locator("#shown").inner_text() == f"{visible.count()} of {total} findings shown"
    page.fill("#filter", "")
    page.select_option("#list", "SDN")
    assert {r.get_attribute("data-list") for r in page.locator("#findings tbody tr:not([hidden])").all()} == {"SDN"}
    page.select_option("#list", "")
    page.click("#findings th:nth-child(7)")  # score, ascending
    scores = [float(s) for s in page.locator("#findings tbody tr td:nth-child(7)").all_inner_texts() if s]
    assert scores == sorted(scores)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "report-filtered.png"))


def test_dashboard_screenshot(report_page):
    page, _ = report_page
    SHOTS.mkdir(parents=True, exist_ok=True)
    shot = SHOTS / "report.png"
    page.screenshot(path=str(shot), full_page=False)
    assert shot.stat().st_size > 20_000


def test_android_report_in_the_browser(browser, scanner, tmp_path):
    """The Android page: its own columns and words, archive paths shortened, no page
    wider than the window even with long package and path names."""
    from banscreen.sources import android as android_sources
    from tests.apkbuild import adups_apk, clean_apk

    fw = tmp_path / "firmware" / "system" / "priv-app" / "AdupsFota"
    fw.mkdir(parents=True)
    adups_apk(fw / "AdupsFota.apk")
    clean_apk(tmp_path / "Calculator.apk")
    (tmp_path / "broken.apk").write_bytes(b"PK\x03\x04 not really")
    items = [u for p in (tmp_path / "firmware", tmp_path / "Calculator.apk", tmp_path / "broken.apk")
             for u in scanner.scan_all(android_sources.read(p))]
    path = tmp_path / "android.html"
    context = ReportContext.build("android", dt.date(2026, 11, 28), {}, [], {})
    with path.open("w", encoding="utf-8") as fh:
        FORMATS["html"](screen="android", context=context).write(items, fh)
    ctx = browser.new_context(viewport={"width": 1280, "height": 1000}, offline=True)
    page = ctx.new_page()
    page.goto(path.as_uri())
    headers = page.locator("#findings thead th").all_inner_texts()
    assert headers == ["Severity", "Package", "Where", "Kind", "Indicator", "Evidence"]
    assert page.locator("#findings tbody tr td.sev span").first.inner_text() == "high"
    assert page.locator("#chart-by-family rect.bar").count() >= 2  # ADUPS FOTA, permission risk
    assert "unreadable inputs" in page.locator("#summary").inner_text()
    assert "broken.apk" in page.locator("#problems").inner_text()
    page.select_option("#severity", "warning")  # shown as "medium"
    assert page.locator("#severity option:checked").inner_text() == "medium"
    page.select_option("#severity", "")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "android-report.png"))
    ctx.close()
