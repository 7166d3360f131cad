"""Android: indicators (bundled, STIX, YAML), adb captures and firmware trees."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from banscreen.lists.stix import load_stix
from banscreen.lists.indicators_yaml import bundled_indicators
from banscreen.match.android import IndicatorMatcher
from banscreen.model import AndroidResult, LoadIssue, Observation
from banscreen.sources import android as android_sources

DATA = Path(__file__).parent / "data" / "android"


def scan(scanner, name):
    return list(scanner.scan_all(android_sources.read(DATA / name)))


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


def test_firmware_build_prop(scanner):
    results = scan(scanner, "firmware")
    props = next(r for r in results if r.path.endswith("build.prop"))
    assert {f.indicator for f in props.findings} >= {"ADUPS FOTA: prop ro.fota.oem"}


def test_stix_bundles_real(tmp_path):
    from tests.conftest import SHARED

    shared = SHARED / "data" / "indicators"
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


# --- APKs -------------------------------------------------------------------------------------------

from tests.apkbuild import adups_apk, clean_apk  # noqa: E402


def test_apk_reader_reads_manifest_dex_and_certificate(tmp_path):
    from banscreen.sources.android.formats.apk import read_apk

    path = tmp_path / "AdupsFota.apk"
    cert = adups_apk(path)
    info = read_apk(path)
    assert info.package == "com.adups.fota" and info.version_name == "5.1.2.2"
    assert info.shared_user_id == "android.uid.system"
    assert "android.permission.READ_SMS" in info.permissions
    assert "com.adups.fota.sysoper.WriteCommandReceiver" in info.components
    assert "com.adups.fota.FotaService" in info.components  # ".FotaService" resolved against the package
    assert "bigdata.adups.com" in info.hosts and "rebootv5.adsunflower.com" in info.hosts
    assert "com.adups.fota.base.ServiceReceiver" in info.classes
    assert info.cert_sha256 == [cert]


def test_adups_like_apk_flagged_with_evidence_clean_one_not(scanner, tmp_path):
    bad, good = tmp_path / "AdupsFota.apk", tmp_path / "Calculator.apk"
    adups_apk(bad)
    clean_apk(good)
    [r_bad] = list(scanner.scan_all(android_sources.read(bad)))
    kinds = {f.kind for f in r_bad.findings}
    assert {"package", "component", "host", "permissions"} <= kinds
    host = next(f for f in r_bad.findings if f.kind == "host" and "bigdata.adups.com" in f.indicator)
    assert "classes.dex strings" in host.evidence and host.severity == "high"
    risk = next(f for f in r_bad.findings if f.kind == "permissions")
    assert risk.severity == "high" and "system app" in risk.evidence
    [r_good] = list(scanner.scan_all(android_sources.read(good)))
    assert r_good.package == "com.example.calculator" and r_good.findings == ()


def test_firmware_tree_with_apks(scanner, tmp_path):
    import shutil

    root = tmp_path / "fw"
    shutil.copytree(DATA / "firmware", root)
    (root / "system" / "priv-app" / "AdupsFota").mkdir(parents=True)
    (root / "system" / "app" / "Calculator").mkdir(parents=True)
    adups_apk(root / "system" / "priv-app" / "AdupsFota" / "AdupsFota.apk")
    clean_apk(root / "system" / "app" / "Calculator" / "Calculator.apk")
    units = list(scanner.scan_all(android_sources.read(root)))
    by_package = {u.package: u for u in units if isinstance(u, AndroidResult) and u.package}
    assert by_package["com.adups.fota"].findings and by_package["com.example.calculator"].findings == ()
    assert any(f.kind == "prop" for u in units if isinstance(u, AndroidResult) for f in u.findings)


@pytest.mark.parametrize("kind", ["traversal", "bomb", "truncated", "not-zip", "bad-axml", "bad-dex"])
def test_hostile_apks_are_refused_with_a_clear_error(tmp_path, kind):
    import zipfile

    from banscreen.sources.android.formats.apk import ApkError, read_apk
    from tests.apkbuild import axml

    path = tmp_path / f"{kind}.apk"
    manifest = axml("com.x", "1", [], [])
    if kind == "traversal":
        with zipfile.ZipFile(path, "w") as z:
            z.writestr("AndroidManifest.xml", manifest)
            z.writestr("../../../etc/cron.d/evil", "x")
        expect = "path traversal"
    elif kind == "bomb":
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("AndroidManifest.xml", manifest)
            z.writestr("assets/blob", b"\0" * (64 * 2**20))
        expect = "zip bomb"
    elif kind == "truncated":
        adups_apk(path)
        path.write_bytes(path.read_bytes()[:600])
        expect = "not a readable zip"
    elif kind == "not-zip":
        path.write_bytes(b"MZ\x90\x00 not an apk")
        expect = "not a readable zip"
    elif kind == "bad-axml":
        with zipfile.ZipFile(path, "w") as z:
            z.writestr("AndroidManifest.xml", manifest[:40] + b"\xff" * 10)
        expect = "AndroidManifest.xml: "
    else:
        with zipfile.ZipFile(path, "w") as z:
            z.writestr("AndroidManifest.xml", manifest)
            z.writestr("classes.dex", b"dex\n035\0" + b"\0" * 0x30 + b"\xff\xff\xff\x7f" + b"\0" * 0x40)
        expect = "DEX"
    with pytest.raises(ApkError, match=expect):
        read_apk(path)
    # through the scan: an error for that file, no traceback, no crash
    [item] = list(android_sources.read(path))
    assert isinstance(item, LoadIssue) and "APK not read" in item.reason


# --- a live device over adb, with a fake `adb` on PATH ---------------------------------------------

FAKE_ADB = r"""#!/bin/sh
# Answers like adb does for the commands banscreen runs; data from FAKE_ADB_DATA.
if [ "$1" = devices ]; then
  printf 'List of devices attached\n'
  for s in $FAKE_ADB_DEVICES; do printf '%s\tdevice\n' "$s"; done
  printf 'emulator-5556\tunauthorized\n'
  exit 0
fi
[ "$1" = "-s" ] || { echo "adb: more than one device/emulator" >&2; exit 1; }
serial=$2; shift 2
case "$*" in
  "shell getprop") cat "$FAKE_ADB_DATA/getprop-zte.txt" ;;
  "shell dumpsys package")
    if [ -n "$FAKE_ADB_FAIL" ]; then echo "error: device '$serial' not found" >&2; exit 1; fi
    cat "$FAKE_ADB_DATA/dumpsys-package.txt" ;;
  *) echo "unexpected: $*" >&2; exit 1 ;;
esac
"""


@pytest.fixture()
def fake_adb(tmp_path, monkeypatch):
    bindir = tmp_path / "bin"
    bindir.mkdir()
    exe = bindir / "adb"
    exe.write_text(FAKE_ADB)
    exe.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bindir}:/usr/bin:/bin")
    monkeypatch.setenv("FAKE_ADB_DATA", str(DATA))
    monkeypatch.setenv("FAKE_ADB_DEVICES", "R58M123ABC")
    return monkeypatch


def run_cli(monkeypatch, capsys, *args):
    from banscreen import cli

    monkeypatch.setattr(sys, "argv", ["banscreen", "android", "scan", *args])
    with pytest.raises(SystemExit) as exc:
        cli.main()
    captured = capsys.readouterr()
    return exc.value.code, captured.out, captured.err


def findings_of(out):
    return sorted((f["indicator"], r.get("package", "")) for line in out.splitlines()
                  for r in [json.loads(line)] if "findings" in r for f in r["findings"])


def test_live_adb_scan_equals_scan_of_saved_captures(fake_adb, bundled_home, capsys):
    code, out, _ = run_cli(fake_adb, capsys, "--adb", "-f", "json", "--home", str(bundled_home))
    live = findings_of(out)
    code_files, out_files, _ = run_cli(fake_adb, capsys, str(DATA / "getprop-zte.txt"),
                                       str(DATA / "dumpsys-package.txt"), "-f", "json", "--home", str(bundled_home))
    assert code == code_files == 1
    assert live == findings_of(out_files)
    assert ("ADUPS FOTA: package com.adups.fota", "com.adups.fota") in live
    assert any(ind.startswith("FCC-CL: ZTE") for ind, _ in live)
    assert "adb:R58M123ABC:dumpsys package" in out


def test_live_adb_needs_a_serial_when_several_devices(fake_adb, bundled_home, capsys):
    fake_adb.setenv("FAKE_ADB_DEVICES", "R58M123ABC 0123456789")
    code, out, err = run_cli(fake_adb, capsys, "--adb", "--home", str(bundled_home))
    assert code == 2 and "2 devices ready (R58M123ABC, 0123456789); name one with --serial" in err
    assert "Traceback" not in err
    code, out, _ = run_cli(fake_adb, capsys, "--adb", "--serial", "0123456789", "-f", "json",
                           "--home", str(bundled_home))
    assert code == 1 and "adb:0123456789:getprop" in out


def test_live_adb_failing_command_is_reported_and_the_rest_scanned(fake_adb, bundled_home, capsys):
    fake_adb.setenv("FAKE_ADB_FAIL", "1")
    code, out, err = run_cli(fake_adb, capsys, "--adb", "-f", "json", "--home", str(bundled_home))
    assert code == 2
    assert "`adb -s R58M123ABC shell dumpsys package` failed (exit 1): error: device 'R58M123ABC' not found" in err
    assert any(ind.startswith("FCC-CL: ZTE") for ind, _ in findings_of(out))  # getprop still scanned


def test_live_adb_missing_gives_a_clear_error(tmp_path, monkeypatch, bundled_home, capsys):
    monkeypatch.setenv("PATH", str(tmp_path))
    code, _, err = run_cli(monkeypatch, capsys, "--adb", "--home", str(bundled_home))
    assert code == 2 and "adb is not on PATH" in err and "Traceback" not in err
    code, _, err = run_cli(monkeypatch, capsys, "--home", str(bundled_home))
    assert code == 2 and "or --adb" in err


# --- the test APKs checked by an independent parser (androguard), and the signing schemes ---------

APK_VARIANTS = {
    "v1, UTF-16 pool": {},
    "UTF-8 pool": {"utf8": True},
    "v2 only": {"schemes": ("v2",)},
    "v3 only": {"schemes": ("v3",)},
    "v1+v2+v3": {"schemes": ("v1", "v2", "v3")},
    "attribute names stripped": {"strip_attribute_names": True},
    "classes with code": {"classes": ["Lcom/adups/fota/a/b;", "Lcom/adups/fota/c;"], "methods_per_class": 4},
}


@pytest.mark.parametrize("variant", list(APK_VARIANTS))
def test_apk_reader_agrees_with_androguard(tmp_path, variant):
    """The same APK read by banscreen and by androguard gives the same facts, so the
    test APKs are real ones and banscreen's short cuts lose nothing that matters."""
    import hashlib

    from androguard.core.apk import APK
    from androguard.core.axml import ARSCParser, AXMLPrinter
    from androguard.core.dex import DEX
    from loguru import logger

    from banscreen.sources.android.formats.apk import dex_strings, read_apk, resource_table_strings, xml_strings

    logger.remove()  # androguard logs every parse step at DEBUG
    path = tmp_path / "AdupsFota.apk"
    cert = adups_apk(path, **APK_VARIANTS[variant])
    ours, theirs = read_apk(path), APK(str(path))
    assert ours.package == theirs.get_package() == "com.adups.fota"
    assert ours.version_name == theirs.get_androidversion_name() == "5.1.2.2"
    assert ours.version_code == theirs.get_androidversion_code() == "512"
    assert sorted(ours.permissions) == sorted(theirs.get_permissions())
    assert sorted(ours.components) == sorted(theirs.get_activities() + theirs.get_services()
                                             + theirs.get_receivers() + theirs.get_providers())
    assert ours.cert_sha256 == [hashlib.sha256(c.dump()).hexdigest() for c in theirs.get_certificates()] == [cert]
    dex = theirs.get_dex()
    assert sorted(dex_strings(dex)) == sorted(DEX(dex).get_strings())
    arsc = ARSCParser(theirs.get_file("resources.arsc")).stringpool_main
    assert resource_table_strings(theirs.get_file("resources.arsc")) == [arsc.getString(i)
                                                                           for i in range(arsc.stringCount)]
    xml = theirs.get_file("res/xml/network_security_config.xml")
    assert "<item>rebootv5.adsunflower.com</item>" in AXMLPrinter(xml).get_xml().decode()
    assert "rebootv5.adsunflower.com" in xml_strings(xml)


def test_v2_only_apk_certificate_and_scheme(tmp_path):
    from banscreen.sources.android.formats.apk import read_apk

    path = tmp_path / "v2.apk"
    cert = clean_apk(path, schemes=("v2", "v3"))
    info = read_apk(path)
    assert info.cert_sha256 == [cert] and info.signature_schemes == ["v2", "v3"]
    [obs] = [o for o in info.observations("v2.apk") if o.kind == "cert_sha256"]
    assert obs.where == "v2.apk signing certificate (v2+v3)"


@pytest.mark.parametrize("damage", ["sizes disagree", "pair runs past", "value runs past"])
def test_damaged_signing_block_is_a_clear_error(tmp_path, damage):
    import struct

    from banscreen.sources.android.formats.apk import ApkError, read_apk

    path = tmp_path / "damaged.apk"
    clean_apk(path, schemes=("v2",))
    data = bytearray(path.read_bytes())
    start = data.find(b"APK Sig Block 42")
    size = struct.unpack_from("<Q", data, start - 8)[0]
    head = start + 16 - size - 8  # the first size field
    if damage == "sizes disagree":
        struct.pack_into("<Q", data, head, size + 1)
        expect = "two size fields disagree"
    elif damage == "pair runs past":
        struct.pack_into("<Q", data, head + 8, size * 4)
        expect = "a pair runs past the block"
    else:
        struct.pack_into("<I", data, head + 8 + 12, 0x7FFFFFFF)  # the signers sequence's length
        expect = "a value runs past its parent"
    path.write_bytes(bytes(data))
    with pytest.raises(ApkError, match=expect):
        read_apk(path)


def test_host_indicators_match_the_name_and_its_subdomains_only():
    from banscreen.model import Indicator

    matcher = IndicatorMatcher([Indicator("host", "adups.com", "ADUPS FOTA", "high", "", "test")])

    def hit(kind, value):
        return bool(matcher.match(Observation(kind, value, "test")))

    assert hit("host", "bigdata.adups.com") and hit("host", "ADUPS.com")
    assert hit("url", "http://fota.adups.com:8080/upload?x=1") and hit("url", "https://user@adups.com/")
    assert not hit("host", "notadups.com") and not hit("url", "http://adups.com.example.net/x")
    assert hit("string", "server=fota5.adups.com;")  # free text from a capture: any mention


def test_missing_or_unknown_input_is_reported_and_the_other_paths_scanned(bundled_home, monkeypatch, capsys,
                                                                          tmp_path):
    odd = tmp_path / "notes.txt"
    odd.write_text("shopping list\n")
    args = [str(tmp_path / "missing.txt"), str(odd), str(DATA / "pm-list-adups.txt"), "-f", "json",
            "--home", str(bundled_home)]
    code, out, err = run_cli(monkeypatch, capsys, *args)
    assert code == 2 and "Traceback" not in err
    assert f"{tmp_path / 'missing.txt'}: no such file or folder" in err
    assert "not an adb capture" in err
    assert ("ADUPS FOTA: package com.adups.fota", "com.adups.fota") in findings_of(out)  # the rest scanned
    code, out, err = run_cli(monkeypatch, capsys, *args, "--strict")
    assert code == 2 and "stopped: --strict" in err and "com.adups.fota" not in out


@pytest.mark.parametrize("place", ["resources.arsc", "res/xml/network_security_config.xml",
                                   "assets/config.properties"])
def test_c2_host_only_in_resources_is_found(scanner, tmp_path, place):
    """The C2 host is not in the DEX strings, only in a resource or asset."""
    from tests.apkbuild import build_apk

    path = tmp_path / "Updater.apk"
    host = "bigdata.adups.com"
    build_apk(path, "com.example.updater", ["android.permission.INTERNET"], [], ["Lcom/example/updater/Main;"],
              resource_strings=[f"http://{host}/otainter-5.0/"] if place == "resources.arsc" else ["OK"],
              xml_resources={"network_security_config.xml": [host]} if place.startswith("res/") else None,
              assets={"config.properties": f"server={host}\n"} if place.startswith("assets/") else None)
    [result] = list(scanner.scan_all(android_sources.read(path)))
    hits = [f for f in result.findings if f.kind == "host"]
    assert hits and all(f"{path} {place} strings" in f.evidence for f in hits)


@pytest.mark.parametrize("maker, expect", [
    ("iFlytek", ("EL", "IFLYTEK", "medium")),  # Entity List (2019), no covered-vendor rule names it
    ("TCL", ("EL", "Techno-Commercial", "low")),  # a 3-letter maker matching only an alias: weak
    ("samsung", None),
])
def test_device_maker_is_screened_against_the_party_lists(scanner, tmp_path, maker, expect):
    capture = tmp_path / "getprop.txt"
    capture.write_text(f"[ro.product.manufacturer]: [{maker}]\n[ro.product.model]: [X1]\n")
    [result] = list(scanner.scan_all(android_sources.read(capture)))
    found = [(f.indicator.split(":")[0], f.indicator, f.severity, f.evidence) for f in result.findings
             if f.kind == "maker-party"]
    if expect is None:
        assert found == []
        return
    lst, name, severity = expect
    hit = next(f for f in found if f[0] == lst and name in f[1])
    assert hit[2] == severity
    assert f"device maker {maker!r} [ro.product.manufacturer, line 1] matches" in hit[3]


def test_covered_maker_is_not_reported_twice(scanner):
    [result] = scan(scanner, "getprop-zte.txt")
    entries = [f.indicator for f in result.findings if f.kind in ("maker", "maker-party")]
    assert any(i.startswith("FCC-CL: ZTE") for i in entries)
    assert not any(f.kind == "maker-party" and "ZTE Corporation" in f.indicator for f in result.findings)


# --- AndroidQF acquisitions ---------------------------------------------------------------------

def test_androidqf_acquisition(scanner):
    results = list(scanner.scan_all(android_sources.read(DATA / "androidqf")))
    by_package = {r.package: r for r in results if r.package}
    adups = by_package["com.adups.fota"]
    assert adups.line == 2 and adups.path.endswith("androidqf/packages.json")
    kinds = {f.kind for f in adups.findings}
    assert "package" in kinds
    risk = next(f for f in adups.findings if f.kind == "permissions")  # permissions from dumpsys.txt
    assert "READ_SMS" in risk.evidence and "a system app" in risk.evidence and risk.severity == "high"
    assert by_package["com.example.notes"].findings == ()
    device = next(r for r in results if r.path.endswith("getprop.txt"))
    assert any(f.kind == "maker" and f.indicator.startswith("FCC-CL: ZTE") for f in device.findings)


def test_androidqf_file_and_certificate_hashes_match_indicators(tmp_path, bundled_store):
    """packages.json carries each APK's SHA-256 and its signer's: STIX file and cert
    indicators match them."""
    import datetime as dt
    import shutil

    from banscreen.screen.android import AndroidScanner
    from banscreen.model import Indicator

    acq = tmp_path / "acq"
    shutil.copytree(DATA / "androidqf", acq)
    notes_sha = "0f2c9d1e7b3a4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5"
    scanner = AndroidScanner(IndicatorMatcher([
        Indicator("file_sha256", notes_sha.upper(), "Test family", "high", "", "test bundle"),
        Indicator("cert_sha256", "b" * 64, "Test family", "medium", "", "test bundle")]), None, dt.date(2026, 11, 28))
    [notes] = [r for r in scanner.scan_all(android_sources.read(acq / "packages.json")) if r.package ==
               "com.example.notes"]
    assert {f.kind for f in notes.findings} == {"file_sha256", "cert_sha256"}
    cert = next(f for f in notes.findings if f.kind == "cert_sha256")
    assert "signer C=US, O=Example Inc., CN=Example" in cert.evidence


def test_androidqf_bad_entries_are_reported_with_their_line(tmp_path, scanner):
    acq = tmp_path / "acq"
    acq.mkdir()
    (acq / "packages.json").write_text('[\n  {"name": "com.adups.fota", "system": true, "files": []},\n'
                                       '  {"uid": 10200, "files": []},\n'
                                       '  {"name": "com.example.ok", "files": []}\n]\n')
    items = list(android_sources.read(acq))
    issues = [i for i in items if isinstance(i, LoadIssue)]
    assert [(i.line, i.reason) for i in issues] == [(3, "a package entry needs a 'name'")]
    assert [u.package for u in items if not isinstance(u, LoadIssue)] == ["com.adups.fota", "com.example.ok"]
    (acq / "packages.json").write_text('[\n  {"name": "com.adups.fota", "files": []},\n  {"name": oops}\n]\n')
    items = list(android_sources.read(acq))
    assert [u.package for u in items if not isinstance(u, LoadIssue)] == ["com.adups.fota"]
    [issue] = [i for i in items if isinstance(i, LoadIssue)]
    assert issue.line == 3 and "not valid JSON" in issue.reason


def test_androidqf_dumpsys_reads_only_the_package_service(tmp_path, scanner):
    import shutil

    acq = tmp_path / "acq"
    shutil.copytree(DATA / "androidqf", acq)
    other = ("DUMP OF SERVICE activity:\n  Package [com.example.notes] (1):\n    requested permissions:\n"
             "      android.permission.READ_SMS\n      android.permission.READ_CALL_LOG\n"
             "      android.permission.INTERNET\n")
    (acq / "dumpsys.txt").write_text(other + (acq / "dumpsys.txt").read_text())
    results = {r.package: r for r in scanner.scan_all(android_sources.read(acq)) if r.package}
    assert results["com.example.notes"].findings == ()  # the activity service's lines are not its permissions
    risk = next(f for f in results["com.adups.fota"].findings if f.kind == "permissions")
    assert "READ_SMS" in risk.evidence
    [unit] = [u for u in android_sources.read(acq) if getattr(u, "package", "") == "com.adups.fota"]
    lines = (acq / "dumpsys.txt").read_text().splitlines()
    sms = next(o for o in unit.observations if o.value == "android.permission.READ_SMS")
    line = int(sms.where.rsplit(" ", 1)[1])  # "dumpsys.txt line N": N is the file's own line
    assert lines[line - 1].strip() == "android.permission.READ_SMS" and line > 7
