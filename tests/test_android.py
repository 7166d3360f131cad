"""Android: indicators (bundled, STIX, YAML), adb captures and firmware trees."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import pytest

from banscreen.android import AndroidScanner
from banscreen.lists.stix import load_stix
from banscreen.match.android import IndicatorMatcher, bundled_indicators
from banscreen.model import AndroidResult, LoadIssue, Observation
from banscreen.screen import EquipmentOptions, open_equipment_screener
from banscreen.sources import android_captures

DATA = Path(__file__).parent / "data" / "android"


@pytest.fixture()
def scanner(bundled_store):
    equipment, _ = open_equipment_screener(bundled_store, EquipmentOptions(as_of=dt.date(2026, 11, 28)))
    return AndroidScanner(IndicatorMatcher(bundled_indicators()), equipment, dt.date(2026, 11, 28))


def scan(scanner, name):
    return list(scanner.scan_all(android_captures.read(DATA / name)))


def test_bundled_indicators_are_cited():
    indicators = bundled_indicators()
    assert {i.family for i in indicators} >= {"ADUPS FOTA", "Cosiloon", "xHelper"}
    assert all(i.source and i.severity in ("high", "medium", "low") for i in indicators)


def test_pm_list_with_adups_is_flagged(scanner):
    results = scan(scanner, "pm-list-adups.txt")
    issues = [r for r in results if isinstance(r, LoadIssue)]
    assert [(i.line, i.reason) for i in issues] == [(5, "not a 'pm list packages -f' line")]
    units = {r.package: r for r in results if isinstance(r, AndroidResult)}
    assert units["com.whatsapp"].findings == () and units["com.android.calculator2"].findings == ()
    adups = units["com.adups.fota"].findings
    assert adups[0].severity == "high" and adups[0].indicator == "ADUPS FOTA: package com.adups.fota"
    assert "line 1" in adups[0].evidence and "kryptowire" in adups[0].source.lower()
    assert units["com.adups.fota.sysoper"].findings[0].severity == "high"


def test_clean_capture_is_clean(scanner):
    assert all(r.findings == () for r in scan(scanner, "pm-list-clean.txt"))
    assert all(r.findings == () for r in scan(scanner, "getprop-clean.txt"))


def test_dumpsys_permissions_and_system_updater(scanner):
    units = {r.package: r for r in scan(scanner, "dumpsys-package.txt")}
    kinds = {f.kind: f for f in units["com.adups.fota"].findings}
    assert "package" in kinds
    risk = kinds["permissions"]
    assert risk.severity == "high" and "READ_SMS" in risk.evidence and "system app" in risk.evidence
    assert "updater" in risk.evidence
    assert units["com.android.calculator2"].findings == ()


def test_getprop_zte_device_is_a_covered_maker(scanner):
    [unit] = scan(scanner, "getprop-zte.txt")
    kinds = {f.kind for f in unit.findings}
    assert {"prop", "maker"} <= kinds
    maker = [f for f in unit.findings if f.kind == "maker"]
    assert any("FCC-CL: ZTE Corporation" in f.indicator for f in maker)


def test_firmware_tree(scanner):
    results = scan(scanner, "firmware")
    props = next(r for r in results if r.path.endswith("build.prop"))
    assert {f.indicator for f in props.findings} >= {"ADUPS FOTA: prop ro.fota.oem"}
    apks = [r for r in results if r.path.endswith(".apk")]
    assert len(apks) == 2  # listed; their contents are not read yet


def test_stix_bundles_real(tmp_path):
    shared = Path(__file__).resolve().parents[2] / "shared" / "data" / "indicators"
    if not shared.exists():
        pytest.skip(f"{shared} not found")
    indicators, issues = load_stix(shared / "rcs.stix2")
    assert issues == [] and len(indicators) == 40 and {i.family for i in indicators} == {"RCSLab"}
    matcher = IndicatorMatcher(indicators)
    host = next(i for i in indicators if i.kind == "host")
    assert matcher.match(Observation("url", f"https://api.{host.value}/v1/x", "test"))
    package = next(i for i in indicators if i.kind == "package")
    assert matcher.match(Observation("package", package.value, "test"))
    assert not matcher.match(Observation("package", "com.android.settings", "test"))


def test_stix_errors(tmp_path):
    from banscreen.lists import ListError

    f = tmp_path / "x.stix2"
    f.write_text(json.dumps({"type": "bundle", "objects": [
        {"type": "indicator", "id": "indicator--1", "pattern": "[domain-name:value = 'evil.example'] OR [x:y > 3]",
         "pattern_type": "stix"},
        {"type": "indicator", "id": "indicator--2", "pattern": "[process:pid > 3]", "pattern_type": "stix"}]}))
    indicators, issues = load_stix(f)
    assert [i.value for i in indicators] == ["evil.example"]
    assert len(issues) == 1 and "not a simple comparison" in issues[0].reason
    f.write_text("{}")
    with pytest.raises(ListError, match="not a STIX bundle"):
        load_stix(f)


def test_cli_android_scan(bundled_home, monkeypatch, capsys, tmp_path):
    from banscreen import cli

    extra = tmp_path / "mine.yaml"
    extra.write_text("families:\n  - name: In-house\n    sources: [our incident 2026-04]\n    indicators:\n"
                     "      - {kind: package, value: com.whatsapp, severity: low, note: test}\n")
    monkeypatch.setattr(sys, "argv", ["banscreen", "android", "scan", str(DATA / "pm-list-adups.txt"),
                                      str(DATA / "getprop-zte.txt"), "--indicators", str(extra), "-f", "json",
                                      "--home", str(bundled_home)])
    with pytest.raises(SystemExit) as exc:
        cli.main()
    out = capsys.readouterr().out
    rows = [json.loads(line) for line in out.splitlines()]
    assert exc.value.code == 2  # one unreadable line in the capture
    by_package = {r.get("package"): r for r in rows if "findings" in r}
    assert by_package["com.adups.fota"]["findings"][0]["kind"] == "package"
    assert by_package["com.whatsapp"]["findings"][0]["indicator"] == "In-house: package com.whatsapp"
    assert {"indicator", "kind", "source", "evidence", "severity"} <= set(by_package["com.adups.fota"]["findings"][0])
