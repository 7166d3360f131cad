"""Real APK containers for the tests, written byte by byte: a binary AndroidManifest.xml
(AXML), a DEX file with a string table, and a v1 signature block (PKCS#7) made with
`cryptography`. No Android SDK needed."""

from __future__ import annotations

import datetime as dt
import struct
import zipfile
from pathlib import Path


def axml(package: str, version: str, permissions: list[str], components: list[tuple[str, str]],
         shared_user_id: str = "") -> bytes:
    strings: list[str] = []

    def idx(s: str) -> int:
        if s not in strings:
            strings.append(s)
        return strings.index(s)

    nodes = []

    def element(name: str, attrs: dict[str, str]) -> None:
        body = struct.pack("<IIHHHHHH", 0xFFFFFFFF, idx(name), 20, 20, len(attrs), 0, 0, 0)
        for key, value in attrs.items():
            body += struct.pack("<IIIHBBI", 0xFFFFFFFF, idx(key), idx(value), 8, 0, 3, idx(value))
        nodes.append(struct.pack("<HHIII", 0x0102, 16, 16 + len(body), 1, 0xFFFFFFFF) + body)
        nodes.append(struct.pack("<HHIIIII", 0x0103, 16, 24, 1, 0xFFFFFFFF, 0xFFFFFFFF, idx(name)))

    manifest = {"package": package, "versionName": version}
    if shared_user_id:
        manifest["sharedUserId"] = shared_user_id
    element("manifest", manifest)
    for p in permissions:
        element("uses-permission", {"name": p})
    for kind, name in components:
        element(kind, {"name": name})
    pool = b""
    offsets = []
    for s in strings:
        offsets.append(len(pool))
        pool += struct.pack("<H", len(s)) + s.encode("utf-16-le") + b"\0\0"
    pool += b"\0" * (-len(pool) % 4)
    start = 28 + 4 * len(strings)
    chunk = struct.pack("<HHIIIIII", 1, 28, start + len(pool), len(strings), 0, 0, start, 0)
    chunk += b"".join(struct.pack("<I", o) for o in offsets) + pool
    body = chunk + b"".join(nodes)
    return struct.pack("<HHI", 3, 8, 8 + len(body)) + body


def dex(strings: list[str]) -> bytes:
    header = bytearray(0x70)
    header[0:8] = b"dex\n035\0"
    table_off = 0x70
    data_off = table_off + 4 * len(strings)
    ids, data = b"", b""
    for s in sorted(strings):
        raw = s.encode("utf-8")
        ids += struct.pack("<I", data_off + len(data))
        n, enc = len(s), b""
        while True:
            b = n & 0x7F
            n >>= 7
            enc += bytes([b | (0x80 if n else 0)])
            if not n:
                break
        data += enc + raw + b"\0"
    struct.pack_into("<II", header, 0x38, len(strings), table_off)
    return bytes(header) + ids + data


def signature_block(common_name: str = "Test OEM platform key") -> tuple[bytes, str]:
    """(PKCS#7 DER, SHA-256 of the certificate)."""
    import hashlib

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import pkcs7
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now).not_valid_after(now + dt.timedelta(days=3650))
            .sign(key, hashes.SHA256()))
    der = (pkcs7.PKCS7SignatureBuilder().set_data(b"Signature-Version: 1.0\r\n").add_signer(cert, key, hashes.SHA256())
           .sign(serialization.Encoding.DER, [pkcs7.PKCS7Options.DetachedSignature, pkcs7.PKCS7Options.NoAttributes]))
    return der, hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest()


def build_apk(path: Path, package: str, permissions: list[str], components: list[tuple[str, str]],
              dex_strings: list[str], shared_user_id: str = "", signed: bool = True) -> str | None:
    """Writes the APK; returns its certificate's SHA-256 when signed."""
    cert_sha = None
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("AndroidManifest.xml", axml(package, "5.1.2.2", permissions, components, shared_user_id))
        z.writestr("classes.dex", dex(dex_strings))
        z.writestr("res/values/strings.xml", "<resources/>")
        if signed:
            block, cert_sha = signature_block()
            z.writestr("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\r\n")
            z.writestr("META-INF/CERT.RSA", block)
    return cert_sha


def adups_apk(path: Path) -> str | None:
    return build_apk(
        path, "com.adups.fota",
        ["android.permission.INTERNET", "android.permission.READ_SMS", "android.permission.READ_CALL_LOG",
         "android.permission.READ_CONTACTS", "android.permission.INSTALL_PACKAGES"],
        [("receiver", "com.adups.fota.sysoper.WriteCommandReceiver"), ("service", ".FotaService")],
        ["http://bigdata.adups.com/fota5/uploadInfo.do", "rebootv5.adsunflower.com", "Lcom/adups/fota/base/"
         "ServiceReceiver;", "Landroid/app/Service;", "getDeviceId", "content://sms/inbox"],
        shared_user_id="android.uid.system")


def clean_apk(path: Path) -> str | None:
    return build_apk(path, "com.example.calculator", ["android.permission.VIBRATE"],
                     [("activity", ".MainActivity")], ["Lcom/example/calculator/MainActivity;", "https://example.com/help",
                                                        "2 + 2"])
