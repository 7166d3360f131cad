"""Software bills of materials: CycloneDX (JSON 1.2 to 1.6; XML 1.0 to 1.6, any of its
namespaces) and SPDX (JSON 2.2/2.3, tag-value 2.2/2.3, and SPDX 3.0 JSON-LD). One asset
per component, service or package, with its supplier, manufacturer, publisher, authors,
service provider, group, CPE, purl and name as observations.

Each format is read into the shape of its JSON form first (a CycloneDX XML component
becomes the dict its JSON would hold, an SPDX tag-value package the dict of SPDX JSON),
so one function per standard turns components into assets, whatever the encoding."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Iterator

from banscreen.model import Asset, LoadIssue, Observation
from banscreen.sources.equipment.interface import AssetReader
from banscreen.sources.interface import SourceError

MAX_SBOM_BYTES = 512 * 1024 * 1024
MAX_DEPTH = 200  # nested components: deeper is a hostile file, not an SBOM


def _check_size(path: Path) -> None:
    try:
        if path.stat().st_size > MAX_SBOM_BYTES:
            raise SourceError(path, f"larger than {MAX_SBOM_BYTES // 2**20} MiB; refused")
    except OSError as exc:
        raise SourceError(path, f"cannot read: {exc.strerror or exc}") from None


def load_json(path: Path) -> Any:
    _check_size(path)
    try:
        return json.loads(path.read_bytes())
    except json.JSONDecodeError as exc:
        raise SourceError(path, f"not valid JSON: {exc.msg} (column {exc.colno})", exc.lineno) from None
    except UnicodeDecodeError as exc:
        raise SourceError(path, f"not UTF-8 text: {exc.reason}") from None
    except RecursionError:
        raise SourceError(path, "nested too deeply to be an SBOM") from None
    except OSError as exc:
        raise SourceError(path, f"cannot read: {exc.strerror or exc}") from None


def _line_finder(path: Path):
    """Line of the first occurrence of a string in the file: where a component starts."""
    text = path.read_text("utf-8", errors="replace")

    def find(needle: str) -> int:
        at = text.find(needle) if needle else -1
        return text.count("\n", 0, at) + 1 if at >= 0 else 0
    return find


def _org_name(value: Any) -> str:
    if isinstance(value, dict):
        return str(value.get("name") or "")
    return str(value or "") if not isinstance(value, (list, tuple)) else ""


# --- CycloneDX ----------------------------------------------------------------------------

def cyclonedx_assets(doc: dict, path: Path, line_of) -> Iterator[Asset | LoadIssue]:
    """Assets of a CycloneDX document in its JSON shape: the metadata component (which
    inherits the SBOM's own supplier and manufacturer), then every component and
    service, nested ones included, in document order."""
    meta = doc.get("metadata") if isinstance(doc.get("metadata"), dict) else {}
    inherited = []
    for key in ("supplier", "manufacturer", "manufacture"):
        name = _org_name(meta.get(key))
        if name:
            inherited.append(Observation("manufacturer" if key.startswith("manufactur") else "supplier", name,
                                         f"metadata.{key}"))
    items: list[tuple[Any, str, list[Observation]]] = []
    if isinstance(meta.get("component"), dict):
        items.append((meta["component"], "metadata.component", inherited))
    stack = [(c, "services" if kind == "services" else "components", [], 0)
             for kind in ("services", "components") for c in reversed(_list(doc.get(kind)))]
    while stack:
        comp, where, extra, depth = stack.pop()
        items.append((comp, where, extra))
        if isinstance(comp, dict) and depth < MAX_DEPTH:
            for kind in ("services", "components"):
                for child in reversed(_list(comp.get(kind))):
                    stack.append((child, f"{where} > {comp.get('name', '?')}", [], depth + 1))
    for n, (comp, where, extra) in enumerate(items, 1):
        if not isinstance(comp, dict):
            yield LoadIssue(str(path), 0, f"{where}: item #{n} is not a component")
            continue
        obs = list(extra) + _component_observations(comp)
        label = " ".join(str(v) for v in (comp.get("group"), comp.get("name"), comp.get("version")) if v) or where
        ref = comp.get("bom-ref") or comp.get("purl") or comp.get("name") or ""
        fields = {k: comp[k] for k in ("type", "group", "name", "version", "purl", "cpe", "bom-ref")
                  if isinstance(comp.get(k), (str, int, float))}
        yield Asset(n, line_of(str(ref)) if ref else 0, str(path), label, tuple(obs), fields)


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _component_observations(comp: dict) -> list[Observation]:
    obs = []
    for key, kind in (("supplier", "supplier"), ("manufacturer", "manufacturer"), ("publisher", "publisher"),
                      ("author", "author"), ("provider", "supplier")):
        name = _org_name(comp.get(key))
        if name:
            obs.append(Observation(kind, name, key))
    for author in _list(comp.get("authors")):
        if _org_name(author):
            obs.append(Observation("author", _org_name(author), "authors"))
    for key in ("cpe", "purl"):
        if isinstance(comp.get(key), str) and comp[key]:
            obs.append(Observation(key, comp[key], key))
    for key in ("group", "name"):
        if isinstance(comp.get(key), str) and comp[key]:
            obs.append(Observation("component", comp[key], key))
    return obs


class CycloneDxReader(AssetReader):
    format = "cyclonedx"
    description = "CycloneDX SBOM, JSON (1.2-1.6)"

    @classmethod
    def sniff(cls, path: Path, head: str) -> bool:
        return '"bomFormat"' in head and "CycloneDX" in head

    def assets(self, path: Path) -> Iterator[Asset | LoadIssue]:
        doc = load_json(path)
        if not isinstance(doc, dict) or doc.get("bomFormat") != "CycloneDX":
            raise SourceError(path, "not a CycloneDX JSON document (no \"bomFormat\": \"CycloneDX\")")
        yield from cyclonedx_assets(doc, path, _json_ref_line(path))


def _json_ref_line(path: Path):
    find = _line_finder(path)
    return lambda ref: find(f'"{ref}"')


CYCLONEDX_NS = re.compile(r"^\{http://cyclonedx\.org/schema/bom/1\.[0-9]+\}")
# Elements whose text is the value, and those that hold an organizational entity.
_TEXT = {"name", "group", "version", "purl", "cpe", "publisher", "author", "description"}
_ENTITY = {"supplier", "manufacturer", "manufacture", "provider"}


class CycloneDxXmlReader(AssetReader):
    format = "cyclonedx-xml"
    description = "CycloneDX SBOM, XML (1.0-1.6)"

    @classmethod
    def sniff(cls, path: Path, head: str) -> bool:
        return "<bom" in head and "cyclonedx.org/schema/bom" in head

    def assets(self, path: Path) -> Iterator[Asset | LoadIssue]:
        from defusedxml import ElementTree
        from defusedxml.common import DefusedXmlException
        from xml.etree.ElementTree import ParseError

        _check_size(path)
        try:
            root = ElementTree.parse(str(path)).getroot()
        except ParseError as exc:
            line = exc.position[0] if getattr(exc, "position", None) else None
            raise SourceError(path, f"not well-formed XML: {exc}", line) from None
        except DefusedXmlException as exc:
            raise SourceError(path, f"refused: {type(exc).__name__} (entities or DTDs are not read)") from None
        except RecursionError:
            raise SourceError(path, "nested too deeply to be an SBOM") from None
        if _local(root.tag) != "bom" or not CYCLONEDX_NS.match(root.tag):
            raise SourceError(path, "not a CycloneDX XML document (no <bom> in a cyclonedx.org namespace)")
        doc = {"metadata": {}, "components": [], "services": []}
        for child in root:
            tag = _local(child.tag)
            if tag == "metadata":
                doc["metadata"] = _xml_metadata(child)
            elif tag in ("components", "services"):
                doc[tag] = [_xml_component(c, 0) for c in child if _local(c.tag) in ("component", "service")]
        find = _line_finder(path)
        yield from cyclonedx_assets(doc, path, lambda ref: find(f'bom-ref="{ref}"') or find(f">{ref}<"))


def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _entity(element) -> dict:
    name = next((c.text or "" for c in element if _local(c.tag) == "name"), "")
    return {"name": name.strip()}


def _xml_metadata(element) -> dict:
    meta: dict[str, Any] = {}
    for child in element:
        tag = _local(child.tag)
        if tag == "component":
            meta["component"] = _xml_component(child, 0)
        elif tag in _ENTITY:
            meta[tag] = _entity(child)
    return meta


def _xml_component(element, depth: int) -> dict:
    """A <component> or <service> as the dict CycloneDX JSON would hold."""
    comp: dict[str, Any] = {k: v for k, v in element.attrib.items() if k in ("type", "bom-ref")}
    for child in element:
        tag = _local(child.tag)
        if tag in _TEXT:
            comp[tag] = (child.text or "").strip()
        elif tag in _ENTITY:
            comp[tag] = _entity(child)
        elif tag == "authors":
            comp["authors"] = [_entity(a) for a in child if _local(a.tag) == "author"]
        elif tag in ("components", "services") and depth < MAX_DEPTH:
            comp[tag] = [_xml_component(c, depth + 1) for c in child if _local(c.tag) in ("component", "service")]
    return comp


# --- SPDX ---------------------------------------------------------------------------------

def spdx_package_assets(packages: list, path: Path, line_of) -> Iterator[Asset | LoadIssue]:
    """Assets of SPDX 2.x packages in their JSON shape."""
    for n, pkg in enumerate(packages, 1):
        if not isinstance(pkg, dict):
            yield LoadIssue(str(path), 0, f"packages[{n - 1}] is not an object")
            continue
        obs = []
        for key, kind in (("supplier", "supplier"), ("originator", "manufacturer")):
            value = str(pkg.get(key) or "")
            if value and value != "NOASSERTION":
                # "Organization: Kaspersky Lab" / "Person: Jane Doe (jane@x.org)"
                obs.append(Observation(kind, value.split(":", 1)[-1].split("(")[0].strip(), key))
        for ref in _list(pkg.get("externalRefs")):
            if not isinstance(ref, dict):
                continue
            kind = {"cpe23Type": "cpe", "cpe22Type": "cpe", "purl": "purl"}.get(ref.get("referenceType", ""))
            if kind and ref.get("referenceLocator"):
                obs.append(Observation(kind, str(ref["referenceLocator"]), f"externalRefs {ref['referenceType']}"))
        if pkg.get("name"):
            obs.append(Observation("component", str(pkg["name"]), "name"))
        label = " ".join(str(v) for v in (pkg.get("name"), pkg.get("versionInfo")) if v) or f"package {n}"
        spdx_id = str(pkg.get("SPDXID", ""))
        fields = {k: pkg[k] for k in ("SPDXID", "name", "versionInfo", "supplier", "originator") if k in pkg}
        yield Asset(n, pkg.get("_line") or (line_of(spdx_id) if spdx_id else 0), str(path), label, tuple(obs),
                    fields)


class SpdxReader(AssetReader):
    format = "spdx"
    description = "SPDX SBOM, JSON (2.2, 2.3)"

    @classmethod
    def sniff(cls, path: Path, head: str) -> bool:
        return '"spdxVersion"' in head

    def assets(self, path: Path) -> Iterator[Asset | LoadIssue]:
        doc = load_json(path)
        if not isinstance(doc, dict) or "spdxVersion" not in doc:
            raise SourceError(path, "not an SPDX JSON document (no \"spdxVersion\")")
        yield from spdx_package_assets(_list(doc.get("packages")), path, _json_ref_line(path))


class SpdxTagValueReader(AssetReader):
    """SPDX tag-value (`Tag: Value` lines, `<text>` spanning lines); packages start at
    `PackageName:` and their fields follow until the next package or file."""

    format = "spdx-tv"
    description = "SPDX SBOM, tag-value (2.2, 2.3)"

    @classmethod
    def sniff(cls, path: Path, head: str) -> bool:
        return re.search(r"(?m)^SPDXVersion:\s*SPDX-", head) is not None

    def assets(self, path: Path) -> Iterator[Asset | LoadIssue]:
        _check_size(path)
        packages: list[dict] = []
        issues: list[LoadIssue] = []
        current: dict | None = None
        seen_version = False
        try:
            for line_no, tag, value in _tag_values(path):
                if tag == "SPDXVersion":
                    seen_version = True
                elif tag == "PackageName":
                    current = {"name": value, "_line": line_no}
                    packages.append(current)
                elif tag in ("FileName", "SnippetSPDXID"):
                    current = None  # a file's or snippet's fields are not the package's
                elif current is not None:
                    if tag == "SPDXID":
                        current["SPDXID"] = value
                    elif tag == "PackageVersion":
                        current["versionInfo"] = value
                    elif tag == "PackageSupplier":
                        current["supplier"] = value
                    elif tag == "PackageOriginator":
                        current["originator"] = value
                    elif tag == "ExternalRef":
                        parts = value.split(None, 2)
                        if len(parts) == 3:
                            current.setdefault("externalRefs", []).append(
                                {"referenceCategory": parts[0], "referenceType": parts[1],
                                 "referenceLocator": parts[2]})
                        else:
                            issues.append(LoadIssue(str(path), line_no, "ExternalRef needs a category, a type and "
                                                                        "a locator"))
        except UnicodeDecodeError:
            raise SourceError(path, "not UTF-8 text") from None
        if not seen_version:
            raise SourceError(path, "not an SPDX tag-value document (no SPDXVersion line)")
        yield from issues
        yield from spdx_package_assets(packages, path, lambda ref: 0)


def _tag_values(path: Path) -> Iterator[tuple[int, str, str]]:
    """(line, tag, value) of a tag-value file; a `<text>` value runs to `</text>`."""
    with path.open("r", encoding="utf-8") as fh:
        pending: tuple[int, str, list[str]] | None = None
        for line_no, line in enumerate(fh, 1):
            if pending is not None:
                start, tag, parts = pending
                if "</text>" in line:
                    parts.append(line.split("</text>", 1)[0])
                    yield start, tag, "\n".join(parts).strip()
                    pending = None
                elif sum(len(p) for p in parts) < 1 << 20:
                    parts.append(line.rstrip("\n"))
                continue
            if not line.strip() or line.startswith("#") or ":" not in line:
                continue
            tag, value = line.split(":", 1)
            value = value.strip()
            if value.startswith("<text>"):
                rest = value[len("<text>"):]
                if "</text>" in rest:
                    yield line_no, tag.strip(), rest.split("</text>", 1)[0].strip()
                else:
                    pending = (line_no, tag.strip(), [rest])
                continue
            yield line_no, tag.strip(), value


class Spdx3Reader(AssetReader):
    """SPDX 3.0 JSON-LD: a `@graph` of elements; packages are `software_Package`
    elements whose `suppliedBy` and `originatedBy` name Organization or Person elements."""

    format = "spdx3"
    description = "SPDX 3.0 SBOM, JSON-LD"

    @classmethod
    def sniff(cls, path: Path, head: str) -> bool:
        return '"@context"' in head and "spdx.org/rdf/3" in head

    def assets(self, path: Path) -> Iterator[Asset | LoadIssue]:
        doc = load_json(path)
        graph = doc.get("@graph") if isinstance(doc, dict) else None
        if not isinstance(graph, list):
            raise SourceError(path, "not an SPDX 3.0 JSON-LD document (no \"@graph\")")
        names = {e.get("spdxId"): str(e.get("name") or "") for e in graph
                 if isinstance(e, dict) and e.get("type") in ("Organization", "Person", "Agent", "SoftwareAgent")}
        line_of = _json_ref_line(path)
        n = 0
        for element in graph:
            if not isinstance(element, dict) or element.get("type") != "software_Package":
                continue
            n += 1
            obs = []
            for key, kind in (("suppliedBy", "supplier"), ("originatedBy", "manufacturer")):
                refs = element.get(key)
                for ref in refs if isinstance(refs, list) else [refs]:
                    if isinstance(ref, str) and names.get(ref):
                        obs.append(Observation(kind, names[ref], key))
            if isinstance(element.get("software_packageUrl"), str):
                obs.append(Observation("purl", element["software_packageUrl"], "software_packageUrl"))
            for ident in _list(element.get("externalIdentifier")):
                if not isinstance(ident, dict) or not isinstance(ident.get("identifier"), str):
                    continue
                kind = {"cpe23": "cpe", "cpe22": "cpe", "packageUrl": "purl"}.get(ident.get("externalIdentifierType"))
                if kind:
                    obs.append(Observation(kind, ident["identifier"], f"externalIdentifier {kind}"))
            if isinstance(element.get("name"), str) and element["name"]:
                obs.append(Observation("component", element["name"], "name"))
            label = " ".join(str(v) for v in (element.get("name"), element.get("software_packageVersion")) if v)
            spdx_id = str(element.get("spdxId") or "")
            fields = {k: element[k] for k in ("spdxId", "name", "software_packageVersion")
                      if isinstance(element.get(k), str)}
            yield Asset(n, line_of(spdx_id) if spdx_id else 0, str(path), label or f"package {n}", tuple(obs), fields)
