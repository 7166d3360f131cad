"""Android acquisitions as handed over (issue 22): AndroidQF zips (with and without a top
folder; encrypted), `adb bugreport` zips and folders, folders of captures named any
way, and nothing ever scanned in silence. The archives are built here from the capture
files in tests/data/android, in the layouts the collectors write."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from banscreen.model import LoadIssue, ScanUnit
from banscreen.sources.android import read

DATA = Path(__file__).parent / "data" / "android"
QF = DATA / "androidqf"


def scanned(path: Path) -> tuple[list[ScanUnit], list[LoadIssue]]:
    items = list(read(path))
    return [i for i in items if isinstance(i, ScanUnit)], [i for i in items if isinstance(i, LoadIssue)]


def packages(units: list[ScanUnit]) -> set[str]:
    return {u.package for u in units if u.package}


def dumpstate_text() -> str:
    """A dumpstate file as `adb bugreport` writes it: a header, sections with their
    `------ NAME (command) ------` lines, and dumpsys's `DUMP OF SERVICE` blocks."""
    getprop = (DATA / "getprop-zte.txt").read_text()
    dumpsys = (DATA / "dumpsys-package.txt").read_text()
    return ("========================================================\n"
            "== dumpstate: 2020-06-20 10:11:12\n"
            "========================================================\n\n"
            "Build: P618A30_V1.0_20200612\nBugreport format version: 2.0\n\n"
            "------ UPTIME (uptime) ------\n up 3 days\n------ 0.005s was the duration of 'UPTIME' ------\n"
            "------ SYSTEM PROPERTIES (getprop) ------\n" + getprop +
            "------ 0.030s was the duration of 'SYSTEM PROPERTIES' ------\n"
            "------ DUMPSYS (/system/bin/dumpsys) ------\n"
            "-------------------------------------------------------------------------------\n"
            "DUMP OF SERVICE activity:\n  nothing of interest\n"
            "-------------------------------------------------------------------------------\n"
            "DUMP OF SERVICE package:\n" + dumpsys +
            "--------- 0.512s was the duration of dumpsys package, ending at: 2020-06-20 10:11:20\n"
            "-------------------------------------------------------------------------------\n"
            "DUMP OF SERVICE power:\n  Package [not.a.package] (0):\n")


def line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


@pytest.mark.parametrize("top", ["", "c1d2e3f4-acquisition/"])
def test_androidqf_zip_with_or_without_top_folder(tmp_path, top):
    archive = tmp_path / "acquisition.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        for name in ("packages.json", "dumpsys.txt", "getprop.txt"):
            z.write(QF / name, top + name)
        z.writestr(top + "logcat.txt", "nothing\n")
    from_zip, issues = scanned(archive)
    from_folder, _ = scanned(QF)
    assert not issues
    assert [(u.package, u.line, {(o.kind, o.value) for o in u.observations}) for u in from_zip] == \
        [(u.package, u.line, {(o.kind, o.value) for o in u.observations}) for u in from_folder]
    assert all(u.path.startswith(f"{archive}!{top}") for u in from_zip)


def test_encrypted_acquisitions_are_reported(tmp_path):
    age = tmp_path / "acquisition.zip.age"
    age.write_bytes(b"age-encryption.org/v1\n-> X25519 abc\n" + bytes(200))
    units, issues = scanned(age)
    assert units == [] and "age-encrypted" in issues[0].reason
    locked = tmp_path / "locked.zip"
    with zipfile.ZipFile(locked, "w") as z:
        z.write(QF / "packages.json", "packages.json")
    raw = bytearray(locked.read_bytes())
    raw[6] |= 0x01  # the general-purpose flag of the local header: encrypted
    central = raw.rfind(b"PK\x01\x02")
    raw[central + 8] |= 0x01  # and of the central directory entry
    locked.write_bytes(bytes(raw))
    units, issues = scanned(locked)
    assert units == [] and "encrypted" in issues[0].reason


def test_bugreport_zip_reads_packages_and_properties_with_their_lines(tmp_path):
    text = dumpstate_text()
    archive = tmp_path / "bugreport-P618A30-2020-06-20-10-11-12.zip"
    entry = "bugreport-P618A30-2020-06-20-10-11-12.txt"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("main_entry.txt", entry)
        z.writestr(entry, text)
        z.writestr("version.txt", "2.0")
        z.writestr("FS/data/anr/traces.txt", "Package [decoy.in.traces] (0):\n")
    units, issues = scanned(archive)
    assert not issues
    assert packages(units) == {"com.adups.fota", "com.android.calculator2"}  # not the power service's line
    adups = next(u for u in units if u.package == "com.adups.fota")
    assert adups.path == f"{archive}!{entry}" and adups.line == line_of(text, "Package [com.adups.fota]")
    assert ("permission", "android.permission.READ_SMS") in {(o.kind, o.value) for o in adups.observations}
    device = next(u for u in units if not u.package)
    makers = [o for o in device.observations if o.kind == "manufacturer"]
    assert makers and all(o.where.endswith(f"line {line_of(text, '[' + o.where.split(',')[0] + ']')}")
                          for o in makers)  # each at its property's line in the dumpstate file


def test_bugreport_scan_finds_adups(tmp_path, scanner):
    archive = tmp_path / "bugreport.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("main_entry.txt", "dumpstate-2020-06-20.txt")
        z.writestr("dumpstate-2020-06-20.txt", dumpstate_text())
    results = [scanner.scan(u) for u in read(archive) if isinstance(u, ScanUnit)]
    adups = next(r for r in results if r.package == "com.adups.fota")
    assert any("ADUPS" in f.indicator for f in adups.findings)
    device = next(r for r in results if not r.package)
    assert any(f.kind == "maker" and "ZTE" in f.indicator for f in device.findings)  # ZTE, a covered maker


def test_bugreport_folder_and_a_lone_dumpstate_file(tmp_path):
    folder = tmp_path / "bugreport"
    folder.mkdir()
    (folder / "main_entry.txt").write_text("dumpstate-2020-06-20.txt")
    (folder / "dumpstate-2020-06-20.txt").write_text(dumpstate_text())
    units, issues = scanned(folder)
    assert not issues and packages(units) == {"com.adups.fota", "com.android.calculator2"}
    lone, issues = scanned(folder / "dumpstate-2020-06-20.txt")
    assert not issues and packages(lone) == packages(units)


def test_folder_of_captures_recognised_by_content(tmp_path):
    folder = tmp_path / "from-the-field"
    (folder / "phone 1").mkdir(parents=True)
    (folder / "phone 1" / "a.log").write_text((DATA / "dumpsys-package.txt").read_text())
    (folder / "phone 1" / "b.out").write_text((DATA / "getprop-zte.txt").read_text())
    (folder / "pm.txt").write_text((DATA / "pm-list-adups.txt").read_text())
    (folder / "notes.txt").write_text("called the customer\n")
    (folder / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0" + bytes(100))
    units, issues = scanned(folder)
    assert "com.adups.fota" in packages(units)
    assert {Path(u.path).name for u in units} == {"a.log", "b.out", "pm.txt"}
    assert all(i.line > 0 for i in issues)  # only the broken pm line, never "nothing found"


def test_nothing_recognised_is_an_issue_and_exit_2(tmp_path, bundled_home, capsys, monkeypatch):
    import sys

    from banscreen import cli

    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "readme.txt").write_text("hello\n")
    other = tmp_path / "photos.zip"
    with zipfile.ZipFile(other, "w") as z:
        z.writestr("a.jpg", b"\xff\xd8")
    for path, found in ((empty, "1 entries (readme.txt)"), (other, "a zip of 1 members (a.jpg)")):
        units, issues = scanned(path)
        assert units == [] and issues[-1].reason.startswith("no recognised Android data in")
        assert found in issues[-1].reason
    monkeypatch.setattr(sys, "argv", ["banscreen", "android", "scan", str(empty), "--home", str(bundled_home)])
    with pytest.raises(SystemExit) as exc:
        cli.main()
    out = capsys.readouterr()
    assert exc.value.code == 2 and "no recognised Android data" in out.out + out.err


def test_stored_samples_read(tmp_path):
    """The samples the fuzz tests damage (tests/data/android) read clean to begin with."""
    for name, expected in (("androidqf.zip", "com.adups.fota"), ("bugreport.zip", "com.adups.fota"),
                           ("dumpstate-zte.txt", "com.adups.fota")):
        units, issues = scanned(DATA / name)
        assert not issues and expected in packages(units), name


def test_a_mixed_folder_reads_every_kind_inside():
    """tests/data/android as one input: captures, a dumpstate file, AndroidQF folder and
    zip, bugreport zip and a firmware tree, each recognised by content."""
    units, issues = scanned(DATA)
    where = {u.path.split("!")[0].replace(str(DATA) + "/", "") for u in units}
    assert {"pm-list-adups.txt", "dumpsys-package.txt", "getprop-zte.txt", "dumpstate-zte.txt",
            "androidqf/packages.json", "androidqf.zip", "bugreport.zip", "firmware/system/build.prop"} <= where
    assert [(Path(i.path).name, i.line) for i in issues] == [("pm-list-adups.txt", 5)]  # its broken line
