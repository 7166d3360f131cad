"""Shipment decisions (screen/shipments.py, match/export_rules.py), checked on known
history with the bundled lists (the real CSL of 2022-05, DPLs of 2018-08 and 2023-11,
OFAC SDN of 2024-05, and the curated telecom list):

- ZTE's denial order: activated 2018-04-15, terminated 2018-07-13 (83 FR 17644; 83 FR
  34825): a shipment to ZTE as end user on 2018-05-01 is prohibited; on 2018-08-01 the
  denial order no longer applies.
- Huawei's Entity List listing: effective 2019-05-16, published 2019-05-21 at 84 FR 22961,
  for all items subject to the EAR, presumption of denial: nothing on 2019-05-10, a
  licence requirement on 2019-05-18 (from the curated listing's effective date: the
  CSL gives the publication date) and on 2019-06-03.
- Iran (31 CFR 560, since 1995-05-06) and Crimea (EO 13685, since 2014-12-19) as
  destinations: embargo."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import json

import pytest

from banscreen.match.export_rules import STRONG_MATCH, meu_items, parse_requirement
from banscreen.model import Outcome, Shipment, ShipmentParty
from banscreen.reference.classification import ClassificationError, classification
from banscreen.screen import ScreenOptions
from banscreen.screen.shipments import ShipmentScreener
from banscreen.sources.shipments import read_shipments
from tests.test_cases import cli_call


@pytest.fixture()
def shipments(bundled_store) -> ShipmentScreener:
    return ShipmentScreener(bundled_store, ScreenOptions(as_of=dt.date(2024, 6, 1)))


def decide(screener: ShipmentScreener, day: dt.date, *parties: tuple[str, str, str], eccn: str = "",
           destination: str = ""):
    shipment = Shipment(row=1, line=2, id="t", parties=tuple(ShipmentParty(*p) for p in parties),
                        destination=destination, eccn=eccn, ship_date=day)
    return screener.screen(shipment)


def test_zte_denial_order_prohibits_only_while_in_force(shipments):
    during = decide(shipments, dt.date(2018, 5, 1), ("end_user", "ZTE Corporation", "CN"), eccn="5A002")
    assert during.outcome is Outcome.PROHIBITED
    reason = during.reasons[0]
    assert (reason.rule, reason.role, reason.list) == ("denial_order", "end_user", "DPL")
    assert "83 FR 17644" in reason.citation and "764.3" in reason.citation and reason.list_version
    after = decide(shipments, dt.date(2018, 8, 1), ("end_user", "ZTE Corporation", "CN"), eccn="5A002")
    assert all(r.rule != "denial_order" for r in after.reasons)
    assert after.outcome is not Outcome.PROHIBITED


@pytest.mark.parametrize("day, listed", [(dt.date(2019, 5, 10), False), (dt.date(2019, 5, 18), True),
                                         (dt.date(2019, 6, 3), True)])
def test_huawei_entity_list_from_its_effective_date(shipments, day, listed):
    result = decide(shipments, day, ("ultimate_consignee", "Huawei Technologies Co., Ltd.", "CN"), eccn="5A992.c")
    el = [r for r in result.reasons if r.rule == "entity_list"]
    if not listed:
        assert not el and result.outcome is Outcome.NONE
        return
    assert result.outcome is Outcome.LICENSE_REQUIRED
    assert any("Presumption of denial" in r.detail and "84 FR 22961" in r.citation for r in el)
    assert all(r.role == "ultimate_consignee" and r.party == "Huawei Technologies Co., Ltd." for r in el)
    if day < dt.date(2019, 5, 21):  # before the publication date only the curated listing holds
        assert {r.entry_id for r in el} == {"huawei-el-2019"}
        assert "effective 2019-05-16" in el[0].citation


def test_ear99_item_to_an_entity_listed_for_all_items(shipments):
    result = decide(shipments, dt.date(2019, 6, 3), ("end_user", "Huawei Technologies Co., Ltd.", "CN"),
                    eccn="EAR99")
    assert result.outcome is Outcome.LICENSE_REQUIRED
    assert any("all items subject to the EAR" in r.detail and "EAR99" in r.detail for r in result.reasons)


def test_a_listed_intermediate_consignee_is_named_by_its_role(shipments):
    result = decide(shipments, dt.date(2023, 6, 1), ("purchaser", "Nordic Fibre Networks AB", "SE"),
                    ("intermediate_consignee", "Huawei Technologies Co., Ltd.", "CN"),
                    ("ultimate_consignee", "Baltic Cable Works", "LV"), eccn="EAR99", destination="LV")
    assert result.outcome is Outcome.LICENSE_REQUIRED
    decisive = [r for r in result.reasons if r.outcome is Outcome.LICENSE_REQUIRED]
    assert decisive and {r.role for r in decisive} == {"intermediate_consignee"}
    # the covered-vendor bars are there too, for review, and named the same way
    assert any(r.rule == "covered_vendor" and r.outcome is Outcome.REVIEW for r in result.reasons)


@pytest.mark.parametrize("destination, code, since", [("Iran", "IR", dt.date(1995, 5, 6)),
                                                       ("Crimea", "CRIMEA", dt.date(2014, 12, 19))])
def test_embargoed_destination(shipments, destination, code, since):
    result = decide(shipments, dt.date(2023, 3, 1), ("ultimate_consignee", "Nordic Fibre Networks AB", "SE"),
                    destination=destination)
    assert result.outcome is Outcome.LICENSE_REQUIRED
    (reason,) = [r for r in result.reasons if r.rule == "embargo"]
    assert reason.entry_id == code and f"since {since}" in reason.detail and reason.citation
    before = decide(shipments, since - dt.timedelta(days=1), ("ultimate_consignee", "Nordic Fibre Networks AB", "SE"),
                    destination=destination)
    assert all(r.rule != "embargo" for r in before.reasons)


def test_military_end_user_depends_on_the_item(shipments, bundled_store):
    meu = next(e for v in bundled_store.select(dt.date(2022, 6, 1)).versions for e in bundled_store.entries(v)
               if e.list == "MEU")
    party = ("end_user", meu.name, meu.countries[0] if meu.countries else "")
    day = dt.date(2022, 6, 1)
    assert decide(shipments, day, party, eccn="5A992.c").outcome is Outcome.LICENSE_REQUIRED
    unknown = decide(shipments, day, party, eccn="")
    assert unknown.outcome is Outcome.REVIEW and unknown.reasons[0].classification_mattered
    clear = decide(shipments, day, party, eccn="EAR99")
    assert clear.outcome is Outcome.NONE and clear.reasons  # the listing is still shown, as information
    assert "not in Supplement No. 2" in clear.reasons[0].detail
    assert meu_items().citation.startswith("15 CFR part 744, Supplement No. 2")


def test_unverified_list_and_weak_matches_ask_for_review(shipments, bundled_store):
    uvl = next(e for v in bundled_store.select(dt.date(2022, 6, 1)).versions for e in bundled_store.entries(v)
               if e.list == "UVL" and e.in_force(dt.date(2022, 6, 1)))
    result = decide(shipments, dt.date(2022, 6, 1), ("ultimate_consignee", uvl.name, ""))
    assert result.outcome is Outcome.REVIEW and any(r.rule == "unverified_list" for r in result.reasons)
    weak = decide(shipments, dt.date(2023, 6, 1), ("end_user", "Huawei Tech Investment Holdings", "CN"))
    weak_reasons = [r for r in weak.reasons if r.rule == "weak_match"]
    assert weak_reasons and all(r.score < STRONG_MATCH and r.outcome is Outcome.REVIEW for r in weak_reasons)
    assert any("if this is the listed party, license_required" in r.detail for r in weak_reasons)


def test_every_entity_list_requirement_of_the_real_csl_is_read(lists_dir):
    path = lists_dir / "trade-gov-csl-2022-05_moov-watchman" / "consolidated.csv.gz"
    rows = list(csv.DictReader(io.TextIOWrapper(gzip.open(path), encoding="utf-8")))
    scopes = {}
    for row in rows:
        if row["license_requirement"]:
            code = "MEU" if "(MEU)" in row["source"] else "EL"
            req = parse_requirement(row["license_requirement"], code)
            scopes[req.scope] = scopes.get(req.scope, 0) + 1
            assert req.scope != "unknown", row["license_requirement"]
    assert scopes["all"] > 1000 and scopes["supplement2"] > 50
    huawei = parse_requirement("For all items subject to the EAR, see §§ 736.2(b)(3)(vi), and 744.11 of the EAR, "
                               "EXCEPT for technology subject to the EAR that is designated as EAR99, or controlled "
                               "on the Commerce Control List for anti-terrorism reasons only, when released to "
                               "members of a “standards organization”")
    assert huawei.scope == "all" and huawei.excepted == ("EAR99",) and huawei.exception.startswith("technology")
    projects = parse_requirement("For all items subject to the EAR when used in projects specified in §746.5 of the "
                                 "EAR.")
    assert projects.condition == "when used in projects specified in §746.5 of the EAR"


def test_conditions_and_exceptions_give_review(shipments, bundled_store):
    day = dt.date(2022, 6, 1)
    entries = [e for v in bundled_store.select(day).versions for e in bundled_store.entries(v)
               if e.list == "EL" and e.in_force(day)]
    projects = next(e for e in entries if "when used in projects" in e.license_requirement)
    result = decide(shipments, day, ("end_user", projects.name, ""), eccn="EAR99")
    assert result.outcome is Outcome.REVIEW and "the end use decides" in result.reasons[0].detail
    food = next(e for e in entries if "food or medicine designated as EAR99" in e.license_requirement)
    assert decide(shipments, day, ("end_user", food.name, ""), eccn="EAR99").outcome is Outcome.REVIEW
    assert decide(shipments, day, ("end_user", food.name, ""), eccn="5A002").outcome is Outcome.LICENSE_REQUIRED


def test_classification_is_normalized_or_refused():
    assert classification(" ear 99 ") == "EAR99" and classification("5a992.C") == "5A992.c"
    assert classification("") == ""
    with pytest.raises(ClassificationError):
        classification("5X002")


def test_reader_finds_usual_columns_and_reports_bad_rows(tmp_path):
    f = tmp_path / "s.csv"
    f.write_text("Shipment ID,End User,End-User Country,Intermediate consignee,DESTINATION COUNTRY,Eccn,Ship Date\n"
                 "A1,ZTE Corporation,CN,,CN,5A002,2018-05-01\n"
                 "A2,,,,CN,EAR99,2018-05-01\n"
                 "A3,Acme,DE,,DE,5Z999,2018-05-01\n"
                 "A4,Acme,DE,,DE,EAR99,01/05/2018\n"
                 "A5,Acme,DE,Forwarding Co,DE,,\n", encoding="utf-8")
    items = list(read_shipments(f))
    first = items[0]
    assert first.id == "A1" and first.parties == (ShipmentParty("end_user", "ZTE Corporation", "CN"),)
    assert first.ship_date == dt.date(2018, 5, 1) and first.eccn == "5A002" and first.destination == "CN"
    assert [getattr(i, "line", None) for i in items[1:4]] == [3, 4, 5]
    assert "no party named" in items[1].reason and "5Z999" in items[2].reason and "not a date" in items[3].reason
    last = items[4]
    assert last.ship_date is None and last.eccn == ""
    assert [(p.role, p.name) for p in last.parties] == [("intermediate_consignee", "Forwarding Co"), ("end_user", "Acme")]


def test_reader_reads_jsonl_and_xlsx(tmp_path):
    import openpyxl

    rows = [{"shipment_id": "J1", "purchaser": "Acme", "ultimate_consignee": "ZTE Corporation",
             "ultimate_consignee_country": "CN", "destination_country": "CN", "eccn": "EAR99",
             "ship_date": "2018-05-01"}]
    jl = tmp_path / "s.jsonl"
    jl.write_text("\n".join(json.dumps(r) for r in rows) + "\n{broken\n", encoding="utf-8")
    items = list(read_shipments(jl))
    assert items[0].parties[1] == ShipmentParty("ultimate_consignee", "ZTE Corporation", "CN")
    assert items[1].line == 2  # the broken line, reported, not dropped
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(list(rows[0]))
    ws.append([*list(rows[0].values())[:-1], dt.datetime(2018, 5, 1)])
    xl = tmp_path / "s.xlsx"
    wb.save(xl)
    (shipment,) = list(read_shipments(xl))
    assert shipment.ship_date == dt.date(2018, 5, 1) and shipment.id == "J1"


SHIPMENTS_CSV = ("shipment_id,purchaser,ultimate_consignee,ultimate_consignee_country,end_user,destination_country,"
                 "eccn,ship_date\n"
                 "S1,Nordic Fibre Networks AB,ZTE Corporation,CN,ZTE Corporation,CN,5A002,2018-05-01\n"
                 "S2,Nordic Fibre Networks AB,Huawei Technologies Co. Ltd.,CN,,CN,EAR99,2019-06-03\n"
                 "S3,Nordic Fibre Networks AB,Baltic Cable Works,LV,,LV,EAR99,2023-01-10\n"
                 "S4,Nordic Fibre Networks AB,Baltic Cable Works,LV,,Iran,EAR99,2023-01-10\n"
                 "S5,,,,,LV,EAR99,2023-01-10\n")


def test_cli_formats_exit_codes_and_cases(monkeypatch, capsys, tmp_path, bundled_home):
    f = tmp_path / "shipments.csv"
    f.write_text(SHIPMENTS_CSV, encoding="utf-8")
    home = str(bundled_home)
    code, out, err = cli_call(monkeypatch, capsys, "screen", "shipments", str(f), "--home", home, "-f", "json")
    assert code == 2  # S5 names no party: reported with its line, the rest decided
    records = [json.loads(line) for line in out.splitlines()]
    decided = {r["shipment_id"]: r for r in records if "shipment_id" in r}
    assert {k: v["outcome"] for k, v in decided.items()} == {
        "S1": "prohibited", "S2": "license_required", "S3": "no_list_restriction_found", "S4": "license_required"}
    reason = decided["S1"]["reasons"][0]
    assert set(reason) >= {"outcome", "role", "party", "rule", "list", "entry_id", "list_version", "citation",
                           "detail"}
    assert {"row", "line", "input", "outcome", "reasons"} <= set(decided["S1"])
    assert [r["line"] for r in records if "error" in r] == [6] and "shipments.csv:6" in err

    code, out, _ = cli_call(monkeypatch, capsys, "screen", "shipments", str(f), "--home", home, "-f", "sarif")
    rules = {r["id"] for r in json.loads(out)["runs"][0]["tool"]["driver"]["rules"]}
    assert rules == {"shipments/prohibited", "shipments/license_required"}
    code, out, _ = cli_call(monkeypatch, capsys, "screen", "shipments", str(f), "--home", home, "-f", "csv")
    lines = list(csv.DictReader(io.StringIO(out)))
    assert {line["subject"] for line in lines} >= {"S1", "S2", "S3", "S4"}  # the clear one too
    page = tmp_path / "r.html"
    cli_call(monkeypatch, capsys, "screen", "shipments", str(f), "--home", home, "-f", "html", "-o", str(page))
    html = page.read_text("utf-8")
    assert 'id="shipments"' in html and "not a\n  licence determination" in html and "83 FR 17644" in html

    db = f"sqlite:///{tmp_path / 'cases.db'}"
    code, _, err = cli_call(monkeypatch, capsys, "screen", "shipments", str(f), "--home", home, "-f", "json",
                            "--db", db, "-q")
    from banscreen.store import CaseStore

    alerts = CaseStore(db).alerts("open", limit=1000)
    keys = {(s.key, a.entry_key) for a, s in alerts}
    assert ("id:shipment:S1", "SHIP:end_user:DPL:zte-denial-2018") in keys
    assert ("id:shipment:S1", "SHIP:ultimate_consignee:DPL:zte-denial-2018") in keys
    assert ("id:shipment:S4", "SHIP:destination:EMBARGO:IR") in keys
    assert not any(s.key == "id:shipment:S3" for _, s in alerts)
    # a reviewer's decision holds for that reason of that shipment on the next run, as for a party
    cases = CaseStore(db)
    embargo = next(a for a, s in alerts if s.key == "id:shipment:S4")
    cases.decide(embargo.id, "false_positive", "alice", "shipped to Latvia: the consignee's Iran office is closed")
    code, _, err = cli_call(monkeypatch, capsys, "screen", "shipments", str(f), "--home", home, "-f", "json",
                            "--db", db)
    assert "1 suppressed by earlier decisions" in err and "0 new alerts" in err


def test_rows_without_a_ship_date_use_as_of(monkeypatch, capsys, tmp_path, bundled_home):
    f = tmp_path / "s.csv"
    f.write_text("shipment_id,end_user,eccn\nX,ZTE Corporation,EAR99\n", encoding="utf-8")
    _, out, _ = cli_call(monkeypatch, capsys, "screen", "shipments", str(f), "--home", str(bundled_home), "-f",
                         "json", "--as-of", "2018-06-01", "-q")
    record = json.loads(out)
    assert record["ship_date"] is None and record["as_of"] == "2018-06-01" and record["outcome"] == "prohibited"


def test_shipment_endpoints(tmp_path, bundled_home):
    from fastapi.testclient import TestClient

    from banscreen.api.app import Settings, create_app
    from banscreen.lists.store import ListStore
    from tests.test_api import h, seeded

    cases, keys = seeded(f"sqlite:///{tmp_path / 'cases.db'}", bundled_home)
    client = TestClient(create_app(ListStore(bundled_home), cases, Settings(max_body_bytes=64 * 1024)),
                        raise_server_exceptions=False)
    body = {"shipment_id": "S1", "parties": [{"role": "end_user", "name": "ZTE Corporation", "country": "CN"}],
            "destination_country": "CN", "eccn": "5a002", "ship_date": "2018-05-01"}
    r = client.post("/v1/screen/shipment", json=body, headers=h(keys["screener"]))
    assert r.status_code == 200, r.text
    got = r.json()
    assert got["outcome"] == "prohibited" and got["eccn"] == "5A002" and got["as_of"] == "2018-05-01"
    assert got["reasons"][0]["rule"] == "denial_order" and got["reasons"][0]["role"] == "end_user"
    # the same decision as the CLI's screener for that day
    local = ShipmentScreener(ListStore(bundled_home), ScreenOptions(as_of=dt.date(2018, 5, 1)))
    expected = local.screen(Shipment(1, 0, "S1", (ShipmentParty("end_user", "ZTE Corporation", "CN"),), "CN",
                                     "5A002", dt.date(2018, 5, 1)))
    assert [(r["rule"], r["entry_id"]) for r in got["reasons"]] == [(r.rule, r.entry_id) for r in expected.reasons]

    for bad in ({**body, "eccn": "not-an-eccn"}, {**body, "parties": []},
                {**body, "parties": [{"role": "shipper", "name": "X"}]}):
        r = client.post("/v1/screen/shipment", json=bad, headers=h(keys["screener"]))
        assert r.status_code == 422 and "Traceback" not in r.text
    assert client.post("/v1/screen/shipment", json=body).status_code == 401

    batch = [body, {"parties": [{"role": "purchaser", "name": "Nordic Fibre Networks AB"}],
                    "destination_country": "Iran", "ship_date": "2023-01-10"}, 7, {**body, "eccn": "bogus"}]
    r = client.post("/v1/screen/shipments", json=batch, headers=h(keys["screener"]))
    lines = [json.loads(line) for line in r.text.splitlines()]
    assert [x.get("outcome") for x in lines] == ["prohibited", "license_required", None, None]
    assert lines[2]["row"] == 3 and "eccn" in lines[3]["error"]
    r = client.post("/v1/screen/shipments", content=SHIPMENTS_CSV.encode(),
                    headers={**h(keys["screener"]), "content-type": "text/csv"})
    lines = [json.loads(line) for line in r.text.splitlines()]
    assert [x.get("outcome") for x in lines[:4]] == ["prohibited", "license_required", "no_list_restriction_found",
                                                     "license_required"]
    assert lines[4]["line"] == 6 and "no party named" in lines[4]["error"]
    spec = client.get("/openapi.json").json()
    assert {"/v1/screen/shipment", "/v1/screen/shipments"} <= set(spec["paths"])
    assert "ShipmentIn" in spec["components"]["schemas"]


def test_shipments_without_ids_are_cases_by_what_they_are(monkeypatch, capsys, tmp_path, bundled_home):
    """Row 1 of one file and row 1 of another are different cases; the same row screened
    again is the same case (no id column: the case is keyed by the shipment's content)."""
    from banscreen.store import CaseStore

    db = f"sqlite:///{tmp_path / 'cases.db'}"
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    first.write_text("end_user,destination_country,eccn,ship_date\nZTE Corporation,CN,EAR99,2018-05-01\n")
    second.write_text("end_user,destination_country,eccn,ship_date\nNordic Fibre Networks AB,SE,EAR99,2018-05-01\n")
    for f in (first, second, first):
        code, out, err = cli_call(monkeypatch, capsys, "screen", "shipments", str(f), "--home", str(bundled_home),
                                  "-f", "json", "--db", db)
    assert json.loads(out)["shipment_id"] is None and "0 new alerts" in err
    alerts = CaseStore(db).alerts("open", limit=100)
    assert len(alerts) == 1 and alerts[0][1].key.startswith("id:shipment:~")  # not closed by file b's row 1
    assert alerts[0][1].name == "shipment row 1"
