"""nmap XML (`nmap -oX`): one asset per host, with its MAC address and nmap's vendor for
it, OS fingerprint classes and matches, and service products and CPEs. Parsed with
defusedxml: entity declarations (XML bombs) and external references are refused."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator
from xml.etree.ElementTree import Element, ParseError, TreeBuilder

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from banscreen.model import Asset, LoadIssue, Observation
from banscreen.sources.equipment.interface import AssetReader
from banscreen.sources.interface import SourceError


class _LineBuilder(TreeBuilder):
    """Remembers the line each element starts on, for messages and reports."""

    def __init__(self):
        super().__init__()
        self.lines: dict[Element, int] = {}
        self.expat = None

    def start(self, tag, attrs):
        elem = super().start(tag, attrs)
        if self.expat is not None:
            self.lines[elem] = self.expat.CurrentLineNumber
        return elem


def parse_xml(path: Path) -> tuple[Element, dict[Element, int]]:
    """A safely parsed XML tree and the start line of each element."""
    builder = _LineBuilder()
    parser = DefusedXMLParser(target=builder, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    builder.expat = parser.parser
    try:
        with path.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 16), b""):
                parser.feed(chunk)
        root = parser.close()
    except DefusedXmlException as exc:
        raise SourceError(path, f"refused: {type(exc).__name__} ({exc}); entity declarations and external "
                                "references are not allowed (XML bomb protection)") from None
    except ParseError as exc:
        line = exc.position[0] if getattr(exc, "position", None) else None
        raise SourceError(path, f"not well-formed XML: {exc}", line) from None
    except OSError as exc:
        raise SourceError(path, f"cannot read: {exc.strerror or exc}") from None
    except (LookupError, ValueError) as exc:  # an unknown encoding= in the declaration, say
        raise SourceError(path, f"not readable XML: {exc}") from None
    return root, builder.lines


class NmapXmlReader(AssetReader):
    format = "nmap"
    description = "nmap XML output (nmap -oX)"

    @classmethod
    def sniff(cls, path: Path, head: str) -> bool:
        return "<nmaprun" in head or (path.suffix.lower() == ".xml" and "nmap" in head.lower())

    def assets(self, path: Path) -> Iterator[Asset | LoadIssue]:
        root, lines = parse_xml(path)
        if root.tag != "nmaprun":
            raise SourceError(path, f"not nmap XML: the root element is <{root.tag}>, not <nmaprun>", lines.get(root))
        for n, host in enumerate(root.iter("host"), 1):
            obs: list[Observation] = []
            label = ""
            fields: dict[str, str] = {}
            for addr in host.findall("address"):
                kind, value = addr.get("addrtype", ""), addr.get("addr", "")
                fields[kind] = value
                if kind == "mac":
                    obs.append(Observation("mac", value, "address/@addr"))
                    if addr.get("vendor"):
                        obs.append(Observation("mac_vendor", addr.get("vendor"), "address/@vendor"))
                elif not label:
                    label = value
            for hostname in host.iter("hostname"):
                if hostname.get("name"):
                    fields["hostname"] = hostname.get("name")
                    label = hostname.get("name") + (f" ({label})" if label else "")
                    break
            for osmatch in host.iter("osmatch"):
                if osmatch.get("name"):
                    obs.append(Observation("os_match", osmatch.get("name"), "os/osmatch/@name"))
                for osclass in osmatch.iter("osclass"):
                    if osclass.get("vendor"):
                        obs.append(Observation("os_vendor", osclass.get("vendor"), "osclass/@vendor"))
                    for cpe in osclass.iter("cpe"):
                        if cpe.text:
                            obs.append(Observation("cpe", cpe.text.strip(), "osclass/cpe"))
            for port in host.iter("port"):
                service = port.find("service")
                if service is None:
                    continue
                where = f"port {port.get('portid')}/{port.get('protocol')}"
                product = " ".join(v for v in (service.get("product"), service.get("extrainfo")) if v)
                if product:
                    obs.append(Observation("service_product", product, f"{where} service/@product"))
                for cpe in service.iter("cpe"):
                    if cpe.text:
                        obs.append(Observation("cpe", cpe.text.strip(), f"{where} service/cpe"))
            yield Asset(n, lines.get(host, 0), str(path), label or f"host {n}", tuple(obs), fields)
