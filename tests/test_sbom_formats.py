"""SBOMs as users have them (issue 22): CycloneDX XML of every spec version and JSON
written by the real generator (cyclonedx-py, over this test environment), SPDX tag-value
written by spdx-tools, SPDX 3.0 JSON-LD, and hand-made files for each edge."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from banscreen.model import Asset, LoadIssue
from banscreen.sources.equipment import read_assets
from banscreen.sources.interface import SourceError

EQUIPMENT = Path(__file__).parent / "data" / "equipment"


def assets(path: Path) -> tuple[list[Asset], list[LoadIssue]]:
    items = list(read_assets(path))
    return [i for i in items if isinstance(i, Asset)], [i for i in items if isinstance(i, LoadIssue)]


def observed(asset: Asset) -> set[tuple[str, str]]:
    return {(o.kind, o.value) for o in asset.observations}


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    """cyclonedx-py's SBOMs of this very environment: XML 1.0-1.6, JSON 1.2-1.6."""
    if shutil.which("cyclonedx-py") is None and not _module("cyclonedx_py"):
        pytest.skip("cyclonedx-py not installed (it comes with the test extras)")
    out = tmp_path_factory.mktemp("cyclonedx")
    runs = [(version, fmt) for version in ("1.0", "1.1", "1.2", "1.3", "1.4", "1.5", "1.6") for fmt in ("XML", "JSON")
            if fmt == "XML" or version in ("1.2", "1.4", "1.6")]
    for k in range(0, len(runs), 2):  # two at a time, one per core
        procs = [subprocess.Popen([sys.executable, "-m", "cyclonedx_py", "environment", "--sv", version, "--of", fmt,
                                   "-o", str(out / f"env-{version}.{fmt.lower()}"), sys.executable],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for version, fmt in runs[k:k + 2]]
        for proc in procs:
            _, err = proc.communicate(timeout=300)
            assert proc.returncode == 0, err.decode()[-500:]
    return out


def _module(name: str) -> bool:
    import importlib.util
    return importlib.util.find_spec(name) is not None


def test_cyclonedx_generator_xml_and_json_of_every_version(generated):
    reference = None
    for path in sorted(generated.iterdir()):
        found, issues = assets(path)
        assert not issues, (path.name, issues[:3])
        labels = sorted(a.label for a in found)
        reference = reference or labels
        assert labels == reference, path.name  # every spec version and encoding: the same components
        purls = {o.value for a in found for o in a.observations if o.kind == "purl"}
        if path.name != "env-1.0.xml" or purls:
            assert "pkg:pypi/rapidfuzz@3.14.6" in purls, path.name
        assert all(a.line > 0 for a in found[1:]), path.name  # each component's line in the file
    assert len(reference) > 100


def test_cyclonedx_xml_every_place_a_vendor_is_named():
    found, issues = assets(EQUIPMENT / "sbom-cyclonedx.xml")
    assert not issues
    by = {a.label: a for a in found}
    assert ("manufacturer", "Example Networks Ltd.") in observed(by["Branch Router BR-7 3.1"])  # metadata
    assert ("supplier", "Huawei Technologies Co., Ltd.") in observed(by["ME909s LTE module firmware 11.617.04.00.00"])
    assert ("author", "HiSilicon Technologies") in observed(by["balong protocol stack 2.1"])  # nested, 1.6 authors
    assert ("manufacturer", "AO Kaspersky Lab") in observed(by["kaspersky Kaspersky Embedded Systems Security 3.3"])
    assert ("supplier", "ZTE Corporation") in observed(by["device management cloud"])  # a service's provider
    openssl = observed(by["openssl 3.0.13"])
    assert ("cpe", "cpe:2.3:a:openssl:openssl:3.0.13:*:*:*:*:*:*:*") in openssl and ("publisher", "OpenSSL Software "
                                                                                      "Foundation") in openssl
    assert by["device management cloud"].line == 42


def test_cyclonedx_xml_screens_like_json(bundled_store):
    from banscreen.screen import EquipmentOptions, open_equipment_screener

    screener, _ = open_equipment_screener(bundled_store, EquipmentOptions(as_of=dt.date(2026, 11, 28)))
    results = {r.asset.label: r for r in screener.screen_all(read_assets(EQUIPMENT / "sbom-cyclonedx.xml"))}
    vendors = {label: {f.vendor for f in r.findings} for label, r in results.items()}
    assert vendors["ME909s LTE module firmware 11.617.04.00.00"] == {"huawei"}
    assert vendors["balong protocol stack 2.1"] == {"huawei"}
    assert vendors["device management cloud"] == {"zte"}
    assert vendors["openssl 3.0.13"] == set()


@pytest.mark.parametrize("version", ["1.0", "1.3", "1.5"])
def test_cyclonedx_xml_namespaces(tmp_path, version):
    path = tmp_path / "bom.xml"
    path.write_text(f'<bom xmlns="http://cyclonedx.org/schema/bom/{version}" version="1"><components>'
                    '<component type="library"><publisher>Hikvision</publisher><name>hik-sdk</name>'
                    '<version>1</version></component></components></bom>')
    found, _ = assets(path)
    assert [a.label for a in found] == ["hik-sdk 1"] and ("publisher", "Hikvision") in observed(found[0])


def test_empty_and_hostile_sboms(tmp_path):
    empty = tmp_path / "empty.xml"
    empty.write_text('<bom xmlns="http://cyclonedx.org/schema/bom/1.4" version="1"><components/></bom>')
    found, issues = assets(empty)
    assert found == [] and "no asset found" in issues[0].reason  # never a silent clean result
    bomb = tmp_path / "bomb.xml"
    bomb.write_text('<?xml version="1.0"?><!DOCTYPE bom [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
                    '<bom xmlns="http://cyclonedx.org/schema/bom/1.4"><components><component><name>&b;</name>'
                    '</component></components></bom>')
    with pytest.raises(SourceError, match="refused"):
        list(read_assets(bomb))
    deep = tmp_path / "deep.xml"
    deep.write_text('<bom xmlns="http://cyclonedx.org/schema/bom/1.4"><components>'
                    + "<component><name>x</name><components>" * 400 + "</components></component>" * 400
                    + "</components></bom>")
    found, _ = assets(deep)
    assert 0 < len(found) <= 202  # nesting past the limit is not followed
    broken = tmp_path / "broken.xml"
    broken.write_text('<bom xmlns="http://cyclonedx.org/schema/bom/1.4">\n<components>\n<component>\n</bom>')
    with pytest.raises(SourceError, match="not well-formed XML") as exc:
        list(read_assets(broken))
    assert exc.value.line == 4


def test_spdx_tag_value_written_by_spdx_tools(tmp_path):
    model = pytest.importorskip("spdx_tools.spdx.model")
    from spdx_tools.spdx.writer.write_anything import write_file

    info = model.CreationInfo(spdx_version="SPDX-2.3", spdx_id="SPDXRef-DOCUMENT", name="camera", data_license="CC0-1.0",
                              document_namespace="https://example.org/spdx/camera-1",
                              creators=[model.Actor(model.ActorType.TOOL, "banscreen-tests")],
                              created=dt.datetime(2026, 12, 1))
    packages = [
        model.Package(spdx_id="SPDXRef-fw", name="DS-2CD2043G2 firmware", version="5.7.3",
                      download_location=model.SpdxNoAssertion(), files_analyzed=False,
                      supplier=model.Actor(model.ActorType.ORGANIZATION, "Hangzhou Hikvision Digital Technology Co., Ltd."),
                      external_references=[model.ExternalPackageRef(
                          model.ExternalPackageRefCategory.SECURITY, "cpe23Type",
                          "cpe:2.3:o:hikvision:ds-2cd2043g2-i_firmware:5.7.3:*:*:*:*:*:*:*")]),
        model.Package(spdx_id="SPDXRef-busybox", name="busybox", version="1.36.1",
                      download_location=model.SpdxNoAssertion(), files_analyzed=False,
                      supplier=model.Actor(model.ActorType.PERSON, "Erik Andersen", "andersen@codepoet.org"))]
    doc = model.Document(info, packages=packages, relationships=[
        model.Relationship("SPDXRef-DOCUMENT", model.RelationshipType.DESCRIBES, "SPDXRef-fw")])
    write_file(doc, str(tmp_path / "camera.spdx"), validate=True)
    write_file(doc, str(tmp_path / "camera.spdx.json"), validate=True)
    tag_value, issues = assets(tmp_path / "camera.spdx")
    as_json, _ = assets(tmp_path / "camera.spdx.json")
    assert not issues
    assert [(a.label, observed(a)) for a in tag_value] == [(a.label, observed(a)) for a in as_json]
    fw = tag_value[0]
    assert ("supplier", "Hangzhou Hikvision Digital Technology Co., Ltd.") in observed(fw)
    assert fw.line == (tmp_path / "camera.spdx").read_text().splitlines().index("PackageName: DS-2CD2043G2 firmware") + 1
    assert ("supplier", "Erik Andersen") in observed(tag_value[1])


def test_spdx_tag_value_edges():
    found, issues = assets(EQUIPMENT / "sbom.spdx")
    assert [a.label for a in found] == ["NVR firmware 4.0.1", "busybox 1.36.1"]
    nvr, busybox = found
    suppliers = {v for k, v in observed(nvr) if k == "supplier"}
    assert suppliers == {"Zhejiang Dahua Technology Co., Ltd."}  # not the line inside <text>, nor the file's
    assert any(k == "cpe" for k, _ in observed(nvr)) and nvr.line == 12
    assert ("purl", "pkg:generic/busybox@1.36.1") in observed(busybox)
    assert [(i.line, i.reason) for i in issues] == [(34, "ExternalRef needs a category, a type and a locator")]


def test_spdx3_json_ld():
    found, issues = assets(EQUIPMENT / "sbom-spdx3.json")
    assert not issues and [a.label for a in found] == ["PD985 radio firmware A9.00", "zlib 1.3.1"]
    assert ("supplier", "Hytera Communications Corporation Limited") in observed(found[0])
    assert ("cpe", "cpe:2.3:a:zlib:zlib:1.3.1:*:*:*:*:*:*:*") in observed(found[1])


def test_json_sbom_marker_far_from_the_head(tmp_path):
    """Writers order keys as they like: "bomFormat" may come after megabytes of components."""
    import json

    doc = {"components": [{"name": f"lib{i}", "version": "1", "bom-ref": f"lib{i}", "description": "x" * 200}
                          for i in range(200)] + [{"name": "hik", "publisher": "Hikvision"}],
           "bomFormat": "CycloneDX", "specVersion": "1.5"}
    path = tmp_path / "late.json"
    path.write_text(json.dumps(doc, indent=1))
    found, _ = assets(path)
    assert len(found) == 201 and ("publisher", "Hikvision") in observed(found[-1])


def test_screen_equipment_on_a_file_with_no_asset_exits_2(tmp_path, bundled_home, capsys, monkeypatch):
    from banscreen import cli

    empty = tmp_path / "empty.cdx.json"
    empty.write_text('{"bomFormat": "CycloneDX", "specVersion": "1.5", "components": []}')
    monkeypatch.setattr(sys, "argv", ["banscreen", "screen", "equipment", str(empty), "--home", str(bundled_home)])
    with pytest.raises(SystemExit) as exc:
        cli.main()
    out = capsys.readouterr()
    assert exc.value.code == 2 and "no asset found" in out.out + out.err
