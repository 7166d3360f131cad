"""The command line as a user runs it: exit codes, output contracts, bad input."""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path

import pytest

from banscreen import cli

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "parties.csv"


@pytest.fixture()
def run(bundled_home, capsys, monkeypatch):
    def invoke(*args: str):
        monkeypatch.setattr(sys, "argv", ["banscreen", *args, "--home", str(bundled_home)])
        with pytest.raises(SystemExit) as exc:
            cli.main()
        captured = capsys.readouterr()
        assert "Traceback" not in captured.err and "Traceback" not in captured.out
        return exc.value.code, captured.out, captured.err
    return invoke


def records(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


def write(path: Path, text: str, encoding="utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def test_example_file_json_contract(run):
    code, out, err = run("screen", "parties", str(EXAMPLE), "--format", "json", "--as-of", "2018-05-01")
    assert code == 1
    rows = records(out)
    assert [r["row"] for r in rows] == list(range(1, 21))  # one object per input row, in order
    zte = rows[0]
    assert zte["input"]["name"] == "ZTE Corporation" and zte["input"]["customer_id"] == "C-1001"
    m = zte["matches"][0]
    for key in ("list", "entry_id", "name", "matched_name", "score", "kind", "start_date", "end_date",
                "list_version", "explanation"):
        assert key in m
    assert (m["list"], m["start_date"], m["end_date"]) == ("DPL", "2018-04-15", "2018-07-13")
    assert 0.0 <= m["score"] <= 1.0 and m["list_version"].startswith("telecom@")
    cuba = next(r for r in rows if r["input"]["name"] == "Banco Nacional de Cuba")
    assert cuba["destinations"][0]["code"] == "CU" and cuba["destinations"][0]["start_date"] == "1962-02-07"
    assert "screening as of 2018-05-01" in err


def test_destination_only_row_counts_as_hit(run, tmp_path):
    f = write(tmp_path / "p.csv", "name,country,address\nPort Services,Ukraine,Sevastopol\n")
    code, out, _ = run("screen", "parties", str(f), "-f", "json", "-q")
    assert code == 1
    row = records(out)[0]
    assert row["matches"] == [] and row["destinations"][0]["code"] == "CRIMEA"


def test_clean_file_exits_zero(run, tmp_path):
    f = write(tmp_path / "clean.csv", "name,country\nNordic Fibre Networks AB,Sweden\nAcme Cable Supply LLC,US\n")
    code, out, _ = run("screen", "parties", str(f), "-q")
    assert code == 0 and "2 rows screened, 0 with findings" in out


def test_table_output_for_people(run):
    code, out, _ = run("screen", "parties", str(EXAMPLE), "-q")
    assert code == 1
    assert "Screening findings" in out and "Huawei Technologies" in out and "FCC-CL" in out


def test_csv_output_one_line_per_finding(run, tmp_path):
    target = tmp_path / "out.csv"
    code, _, _ = run("screen", "parties", str(EXAMPLE), "-f", "csv", "-o", str(target), "-q")
    assert code == 1
    rows = list(csv.DictReader(io.StringIO(target.read_text())))
    assert {r["rule"].split("/")[1] for r in rows} == {"list", "destination"}
    assert any(r["list"] == "FCC-CL" and r["subject"] == "ZTE Corporation" for r in rows)
    assert all(r["file"] == str(EXAMPLE) and r["screen"] == "parties" for r in rows)


def test_column_mapping_and_lists_filter(run, tmp_path):
    f = write(tmp_path / "p.csv", "Kunde;Land\nZTE Corporation;CN\n")
    code, out, err = run("screen", "parties", str(f), "--name-col", "Kunde", "--country-col", "Land",
                         "--lists", "ndaa-889", "-f", "json", "-q")
    assert code == 1
    assert {m["list"] for m in records(out)[0]["matches"]} == {"NDAA-889"}


def test_missing_name_column(run, tmp_path):
    f = write(tmp_path / "p.csv", "company_code,land\nX1,CN\n")
    code, _, err = run("screen", "parties", str(f))
    assert code == 2 and "no name column found" in err and "--name-col" in err
    code, _, err = run("screen", "parties", str(f), "--name-col", "nope")
    assert code == 2 and "no column 'nope'" in err


def test_ragged_rows_reported_with_line_and_rest_processed(run, tmp_path):
    f = write(tmp_path / "p.csv", "name,country\nZTE Corporation,CN\nbroken,row,extra\nAcme LLC,US\n,US\n")
    code, out, err = run("screen", "parties", str(f), "-f", "json")
    assert code == 2
    rows = records(out)
    assert [r.get("error") for r in rows] == [None, "expected 2 fields as in the header, found 3", None,
                                             "empty name in column 'name'"]
    assert rows[1]["line"] == 3 and rows[3]["line"] == 5
    assert rows[2]["input"]["name"] == "Acme LLC"  # later rows still screened
    assert f"{f}:3: expected 2 fields" in err.replace("\n", "")


def test_strict_mode_stops(run, tmp_path):
    f = write(tmp_path / "p.csv", "name,country\nZTE Corporation,CN\nbroken,row,extra\nAcme LLC,US\n")
    code, out, err = run("screen", "parties", str(f), "-f", "json", "--strict", "-q")
    assert code == 2 and "stopped: --strict" in err
    assert len(records(out)) == 1


def test_bad_encoding(run, tmp_path):
    f = write(tmp_path / "p.csv", "name,country\nSociété Générale,FR\nZTE Corporation,CN\n", encoding="cp1252")
    code, out, err = run("screen", "parties", str(f), "-f", "json")
    assert code == 2 and "--encoding" in err
    rows = records(out)
    assert rows[0]["error"].startswith("not valid utf-8-sig text") and rows[0]["line"] == 2
    assert rows[1]["matches"]  # the next row was still screened
    code, out, _ = run("screen", "parties", str(f), "-f", "json", "--encoding", "cp1252", "-q")
    assert code == 1 and records(out)[0]["subject"]["name"] == "Société Générale"


def test_xlsx_input(run, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Supplier Name", "Country"])
    ws.append(["Hangzhou Hikvision Digital Technology Co., Ltd.", "China"])
    ws.append(["Nordic Fibre Networks AB", "Sweden"])
    path = tmp_path / "suppliers.xlsx"
    wb.save(path)
    code, out, _ = run("screen", "parties", str(path), "-f", "json", "-q")
    assert code == 1
    rows = records(out)
    assert rows[0]["line"] == 2 and any(m["list"] == "FCC-CL" for m in rows[0]["matches"])
    assert rows[1]["matches"] == []


def test_jsonl_input_with_bad_line(run, tmp_path):
    f = write(tmp_path / "p.jsonl", '{"name": "Mahan Air", "country": "IR"}\n{not json\n[1, 2]\n')
    code, out, err = run("screen", "parties", str(f), "-f", "json")
    assert code == 2
    rows = records(out)
    assert rows[0]["matches"][0]["name"] == "MAHAN AIR"
    assert rows[1]["error"].startswith("not valid JSON") and rows[1]["line"] == 2
    assert rows[2]["error"] == "expected a JSON object, found list"


@pytest.mark.parametrize("args,message", [
    (["--as-of", "2018-13-01"], "--as-of: not a date"),
    (["--lists", "SDN,NOPE"], "unknown list code(s) NOPE"),
    (["--format", "pdf"], "--format: choose one of"),
    (["--list-version", "csl"], "expected DATASET=VERSION"),
    (["--list-version", "csl=nonesuch"], "no version matches"),
])
def test_usage_errors(run, args, message):
    code, _, err = run("screen", "parties", str(EXAMPLE), *args)
    assert code == 2 and message in err


def test_missing_file(run, tmp_path):
    code, _, err = run("screen", "parties", str(tmp_path / "nope.csv"))
    assert code == 2 and "no such file" in err


def test_lists_commands(run, lists_dir, tmp_path, monkeypatch, capsys):
    home = tmp_path / "home"

    def lists(*args):
        monkeypatch.setattr(sys, "argv", ["banscreen", "lists", *args, "--home", str(home)])
        with pytest.raises(SystemExit) as exc:
            cli.main()
        c = capsys.readouterr()
        return exc.value.code, c.out + c.err

    code, out = lists("import", str(lists_dir / "bis-dpl-2023-11_moov-watchman" / "dpl.txt"), "--dataset", "dpl-x")
    assert code == 0 and "imported dpl-x@2023-11-28" in out and "665 rows" in out
    code, out = lists("import", str(lists_dir / "bis-dpl-2023-11_moov-watchman" / "dpl.txt"), "--dataset", "dpl-x")
    assert code == 0 and "unchanged" in out
    code, out = lists("import", str(lists_dir / "bis-dpl-2018-08_peoplecheck" / "dpl.txt"), "--dataset", "dpl-x")
    assert code == 0
    code, out = lists("history", "dpl-x")
    assert code == 0 and "2018-08-03" in out and "2023-11-28" in out
    code, out = lists("diff", "dpl-x")  # oldest-published first: 2018 -> 2023
    assert code == 0 and "added" in out and "removed" in out
    code, out = lists("show")
    assert code == 0 and "telecom" in out and "dpl-x" in out
    code, out = lists("show", "telecom", "--entry", "zte-denial-2018")
    assert code == 0 and "83 FR 17644" in out
    code, out = lists("show", "csl", "--grep", "huawei marine")
    assert code == 0 and "Huawei Marine Networks" in out
    code, out = lists("import", str(tmp_path / "missing.csv"))
    assert code == 2 and "no such file" in out


def test_compare_two_names(run):
    code, out, _ = run("compare", "Huawai Technologies Co Ltd", "华为技术有限公司")
    assert code == 1
    record = json.loads(out)
    assert record["match"] is True and 0.85 < record["score"] <= 1.0
    assert record["explanation"]["name2_normalized"] == "huawei technology [ltd]"
    assert "huawai~huawei" in record["explanation"]["features"][0]["detail"]


def test_compare_pairs_file(run, tmp_path):
    f = write(tmp_path / "pairs.csv", "name1,name2,kind\nJoesph Talyi,JOSEPH TALYI,person\n"
                                      "Cook Inc,Crook,organization\n,x,\n")
    code, out, err = run("compare", "--pairs", str(f))
    assert code == 2 and f"{f}:4: name1 and name2 must both be given" in err
    rows = records(out)
    assert [r.get("match") for r in rows] == [True, False, None]
    assert rows[0]["kind"] == "person" and rows[0]["line"] == 2
    assert any(feat["name"] == "single_token" for feat in rows[1]["explanation"]["features"])
    code, _, err = run("compare", "only-one-name")
    assert code == 2 and "give two names" in err


def test_markup_like_text_is_printed_verbatim(run, tmp_path):
    f = write(tmp_path / "[bold]odd[red].csv", "company_code\nX\n")
    code, _, err = run("screen", "parties", str(f))
    assert code == 2 and "[bold]odd[red].csv" in err


EQUIPMENT = REPO / "tests" / "data" / "equipment"


def test_screen_equipment_json_contract(run):
    code, out, err = run("screen", "equipment", str(EQUIPMENT / "scan.xml"), str(EQUIPMENT / "walk-zte.txt"),
                         "-f", "json")
    assert code == 1
    rows = records(out)
    assert len(rows) == 6 and {r["file"] for r in rows} == {str(EQUIPMENT / "scan.xml"), str(EQUIPMENT / "walk-zte.txt")}
    switch = rows[0]
    assert switch["row"] == 1 and switch["input"]["ipv4"] == "10.20.0.1"
    finding = switch["findings"][0]
    for key in ("entity", "list", "entry_id", "added", "signals", "confidence"):
        assert key in finding
    assert finding["entity"] == "Huawei Technologies Co., Ltd." and finding["confidence"] == "high"
    assert {"kind", "value", "detail"} <= set(finding["signals"][0])
    assert "Huawei Technologies Co., Ltd.: 1 asset (1 high)" in err  # summary by covered vendor
    assert "OUI data: netaddr 1.3.0" in err


def test_screen_equipment_lists_filter_and_clean_exit(run, tmp_path):
    f = write(tmp_path / "inv.csv", "hostname,vendor,model\nrtr-1,Cisco,ISR4331\nap-1,Ubiquiti,U6-Pro\n")
    code, out, _ = run("screen", "equipment", str(f), "-q")
    assert code == 0 and "2 assets screened, 0 with covered-vendor findings" in out
    code, out, _ = run("screen", "equipment", str(EQUIPMENT / "inventory.csv"), "--lists", "NDAA-889", "-f", "csv",
                       "-q")
    assert code == 1
    assert {row["list"] for row in csv.DictReader(io.StringIO(out))} == {"NDAA-889"}


def test_screen_equipment_bad_inputs(run):
    code, _, err = run("screen", "equipment", str(EQUIPMENT / "bomb.xml"), "--format-in", "nmap")
    assert code == 2 and "refused" in err
    code, _, err = run("screen", "equipment", str(EQUIPMENT / "broken-sbom.json"))
    assert code == 2 and "broken-sbom.json:4: not valid JSON" in err
    code, out, err = run("screen", "equipment", str(EQUIPMENT / "macs.txt"), "-f", "json")
    assert code == 2 and "macs.txt:5: not a MAC address" in err
    assert [r.get("error") for r in records(out)].count(None) == 4
    code, _, err = run("screen", "equipment", str(EQUIPMENT / "scan.xml"), "--format-in", "pcap")
    assert code == 2 and "unknown equipment input format" in err
