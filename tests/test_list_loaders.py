"""List loaders on the real files in ../shared/data/lists (counts from its SOURCES.md)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pytest

from banscreen.lists import CslCsvLoader, DplLoader, ListError, OfacCsvLoader, TelecomYamlLoader, loader_for
from banscreen.lists.csl_csv import list_code, split_name


def by_name(entries, name):
    return [e for e in entries if e.name == name]


# --- OFAC legacy CSV ----------------------------------------------------------------

def test_ofac_2021_folder_counts_and_joins(lists_dir):
    r = OfacCsvLoader().load(lists_dir / "ofac-sdn-2021-07_moov-watchman-bench")
    assert r.rows == 8976 and len(r.entries) == 8976 and r.issues == []
    bnc = by_name(r.entries, "BANCO NACIONAL DE CUBA")[0]
    assert bnc.entry_id == "306" and bnc.list == "SDN" and bnc.kind == "organization"
    assert "NATIONAL BANK OF CUBA" in bnc.aliases  # from alt.csv
    assert "BNC" in bnc.aliases  # from "a.k.a. 'BNC'." in remarks
    assert "CH" in bnc.countries  # add.csv: Zurich, Switzerland
    assert bnc.programs == ("CUBA",)


def test_ofac_2024_single_file(lists_dir):
    r = OfacCsvLoader().load(lists_dir / "ofac-sdn-2024-05_jackdwyer" / "sdn.csv")
    assert r.rows == 14965 and len(r.entries) == 14965
    abu = next(e for e in r.entries if e.entry_id == "3754")
    assert abu.kind == "person" and abu.name == "ABU MARZOOK, Mousa Mohammed"
    assert "ABU-'UMAR" in abu.aliases
    multi = next(e for e in r.entries if len(e.programs) > 1)
    assert all("]" not in p and "[" not in p for p in multi.programs)


def test_ofac_comments_extend_remarks(lists_dir):
    r = OfacCsvLoader().load(lists_dir / "ofac-sdn-2021-07_moov-watchman-bench")
    e = next(e for e in r.entries if e.entry_id == "28263")
    assert "LAZARUS GROUP" in e.remarks


def test_ofac_malformed_row_is_reported_and_rest_loaded(tmp_path):
    good = '306,"BANCO NACIONAL DE CUBA",-0- ,"CUBA",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n'
    bad = '307,"SHORT ROW",-0- \r\n'
    noname = '308,"",-0- ,"CUBA",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n'
    (tmp_path / "sdn.csv").write_bytes((good + bad + noname + good.replace("306", "309")).encode() + b"\x1a")
    r = OfacCsvLoader().load(tmp_path)
    assert [e.entry_id for e in r.entries] == ["306", "309"]
    assert r.rows == 4
    reasons = {(i.line, i.reason) for i in r.issues}
    assert (2, "expected 12 fields, found 3") in reasons
    assert (3, "entry has no name") in reasons
    assert all(i.path.endswith("sdn.csv") for i in r.issues)


# --- trade.gov CSL --------------------------------------------------------------------

@pytest.fixture(scope="module")
def csl_2022(lists_dir):
    return CslCsvLoader().load(lists_dir / "trade-gov-csl-2022-05_moov-watchman" / "consolidated.csv.gz")


def test_csl_2022_counts(csl_2022):
    assert csl_2022.rows == 14160
    assert csl_2022.issues == []
    el = [e for e in csl_2022.entries if e.list == "EL"]
    # 2,001 EL rows, one per address; rows of one entity become one entry
    assert 1900 < len(el) < 2001


def test_csl_source_codes(csl_2022):
    codes = {e.list for e in csl_2022.entries}
    assert {"SDN", "EL", "DPL", "UVL", "MEU", "CMIC", "SSI", "DTC", "ISN", "NS-MBS", "CAP", "PLC", "FSE"} <= codes
    assert list_code("Military End User (MEU) List - Bureau of Industry and Security") == "MEU"


def test_csl_affiliate_becomes_own_entry(csl_2022):
    marine = by_name(csl_2022.entries, "Huawei Marine Networks Co., Ltd.")
    assert len(marine) == 1
    e = marine[0]
    assert e.list == "EL" and e.parent == "Huawei Technologies Co., Ltd."
    assert e.start_date == dt.date(2019, 5, 21)
    assert "HMN Technologies" in e.aliases


def test_csl_parent_merges_address_rows_and_keeps_short_alias(csl_2022):
    parent = [e for e in csl_2022.entries if e.list == "EL" and e.name == "Huawei Technologies Co., Ltd."]
    assert len(parent) == 1
    p = parent[0]
    assert "Huawei" in p.aliases and "Huawei Technologies Co., Ltd. (Huawei)" in p.aliases
    assert len(p.addresses) >= 5  # several CSL rows, one per address
    assert p.countries == ("CN",)


def test_csl_entity_number_is_sdn_id(csl_2022):
    sdn = [e for e in csl_2022.entries if e.list == "SDN"]
    assert all(e.entry_id.isdigit() for e in sdn)


def test_csl_list_without_start_dates_gets_list_creation_date(csl_2022):
    cmic = [e for e in csl_2022.entries if e.list == "CMIC"]
    assert cmic and all(e.start_date and e.start_date >= dt.date(2020, 11, 12) for e in cmic)


def test_csl_truncated_file_reports_each_problem(lists_dir):
    path = lists_dir / "trade-gov-csl-2023-11-truncated_moov-watchman" / "csl.csv"
    r = CslCsvLoader().load(path)
    # 4,229 records: header, a repeated header, 4,226 whole rows and one cut off
    assert r.rows == 4227
    assert [(i.line, i.reason) for i in r.issues] == [
        (2, "repeated header line"),
        (4233, "expected 29 fields, found 8"),
    ]
    assert len(r.entries) > 4000


def test_split_name_forms():
    assert split_name("Huawei Technologies Co., Ltd. (Huawei).  Affiliated Entity:  Huawei Marine Networks Co., Ltd.") \
        == ("Huawei Marine Networks Co., Ltd.", "Huawei Technologies Co., Ltd.", ())
    name, parent, aliases = split_name("Chitron Electronics Company Ltd., a.k.a. Chi-Chung Electronics Company Ltd.")
    assert name == "Chitron Electronics Company Ltd." and parent == ""
    assert "Chi-Chung Electronics Company Ltd." in aliases


def test_csl_rejects_other_csv(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(ListError, match="missing columns"):
        CslCsvLoader().load(path)


def test_csl_bad_date_kept_with_issue(tmp_path, lists_dir):
    text = (lists_dir / "tiny-fixtures_moov-watchman" / "cslustest" / "consolidated.csv").read_text()
    header, first, *rest = text.splitlines(keepends=True)
    row = next(csv.reader(io.StringIO(first)))
    cols = next(csv.reader(io.StringIO(header)))
    row[cols.index("start_date")] = "31/02/2020"
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(row)
    path = tmp_path / "c.csv"
    path.write_text(header + buf.getvalue() + "".join(rest))
    r = CslCsvLoader().load(path)
    assert len(r.entries) == 13
    assert any(i.line == 2 and "start_date" in i.reason for i in r.issues)


# --- BIS Denied Persons List ---------------------------------------------------------

def test_dpl_2023(lists_dir):
    r = DplLoader().load(lists_dir / "bis-dpl-2023-11_moov-watchman" / "dpl.txt")
    assert r.rows == 665
    assert r.published == dt.date(2023, 11, 28)
    # real typos in Last_Update are reported, not trusted
    assert {i.reason for i in r.issues} >= {"Last_Update: implausible date 3033-09-30; read as empty"}
    dahua = [e for e in r.entries if "DAHUA" in e.name]
    assert dahua and dahua[0].list == "DPL"
    # one row per (name, address): 665 rows, fewer entries, every one with an address
    assert len(r.entries) < 665 and all(e.addresses for e in r.entries)


def test_dpl_2018_dates(lists_dir):
    r = DplLoader().load(lists_dir / "bis-dpl-2018-08_peoplecheck" / "dpl.txt")
    assert r.rows == 539 and r.published == dt.date(2018, 8, 3)
    e = next(e for e in r.entries if e.name == "ADRIAN MANUEL HERNANDEZ")
    assert e.start_date == dt.date(2017, 10, 16) and e.end_date == dt.date(2020, 10, 13)
    assert e.countries == ("US",)  # empty country with a US state


# --- curated telecom list -------------------------------------------------------------

def test_telecom_yaml_every_entry_cited():
    path = Path(__import__("banscreen").__file__).parent / "data" / "telecom.yaml"
    r = TelecomYamlLoader().load(path)
    assert r.issues == [] and r.historical
    assert all(e.citation for e in r.entries)
    zte = next(e for e in r.entries if e.entry_id == "zte-denial-2018")
    assert (zte.start_date, zte.end_date) == (dt.date(2018, 4, 15), dt.date(2018, 7, 13))
    assert "中兴通讯股份有限公司" in zte.aliases
    lists = {e.list for e in r.entries}
    assert {"DPL", "EL", "FCC-CL", "NDAA-889"} <= lists


def test_telecom_yaml_bad_entries_reported(tmp_path):
    path = tmp_path / "t.yaml"
    path.write_text("entries:\n"
                    "  - id: a\n    list: EL\n    name: Good Co\n    citation: x\n"
                    "  - id: b\n    list: EL\n    name: No Citation Co\n"
                    "  - id: c\n    list: EL\n    name: Bad Date Co\n    citation: x\n    start: 2020-13-01\n")
    r = TelecomYamlLoader().load(path)
    assert [e.entry_id for e in r.entries] == ["a"]
    assert [(i.line, i.reason) for i in r.issues] == [(6, "entry lacks citation"),
                                                      (9, "start: not an ISO date: '2020-13-01'")]


def test_telecom_yaml_syntax_error(tmp_path):
    path = tmp_path / "t.yaml"
    path.write_text("entries:\n  - id: [unclosed\n")
    with pytest.raises(ListError, match=r"t\.yaml:\d+: not valid YAML"):
        TelecomYamlLoader().load(path)


# --- format detection ------------------------------------------------------------------

def test_loader_detection(lists_dir):
    assert isinstance(loader_for(lists_dir / "ofac-sdn-2021-07_moov-watchman-bench"), OfacCsvLoader)
    assert isinstance(loader_for(lists_dir / "trade-gov-csl-2022-05_moov-watchman" / "consolidated.csv.gz"),
                      CslCsvLoader)
    assert isinstance(loader_for(lists_dir / "bis-dpl-2018-08_peoplecheck" / "dpl.txt"), DplLoader)
    with pytest.raises(ListError, match="cannot tell the list format"):
        loader_for(lists_dir / "SOURCES.md")
    with pytest.raises(ListError, match="unknown list format"):
        loader_for(lists_dir, "pdf")


# --- OFAC Enhanced XML, FollowTheMoney with the 50 percent rule, custom CSV ------------------

def test_ofac_enhanced_xml_zip(lists_dir):
    from banscreen.lists import OfacXmlLoader

    path = lists_dir / "ofac-consolidated-nonsdn-2025-01_moov-watchman" / "CONS_ENHANCED.ZIP"
    assert isinstance(loader_for(path), OfacXmlLoader)
    r = OfacXmlLoader().load(path)
    assert r.rows == 443 and r.issues == [] and r.published == dt.date(2025, 1, 10)
    by_list: dict[str, int] = {}
    for e in r.entries:
        by_list[e.list] = by_list.get(e.list, 0) + 1
    assert by_list == {"SSI": 286, "PLC": 78, "CMIC": 68, "NS-MBS": 12, "CAP": 1, "FSE": 1, "SDN": 77}
    haniya = next(e for e in r.entries if e.name == "HANIYA, Ismail Abdul Salah")
    assert haniya.kind == "person" and "HANIYYA, Ismaeel" in haniya.aliases
    assert haniya.start_date == dt.date(2006, 4, 12) and haniya.list == "PLC"
    huawei = next(e for e in r.entries if e.name == "HUAWEI TECHNOLOGIES CO., LTD.")
    assert huawei.list == "CMIC" and huawei.start_date == dt.date(2021, 6, 3)


def test_zip_traversal_and_bomb_refused(tmp_path):
    import zipfile

    from banscreen.lists._util import read_zip_member

    evil = tmp_path / "evil.zip"
    with zipfile.ZipFile(evil, "w") as z:
        z.writestr("../../etc/SDN_ENHANCED.XML", "<x/>")
    with pytest.raises(ListError, match="leaves the archive"):
        read_zip_member(evil, ".xml")
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("CONS_ENHANCED.XML", b"\0" * (50 * 2**20))
    with pytest.raises(ListError, match="zip bomb"):
        read_zip_member(bomb, ".xml")


def test_ftm_ownership_fifty_percent_rule():
    from banscreen.lists import FtmJsonLoader

    path = Path(__file__).parent / "data" / "lists" / "ownership.ftm.json"
    r = FtmJsonLoader().load(path)
    by_id = {e.entry_id: e for e in r.entries}
    assert {by_id["os-a"].list, by_id["os-b"].list, by_id["os-p"].list} == {"SDN", "EU-FSF", "UK-HMT"}
    gamma = by_id["50pct:os-c"]  # A blocked owns 30 %, B blocked owns 25 % -> C blocked
    assert gamma.list == "OFAC-50" and gamma.name == "Gamma Logistics JSC" and "Gamma Log" in gamma.aliases
    assert "owned 55% by blocked parties" in gamma.remarks and "Alpha Holdings Ltd 30%" in gamma.remarks
    assert (gamma.start_date, gamma.end_date) == (dt.date(2022, 6, 3), dt.date(2026, 1, 31))  # from the owners
    delta = by_id["50pct:os-d"]  # owned 51 % by C, blocked by the rule: the chain goes on
    assert "Gamma Logistics JSC 51%" in delta.remarks
    assert "50pct:os-e" not in by_id and "50pct:os-f" not in by_id and "50pct:os-g" not in by_id  # 40 %; a cycle
    reasons = " | ".join(i.reason for i in r.issues)
    assert "Epsilon Trading Co: 40% owned by blocked parties plus an unknown share held by blocked os-p" in reasons
    assert "percentage 'about half' is not a number" in reasons
    assert any(i.line == 20 and "not an FtM entity" in i.reason for i in r.issues)


def test_ftm_blocked_company_screens(tmp_path):
    from banscreen.lists.store import ListStore
    from banscreen.model import Subject
    from banscreen.screen import ScreenOptions, open_screener

    store = ListStore(tmp_path / "home")
    store.import_file(Path(__file__).parent / "data" / "lists" / "ownership.ftm.json", format="ftm")
    screener, _ = open_screener(store, ScreenOptions(as_of=dt.date(2024, 1, 1)))
    hit = screener.screen(Subject(1, 2, "Delta Shipping FZE")).matches[0]
    assert hit.entry.list == "OFAC-50" and "51%" in hit.entry.remarks
    screener, _ = open_screener(store, ScreenOptions(as_of=dt.date(2026, 6, 1)))  # B's listing ended
    assert all(m.entry.list != "OFAC-50" for m in screener.screen(Subject(1, 2, "Delta Shipping FZE")).matches)


def test_custom_blocklist_csv(tmp_path):
    from banscreen.lists import CustomCsvLoader

    path = tmp_path / "blocklist.csv"
    path.write_text("name,aliases,country,list,start_date,reason\n"
                    "Shady Reseller GmbH,Shady GmbH;SR GmbH,DE,INTERNAL,2025-01-01,chargebacks\n"
                    ",nameless,,,,\n"
                    "Bad Date Ltd,,GB,,2025-13-01,\n")
    assert isinstance(loader_for(path), CustomCsvLoader)
    r = CustomCsvLoader().load(path)
    assert [e.name for e in r.entries] == ["Shady Reseller GmbH"]
    e = r.entries[0]
    assert e.list == "INTERNAL" and e.aliases == ("Shady GmbH", "SR GmbH") and e.countries == ("DE",)
    assert [(i.line, i.reason) for i in r.issues] == [(3, "entry has no name"), (4, "not a date: '2025-13-01'")]
