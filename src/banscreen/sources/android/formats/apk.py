"""APK files, read only as far as screening needs and never executed or extracted to
disk: the zip's central directory (checked for path traversal and zip bombs), the
binary AndroidManifest.xml (package, version, permissions, components, sharedUserId),
the DEX string tables (hostnames, URLs, class names) and the SHA-256 of every signer
certificate, from the v1 JAR signature and from the v2/v3 APK Signing Block. Signatures
are not verified: a certificate is an indicator of who claims to have signed, and a
forged claim can only add a finding, never hide one. Hostile input: every parser checks
its bounds and fails with a clear error."""

from __future__ import annotations

import array
import hashlib
import io
import re
import sys
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Iterator

from banscreen.model import Observation
from banscreen.sources.android.formats.binary import uleb128
from banscreen.sources.safezip import SafeZip

MAX_MEMBER = 256 * 2**20  # one member, unpacked
MAX_TOTAL = 1 << 30  # all members read from one APK, unpacked
MAX_STRINGS = 2_000_000
MAX_RESOURCE = 8 * 2**20  # a text asset or XML resource read for host names
TEXT_ASSETS = (".json", ".xml", ".txt", ".properties", ".cfg", ".conf", ".ini", ".js", ".html", ".yaml", ".yml")
_HOST = re.compile(r"\b((?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?:com|net|org|cn|info|io|ru|top|xyz|biz|cc))\b",
                   re.IGNORECASE)
_URL = re.compile(r"https?://[^\s\"'<>]{3,200}", re.IGNORECASE)
ANDROID_NS = "http://schemas.android.com/apk/res/android"
# android.R.attr ids (the platform's public.xml) of the attributes this reader uses
ANDROID_ATTRS = {0x01010003: "name", 0x0101000B: "sharedUserId", 0x0101021B: "versionCode",
                 0x0101021C: "versionName"}
APK_SIG_BLOCK_MAGIC = b"APK Sig Block 42"
SIGNATURE_SCHEMES = {0x7109871A: "v2", 0xF05368C0: "v3", 0x1B93AD61: "v3.1"}
MAX_SIGNING_BLOCK = 16 * 2**20


class ApkError(Exception):
    """An APK that cannot (or must not) be read: a hostile or broken archive or format."""


@dataclass
class ApkInfo:
    package: str = ""
    version_name: str = ""
    version_code: str = ""
    shared_user_id: str = ""
    permissions: list[str] = field(default_factory=list)
    components: list[str] = field(default_factory=list)
    hosts: dict[str, str] = field(default_factory=dict)  # host -> the member it was first seen in
    urls: dict[str, str] = field(default_factory=dict)
    classes: list[str] = field(default_factory=list)
    cert_sha256: list[str] = field(default_factory=list)
    signature_schemes: list[str] = field(default_factory=list)

    def observations(self, where: str) -> tuple[Observation, ...]:
        obs = [Observation("package", self.package, f"{where} AndroidManifest.xml")] if self.package else []
        obs += [Observation("permission", p, f"{where} manifest") for p in self.permissions]
        obs += [Observation("component", c, f"{where} manifest") for c in self.components]
        obs += [Observation("component", c, f"{where} classes.dex") for c in self.classes]
        obs += [Observation("host", h, f"{where} {member} strings") for h, member in self.hosts.items()]
        obs += [Observation("url", u, f"{where} {member} strings") for u, member in self.urls.items()]
        signed = f"{where} signing certificate ({'+'.join(self.signature_schemes)})"
        obs += [Observation("cert_sha256", c, signed) for c in self.cert_sha256]
        if self.shared_user_id == "android.uid.system":
            obs.append(Observation("flag", "SYSTEM", f"{where} sharedUserId android.uid.system"))
        return tuple(obs)


def read_apk(source: Path | bytes) -> ApkInfo:
    """An APK's facts, from its path or (inside a firmware image or zip) its bytes."""
    data = source if isinstance(source, bytes) else None
    with SafeZip(io.BytesIO(data) if data is not None else Path(source), MAX_MEMBER, MAX_TOTAL, ApkError) as reader:
        info, certs = _from_members(reader)
    if data is not None:
        blocks = signing_block_certificates(io.BytesIO(data))
    else:
        with open(source, "rb") as fh:
            blocks = signing_block_certificates(fh)
    for scheme, ders in blocks.items():
        info.signature_schemes.append(scheme)
        certs.update(dict.fromkeys(hashlib.sha256(der).hexdigest() for der in ders))
    info.cert_sha256 = list(certs)
    return info


def _from_members(reader: SafeZip) -> tuple[ApkInfo, dict[str, None]]:
    """Manifest, DEX strings and v1 certificates (an ordered set) from the zip members."""
    names = reader.names()
    if "AndroidManifest.xml" not in names:
        raise ApkError("no AndroidManifest.xml: not an APK")
    info = ApkInfo()
    try:
        parse_manifest(reader.read("AndroidManifest.xml"), info)
    except ApkError as exc:
        raise ApkError(f"AndroidManifest.xml: {exc}") from None
    hosts: dict[str, str] = {}
    urls: dict[str, str] = {}
    classes: set[str] = set()
    for name in names:
        try:
            if re.fullmatch(r"classes\d*\.dex", name):
                strings = dex_strings(reader.read(name))
                descriptors = {s for s in strings if s[:1] == "L" and s[-1:] == ";" and "/" in s}
                classes.update(s[1:-1].replace("/", ".") for s in descriptors)
                _find_hosts((s for s in strings if s not in descriptors), name, hosts, urls)
            elif name == "resources.arsc":  # string resource values: where apps keep server URLs
                _find_hosts(resource_table_strings(reader.read(name)), name, hosts, urls)
            elif name.startswith("res/xml/") and name.endswith(".xml"):  # network security config, ...
                _find_hosts(xml_strings(reader.read(name, MAX_RESOURCE)), name, hosts, urls)
            elif name.startswith(("assets/", "res/raw/")) and name.lower().endswith(TEXT_ASSETS) \
                    and reader.size(name) <= MAX_RESOURCE:
                _find_hosts(reader.read(name).decode("utf-8", errors="replace").splitlines(), name, hosts, urls)
        except ApkError as exc:
            raise ApkError(f"{name}: {exc}") from None
    info.hosts, info.urls = dict(sorted(hosts.items())), dict(sorted(urls.items()))
    info.classes = sorted(c for c in classes if not c.startswith(("android.", "java.", "javax.", "kotlin.")))
    certs: dict[str, None] = {}  # ordered set
    v1 = [n for n in names if re.fullmatch(r"META-INF/[^/]+\.(RSA|DSA|EC)", n, re.IGNORECASE)]
    for name in v1:
        certs.update(dict.fromkeys(certificate_sha256(reader.read(name))))
    if v1:
        info.signature_schemes.append("v1")
    return info, certs


def _find_hosts(strings, member: str, hosts: dict[str, str], urls: dict[str, str]) -> None:
    """Host names and URLs in strings. One regex pass over those that can hold a host
    name (with a dot), newline-joined: neither pattern crosses a newline."""
    text = "\n".join(s for s in strings if "." in s)
    if "://" in text:
        for u in _URL.findall(text):
            urls.setdefault(u, member)
    for h in _HOST.findall(text):
        hosts.setdefault(h.lower(), member)


# --- binary XML (AXML) --------------------------------------------------------------------------

def _u16(data: bytes, off: int) -> int:
    if off + 2 > len(data):
        raise ApkError("binary XML truncated")
    return struct.unpack_from("<H", data, off)[0]


def _u32(data: bytes, off: int) -> int:
    if off + 4 > len(data):
        raise ApkError("binary XML truncated")
    return struct.unpack_from("<I", data, off)[0]


def _string_pool(data: bytes, off: int) -> list[str]:
    count, flags, strings_start = _u32(data, off + 8), _u32(data, off + 16), _u32(data, off + 20)
    if count > MAX_STRINGS:
        raise ApkError("string pool too large")
    utf8 = bool(flags & 0x100)
    out = []
    for i in range(count):
        pos = off + strings_start + _u32(data, off + 28 + 4 * i)
        if utf8:
            if pos + 2 > len(data):
                raise ApkError("string out of bounds")
            pos += 2 if data[pos] & 0x80 else 1  # UTF-16 length, skipped
            if pos + 1 > len(data) or (data[pos] & 0x80 and pos + 2 > len(data)):
                raise ApkError("string out of bounds")
            n = data[pos]
            if n & 0x80:
                n = ((n & 0x7F) << 8) | data[pos + 1]
                pos += 1
            pos += 1
            if pos + n > len(data):
                raise ApkError("string out of bounds")
            out.append(data[pos:pos + n].decode("utf-8", errors="replace"))
        else:
            n = _u16(data, pos)
            if n & 0x8000:
                n = ((n & 0x7FFF) << 16) | _u16(data, pos + 2)
                pos += 2
            pos += 2
            if pos + 2 * n > len(data):
                raise ApkError("string out of bounds")
            out.append(data[pos:pos + 2 * n].decode("utf-16-le", errors="replace"))
    return out


def parse_manifest(data: bytes, info: ApkInfo) -> None:
    if len(data) < 8 or _u16(data, 0) != 0x0003:
        raise ApkError("AndroidManifest.xml is not binary XML (AXML)")
    strings: list[str] = []
    resource_ids: list[int] = []

    def s(index: int) -> str:
        return strings[index] if 0 <= index < len(strings) else ""

    def attribute_name(index: int) -> str:
        # Android resolves android: attributes by resource id, not by the pool string,
        # which obfuscators blank or rename; so does this reader where the id is known.
        if index < len(resource_ids) and resource_ids[index] in ANDROID_ATTRS:
            return ANDROID_ATTRS[resource_ids[index]]
        return s(index)

    for chunk_type, off, chunk_size in _chunks(data, _u16(data, 2)):
        if chunk_type == 0x0001:
            strings = _string_pool(data, off)
        elif chunk_type == 0x0180:  # resource map: android.R.attr ids of the first pool strings
            resource_ids = list(struct.unpack_from(f"<{(chunk_size - 8) // 4}I", data, off + 8))
        elif chunk_type == 0x0102:  # start element
            name = s(_u32(data, off + 20))
            attr_start, attr_size, attr_count = _u16(data, off + 24), _u16(data, off + 26), _u16(data, off + 28)
            attrs = {}
            for k in range(attr_count):
                a = off + 16 + attr_start + k * attr_size
                value = _u32(data, a + 16)  # first: it bounds the whole 20-byte attribute
                attr_name, raw, data_type = attribute_name(_u32(data, a + 4)), _u32(data, a + 8), data[a + 15]
                attrs[attr_name] = s(raw) if raw != 0xFFFFFFFF else (s(value) if data_type == 3 else str(value))
            if name == "manifest":
                info.package = attrs.get("package", "")
                info.version_name = attrs.get("versionName", "")
                info.version_code = attrs.get("versionCode", "")
                info.shared_user_id = attrs.get("sharedUserId", "")
            elif name in ("uses-permission", "uses-permission-sdk-23") and attrs.get("name"):
                info.permissions.append(attrs["name"])
            elif name in ("activity", "service", "receiver", "provider") and attrs.get("name"):
                component = attrs["name"]
                if component.startswith(".") and info.package:
                    component = info.package + component
                info.components.append(component)


def xml_strings(data: bytes) -> list[str]:
    """The string pool of a compiled XML resource (attribute values, text); a plain-text
    XML file (res/raw, some tools) as its lines."""
    if len(data) >= 8 and _u16(data, 0) == 0x0003:
        return _first_string_pool(data, _u16(data, 2))
    return data.decode("utf-8", errors="replace").splitlines()


def resource_table_strings(data: bytes) -> list[str]:
    """resources.arsc's global string pool: the values of string resources."""
    if len(data) < 12 or _u16(data, 0) != 0x0002:
        raise ApkError("not a resource table")
    return _first_string_pool(data, _u16(data, 2))


def _first_string_pool(data: bytes, start: int) -> list[str]:
    for chunk_type, off, _ in _chunks(data, start):
        if chunk_type == 0x0001:
            return _string_pool(data, off)
    return []


def _chunks(data: bytes, off: int) -> Iterator[tuple[int, int, int]]:
    """(type, offset, size) of the chunks of a resource file (binary XML, resources.arsc)
    from `off` to the end its header declares, each size checked against that end."""
    end = min(_u32(data, 4), len(data))
    while off + 8 <= end:
        chunk_type, chunk_size = _u16(data, off), _u32(data, off + 4)
        if chunk_size < 8 or off + chunk_size > end:
            raise ApkError(f"chunk at {off} has a bad size {chunk_size}")
        yield chunk_type, off, chunk_size
        off += chunk_size


# --- DEX string table ------------------------------------------------------------------------------

def _string_start(data: bytes, off: int) -> int:
    """Where a DEX string's bytes begin, after its ULEB128 UTF-16 length."""
    try:
        return uleb128(data, off, 5)[1]
    except EOFError:
        raise ApkError("DEX string truncated") from None
    except ValueError:
        raise ApkError("DEX string length malformed") from None


def dex_strings(data: bytes) -> list[str]:
    if len(data) < 0x70 or not data.startswith(b"dex\n"):
        raise ApkError("classes.dex is not a DEX file")
    count, table = struct.unpack_from("<II", data, 0x38)
    if count > MAX_STRINGS or table + 4 * count > len(data):
        raise ApkError("DEX string table out of bounds")
    offsets = array.array("I", data[table:table + 4 * count])
    if sys.byteorder == "big":
        offsets.byteswap()
    if count and max(offsets) >= len(data):
        raise ApkError("DEX string offset out of bounds")
    pieces, find = [], data.find
    for off in offsets:
        # A string: its UTF-16 length as ULEB128 (one byte below 128), MUTF-8 bytes, NUL.
        pos = off + 1 if data[off] < 0x80 else _string_start(data, off)
        end = find(b"\0", pos)
        if end < 0:
            raise ApkError("DEX string not terminated")
        pieces.append(data[pos:end])
    if not pieces:
        return []
    # MUTF-8 never holds a raw NUL, so one decode of the NUL-joined strings splits back
    # into the same strings; close enough to UTF-8 for names and hosts.
    return b"\0".join(pieces).decode("utf-8", errors="replace").split("\0")


# --- APK Signing Block (schemes v2, v3, v3.1) ----------------------------------------------------

def signing_block_certificates(fh: BinaryIO) -> dict[str, list[bytes]]:
    """DER certificates of each signer, by scheme, from the APK Signing Block that sits
    just before the zip central directory; {} when the APK has none."""
    size = fh.seek(0, 2)
    tail_len = min(size, 22 + 0xFFFF)
    fh.seek(size - tail_len)
    tail = fh.read(tail_len)
    eocd = tail.rfind(b"PK\x05\x06")
    if eocd < 0 or eocd + 22 > len(tail):
        return {}
    cd_offset = struct.unpack_from("<I", tail, eocd + 16)[0]
    if cd_offset < 32 or cd_offset > size:
        return {}
    fh.seek(cd_offset - 24)
    footer = fh.read(24)
    if footer[8:] != APK_SIG_BLOCK_MAGIC:
        return {}
    block_size = struct.unpack_from("<Q", footer)[0]
    if not 24 <= block_size <= min(cd_offset - 8, MAX_SIGNING_BLOCK):
        raise ApkError(f"APK Signing Block has a bad size {block_size}")
    fh.seek(cd_offset - block_size - 8)
    block = fh.read(block_size + 8)
    if struct.unpack_from("<Q", block)[0] != block_size:
        raise ApkError("APK Signing Block is damaged: its two size fields disagree")
    found: dict[str, list[bytes]] = {}
    pos, end = 8, len(block) - 24
    while pos < end:
        if pos + 12 > end:
            raise ApkError("APK Signing Block is damaged: truncated pair")
        pair_len, block_id = struct.unpack_from("<QI", block, pos)
        if pair_len < 4 or pos + 8 + pair_len > end:
            raise ApkError("APK Signing Block is damaged: a pair runs past the block")
        if block_id in SIGNATURE_SCHEMES:
            # value: signers; signer: signed data first; signed data: digests, then certificates
            [signers] = _length_prefixed(block[pos + 12:pos + 8 + pair_len], limit=1) or [b""]
            found[SIGNATURE_SCHEMES[block_id]] = [
                cert
                for signer in _length_prefixed(signers)
                for signed_data in _length_prefixed(signer, limit=1)
                for cert in _length_prefixed((_length_prefixed(signed_data, limit=2) + [b"", b""])[1])
            ]
        pos += 8 + pair_len
    return found


def _length_prefixed(buf: bytes, limit: int | None = None) -> list[bytes]:
    """The first `limit` (default all) uint32-length-prefixed values in buf, the signing
    block's framing; v3 puts fixed-size fields after the values this reader needs."""
    items, pos = [], 0
    while pos < len(buf) and (limit is None or len(items) < limit):
        if pos + 4 > len(buf):
            raise ApkError("APK Signing Block is damaged: truncated length")
        n = struct.unpack_from("<I", buf, pos)[0]
        if pos + 4 + n > len(buf):
            raise ApkError("APK Signing Block is damaged: a value runs past its parent")
        items.append(buf[pos + 4:pos + 4 + n])
        pos += 4 + n
    return items


def certificate_sha256(pkcs7_der: bytes) -> list[str]:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.serialization import pkcs7

    try:
        certs = pkcs7.load_der_pkcs7_certificates(pkcs7_der)
    except ValueError as exc:
        raise ApkError(f"signing block is not PKCS#7: {exc}") from None
    return [hashlib.sha256(c.public_bytes(serialization.Encoding.DER)).hexdigest() for c in certs]
