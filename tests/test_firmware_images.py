"""Firmware image files: ext2/3/4 partition images built by e2fsprogs' mke2fs from a
firmware tree, Android sparse images made from them by img2simg, and firmware zips
(factory-image and target-files layouts). The scan of an image must find what the scan
of the unpacked tree finds; damaged and hostile images are reported, never crash."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from banscreen.model import ScanUnit
from banscreen.model import AndroidResult, LoadIssue
from banscreen.sources import android as android_sources
from banscreen.sources.android.formats.ext4 import Ext4, Ext4Error, FileSource
from tests.apkbuild import adups_apk, clean_apk
from tests.tools import require

DATA = Path(__file__).parent / "data" / "android"

# mke2fs variants: modern ext4; 1 KiB blocks with 64-bit descriptors; ext2 with classic
# block maps (no extents), which a 5 MiB file pushes into double-indirect blocks.
LAYOUTS = {
    "ext4": ["-t", "ext4", "-b", "4096"],
    "ext4-1k-64bit": ["-t", "ext4", "-b", "1024", "-O", "64bit"],
    "ext2-blockmap": ["-t", "ext2", "-b", "1024"],
}


@pytest.fixture(scope="module")
def tree(tmp_path_factory) -> Path:
    """A firmware tree: build.prop with ADUPS properties, an ADUPS-like system app, a
    clean one, a 5 MiB blob and a directory big enough to be hashed (htree)."""
    root = tmp_path_factory.mktemp("fwtree")
    shutil.copytree(DATA / "firmware", root, dirs_exist_ok=True)
    (root / "system" / "priv-app" / "AdupsFota").mkdir(parents=True)
    (root / "system" / "app" / "Calculator").mkdir(parents=True)
    adups_apk(root / "system" / "priv-app" / "AdupsFota" / "AdupsFota.apk", schemes=("v1", "v2"))
    clean_apk(root / "system" / "app" / "Calculator" / "Calculator.apk")
    (root / "system" / "blob.bin").write_bytes(os.urandom(5 * 2**20))
    fonts = root / "system" / "fonts"
    fonts.mkdir()
    for i in range(400):
        (fonts / f"NotoSans-Variant{i:03d}-Regular.ttf").write_bytes(b"font")
    return root


def make_image(tree: Path, path: Path, layout: str) -> Path:
    mke2fs = require("mke2fs")
    subprocess.run([mke2fs, "-q", "-F", *LAYOUTS[layout], "-d", str(tree), str(path), "24M"], check=True,
                   capture_output=True)
    return path


def make_sparse(raw: Path, path: Path) -> Path:
    subprocess.run([require("img2simg"), str(raw), str(path)], check=True, capture_output=True)
    return path


def units(path: Path):
    return list(android_sources.read(path))


def facts(results) -> list:
    """What a scan found, by package, for comparing two scans of the same firmware."""
    return sorted((r.package, sorted(f.indicator for f in r.findings)) for r in results)


def by_package(items) -> dict[str, ScanUnit]:
    return {u.package: u for u in items if isinstance(u, ScanUnit) and u.package}


@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_ext_image_reads_every_file_byte_for_byte(tree, tmp_path, layout):
    image = make_image(tree, tmp_path / "system.img", layout)
    with image.open("rb") as fh:
        fs = Ext4(FileSource(fh))
        found = {e.path: e for e in fs.walk(lambda p: True)}
        expected = {"/" + p.relative_to(tree).as_posix(): p for p in tree.rglob("*") if p.is_file()}
        assert set(found) == set(expected)
        for path in ["/system/blob.bin", "/system/build.prop", "/system/priv-app/AdupsFota/AdupsFota.apk",
                     "/system/fonts/NotoSans-Variant399-Regular.ttf"]:
            data = fs.read_file(found[path].inode, 2**30)
            assert hashlib.sha256(data).digest() == hashlib.sha256(expected[path].read_bytes()).digest(), path


@pytest.mark.parametrize("sparse", [False, True], ids=["raw", "sparse"])
def test_image_scan_finds_what_the_tree_scan_finds(scanner, tree, tmp_path, sparse):
    image = make_image(tree, tmp_path / "system.img", "ext4")
    if sparse:
        image = make_sparse(image, tmp_path / "system.sparse.img")
    from_image = list(scanner.scan_all(units(image)))
    from_tree = list(scanner.scan_all(units(tree)))

    assert facts(from_image) == facts(from_tree)
    adups = next(r for r in from_image if r.package == "com.adups.fota")
    assert adups.path == f"{image}!/system/priv-app/AdupsFota/AdupsFota.apk"
    host = next(f for f in adups.findings if f.kind == "host")
    assert f"{image}!/system/priv-app/AdupsFota/AdupsFota.apk classes.dex strings" in host.evidence
    risk = next(f for f in adups.findings if f.kind == "permissions")
    assert risk.severity == "high" and "system app" in risk.evidence
    assert next(r for r in from_image if r.package == "com.example.calculator").findings == ()
    assert any(f.kind == "prop" for r in from_image for f in r.findings)  # build.prop inside the image


def test_factory_zip_with_nested_image_zip_and_target_files_layout(scanner, tree, tmp_path):
    sparse = make_sparse(make_image(tree, tmp_path / "raw.img", "ext4"), tmp_path / "system.img")
    inner = tmp_path / "image-device.zip"
    with zipfile.ZipFile(inner, "w") as z:  # factory images store the sparse images
        z.write(sparse, "system.img")
        z.writestr("boot.img", b"ANDROID!" + b"\0" * 100)  # holds no apps: not opened
    outer = tmp_path / "factory.zip"
    with zipfile.ZipFile(outer, "w", zipfile.ZIP_DEFLATED) as z:
        z.write(inner, "device-factory/image-device.zip")
        z.write(tree / "system" / "app" / "Calculator" / "Calculator.apk", "VENDOR/app/Calc/Calc.apk")
        z.write(tree / "system" / "priv-app" / "AdupsFota" / "AdupsFota.apk", "SYSTEM/priv-app/Fota/Fota.apk")
        z.writestr("payload.bin", b"CrAU" + b"\0" * 64)
    items = units(outer)
    issues = [i for i in items if isinstance(i, LoadIssue)]
    assert [str(i) for i in issues] == [f"{outer}!/payload.bin: A/B OTA payload not read: payload version 0 is "
                                        "unknown (1 and 2 are)"]
    paths = {u.path for u in items if isinstance(u, ScanUnit)}
    nested = f"{outer}!/device-factory/image-device.zip!/system.img!/system/priv-app/AdupsFota/AdupsFota.apk"
    assert nested in paths and f"{outer}!/SYSTEM/priv-app/Fota/Fota.apk" in paths
    results = [r for r in scanner.scan_all(items) if isinstance(r, AndroidResult)]
    flagged = {r.path for r in results if r.findings}
    assert nested in flagged and f"{outer}!/SYSTEM/priv-app/Fota/Fota.apk" in flagged
    fota = next(r for r in results if r.path == f"{outer}!/SYSTEM/priv-app/Fota/Fota.apk")
    assert "system app" in next(f for f in fota.findings if f.kind == "permissions").evidence


def test_cli_scans_an_image(bundled_home, tree, tmp_path, monkeypatch, capsys):
    from banscreen import cli

    image = make_sparse(make_image(tree, tmp_path / "raw.img", "ext4"), tmp_path / "system.img")
    monkeypatch.setattr(sys, "argv", ["banscreen", "android", "scan", str(image), "-f", "json",
                                      "--home", str(bundled_home)])
    with pytest.raises(SystemExit) as exc:
        cli.main()
    out = capsys.readouterr().out
    records = [json.loads(line) for line in out.splitlines()]
    assert exc.value.code == 1
    adups = next(r for r in records if r.get("package") == "com.adups.fota")
    assert {"indicator", "kind", "source", "evidence", "severity"} <= set(adups["findings"][0])


# --- damaged and hostile images -----------------------------------------------------------------------

def test_truncated_image_is_reported_not_crashed(tree, tmp_path):
    image = make_image(tree, tmp_path / "system.img", "ext4")
    data = image.read_bytes()
    cut = tmp_path / "cut.img"
    cut.write_bytes(data[:len(data) // 3])
    items = units(cut)
    issues = [i for i in items if isinstance(i, LoadIssue)]
    assert issues and all("lies past the end of the image" in i.reason for i in issues)


def test_damaged_superblock_and_sparse_chunks(tree, tmp_path):
    image = make_image(tree, tmp_path / "system.img", "ext4")
    data = bytearray(image.read_bytes())
    struct.pack_into("<I", data, 1024 + 24, 40)  # block size 2^50
    bad = tmp_path / "bad-superblock.img"
    bad.write_bytes(bytes(data))
    [issue] = units(bad)
    assert isinstance(issue, LoadIssue) and "bad block size" in issue.reason

    sparse = bytearray(make_sparse(image, tmp_path / "s.img").read_bytes())
    struct.pack_into("<I", sparse, 28 + 8, 0x7FFFFFFF)  # first chunk's total size runs past the file
    bad_sparse = tmp_path / "bad-sparse.img"
    bad_sparse.write_bytes(bytes(sparse))
    [issue] = units(bad_sparse)
    assert isinstance(issue, LoadIssue) and "chunk 0" in issue.reason and "damaged" in issue.reason


def test_directory_loop_is_walked_once(tree, tmp_path):
    """A hostile image whose /system/app entry points back at the root directory."""
    image = make_image(tree, tmp_path / "system.img", "ext4")
    data = bytearray(image.read_bytes())
    with image.open("rb") as fh:
        fs = Ext4(FileSource(fh))
        system = dict(fs.list_dir(2))["system"]
        app = dict(fs.list_dir(system))["app"]
    pos = -1
    while True:  # the dirent: inode, rec_len, name_len 3, type 2 (directory), "app"
        pos = data.find(b"\x03\x02app", pos + 1)
        assert pos > 0, "the /system/app entry was not found"
        if struct.unpack_from("<I", data, pos - 6)[0] == app:
            break
    struct.pack_into("<I", data, pos - 6, 2)
    looped = tmp_path / "loop.img"
    looped.write_bytes(bytes(data))
    paths = [u.path for u in units(looped)]
    assert paths and len(paths) == len(set(paths))  # it ended, and nothing came twice


def test_hostile_firmware_zips(tmp_path):
    traversal = tmp_path / "ota.zip"
    with zipfile.ZipFile(traversal, "w") as z:
        z.writestr("system/build.prop", "ro.product.brand=x\n")
        z.writestr("../../etc/passwd", "x")
    [issue] = units(traversal)
    assert isinstance(issue, LoadIssue) and "path traversal" in issue.reason

    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("system.img", b"\0" * (64 * 2**20))
    [issue] = units(bomb)
    assert isinstance(issue, LoadIssue) and "zip bomb" in issue.reason

    erofs = tmp_path / "vendor.img"
    erofs.write_bytes(b"\0" * 1024 + struct.pack("<I", 0xE0F5E1E2) + b"\0" * 4096)
    [issue] = units(erofs)
    assert isinstance(issue, LoadIssue) and "EROFS" in issue.reason


def test_ext4_rejects_non_images():
    class Buf:  # any ByteSource will do
        def __init__(self, b):
            self.b, self.size = b, len(b)

        def read(self, off, n):
            return self.b[off:off + n]

    with pytest.raises(Ext4Error, match="no superblock magic"):
        Ext4(Buf(b"\0" * 4096))


def test_json_error_record_has_the_scan_unit_keys(bundled_home, tmp_path, monkeypatch, capsys):
    from banscreen import cli

    ota = tmp_path / "ota.zip"
    with zipfile.ZipFile(ota, "w") as z:
        z.writestr("payload.bin", b"CrAU")
    monkeypatch.setattr(sys, "argv", ["banscreen", "android", "scan", str(ota), "-f", "json", "--home",
                                      str(bundled_home)])
    with pytest.raises(SystemExit) as exc:
        cli.main()
    [record] = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert exc.value.code == 2
    assert record == {"path": f"{ota}!/payload.bin", "line": 0, "package": None, "findings": [],
                      "error": "A/B OTA payload not read: not an A/B OTA payload (no CrAU header)"}


def test_folder_with_partition_images_and_too_deep_zips(tree, tmp_path):
    folder = tmp_path / "factory"
    folder.mkdir()
    make_sparse(make_image(tree, tmp_path / "raw.img", "ext4"), folder / "system.img")
    (folder / "boot.img").write_bytes(b"ANDROID!" + b"\0" * 64)  # holds no apps: not opened
    paths = {u.path for u in units(folder) if isinstance(u, ScanUnit)}
    assert f"{folder / 'system.img'}!/system/priv-app/AdupsFota/AdupsFota.apk" in paths

    def zipped(inner: Path, name: str, out: Path) -> Path:
        with zipfile.ZipFile(out, "w") as z:
            z.write(inner, name)
        return out

    apk = tree / "system" / "app" / "Calculator" / "Calculator.apk"
    level3 = zipped(zipped(zipped(zipped(apk, "a.apk", tmp_path / "l1.zip"), "l1.zip", tmp_path / "l2.zip"),
                           "l2.zip", tmp_path / "l3.zip"), "l3.zip", tmp_path / "l4.zip")
    [issue] = units(level3)
    assert isinstance(issue, LoadIssue) and "nested more than 2 levels deep" in issue.reason


# --- EROFS (read through erofs-utils' fsck.erofs) and trees with hostile links ----------------------

@pytest.mark.parametrize("compression", [None, "lz4hc"])
def test_erofs_image_scan_finds_what_the_tree_scan_finds(scanner, tree, tmp_path, compression):
    require("fsck.erofs")
    image = tmp_path / "system.img"
    subprocess.run([require("mkfs.erofs"), *([f"-z{compression}"] if compression else []), str(image), str(tree)],
                   check=True, capture_output=True)
    from_image = list(scanner.scan_all(units(image)))
    from_tree = list(scanner.scan_all(units(tree)))

    assert facts(from_image) == facts(from_tree)
    adups = next(r for r in from_image if r.package == "com.adups.fota")
    assert adups.path == f"{image}!/system/priv-app/AdupsFota/AdupsFota.apk"
    assert "system app" in next(f for f in adups.findings if f.kind == "permissions").evidence


def test_links_out_of_the_tree_are_not_followed(scanner, tree, tmp_path):
    """A tree (or an image unpacked to one) linking to the host's / or to /dev/zero:
    neither is walked or read."""
    hostile = tmp_path / "hostile"
    shutil.copytree(tree, hostile, symlinks=True)
    (hostile / "system" / "app" / "hostroot").symlink_to("/")
    (hostile / "system" / "app" / "build.prop").symlink_to("/dev/zero")
    (hostile / "system" / "app" / "Evil.apk").symlink_to("/etc/passwd")
    paths = [u.path for u in units(hostile)]
    assert paths == [u.path.replace(str(tree), str(hostile)) for u in units(tree)]
    require("fsck.erofs")
    image = tmp_path / "hostile.img"
    subprocess.run([require("mkfs.erofs"), str(image), str(hostile)], check=True, capture_output=True)
    assert len(units(image)) == len(units(tree))


def test_erofs_unpacking_is_bounded_and_needs_its_tool(tree, tmp_path, monkeypatch):
    from banscreen.sources.android import erofs as firmware_image

    require("fsck.erofs")
    image = tmp_path / "system.img"
    subprocess.run([require("mkfs.erofs"), "-zlz4hc", str(image), str(tree)], check=True, capture_output=True)
    monkeypatch.setattr(firmware_image, "MAX_EROFS_UNPACKED", 2**20)  # the tree holds a 5 MiB blob
    [issue] = units(image)
    assert isinstance(issue, LoadIssue) and "unpacks past 1,048,576 bytes: refused" in issue.reason
    monkeypatch.setattr(shutil, "which", lambda *a, **k: None)  # as where erofs-utils is not installed
    [issue] = units(image)
    assert isinstance(issue, LoadIssue) and "install erofs-utils" in issue.reason


# --- block-based OTA packages (system.transfer.list + system.new.dat[.br]) ---------------------------

def block_ota(image: Path, out: Path, compress: bool = True, transfer_override: str | None = None) -> Path:
    """A full block-based OTA zip as Android 7-9 build tools lay one out: the image's
    non-zero blocks as `new` ranges (the data stream), the rest as `zero`."""
    import brotli

    data = image.read_bytes()
    blocks = len(data) // 4096
    nonzero = [i for i in range(blocks) if data[i * 4096:(i + 1) * 4096].strip(b"\0")]
    ranges, start, prev = [], None, None
    for i in nonzero:
        if start is None:
            start = prev = i
        elif i == prev + 1:
            prev = i
        else:
            ranges.append((start, prev + 1))
            start = prev = i
    if start is not None:
        ranges.append((start, prev + 1))

    def rangeset(rs):
        return ",".join(map(str, [2 * len(rs), *[x for r in rs for x in r]]))

    stream = b"".join(data[a * 4096:b * 4096] for a, b in ranges)
    transfer = transfer_override or (f"4\n{len(nonzero)}\n0\n0\nerase {rangeset([(0, blocks)])}\n"
                                     f"new {rangeset(ranges)}\nzero {rangeset([(0, blocks)])}\n")
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("META-INF/com/android/metadata", "ota-type=BLOCK\npre-device=x\n")
        z.writestr("system.transfer.list", transfer)
        z.writestr("system.patch.dat", b"")
        if compress:
            z.writestr("system.new.dat.br", brotli.compress(stream, quality=5))
        else:
            z.writestr("system.new.dat", stream, compress_type=zipfile.ZIP_DEFLATED)
    return out


@pytest.mark.parametrize("compress", [True, False], ids=["new.dat.br", "new.dat"])
def test_block_based_ota_scan_finds_what_the_tree_scan_finds(scanner, tree, tmp_path, compress):
    ota = block_ota(make_image(tree, tmp_path / "system.img", "ext4"), tmp_path / "ota.zip", compress)
    from_ota = list(scanner.scan_all(units(ota)))
    from_tree = list(scanner.scan_all(units(tree)))

    assert facts(from_ota) == facts(from_tree)
    member = "system.new.dat.br" if compress else "system.new.dat"
    adups = next(r for r in from_ota if r.package == "com.adups.fota")
    assert adups.path == f"{ota}!/{member}!/system/priv-app/AdupsFota/AdupsFota.apk"


@pytest.mark.parametrize("transfer, expect", [
    ("4\n10\n0\n0\nbsdiff 0 1 2,0,1 2,0,1\n", "an incremental OTA"),
    ("4\n10\n0\n0\nnew 3,0,5\n", "does not hold the count it declares"),
    ("4\n10\n0\n0\nnew 2,0,400000000\n", "over the limit"),
    ("9\n10\n", "version 9 is unknown"),
    ("4\n10\n0\n0\nnew 2,0,100000\n", "the data ends before block"),
])
def test_bad_block_based_ota_is_a_clear_error(tree, tmp_path, transfer, expect):
    ota = block_ota(make_image(tree, tmp_path / "system.img", "ext4"), tmp_path / "ota.zip",
                    transfer_override=transfer)
    [issue] = units(ota)
    assert isinstance(issue, LoadIssue) and "block-based OTA not read" in issue.reason and expect in issue.reason


def test_cut_brotli_stream_is_a_clear_error(tree, tmp_path):
    ota = block_ota(make_image(tree, tmp_path / "system.img", "ext4"), tmp_path / "ota.zip")
    cut = tmp_path / "cut.zip"
    with zipfile.ZipFile(ota) as src, zipfile.ZipFile(cut, "w") as dst:
        for name in src.namelist():
            data = src.read(name)
            dst.writestr(name, data[:len(data) // 2] if name.endswith(".br") else data)
    [issue] = units(cut)
    assert isinstance(issue, LoadIssue) and "block-based OTA not read" in issue.reason


def test_sparse_erofs_image(scanner, tree, tmp_path):
    require("fsck.erofs")
    raw = tmp_path / "raw.img"
    subprocess.run([require("mkfs.erofs"), "-zlz4hc", str(raw), str(tree)], check=True, capture_output=True)
    sparse = make_sparse(raw, tmp_path / "system.img")
    assert facts(scanner.scan_all(units(sparse))) == facts(scanner.scan_all(units(tree)))



# --- A/B OTA payloads (payload.bin) ---------------------------------------------------------------------

def ab_payload(images: dict[str, Path], out: Path, compress: str = "xz", incremental: bool = False) -> Path:
    """A full payload.bin, its manifest built with payload-dumper's compiled copy of
    update_engine's update_metadata.proto (so field numbers are the real ones): each
    partition as 1 MiB operations, REPLACE_XZ / REPLACE_BZ / REPLACE, zero runs as ZERO."""
    import bz2
    import lzma

    from payload_dumper import update_metadata_pb2 as um

    manifest = um.DeltaArchiveManifest()
    manifest.block_size = 4096
    manifest.minor_version = 0
    blobs = bytearray()
    step = 256  # blocks per operation
    for name, image in images.items():
        data = image.read_bytes()
        part = manifest.partitions.add()
        part.partition_name = name
        part.new_partition_info.size = len(data)
        for start in range(0, len(data) // 4096, step):
            chunk = data[start * 4096:(start + step) * 4096]
            op = part.operations.add()
            ext = op.dst_extents.add()
            ext.start_block, ext.num_blocks = start, len(chunk) // 4096
            if incremental and start == 0:
                op.type = um.InstallOperation.SOURCE_COPY
                src = op.src_extents.add()
                src.start_block, src.num_blocks = start, len(chunk) // 4096
                continue
            if not chunk.strip(b"\0"):
                op.type = um.InstallOperation.ZERO
                continue
            blob = {"xz": lambda b: lzma.compress(b, format=lzma.FORMAT_XZ), "bz2": bz2.compress,
                    "raw": bytes}[compress](chunk)
            op.type = {"xz": um.InstallOperation.REPLACE_XZ, "bz2": um.InstallOperation.REPLACE_BZ,
                       "raw": um.InstallOperation.REPLACE}[compress]
            op.data_offset, op.data_length = len(blobs), len(blob)
            blobs += blob
    raw = manifest.SerializeToString()
    signature = b""
    out.write_bytes(b"CrAU" + struct.pack(">QQI", 2, len(raw), len(signature)) + raw + signature + bytes(blobs))
    return out


@pytest.mark.parametrize("compress", ["xz", "bz2", "raw"])
def test_ab_payload_scan_finds_what_the_tree_scan_finds(scanner, tree, tmp_path, compress):
    system = make_image(tree, tmp_path / "system.img", "ext4")
    boot = tmp_path / "boot.img"
    boot.write_bytes(b"ANDROID!" + b"\0" * (4096 * 4 - 8))
    payload = ab_payload({"boot": boot, "system": system}, tmp_path / "payload.bin", compress)
    ota = tmp_path / "ota.zip"
    with zipfile.ZipFile(ota, "w") as z:
        z.write(payload, "payload.bin", compress_type=zipfile.ZIP_STORED)
        z.writestr("payload_properties.txt", "FILE_HASH=x\n")
    for source, prefix in ((payload, f"{payload}!system.img"), (ota, f"{ota}!/payload.bin!system.img")):
        results = list(scanner.scan_all(units(source)))
        assert facts(results) == facts(scanner.scan_all(units(tree)))
        adups = next(r for r in results if r.package == "com.adups.fota")
        assert adups.path == f"{prefix}!/system/priv-app/AdupsFota/AdupsFota.apk"


def test_ab_payload_matches_an_independent_extractor(tree, tmp_path):
    """payload-dumper (an independent reader) and banscreen rebuild the same image."""
    from payload_dumper.dumper import Dumper

    from banscreen.sources.android.formats.ab_payload import read_header, rebuild

    system = make_image(tree, tmp_path / "system.img", "ext4")
    payload = ab_payload({"system": system}, tmp_path / "payload.bin")
    with payload.open("rb") as fh:
        header = read_header(fh)
        [part] = header.partitions
        with (tmp_path / "ours.img").open("wb") as out:
            rebuild(fh, header, part, out, 2**30)
    assert (tmp_path / "ours.img").read_bytes() == system.read_bytes()
    out_dir = tmp_path / "dumped"
    out_dir.mkdir()
    with payload.open("rb") as fh:
        Dumper(fh, str(out_dir), diff=False, old=None, images="system").run()
    assert (out_dir / "system.img").read_bytes() == system.read_bytes()


def test_incremental_and_damaged_payloads_are_clear_errors(tree, tmp_path):
    system = make_image(tree, tmp_path / "system.img", "ext4")
    incremental = ab_payload({"system": system}, tmp_path / "inc.bin", incremental=True)
    [issue] = units(incremental)
    assert isinstance(issue, LoadIssue) and "SOURCE_COPY patches the previous image" in issue.reason
    full = ab_payload({"system": system}, tmp_path / "full.bin").read_bytes()
    cut = tmp_path / "cut.bin"
    cut.write_bytes(full[:len(full) // 2])
    issues = [i for i in units(cut) if isinstance(i, LoadIssue)]
    assert issues and all("A/B OTA" in i.reason for i in issues)
    short = tmp_path / "short.bin"  # found by the fuzzer: a version-2 header cut before its signature size
    short.write_bytes(full[:20])
    [issue] = units(short)
    assert isinstance(issue, LoadIssue) and "header truncated" in issue.reason
    bad_manifest = tmp_path / "bad.bin"
    bad_manifest.write_bytes(full[:24] + b"\xff" * 40 + full[64:])
    [issue] = units(bad_manifest)
    assert isinstance(issue, LoadIssue) and "A/B OTA payload not read" in issue.reason
