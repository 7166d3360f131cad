"""OFAC's "Enhanced XML" (SDN_ENHANCED.XML, CONS_ENHANCED.XML, or their .ZIP): one
entity per `<entity>`, with its lists and their publish dates, programs, names in every
script, addresses and relationships. Parsed with defusedxml."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import parse as safe_parse

from banscreen.lists._util import clean, head_bytes, read_zip_member
from banscreen.lists.interface import ListError, ListLoader, LoadResult
from banscreen.reference.countries import to_iso2
from banscreen.model import ORGANIZATION, PERSON, VESSEL, AIRCRAFT, ListEntry, LoadIssue

NS = "{https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/ENHANCED_XML}"
LIST_CODES = {
    "SDN List": "SDN", "Sectoral Sanctions Identifications List": "SSI",
    "Non-SDN Palestinian Legislative Council List": "PLC", "Non-SDN CMIC List": "CMIC",
    "Non-SDN Menu-Based Sanctions List": "NS-MBS", "CAPTA List": "CAP", "FSE List": "FSE",
}
KINDS = {"Individual": PERSON, "Entity": ORGANIZATION, "Vessel": VESSEL, "Aircraft": AIRCRAFT}
SOURCE_URL = "https://sanctionslist.ofac.treas.gov/Home/ConsolidatedList"


def _t(elem: Element | None, tag: str) -> str:
    found = elem.find(NS + tag) if elem is not None else None
    return clean(found.text or "") if found is not None and found.text else ""


class OfacXmlLoader(ListLoader):
    format = "ofac-xml"
    dataset = "ofac-xml"
    description = "OFAC Enhanced XML (SDN or consolidated non-SDN), plain or zipped"

    @classmethod
    def sniff(cls, path: Path) -> bool:
        if path.suffix.lower() == ".zip":
            return "ENHANCED" in path.name.upper()
        return b"sanctionsData" in head_bytes(path, 2048)

    def load(self, path: Path) -> LoadResult:
        if path.suffix.lower() == ".zip":
            name, data = read_zip_member(path, ".xml")
            source = io.BytesIO(data)
            where = f"{path}!{name}"
        else:
            source, where = str(path), str(path)
        try:
            root = safe_parse(source, forbid_dtd=True).getroot()
        except DefusedXmlException as exc:
            raise ListError(f"{where}: refused: {type(exc).__name__} (entity declarations are not allowed)") from None
        except ParseError as exc:
            raise ListError(f"{where}: not well-formed XML at line {exc.position[0]}: {exc}") from None
        except (LookupError, ValueError) as exc:  # an unknown encoding= in the declaration, say
            raise ListError(f"{where}: not readable XML: {exc}") from None
        if root.tag != NS + "sanctionsData":
            raise ListError(f"{where}: not OFAC Enhanced XML (root element {root.tag})")
        issues: list[LoadIssue] = []
        published = None
        as_of = _t(root.find(NS + "publicationInfo"), "dataAsOf")
        if as_of:
            published = dt.date.fromisoformat(as_of[:10])
        entities = root.find(NS + "entities")
        entries, rows = [], 0
        for ent in entities if entities is not None else []:
            rows += 1
            entity_id = ent.get("id", "")
            general = ent.find(NS + "generalInfo")
            kind = KINDS.get(_t(general, "entityType"), ORGANIZATION)
            primary, aliases = _names(ent)
            if not primary:
                issues.append(LoadIssue(where, 0, f"entity {entity_id} has no primary name; skipped"))
                continue
            addresses, countries = _addresses(ent)
            programs = tuple(clean(p.text or "") for p in ent.iter(NS + "sanctionsProgram") if p.text)
            remarks = "; ".join(clean(r.text or "") for r in ent.iter(NS + "remarks") if r.text)
            related = [clean(r.text or "") for r in ent.iter(NS + "relatedEntity") if r.text]
            if related:
                remarks = (remarks + "; " if remarks else "") + "related: " + ", ".join(related)
            lists = [(LIST_CODES.get(clean(sl.text or ""), clean(sl.text or "")), sl.get("datePublished"))
                     for sl in ent.iter(NS + "sanctionsList") if clean(sl.text or "") != "Consolidated List"]
            if not lists:
                issues.append(LoadIssue(where, 0, f"entity {entity_id} is on no list but the Consolidated List"))
                lists = [("CONS", None)]
            for code, published_on in lists:
                start = dt.date.fromisoformat(published_on[:10]) if published_on else None
                entries.append(ListEntry(
                    dataset=self.dataset, list=code, entry_id=entity_id, kind=kind, name=primary,
                    aliases=tuple(a for a in aliases if a != primary), addresses=tuple(addresses),
                    countries=tuple(countries), programs=programs, start_date=start, remarks=remarks,
                    source_url=SOURCE_URL))
        return LoadResult(entries=entries, rows=rows, issues=issues, published=published)


def _names(ent) -> tuple[str, list[str]]:
    """An entity's primary name (its primary name's primary translation) and its other
    names and translations (other scripts among them)."""
    primary, aliases = "", []
    for name in ent.iter(NS + "name"):
        is_primary = _t(name, "isPrimary") == "true"
        for tr in name.iter(NS + "translation"):
            full = _t(tr, "formattedFullName")
            if not full:
                continue
            if is_primary and _t(tr, "isPrimary") == "true" and not primary:
                primary = full
            elif full not in aliases:
                aliases.append(full)
    return primary, aliases


def _addresses(ent) -> tuple[list[str], list[str]]:
    """An entity's addresses as text, and their countries as ISO codes."""
    addresses, countries = [], []
    for addr in ent.iter(NS + "address"):
        country = _t(addr, "country")
        parts = [clean(p.findtext(NS + "value") or "") for p in addr.iter(NS + "addressPart")]
        text = ", ".join(p for p in [*parts, country] if p)
        if text and text not in addresses:
            addresses.append(text)
        iso = to_iso2(country) if country else None
        if iso and iso not in countries:
            countries.append(iso)
    return addresses, countries
