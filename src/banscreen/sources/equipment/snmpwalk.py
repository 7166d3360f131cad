"""`snmpwalk` text output saved to a file (symbolic or numeric OIDs). sysDescr,
sysObjectID and sysName become observations, and any OID under a private enterprise
subtree (1.3.6.1.4.1.<PEN>) too. A key seen again starts the next device."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterator

from banscreen.model import Asset, LoadIssue, Observation
from banscreen.sources.equipment.interface import AssetReader
from banscreen.sources.interface import SourceError

_LINE = re.compile(r"^\s*(\S+)\s+=\s+(?:([\w-]+):\s*)?(.*)$")
_KEYS = {
    "sys_descr": re.compile(r"(sysDescr|(?:^|\.)1\.3\.6\.1\.2\.1\.1\.1|^iso\.3\.6\.1\.2\.1\.1\.1)(\.0)?$"),
    "sys_object_id": re.compile(r"(sysObjectID|(?:^|\.)1\.3\.6\.1\.2\.1\.1\.2|^iso\.3\.6\.1\.2\.1\.1\.2)(\.0)?$"),
    "hostname": re.compile(r"(sysName|(?:^|\.)1\.3\.6\.1\.2\.1\.1\.5|^iso\.3\.6\.1\.2\.1\.1\.5)(\.0)?$"),
}
_ENTERPRISE = re.compile(r"(?:^|[.:])(?:1\.3\.6\.1\.4\.1|iso\.3\.6\.1\.4\.1|enterprises)\.\d+")


class SnmpWalkReader(AssetReader):
    format = "snmpwalk"
    description = "snmpwalk text output"

    @classmethod
    def sniff(cls, path: Path, head: str) -> bool:
        return bool(re.search(r"(sysDescr|sysObjectID|sysName|1\.3\.6\.1\.2\.1\.1\.[125])(\.0)?\s+=\s", head))

    def assets(self, path: Path) -> Iterator[Asset | LoadIssue]:
        try:
            text = path.read_text("utf-8", errors="replace")
        except OSError as exc:
            raise SourceError(path, f"cannot read: {exc.strerror or exc}") from None
        device: dict[str, tuple[int, str]] = {}
        enterprise: list[tuple[int, str]] = []
        start = 0
        count = 0

        def flush():
            nonlocal count
            if not device and not enterprise:
                return None
            count += 1
            obs = [Observation(kind, value, f"line {line}") for kind, (line, value) in device.items()]
            obs += [Observation("enterprise_oid", oid, f"line {line}") for line, oid in enterprise[:1]]
            label = device.get("hostname", (0, ""))[1] or f"agent {count}"
            fields = {kind: value for kind, (_, value) in device.items()}
            return Asset(count, start, str(path), label, tuple(obs), fields)

        for number, line in enumerate(text.splitlines(), 1):
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            m = _LINE.match(line)
            if not m:
                if device or enterprise:  # a value running on from the line before
                    continue
                yield LoadIssue(str(path), number, "not an snmpwalk line (OID = TYPE: value)")
                continue
            oid, _type, value = m.group(1), m.group(2), m.group(3).strip().strip('"')
            kind = next((k for k, rx in _KEYS.items() if rx.search(oid)), None)
            if kind is not None:
                if kind in device:  # the same key again: the next device's walk
                    asset = flush()
                    if asset:
                        yield asset
                    device, enterprise, start = {}, [], number
                if not device and not enterprise:
                    start = number
                device[kind] = (number, value)
            elif _ENTERPRISE.search(oid):
                if not device and not enterprise:
                    start = number
                enterprise.append((number, oid))
        asset = flush()
        if asset:
            yield asset
