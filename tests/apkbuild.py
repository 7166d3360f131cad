"""Real APK containers for the tests and the APK benchmark, written byte by byte with no
Android SDK: a binary AndroidManifest.xml (AXML, as aapt writes it: string pool, resource
map, android namespace, typed values), a DEX file (header with checksum and SHA-1
signature, string/type/proto/method ids, class definitions with code, map list), a v1
JAR signature (MANIFEST.MF, CERT.SF, PKCS#7 CERT.RSA) and v2/v3 APK Signing Blocks.

The tests check these files with androguard, an independent parser, so they do not only
agree with banscreen's own reader. The v2/v3 blocks carry real certificates and the
block layout of the spec, but their digests and signatures are not valid: banscreen
reads signer certificates, it does not verify signatures."""

from __future__ import annotations

import datetime as dt
import hashlib
import struct
import zipfile
import zlib
from functools import lru_cache
from pathlib import Path

ANDROID_NS = "http://schemas.android.com/apk/res/android"
# android.R.attr ids, as in the platform's public.xml
ATTR_IDS = {"name": 0x01010003, "sharedUserId": 0x0101000B, "versionCode": 0x0101021B,
            "versionName": 0x0101021C, "exported": 0x01010010}
TYPE_STRING, TYPE_INT_DEC, TYPE_BOOLEAN = 0x03, 0x10, 0x12


def axml(package: str, version: str, permissions: list[str], components: list[tuple[str, str]],
         shared_user_id: str = "", version_code: int = 512, utf8: bool = False,
         strip_attribute_names: bool = False) -> bytes:
    """A binary manifest. strip_attribute_names empties the android: attribute names, as
    obfuscators do; Android (and a careful reader) then go by the resource map's ids."""
    # Attribute names come first in the pool, in the order of the resource map.
    strings: list[str] = list(ATTR_IDS)

    def idx(s: str) -> int:
        if s not in strings:
            strings.append(s)
        return strings.index(s)

    ns_uri, ns_prefix = idx(ANDROID_NS), idx("android")
    chunks: list[bytes] = [struct.pack("<HHIIIII", 0x0100, 16, 24, 1, 0xFFFFFFFF, ns_prefix, ns_uri)]
    line = 1

    def attribute(name: str, value: str | int | bool, android: bool = True) -> bytes:
        ns = ns_uri if android else 0xFFFFFFFF
        if isinstance(value, bool):
            return struct.pack("<IIIHBBI", ns, idx(name), 0xFFFFFFFF, 8, 0, TYPE_BOOLEAN, 0xFFFFFFFF if value else 0)
        if isinstance(value, int):
            return struct.pack("<IIIHBBI", ns, idx(name), 0xFFFFFFFF, 8, 0, TYPE_INT_DEC, value)
        return struct.pack("<IIIHBBI", ns, idx(name), idx(value), 8, 0, TYPE_STRING, idx(value))

    def start(tag: str, attrs: list[bytes]) -> None:
        nonlocal line
        line += 1
        body = struct.pack("<IIHHHHHH", 0xFFFFFFFF, idx(tag), 20, 20, len(attrs), 0, 0, 0) + b"".join(attrs)
        chunks.append(struct.pack("<HHIII", 0x0102, 16, 16 + len(body), line, 0xFFFFFFFF) + body)

    def end(tag: str) -> None:
        chunks.append(struct.pack("<HHIIIII", 0x0103, 16, 24, line, 0xFFFFFFFF, 0xFFFFFFFF, idx(tag)))

    manifest = [attribute("versionCode", version_code), attribute("versionName", version),
                attribute("package", package, android=False)]
    if shared_user_id:
        manifest.insert(0, attribute("sharedUserId", shared_user_id))
    start("manifest", manifest)
    for p in permissions:
        start("uses-permission", [attribute("name", p)])
        end("uses-permission")
    start("application", [])
    for kind, name in components:
        start(kind, [attribute("name", name), attribute("exported", False)])
        end(kind)
    end("application")
    end("manifest")
    chunks.append(struct.pack("<HHIIIII", 0x0101, 16, 24, line, 0xFFFFFFFF, ns_prefix, ns_uri))

    pool_strings = ["" if strip_attribute_names and i < len(ATTR_IDS) else s for i, s in enumerate(strings)]
    string_pool = string_pool_chunk(pool_strings, utf8)
    resource_map = struct.pack("<HHI", 0x0180, 8, 8 + 4 * len(ATTR_IDS)) + b"".join(
        struct.pack("<I", i) for i in ATTR_IDS.values())
    body = string_pool + resource_map + b"".join(chunks)
    return struct.pack("<HHI", 0x0003, 8, 8 + len(body)) + body


def string_pool_chunk(strings: list[str], utf8: bool = False) -> bytes:
    """A ResStringPool chunk, UTF-16 or UTF-8, as aapt writes them."""
    pool, offsets = b"", []
    for s in strings:
        offsets.append(len(pool))
        if utf8:
            raw = s.encode("utf-8")
            pool += _utf8_len(len(s)) + _utf8_len(len(raw)) + raw + b"\0"
        else:
            pool += struct.pack("<H", len(s)) + s.encode("utf-16-le") + b"\0\0"
    pool += b"\0" * (-len(pool) % 4)
    start = 28 + 4 * len(strings)
    return struct.pack("<HHIIIIII", 0x0001, 28, start + len(pool), len(strings), 0, 0x100 if utf8 else 0, start, 0) \
        + b"".join(struct.pack("<I", o) for o in offsets) + pool


def resource_table(strings: list[str], package: str = "com.example") -> bytes:
    """A resources.arsc: the table header, the global value string pool, and one package
    chunk with empty type and key pools (no types)."""
    name = package.encode("utf-16-le")[:254].ljust(256, b"\0")
    type_pool, key_pool = string_pool_chunk([]), string_pool_chunk([])
    header_size = 288
    package_chunk = struct.pack("<HHII", 0x0200, header_size, header_size + len(type_pool) + len(key_pool), 0x7F) \
        + name + struct.pack("<IIIII", header_size, 0, header_size + len(type_pool), 0, 0)
    body = string_pool_chunk(strings, utf8=True) + package_chunk + type_pool + key_pool
    return struct.pack("<HHII", 0x0002, 12, 12 + len(body), 1) + body


def xml_resource(tag: str, texts: list[str]) -> bytes:
    """A compiled XML resource: <tag><item>text</item>...</tag>, texts as CDATA chunks."""
    strings = [tag, "item", *texts]
    chunks = [struct.pack("<HHIIIIIHHHHHH", 0x0102, 16, 36, 1, 0xFFFFFFFF, 0xFFFFFFFF, 0, 20, 20, 0, 0, 0, 0)]
    for i, _ in enumerate(texts):
        chunks.append(struct.pack("<HHIIIIIHHHHHH", 0x0102, 16, 36, 2, 0xFFFFFFFF, 0xFFFFFFFF, 1, 20, 20, 0, 0, 0, 0))
        chunks.append(struct.pack("<HHIIIIHBBI", 0x0104, 16, 28, 2, 0xFFFFFFFF, i + 2, 8, 0, 0, 0))
        chunks.append(struct.pack("<HHIIIII", 0x0103, 16, 24, 2, 0xFFFFFFFF, 0xFFFFFFFF, 1))
    chunks.append(struct.pack("<HHIIIII", 0x0103, 16, 24, 3, 0xFFFFFFFF, 0xFFFFFFFF, 0))
    body = string_pool_chunk(strings) + b"".join(chunks)
    return struct.pack("<HHI", 0x0003, 8, 8 + len(body)) + body


def _utf8_len(n: int) -> bytes:
    return bytes([n]) if n < 0x80 else bytes([0x80 | (n >> 8), n & 0xFF])


def _uleb(n: int) -> bytes:
    out = b""
    while True:
        b = n & 0x7F
        n >>= 7
        out += bytes([b | (0x80 if n else 0)])
        if not n:
            return out


def dex(strings: list[str], classes: list[str] = (), methods_per_class: int = 0) -> bytes:
    """A DEX file holding `strings` plus, for each class descriptor in `classes`, a class
    extending java.lang.Object with `methods_per_class` static methods, each loading one
    of the strings with const-string and returning."""
    classes = sorted(set(classes))
    descriptors = sorted(set(classes) | {"Ljava/lang/Object;", "V"})
    method_names = [f"m{i}" for i in range(methods_per_class)]
    all_strings = sorted(set(strings) | set(descriptors) | set(method_names),
                         key=lambda s: s.encode("utf-16-be"))
    sid = {s: i for i, s in enumerate(all_strings)}
    types = sorted(descriptors, key=lambda d: sid[d])
    tid = {d: i for i, d in enumerate(types)}
    method_ids = sorted(((tid[c], sid[m]) for c in classes for m in method_names))
    mid = {key: i for i, key in enumerate(method_ids)}
    payload = sorted(set(strings)) or all_strings

    string_ids_off = 0x70
    type_ids_off = string_ids_off + 4 * len(all_strings)
    proto_ids_off = type_ids_off + 4 * len(types)
    method_ids_off = proto_ids_off + 12
    class_defs_off = method_ids_off + 8 * len(method_ids)
    data_off = class_defs_off + 32 * len(classes)

    data = bytearray()
    code_offs: dict[tuple[int, int], int] = {}
    k = 0
    for c in classes:  # code items first: 4-aligned
        for m in method_names:
            code_offs[(tid[c], sid[m])] = data_off + len(data)
            target = sid[payload[k % len(payload)]]
            k += 1
            insns = struct.pack("<HHH", 0x001A, target, 0x000E)  # const-string v0, @target; return-void
            data += struct.pack("<HHHHII", 1, 0, 0, 0, 0, 3) + insns
            data += b"\0" * (-len(data) % 4)
    class_data_offs = []
    for c in sorted(classes, key=lambda c: tid[c]):
        class_data_offs.append(data_off + len(data))
        entries = sorted(mid[(tid[c], sid[m])] for m in method_names)
        data += _uleb(0) + _uleb(0) + _uleb(len(entries)) + _uleb(0)
        prev = 0
        for n, m_idx in enumerate(entries):
            key = method_ids[m_idx]
            data += _uleb(m_idx - prev if n else m_idx) + _uleb(0x9) + _uleb(code_offs[key])  # public static
            prev = m_idx
    string_data_off = data_off + len(data)
    string_offs = []
    for s in all_strings:
        string_offs.append(data_off + len(data))
        data += _uleb(len(s.encode("utf-16-le")) // 2) + s.encode("utf-8") + b"\0"
    data += b"\0" * (-len(data) % 4)
    map_off = data_off + len(data)
    items = [(0x0000, 1, 0), (0x0001, len(all_strings), string_ids_off), (0x0002, len(types), type_ids_off),
             (0x0003, 1, proto_ids_off)]
    if method_ids:
        items.append((0x0005, len(method_ids), method_ids_off))
    if classes:
        items.append((0x0006, len(classes), class_defs_off))
    if code_offs:
        items.append((0x2001, len(code_offs), data_off))
    if classes:
        items.append((0x2000, len(classes), class_data_offs[0]))
    items += [(0x2002, len(all_strings), string_data_off), (0x1000, 1, map_off)]
    data += struct.pack("<I", len(items)) + b"".join(struct.pack("<HHII", t, 0, n, o) for t, n, o in items)

    body = bytearray()
    body += b"".join(struct.pack("<I", o) for o in string_offs)
    body += b"".join(struct.pack("<I", sid[d]) for d in types)
    body += struct.pack("<III", sid["V"], tid["V"], 0)  # proto ()V
    body += b"".join(struct.pack("<HHI", c, 0, n) for c, n in method_ids)
    for c, off in zip(sorted(classes, key=lambda c: tid[c]), class_data_offs):
        body += struct.pack("<8I", tid[c], 0x1, tid["Ljava/lang/Object;"], 0, 0xFFFFFFFF, 0, off, 0)
    assert 0x70 + len(body) == data_off
    out = bytearray(0x70) + body + data
    out[0:8] = b"dex\n035\0"
    struct.pack_into("<IIII", out, 32, len(out), 0x70, 0x12345678, 0)
    struct.pack_into("<I", out, 48, 0)
    struct.pack_into("<I", out, 52, map_off)
    struct.pack_into("<12I", out, 56, len(all_strings), string_ids_off, len(types), type_ids_off, 1, proto_ids_off,
                     0, 0, len(method_ids), method_ids_off if method_ids else 0, len(classes),
                     class_defs_off if classes else 0)
    struct.pack_into("<II", out, 104, len(out) - data_off, data_off)
    out[12:32] = hashlib.sha1(out[32:]).digest()
    struct.pack_into("<I", out, 8, zlib.adler32(out[12:]))
    return bytes(out)


@lru_cache(maxsize=8)
def signing_key(common_name: str = "Test OEM platform key"):
    """(private key, certificate, certificate SHA-256); cached because RSA keys are slow."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now).not_valid_after(now + dt.timedelta(days=3650))
            .sign(key, hashes.SHA256()))
    return key, cert, hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest()


def signature_block(common_name: str = "Test OEM platform key") -> tuple[bytes, str]:
    """A v1 signature: (PKCS#7 DER over CERT.SF, SHA-256 of the certificate)."""
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.serialization import pkcs7

    key, cert, sha = signing_key(common_name)
    der = (pkcs7.PKCS7SignatureBuilder().set_data(_SF).add_signer(cert, key, hashes.SHA256())
           .sign(serialization.Encoding.DER, [pkcs7.PKCS7Options.DetachedSignature, pkcs7.PKCS7Options.NoAttributes]))
    return der, sha


_SF = b"Signature-Version: 1.0\r\nCreated-By: banscreen tests\r\n\r\n"


def _lp(data: bytes) -> bytes:
    return struct.pack("<I", len(data)) + data


V2_ID, V3_ID = 0x7109871A, 0xF05368C0


def signing_block(schemes: list[str], common_name: str = "Test OEM platform key") -> bytes:
    """An APK Signing Block with one signer per scheme ('v2', 'v3')."""
    from cryptography.hazmat.primitives import serialization

    _, cert, _ = signing_key(common_name)
    der = cert.public_bytes(serialization.Encoding.DER)
    public_key = cert.public_key().public_bytes(serialization.Encoding.DER,
                                                serialization.PublicFormat.SubjectPublicKeyInfo)
    digests = _lp(_lp(struct.pack("<I", 0x0103) + _lp(b"\0" * 32)))  # RSA PKCS#1 v1.5 SHA-256
    certificates = _lp(_lp(der))
    signatures = _lp(_lp(struct.pack("<I", 0x0103) + _lp(b"\0" * 256)))
    pairs = b""
    for scheme in schemes:
        if scheme == "v2":
            signer = _lp(digests + certificates + _lp(b"")) + signatures + _lp(public_key)
            pairs += _pair(V2_ID, _lp(_lp(signer)))
        elif scheme == "v3":
            sdk = struct.pack("<II", 24, 0x7FFFFFFF)
            signer = _lp(digests + certificates + sdk + _lp(b"")) + sdk + signatures + _lp(public_key)
            pairs += _pair(V3_ID, _lp(_lp(signer)))
    size = len(pairs) + 8 + 16
    return struct.pack("<Q", size) + pairs + struct.pack("<Q", size) + b"APK Sig Block 42"


def _pair(block_id: int, value: bytes) -> bytes:
    return struct.pack("<QI", 4 + len(value), block_id) + value


def insert_signing_block(path: Path, block: bytes) -> None:
    """Puts the block between the last entry and the central directory, as apksigner does."""
    data = path.read_bytes()
    eocd = data.rfind(b"PK\x05\x06")
    cd_offset = struct.unpack_from("<I", data, eocd + 16)[0]
    out = bytearray(data[:cd_offset] + block + data[cd_offset:])
    struct.pack_into("<I", out, eocd + len(block) + 16, cd_offset + len(block))
    path.write_bytes(bytes(out))


def build_apk(path: Path, package: str, permissions: list[str], components: list[tuple[str, str]],
              dex_strings: list[str], shared_user_id: str = "", signed: bool = True,
              schemes: tuple[str, ...] = ("v1",), classes: list[str] = (), methods_per_class: int = 0,
              utf8: bool = False, strip_attribute_names: bool = False,
              common_name: str = "Test OEM platform key", resource_strings: list[str] = (),
              xml_resources: dict[str, list[str]] | None = None, assets: dict[str, str] | None = None) -> str | None:
    """Writes the APK; returns its certificate's SHA-256 when signed. resource_strings go
    to resources.arsc; xml_resources are compiled to res/xml/NAME; assets are text files."""
    cert_sha = None
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("AndroidManifest.xml", axml(package, "5.1.2.2", permissions, components, shared_user_id,
                                               utf8=utf8, strip_attribute_names=strip_attribute_names))
        z.writestr("classes.dex", dex(dex_strings, classes, methods_per_class))
        z.writestr("resources.arsc", resource_table(list(resource_strings), package))
        for name, texts in (xml_resources or {}).items():
            z.writestr(f"res/xml/{name}", xml_resource("network-security-config", texts))
        for name, text in (assets or {}).items():
            z.writestr(f"assets/{name}", text)
        if signed and "v1" in schemes:
            block, cert_sha = signature_block(common_name)
            z.writestr("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\r\n\r\n")
            z.writestr("META-INF/CERT.SF", _SF)
            z.writestr("META-INF/CERT.RSA", block)
    v23 = [s for s in schemes if s in ("v2", "v3")]
    if signed and v23:
        insert_signing_block(path, signing_block(v23, common_name))
        cert_sha = signing_key(common_name)[2]
    return cert_sha


ADUPS_PERMISSIONS = ["android.permission.INTERNET", "android.permission.READ_SMS", "android.permission.READ_CALL_LOG",
                     "android.permission.READ_CONTACTS", "android.permission.INSTALL_PACKAGES"]
ADUPS_COMPONENTS = [("receiver", "com.adups.fota.sysoper.WriteCommandReceiver"), ("service", ".FotaService")]
ADUPS_STRINGS = ["http://bigdata.adups.com/fota5/uploadInfo.do", "rebootv5.adsunflower.com",
                 "Lcom/adups/fota/base/ServiceReceiver;", "Landroid/app/Service;", "getDeviceId",
                 "content://sms/inbox"]


def adups_apk(path: Path, **kwargs) -> str | None:
    kwargs.setdefault("resource_strings", ["Software update", "http://fota5p.adups.com/otainter-5.0/fota5/"])
    kwargs.setdefault("xml_resources", {"network_security_config.xml": ["rebootv5.adsunflower.com"]})
    kwargs.setdefault("assets", {"config.properties": "report.server=https://bigdata.adups.com/fota5/\n"})
    return build_apk(path, "com.adups.fota", ADUPS_PERMISSIONS, ADUPS_COMPONENTS, ADUPS_STRINGS,
                     shared_user_id="android.uid.system", **kwargs)


def clean_apk(path: Path, **kwargs) -> str | None:
    return build_apk(path, "com.example.calculator", ["android.permission.VIBRATE"],
                     [("activity", ".MainActivity")], ["Lcom/example/calculator/MainActivity;", "https://example.com/help",
                                                        "2 + 2"], **kwargs)
