"""APK-reading benchmark: banscreen's reader against androguard's full parse, same files.

    python -m benchmarks.apk                 # 300 APKs
    python -m benchmarks.apk --apks 50       # quicker

Generates N real APKs (zip, binary AndroidManifest.xml, DEX with classes and code, v1
and/or v2/v3 signatures; written by tests/apkbuild.py and checked against androguard by
the tests) of three sizes, about 10 % of them ADUPS-like. Then, in one process:

- banscreen: `read_apk` (manifest, DEX string tables, resources.arsc strings, signer
  certificates; host names and URLs from the strings);
- banscreen end to end: `banscreen android scan` on the folder (reading, indicator
  matching, permission-risk notes), output discarded;
- banscreen end to end on the same APKs inside a sparse ext4 system image (mke2fs -d,
  img2simg), when those Debian tools are installed;
- androguard 4.1.4, the baseline: `APK(path)` plus every `DEX` in it, reading the same
  facts (package, version, permissions, components, certificates, DEX strings and
  resources.arsc strings, which `APK.get_android_resources()` parses).

Both readers' facts are compared APK by APK, so the speed is for the same answer.
Prints a table and writes benchmarks/out/apk.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import random
import shutil
import subprocess
import tempfile
from pathlib import Path

from benchmarks.common import OUT, Timer, bundled_store

# (name, classes, methods per class, extra strings, share); a small system app, a typical
# vendor app, and a big one. Real DEX files also hold field ids, annotations and debug
# info that this generator leaves out, which flatters androguard, not banscreen.
PROFILES = [("small", 300, 8, 3_000, 0.6), ("medium", 1_500, 10, 15_000, 0.3), ("large", 5_000, 12, 50_000, 0.1)]
SCHEMES = [("v1",), ("v1", "v2"), ("v2", "v3"), ("v1", "v2", "v3")]
PERMISSIONS = ["INTERNET", "ACCESS_NETWORK_STATE", "WAKE_LOCK", "VIBRATE", "CAMERA", "RECORD_AUDIO",
               "ACCESS_FINE_LOCATION", "READ_PHONE_STATE", "RECEIVE_BOOT_COMPLETED", "FOREGROUND_SERVICE",
               "POST_NOTIFICATIONS", "BLUETOOTH_CONNECT", "NFC", "READ_EXTERNAL_STORAGE"]


def make_apks(folder: Path, count: int, seed: int = 6) -> list[Path]:
    from tests.apkbuild import ADUPS_COMPONENTS, ADUPS_PERMISSIONS, ADUPS_STRINGS, build_apk

    rnd = random.Random(seed)
    paths = []
    for i in range(count):
        profile, n_classes, n_methods, n_strings, _ = rnd.choices(PROFILES, [p[4] for p in PROFILES])[0]
        package = f"com.vendor{rnd.randrange(40)}.app{i}"
        classes = [f"L{package.replace('.', '/')}/{chr(97 + k % 26)}/C{k};" for k in range(n_classes)]
        # identifiers, keys and log messages; one string in 8 with a dot (dotted names,
        # file names, sentences) and one in 100 a URL, as in real apps
        strings = [f"https://api.vendor{rnd.randrange(99)}.com/v{s % 3}/e{s}" if s % 100 == 0 else
                   rnd.choice([f"com.vendor{s % 40}.feature.KEY_{s}", f"cache/file_{s}.json",
                               f"Sync failed after {s} retries. Giving up."]) if s % 8 == 0 else
                   f"{rnd.choice(['get', 'set', 'on', 'key_', 'Failed to load ', 'pref_', 'mField'])}"
                   f"{rnd.choice(['Config', 'State', 'Item', 'Account', 'Sync'])}{rnd.randrange(10**6)}"
                   for s in range(n_strings)]
        permissions = [f"android.permission.{p}" for p in rnd.sample(PERMISSIONS, rnd.randrange(2, 10))]
        components = [(rnd.choice(["activity", "service", "receiver", "provider"]), f".C{k}")
                      for k in range(rnd.randrange(3, 30))]
        shared_user = ""
        if i % 10 == 0:  # ADUPS-like
            package, shared_user = "com.adups.fota", "android.uid.system"
            permissions, components = ADUPS_PERMISSIONS, ADUPS_COMPONENTS + components
            strings += ADUPS_STRINGS
        path = folder / profile / f"app{i:04d}.apk"
        path.parent.mkdir(parents=True, exist_ok=True)
        resources = [f"Label {k}" if k % 20 else f"https://help.vendor{k % 7}.com/app{i}" for k in
                     range(n_strings // 6)]  # string resources: labels, messages, a few URLs
        build_apk(path, package, permissions, components, strings, shared_user_id=shared_user,
                  resource_strings=resources,
                  schemes=rnd.choice(SCHEMES), classes=classes, methods_per_class=n_methods,
                  utf8=bool(i % 2), common_name=f"OEM key {i % 5}")
        paths.append(path)
    return paths


def facts_banscreen(path: Path) -> dict:
    """read_apk's facts, plus the DEX and resource strings it searched (read again here,
    outside the timed loop, as read_apk keeps only the host names found in them)."""
    import zipfile

    from banscreen.sources.android.formats.apk import dex_strings, read_apk, resource_table_strings

    info = read_apk(path)
    with zipfile.ZipFile(path) as z:
        strings = set(dex_strings(z.read("classes.dex")))
        resources = resource_table_strings(z.read("resources.arsc"))
    return {"package": info.package, "version": (info.version_name, info.version_code),
            "permissions": sorted(info.permissions), "components": sorted(info.components),
            "certs": sorted(info.cert_sha256), "strings": strings, "resources": resources}


def facts_androguard(path: Path) -> dict:
    from androguard.core.apk import APK
    from androguard.core.dex import DEX

    apk = APK(str(path))
    strings = set()
    for raw in apk.get_all_dex():
        strings.update(DEX(raw).get_strings())
    pool = apk.get_android_resources().stringpool_main
    return {"package": apk.get_package(), "version": (apk.get_androidversion_name(), apk.get_androidversion_code()),
            "permissions": sorted(apk.get_permissions()),
            "components": sorted(apk.get_activities() + apk.get_services() + apk.get_receivers()
                                 + apk.get_providers()),
            "certs": sorted(hashlib.sha256(c.dump()).hexdigest() for c in apk.get_certificates()),
            "strings": strings, "resources": [pool.getString(i) for i in range(pool.stringCount)]}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="banscreen APK benchmark")
    ap.add_argument("--apks", type=int, default=300)
    args = ap.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    try:
        from loguru import logger

        logger.remove()  # androguard logs every parse step at DEBUG
    except ImportError:
        raise SystemExit("androguard is missing: python3 -m pip install -e '.[bench]'") from None

    folder = Path(tempfile.mkdtemp(prefix="banscreen-apk-"))
    with Timer() as t_make:
        paths = make_apks(folder, args.apks)
    total_bytes = sum(p.stat().st_size for p in paths)
    n = len(paths)

    from banscreen.sources.android.formats.apk import read_apk

    with Timer() as t_ours:
        for p in paths:
            read_apk(p)

    from banscreen.screen.android import AndroidScanner
    from banscreen.lists.indicators_yaml import bundled_indicators
    from banscreen.match.android import IndicatorMatcher
    from banscreen.screen import EquipmentOptions, open_equipment_screener
    from banscreen.sources import android as android_sources

    equipment, _ = open_equipment_screener(bundled_store(), EquipmentOptions(as_of=dt.date.today()))
    scanner = AndroidScanner(IndicatorMatcher(bundled_indicators()), equipment, dt.date.today())
    flagged = 0
    with Timer() as t_scan:
        for unit in scanner.scan_all(android_sources.read(folder)):
            flagged += bool(getattr(unit, "findings", ()))

    # the same APKs inside a sparse ext4 system image, when e2fsprogs and img2simg are here
    t_image = image_mib = None
    if shutil.which("mke2fs") and shutil.which("img2simg"):
        raw, sparse = folder.parent / f"{folder.name}.img", folder.parent / f"{folder.name}.sparse.img"
        mib_needed = int(total_bytes * 1.3 / 2**20) + 16
        subprocess.run(["mke2fs", "-q", "-F", "-E", "root_owner=0:0", "-t", "ext4", "-d", str(folder), str(raw), f"{mib_needed}M"], check=True)
        subprocess.run(["img2simg", str(raw), str(sparse)], check=True)
        image_mib = sparse.stat().st_size / 2**20
        with Timer() as t_image:
            image_units = sum(1 for _ in scanner.scan_all(android_sources.read(sparse)))
        assert image_units == n, f"{image_units} units from the image, {n} APKs"

    with Timer() as t_theirs:
        theirs = [facts_androguard(p) for p in paths]

    disagreements = []
    for p, t in zip(paths, theirs):
        o = facts_banscreen(p)
        for key in ("package", "version", "permissions", "components", "certs", "strings", "resources"):
            if o[key] != t[key]:
                disagreements.append(f"{p.name}: {key} differ" if key in ("strings", "resources") else
                                     f"{p.name}: {key} {o[key]!r} vs {t[key]!r}")

    report = {
        "date": dt.date.today().isoformat(), "apks": n, "megabytes": round(total_bytes / 2**20, 1),
        "by_profile": {name: sum(1 for p in paths if p.parent.name == name) for name, *_ in PROFILES},
        "generate_seconds": round(t_make.seconds, 1),
        "banscreen_read": {"seconds": round(t_ours.seconds, 3), "apks_per_second": round(n / t_ours.seconds, 1)},
        "banscreen_scan": {"seconds": round(t_scan.seconds, 3), "apks_per_second": round(n / t_scan.seconds, 1),
                           "units_with_findings": flagged},
        "androguard": {"seconds": round(t_theirs.seconds, 3), "apks_per_second": round(n / t_theirs.seconds, 1)},
        "ratio_read": round(t_theirs.seconds / t_ours.seconds, 1),
        "ratio_scan": round(t_theirs.seconds / t_scan.seconds, 1),
        "banscreen_scan_sparse_image": None if t_image is None else {
            "seconds": round(t_image.seconds, 3), "apks_per_second": round(n / t_image.seconds, 1),
            "image_mib": round(image_mib, 1), "ratio": round(t_theirs.seconds / t_image.seconds, 1)},
        "disagreements": disagreements,
    }
    (OUT / "apk.json").write_text(json.dumps(report, indent=2))

    from rich.console import Console
    from rich.table import Table

    t = Table(title=f"APK reading, {n} generated APKs ({report['megabytes']} MiB), {report['date']}")
    for col in ("measure", "seconds", "APKs/s", "MiB/s", "vs androguard"):
        t.add_column(col, justify="right" if col != "measure" else "left")
    mib = total_bytes / 2**20
    for label, secs, ratio in (("banscreen read_apk", t_ours.seconds, report["ratio_read"]),
                               ("banscreen android scan (read + match)", t_scan.seconds, report["ratio_scan"]),
                               ("androguard 4.1.4 APK + DEX + resources", t_theirs.seconds, 1.0)):
        t.add_row(label, f"{secs:.2f}", f"{n / secs:,.1f}", f"{mib / secs:,.1f}", f"{ratio}x")
    if t_image is not None:
        img = report["banscreen_scan_sparse_image"]
        t.add_row(f"banscreen android scan, same APKs in a sparse ext4 image ({img['image_mib']} MiB)",
                  f"{t_image.seconds:.2f}", f"{n / t_image.seconds:,.1f}", f"{mib / t_image.seconds:,.1f}",
                  f"{img['ratio']}x")
    else:
        print("(no image row: mke2fs and img2simg are needed; apt-get install e2fsprogs android-sdk-libsparse-utils)")
    Console(width=140).print(t)
    print(f"APKs by size: {report['by_profile']}; scan units with findings: {flagged}; "
          f"target >= 10x androguard")
    print(f"facts that differ between banscreen and androguard: {len(disagreements)}")
    for d in disagreements[:10]:
        print("  " + d)
    print(f"wrote {OUT / 'apk.json'}")


if __name__ == "__main__":
    main()
