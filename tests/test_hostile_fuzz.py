"""Hostile binary input, fuzzed: byte flips, truncations and insertions into a valid APK,
binary manifest, DEX, ext4 image and sparse image must give a result or a clear error
(ApkError, a LoadIssue), never another exception, a hang or a crash."""

from __future__ import annotations

import os
import struct
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from banscreen.model import ScanUnit
from banscreen.model import LoadIssue
from banscreen.sources import android as android_sources
from banscreen.sources.android.formats.apk import (
    ApkError,
    ApkInfo,
    dex_strings,
    parse_manifest,
    read_apk,
    resource_table_strings,
)
from tests.apkbuild import adups_apk, axml, dex, resource_table

# CI runs a fixed (derandomized) set of 150 examples per target, so a run is repeatable;
# BANSCREEN_FUZZ_EXAMPLES=5000 BANSCREEN_FUZZ_RANDOM=1 explores further.
FUZZ = settings(max_examples=int(os.environ.get("BANSCREEN_FUZZ_EXAMPLES", "150")),
                derandomize=os.environ.get("BANSCREEN_FUZZ_RANDOM") != "1", deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])


def mutations(data: bytes):
    """A strategy of damaged copies of `data`: flipped bytes, a cut, a spliced run."""
    n = len(data)
    flips = st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, 255)), min_size=1, max_size=12)
    return st.one_of(
        flips.map(lambda fs: _flip(data, fs)),
        st.integers(0, n - 1).map(lambda k: data[:k]),
        st.tuples(st.integers(0, n), st.binary(min_size=1, max_size=64)).map(lambda t: data[:t[0]] + t[1] + data[t[0]:]),
        # 32-bit fields set to extreme values, where offsets and counts live
        st.tuples(st.integers(0, max(n - 4, 0)), st.sampled_from([0, 1, 0x7FFFFFFF, 0xFFFFFFFF, n, n + 1]))
          .map(lambda t: data[:t[0]] + struct.pack("<I", t[1]) + data[t[0] + 4:]),
    )


def _flip(data: bytes, flips) -> bytes:
    out = bytearray(data)
    for pos, value in flips:
        out[pos] = value
    return bytes(out)


MANIFEST = axml("com.adups.fota", "5.1.2.2", ["android.permission.READ_SMS"], [("service", ".FotaService")],
                "android.uid.system")
DEX = dex(["http://bigdata.adups.com/x", "Lcom/adups/fota/A;"], ["Lcom/adups/fota/A;"], 2)
ARSC = resource_table(["http://fota5p.adups.com/", "label"])


PARTS = {  # an APK part's reader and a valid sample of it
    "manifest": (lambda data: parse_manifest(data, ApkInfo()), MANIFEST),
    "dex": (dex_strings, DEX),
    "resources.arsc": (resource_table_strings, ARSC),
}


@FUZZ
@given(data=st.data())
@pytest.mark.parametrize("part", list(PARTS))
def test_fuzzed_apk_part(part, data):
    read, sample = PARTS[part]
    try:
        read(data.draw(mutations(sample)))
    except ApkError:
        pass


@pytest.fixture(scope="module")
def apk_bytes(tmp_path_factory) -> bytes:
    path = tmp_path_factory.mktemp("apk") / "a.apk"
    adups_apk(path, schemes=("v1", "v2", "v3"))
    return path.read_bytes()


@FUZZ
@given(data=st.data())
def test_fuzzed_apk_file(apk_bytes, tmp_path_factory, data):
    damaged = data.draw(mutations(apk_bytes))
    try:
        read_apk(damaged)
    except ApkError:
        pass
    path = tmp_path_factory.mktemp("f") / "x.apk"
    path.write_bytes(damaged)
    for item in android_sources.read(path):  # through the scan: a unit or a LoadIssue
        assert isinstance(item, (LoadIssue, ScanUnit))


@pytest.fixture(scope="module")
def images(tmp_path_factory) -> dict[str, bytes]:
    import subprocess

    from tests.tools import require

    root = tmp_path_factory.mktemp("fw")
    (root / "system" / "app" / "A").mkdir(parents=True)
    (root / "system" / "build.prop").write_text("ro.product.brand=ZTE\nro.fota.oem=ZTE\n")
    adups_apk(root / "system" / "app" / "A" / "A.apk")
    raw = root.parent / f"{root.name}.img"
    subprocess.run([require("mke2fs"), "-q", "-F", "-t", "ext4", "-b", "1024", "-d", str(root), str(raw), "2M"],
                   check=True, capture_output=True)
    sparse = root.parent / f"{root.name}.simg"
    subprocess.run([require("img2simg"), str(raw), str(sparse)], check=True, capture_output=True)
    return {"ext4": raw.read_bytes(), "sparse": sparse.read_bytes()}


def _metadata_mutations(data: bytes):
    """Damage where a file system keeps its structure: the first 64 KiB (superblock,
    group descriptors, inode tables, directories of a small image)."""
    head = data[:65536]
    return mutations(head).map(lambda h: h + data[len(head):] if len(h) == len(head) else h)


@FUZZ
@given(data=st.data())
@pytest.mark.parametrize("kind", ["ext4", "sparse"])
def test_fuzzed_partition_images(images, tmp_path_factory, kind, data):
    damaged = data.draw(_metadata_mutations(images[kind]) if kind == "ext4" else mutations(images[kind][:4096])
                        .map(lambda h: h + images[kind][4096:] if len(h) == 4096 else h))
    path = tmp_path_factory.mktemp("img") / "system.img"
    path.write_bytes(damaged)
    for item in android_sources.read(path):
        assert isinstance(item, (LoadIssue, ScanUnit))


def test_fuzz_inputs_are_valid_before_damage(apk_bytes):
    """The fuzzed inputs start valid, so the damage is what is being tested."""
    info = read_apk(apk_bytes)
    assert info.package == "com.adups.fota" and info.signature_schemes == ["v1", "v2", "v3"]
    assert "http://bigdata.adups.com/x" in dex_strings(DEX)
    assert resource_table_strings(ARSC)[0] == "http://fota5p.adups.com/"
    with zipfile.ZipFile(__import__("io").BytesIO(apk_bytes)) as z:
        assert "AndroidManifest.xml" in z.namelist()


CAPTURES = Path(__file__).parent / "data" / "android"


@FUZZ
@given(name=st.sampled_from(["pm-list-adups.txt", "dumpsys-package.txt", "getprop-zte.txt",
                             "androidqf/packages.json", "dumpstate-zte.txt", "androidqf.zip", "bugreport.zip"]),
       data=st.data())
def test_fuzzed_text_captures(tmp_path_factory, name, data):
    """adb captures and AndroidQF's packages.json with damaged bytes: every line either
    reads or is reported."""
    damaged = data.draw(mutations((CAPTURES / name).read_bytes()))
    folder = tmp_path_factory.mktemp("cap")
    path = folder / Path(name).name
    path.write_bytes(damaged)
    for item in android_sources.read(path):
        assert isinstance(item, (LoadIssue, ScanUnit))


EQUIPMENT = Path(__file__).parent / "data" / "equipment"


@FUZZ
@given(name=st.sampled_from(["inventory.csv", "scan.xml", "sbom-cyclonedx.json", "sbom-spdx.json", "snmp-export.csv",
                             "walk-zte.txt", "walk-numeric.txt", "macs.txt", "sbom-cyclonedx.xml", "sbom.spdx",
                             "sbom-spdx3.json"]), data=st.data())
def test_fuzzed_equipment_inputs(tmp_path_factory, name, data):
    """Damaged inventories, nmap XML, SBOMs and SNMP walks: assets, LoadIssues, or one
    SourceError for a file that cannot be read at all; nothing else."""
    from banscreen.model import Asset
    from banscreen.sources.equipment import read_assets
    from banscreen.sources.interface import SourceError

    damaged = data.draw(mutations((EQUIPMENT / name).read_bytes()))
    path = tmp_path_factory.mktemp("eq") / name
    path.write_bytes(damaged)
    try:
        for item in read_assets(path):
            assert isinstance(item, (Asset, LoadIssue))
    except SourceError:
        pass


@FUZZ
@given(data=st.data())
def test_fuzzed_stix_bundle(tmp_path_factory, data):
    from banscreen.lists.interface import ListError
    from banscreen.lists.stix import load_stix
    from tests.conftest import SHARED

    bundle = SHARED / "data" / "indicators" / "rcs.stix2"
    if not bundle.exists():
        pytest.skip(f"{bundle} not found (set BANSCREEN_SHARED)")
    raw = bundle.read_bytes()[:20000]  # the head: objects and patterns; the cut is one of the damages
    damaged = data.draw(mutations(raw))
    path = tmp_path_factory.mktemp("stix") / "b.stix2"
    path.write_bytes(damaged)
    try:
        indicators, problems = load_stix(path)
        assert all(isinstance(p, LoadIssue) for p in problems)
    except ListError:
        pass


@FUZZ
@given(data=st.data())
def test_fuzzed_party_file(tmp_path_factory, data):
    from banscreen.model import Subject
    from banscreen.sources import read_parties
    from banscreen.sources.interface import SourceError

    damaged = data.draw(mutations((Path(__file__).parents[1] / "examples" / "parties.csv").read_bytes()))
    path = tmp_path_factory.mktemp("p") / "parties.csv"
    path.write_bytes(damaged)
    try:
        for item in read_parties(path):
            assert isinstance(item, (Subject, LoadIssue))
    except SourceError:
        pass


@FUZZ
@given(data=st.data())
def test_fuzzed_shipment_file(tmp_path_factory, bundled_store, data):
    """A damaged shipment file: each row a decided shipment or an issue with its line."""
    from banscreen.model import ShipmentResult
    from banscreen.sources.interface import SourceError
    from banscreen.sources.shipments import read_shipments

    damaged = data.draw(mutations((Path(__file__).parents[1] / "examples" / "shipments.csv").read_bytes()))
    path = tmp_path_factory.mktemp("s") / "shipments.csv"
    path.write_bytes(damaged)
    screener = _shipment_screener(bundled_store)
    try:
        for item in screener.screen_all(read_shipments(path)):
            assert isinstance(item, (ShipmentResult, LoadIssue))
    except SourceError:
        pass


_SHIPMENT_SCREENERS: dict = {}


def _shipment_screener(store):
    """One screener for every example (its indexes are built once)."""
    import datetime as dt

    from banscreen.screen import ScreenOptions
    from banscreen.screen.shipments import ShipmentScreener

    key = str(store.root)
    if key not in _SHIPMENT_SCREENERS:
        _SHIPMENT_SCREENERS[key] = ShipmentScreener(store, ScreenOptions(as_of=dt.date(2024, 6, 1)))
    return _SHIPMENT_SCREENERS[key]


def test_xml_with_an_unknown_encoding_is_a_clear_error(tmp_path):
    """Found by the fuzzer: encoding="ATF-8" in the declaration escaped as LookupError."""
    from banscreen.lists.interface import ListError
    from banscreen.lists.ofac_xml import OfacXmlLoader
    from banscreen.sources.equipment import read_assets
    from banscreen.sources.interface import SourceError

    path = tmp_path / "scan.xml"
    path.write_text('<?xml version="1.0" encoding="ATF-8"?>\n<nmaprun></nmaprun>\n')
    with pytest.raises(SourceError, match="unknown encoding: ATF-8"):
        list(read_assets(path, "nmap"))
    with pytest.raises(ListError, match="unknown encoding: ATF-8"):
        OfacXmlLoader().load(path)


@FUZZ
@given(st.text(alphabet="0123456789,\n newzroeasbdif", max_size=300))
def test_fuzzed_transfer_list(text):
    from banscreen.sources.android.formats.block_ota import BlockOtaError, parse_transfer_list

    try:
        ranges, blocks = parse_transfer_list(text)
        assert all(0 <= a < b <= blocks for a, b in ranges)
    except BlockOtaError:
        pass



@pytest.fixture(scope="module")
def payload_bytes(images, tmp_path_factory) -> bytes:
    from tests.test_firmware_images import ab_payload

    folder = tmp_path_factory.mktemp("payload")
    (folder / "system.img").write_bytes(images["ext4"])
    return ab_payload({"system": folder / "system.img"}, folder / "payload.bin").read_bytes()


@FUZZ
@given(data=st.data())
def test_fuzzed_ab_payload(payload_bytes, tmp_path_factory, data):
    head = payload_bytes[:2048]  # header and manifest: offsets, sizes, extents
    damaged = data.draw(mutations(head).map(lambda h: h + payload_bytes[2048:] if len(h) == 2048 else h))
    path = tmp_path_factory.mktemp("pl") / "payload.bin"
    path.write_bytes(damaged)
    for item in android_sources.read(path):
        assert isinstance(item, (LoadIssue, ScanUnit))
