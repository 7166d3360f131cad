"""Equipment screening on generated but realistic inputs (tests/data/equipment)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from banscreen.reference.identifiers import cpe_vendor, mac_digits, pen_of
from banscreen.model import Asset, AssetResult, LoadIssue, Observation
from banscreen.screen import EquipmentOptions, open_equipment_screener
from banscreen.sources.equipment import read_assets
from banscreen.sources.interface import SourceError

DATA = Path(__file__).parent / "data" / "equipment"
TODAY = dt.date(2026, 11, 28)


@pytest.fixture()
def screen(bundled_store):
    def run(name: str, as_of: dt.date = TODAY, fmt: str | None = None) -> list[AssetResult | LoadIssue]:
        screener, _ = open_equipment_screener(bundled_store, EquipmentOptions(as_of=as_of))
        return list(screener.screen_all(read_assets(DATA / name, fmt)))
    return run


def by_label(results, text):
    return next(r for r in results if isinstance(r, AssetResult) and text in r.asset.label)


def vendors(result: AssetResult) -> set[str]:
    return {f.vendor for f in result.findings}


def kinds(result: AssetResult, vendor: str) -> set[str]:
    return {s.kind for f in result.findings if f.vendor == vendor for s in f.signals}


# --- nmap -----------------------------------------------------------------------------------

def test_nmap_huawei_switch(screen):
    results = screen("scan.xml")
    switch = by_label(results, "core-sw-01")
    assert switch.asset.line == 9  # the <host> element's line
    assert vendors(switch) == {"huawei"}
    assert {"mac", "os_vendor", "cpe", "mac_vendor"} <= kinds(switch, "huawei")
    lists = {f.entry.list: f for f in switch.findings}
    assert set(lists) == {"FCC-CL", "NDAA-889"}
    assert lists["FCC-CL"].entry.start_date == dt.date(2021, 3, 12) and lists["FCC-CL"].level == "high"


def test_nmap_hikvision_seen_only_by_mac_is_low_confidence(screen):
    cam = by_label(screen("scan.xml"), "10.20.0.7")
    assert vendors(cam) == {"hikvision"} and kinds(cam, "hikvision") == {"mac"}
    assert cam.findings[0].level == "low"
    assert "network card's maker" in cam.findings[0].signals[0].detail


def test_nmap_white_label_dahua_camera(screen):
    cam = by_label(screen("scan.xml"), "lobby-cam-2")
    assert vendors(cam) == {"dahua"}  # sold as Honeywell, made by Dahua
    details = " ".join(s.detail for s in cam.findings[0].signals)
    assert "IPC-H" in details and "74C929" in details
    assert cam.findings[0].level in ("medium", "high")


def test_nmap_clean_cisco_router(screen):
    assert by_label(screen("scan.xml"), "edge-rtr-01").findings == ()


def test_nmap_before_the_covered_list(screen):
    switch = by_label(screen("scan.xml", as_of=dt.date(2020, 1, 1)), "core-sw-01")
    assert {f.entry.list for f in switch.findings} == {"NDAA-889"}  # 889 from 2019-08-13, FCC-CL from 2021
    assert by_label(screen("scan.xml", as_of=dt.date(2019, 1, 1)), "core-sw-01").findings == ()


# --- SBOM -----------------------------------------------------------------------------------

def test_cyclonedx_kaspersky_component_by_date(screen):
    after = screen("sbom-cyclonedx.json", as_of=dt.date(2023, 1, 1))
    kes = by_label(after, "Kaspersky Endpoint Security")
    assert vendors(kes) == {"kaspersky"}
    assert {"supplier", "publisher", "purl", "cpe", "component"} <= kinds(kes, "kaspersky")
    assert [f.entry.list for f in kes.findings] == ["FCC-CL"]
    assert kes.findings[0].entry.start_date == dt.date(2022, 3, 25)
    nested = by_label(after, "avbases")
    assert vendors(nested) == {"kaspersky"}
    assert by_label(after, "openssl").findings == () and by_label(after, "requests").findings == ()
    before = screen("sbom-cyclonedx.json", as_of=dt.date(2021, 6, 1))
    assert all(r.findings == () for r in before)  # before the FCC added Kaspersky
    later = by_label(screen("sbom-cyclonedx.json", as_of=dt.date(2025, 1, 1)), "Kaspersky Endpoint Security")
    assert {f.entry.list for f in later.findings} == {"FCC-CL", "ICTS"}


def test_spdx_kaspersky_package(screen):
    results = screen("sbom-spdx.json")
    kesl = by_label(results, "kesl")
    assert vendors(kesl) == {"kaspersky"} and kesl.asset.line > 1
    assert by_label(results, "openssl").findings == ()


# --- SNMP -----------------------------------------------------------------------------------

def test_snmpwalk_zte_enterprise_number(screen):
    results = screen("walk-zte.txt")
    assert len(results) == 2
    pe = by_label(results, "pe-02")
    assert vendors(pe) == {"zte"}
    assert {"sys_object_id", "sys_descr"} <= kinds(pe, "zte")
    oid = next(s for f in pe.findings for s in f.signals if s.kind == "sys_object_id")
    assert "enterprise number 3902" in oid.detail and pe.findings[0].level == "high"
    assert by_label(results, "edge-rtr-01").findings == ()


def test_snmpwalk_numeric_oids(screen):
    leaf = screen("walk-numeric.txt")[0]
    assert leaf.asset.label == "dc-leaf-07" and vendors(leaf) == {"huawei"}
    assert "sys_object_id" in kinds(leaf, "huawei")


def test_snmp_csv_export(screen):
    results = screen("snmp-export.csv")
    assert [sorted(vendors(r)) for r in results] == [["huawei"], ["zte"], []]


# --- inventory and MAC list -------------------------------------------------------------------

def test_inventory_rows(screen):
    results = screen("inventory.csv")
    assert [sorted(vendors(r)) for r in results] == [["huawei"], ["hikvision"], ["dahua"], [], ["zte"], [], [],
                                                     ["hytera"]]
    assert results[0].asset.line == 2 and results[0].asset.label == "core-sw-01"


def test_brand_counts_only_while_the_vendor_owned_it(screen):
    lorex_2021 = by_label(screen("inventory.csv", as_of=dt.date(2021, 6, 1)), "yard-cam-3")
    assert vendors(lorex_2021) == {"dahua"}
    assert "Skywatch" in lorex_2021.findings[0].signals[0].detail
    assert by_label(screen("inventory.csv"), "yard-cam-3").findings == ()  # sold in 2022


def test_mac_list(screen):
    results = screen("macs.txt")
    issues = [r for r in results if isinstance(r, LoadIssue)]
    assert [(i.line, i.reason) for i in issues] == [(5, "not a MAC address: 'not-a-mac'")]
    assets = [r for r in results if isinstance(r, AssetResult)]
    assert [sorted(vendors(r)) for r in assets] == [["hikvision"], ["huawei"], [], []]
    assert assets[3].asset.label == "phone-randomised"  # locally administered: no maker to name


# --- hostile and broken input -------------------------------------------------------------------

def test_xml_bomb_refused():
    with pytest.raises(SourceError, match="refused.*XML bomb"):
        list(read_assets(DATA / "bomb.xml", "nmap"))


def test_broken_xml_has_line():
    with pytest.raises(SourceError) as exc:
        list(read_assets(DATA / "broken.xml"))
    assert exc.value.line == 4 and "not well-formed XML" in str(exc.value)


def test_broken_json_has_line():
    with pytest.raises(SourceError) as exc:
        list(read_assets(DATA / "broken-sbom.json"))
    assert exc.value.line == 4 and "not valid JSON" in str(exc.value)


def test_unknown_format(tmp_path):
    f = tmp_path / "x.bin"
    f.write_bytes(b"\x00\x01")
    with pytest.raises(SourceError, match="cannot tell the input format"):
        read_assets(f)


def test_inventory_without_useful_columns(tmp_path):
    f = tmp_path / "inv.csv"
    f.write_text("asset,owner\nA1,Bob\n")
    with pytest.raises(SourceError, match="no vendor, manufacturer, model"):
        list(read_assets(f))


# --- pure helpers ---------------------------------------------------------------------------------

def test_identifier_parsing():
    assert mac_digits("4419.b612.3456") == "4419b6123456" and mac_digits("44:19:B6") is None
    assert pen_of("SNMPv2-SMI::enterprises.2011.2.23") == 2011
    assert pen_of(".1.3.6.1.4.1.3902.3.100") == 3902 and pen_of("1.3.6.1.2.1.1") is None
    assert cpe_vendor("cpe:2.3:h:hikvision:ds-2cd2026g2-iu\\/sl:-:*:*:*:*:*:*:*") == "hikvision"
    assert cpe_vendor("cpe:/o:huawei:vrp:8") == "huawei"


def test_zte_is_a_whole_word(bundled_store):
    screener, _ = open_equipment_screener(bundled_store, EquipmentOptions(as_of=TODAY))
    aztech = Asset(1, 1, "x", "modem", (Observation("vendor", "Aztech Systems"), Observation("free_text", "Aztech modem")))
    zte = Asset(2, 2, "x", "ont", (Observation("free_text", "ZTE ONT in the lobby"),))
    assert screener.screen(aztech).findings == ()
    assert {f.vendor for f in screener.screen(zte).findings} == {"zte"}
