"""Every output format, for both screens: SARIF and JSON validated against their
schemas, CSV and HTML checked for content and self-containment."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from importlib import resources
from pathlib import Path

import jsonschema
import pytest

from banscreen.model import LoadIssue
from banscreen.report import FORMATS, ReportContext
from banscreen.screen import EquipmentOptions, ScreenOptions, open_equipment_screener, open_screener
from banscreen.sources import read_parties
from banscreen.sources.equipment import read_assets

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "parties.csv"
EQUIPMENT = REPO / "tests" / "data" / "equipment"
SARIF_SCHEMA = json.loads((REPO / "tests" / "data" / "schemas" / "sarif-schema-2.1.0.json").read_text())


def schema(name: str) -> dict:
    return json.loads(resources.files("banscreen.data").joinpath("schemas", name).read_text())


def with_bad_row(tmp_path) -> Path:
    f = tmp_path / "parties.csv"
    f.write_text(EXAMPLE.read_text() + "C-9999,broken,row,with,too,many\n", encoding="utf-8")
    return f


@pytest.fixture()
def party_run(bundled_store, tmp_path):
    path = with_bad_row(tmp_path)
    options = ScreenOptions(as_of=dt.date(2026, 11, 28))
    screener, selection = open_screener(bundled_store, options)
    context = ReportContext.build("parties", options.as_of, selection.versions, [path], {"min_score": 0.75},
                                  command="banscreen screen parties parties.csv")

    def render(fmt: str) -> str:
        buf = io.StringIO()
        FORMATS[fmt](screen="parties", context=context).write(screener.screen_all(read_parties(path)), buf)
        return buf.getvalue()
    return render, path


@pytest.fixture()
def equipment_run(bundled_store):
    options = EquipmentOptions(as_of=dt.date(2026, 11, 28))
    screener, selection = open_equipment_screener(bundled_store, options)
    files = [EQUIPMENT / "scan.xml", EQUIPMENT / "macs.txt", EQUIPMENT / "sbom-cyclonedx.json"]
    context = ReportContext.build("equipment", options.as_of, selection.versions, files, {},
                                  notes=["OUI data: netaddr 1.3.0 (IEEE MA-L registry file of 2024-05-20)"])

    def render(fmt: str) -> str:
        items = (r for f in files for r in screener.screen_all(read_assets(f)))
        buf = io.StringIO()
        FORMATS[fmt](screen="equipment", context=context).write(items, buf)
        return buf.getvalue()
    return render


def test_sarif_parties_valid(party_run):
    render, path = party_run
    doc = json.loads(render("sarif"))
    jsonschema.validate(doc, SARIF_SCHEMA)
    run = doc["runs"][0]
    rule_ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert len(rule_ids) == len(set(rule_ids)) and "parties/list/EL" in rule_ids
    assert "parties/destination/CU" in rule_ids
    zte = [r for r in run["results"] if r["properties"]["subject"] == "ZTE Corporation"]
    assert zte and all(r["locations"][0]["physicalLocation"]["region"]["startLine"] == 2 for r in zte)
    assert {r["level"] for r in run["results"]} <= {"error", "warning", "note"}
    assert run["artifacts"][0]["hashes"]["sha-256"] == ReportContext.build("p", dt.date.today(), [], [path],
                                                                          {}).inputs[0]["sha256"]
    notes = run["invocations"][0]["toolExecutionNotifications"]
    assert len(notes) == 1 and "expected 5 fields" in notes[0]["message"]["text"]
    assert run["properties"]["asOf"] == "2026-11-28" and run["properties"]["listVersions"]


def test_sarif_equipment_valid(equipment_run):
    doc = json.loads(equipment_run("sarif"))
    jsonschema.validate(doc, SARIF_SCHEMA)
    results = doc["runs"][0]["results"]
    # Kaspersky's software is under the ICTS determination from 2024-07-20 as well
    assert {r["ruleId"] for r in results} == {"equipment/covered/FCC-CL", "equipment/covered/NDAA-889",
                                              "equipment/covered/ICTS"}
    levels = {r["properties"]["subject"]: r["level"] for r in results}
    assert levels["core-sw-01.example.net (10.20.0.1)"] == "error" and levels["10.20.0.7"] == "note"


def test_json_lines_match_their_schemas(party_run, equipment_run):
    render, _ = party_run
    party_schema = schema("parties-result.schema.json")
    rows = [json.loads(line) for line in render("json").splitlines()]
    assert len(rows) == 21
    for row in rows:
        jsonschema.validate(row, party_schema)
    assert rows[-1]["error"]
    equipment_schema = schema("equipment-result.schema.json")
    records = [json.loads(line) for line in equipment_run("json").splitlines()]
    for record in records:
        jsonschema.validate(record, equipment_schema)
    assert any(r.get("error") for r in records) and any(r.get("findings") for r in records)


def test_schema_rejects_a_broken_record():
    bad = {"row": 1, "line": 2, "input": {}, "subject": {"name": "x", "country": "", "address": "", "id": ""},
           "matches": [{"list": "EL", "score": 1.7}], "destinations": []}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schema("parties-result.schema.json"))


def test_csv_one_line_per_finding(party_run, equipment_run):
    render, _ = party_run
    rows = list(csv.DictReader(io.StringIO(render("csv"))))
    assert rows[-1]["rule"] == "input/unreadable" and rows[-1]["line"] == "22"
    zte = [r for r in rows if r["subject"] == "ZTE Corporation"]
    assert {r["list"] for r in zte} == {"FCC-CL", "NDAA-889"}
    eq = list(csv.DictReader(io.StringIO(equipment_run("csv"))))
    assert {r["screen"] for r in eq} == {"equipment"}
    assert {r["severity"] for r in eq} <= {"error", "warning", "note", }
    assert csv.DictReader(io.StringIO(render("csv"))).fieldnames == \
        csv.DictReader(io.StringIO(equipment_run("csv"))).fieldnames  # the same columns for every screen


def test_html_is_self_contained_with_provenance(party_run):
    render, path = party_run
    page = render("html")
    assert not re.search(r"<(script|link|img)[^>]+(src|href)=\"https?:", page)  # nothing fetched
    findings = len(list(csv.DictReader(io.StringIO(render("csv"))))) - 1  # less the unreadable row
    assert page.count('<tr data-severity="') == findings > 30
    assert 'id="chart-by-list"' in page and 'id="chart-scores"' in page and "<svg" in page
    assert "csl@2022-05-16" in page and "telecom@" in page  # list versions
    assert ReportContext.build("p", dt.date.today(), [], [path], {}).inputs[0]["sha256"] in page
    assert "expected 5 fields as in the header" in page  # the unreadable row is listed


def test_html_escapes_input():
    from banscreen.model import Finding
    from banscreen.report.html import HtmlFormat
    from banscreen.report.interface import RunSummary

    hostile = "<script>alert(1)</script>"
    f = Finding(screen="parties", rule="parties/list/EL", rule_name="BIS Entity List", severity="error",
                title=hostile, message=f"matches {hostile}", file="x.csv", line=2, row=1, subject=hostile,
                list="EL", detail={"name": hostile})
    page = HtmlFormat().render([f], [LoadIssue("x.csv", 3, hostile)], RunSummary(rows=2, hits=1, errors=1))
    assert hostile not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_html_equipment_charts(equipment_run):
    page = equipment_run("html")
    assert 'id="chart-by-vendor"' in page and "Huawei Technologies Co., Ltd." in page
    assert "OUI data: netaddr" in page


def test_progress_total_counts_data_lines(tmp_path):
    from banscreen.cli.common import progress_total as _progress_total

    f = tmp_path / "a.csv"
    f.write_text("h\n1\n2\n3\n")
    assert _progress_total([f]) == 3
    assert _progress_total([EQUIPMENT / "scan.xml"]) is None


def test_unreadable_rows_are_not_findings(party_run):
    from banscreen.report.findings import report_findings as findings_of

    assert findings_of(LoadIssue("x", 1, "bad")) == []


def test_the_table_says_which_feature_set_the_score(tmp_path, bundled_store):
    """The table's "Why" is the feature that set the score, named, and what lowered it:
    an extra middle name is found as `fewer names`, a list name inside a longer name as
    `contained` (it showed the token comparison, which scored lower, for every match)."""
    from rich.console import Console

    from banscreen.report.table import TableFormat

    src = tmp_path / "p.csv"
    src.write_text("name,country\nHassan Zebulon Khalil,\n"
                   "JUNIPER EL VIEJO LUIS DISTRIBUIDORA S.A. DE C.V.,\nHuawei Technologies AG,\n",
                   encoding="utf-8")
    screener, _ = open_screener(bundled_store, ScreenOptions())
    results = [screener.screen(item) for item in read_parties(src)]
    out = io.StringIO()
    TableFormat("parties", console=Console(file=out, width=1000)).write(results, out)  # (no cell wrapped)
    text = out.getvalue()
    assert "fewer names: every name of 'khalil hassan' is in 'hassan zebulon khalil'" in text
    assert "contained: list name 'el viejo luis' found whole in the query" in text
    assert "same normalized name 'huawei technologies' (legal form -0.03)" in text  # AG against CO., LTD.
