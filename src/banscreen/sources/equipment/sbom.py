"""Software bills of materials in JSON: CycloneDX (1.4 to 1.6) and SPDX (2.2, 2.3).
One asset per component or package, with its supplier, manufacturer, publisher,
authors, CPE, purl and name as observations."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterator

from banscreen.model import Asset, LoadIssue, Observation
from banscreen.sources.equipment.interface import AssetReader
from banscreen.sources.interface import SourceError

MAX_SBOM_BYTES = 512 * 1024 * 1024


def load_json(path: Path) -> Any:
    try:
        if path.stat().st_size > MAX_SBOM_BYTES:
            raise SourceError(path, f"larger than {MAX_SBOM_BYTES // 2**20} MiB; refused")
        return json.loads(path.read_bytes())
    except json.JSONDecodeError as exc:
        raise SourceError(path, f"not valid JSON: {exc.msg} (column {exc.colno})", exc.lineno) from None
    except UnicodeDecodeError as exc:
        raise SourceError(path, f"not UTF-8 text: {exc.reason}") from None
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
    return str(value or "")


class CycloneDxReader(AssetReader):
    format = "cyclonedx"
    description = "CycloneDX SBOM, JSON"

    @classmethod
    def sniff(cls, path: Path, head: str) -> bool:
        return '"bomFormat"' in head and "CycloneDX" in head

    def assets(self, path: Path) -> Iterator[Asset | LoadIssue]:
        doc = load_json(path)
        if not isinstance(doc, dict) or doc.get("bomFormat") != "CycloneDX":
            raise SourceError(path, "not a CycloneDX JSON document (no \"bomFormat\": \"CycloneDX\")")
        find = _line_finder(path)
        meta = doc.get("metadata") or {}
        inherited = []  # the SBOM's own supplier/manufacturer speak for its top component
        for key in ("supplier", "manufacturer", "manufacture"):
            name = _org_name(meta.get(key))
            if name:
                inherited.append(Observation("manufacturer" if key.startswith("manufactur") else "supplier", name,
                                             f"metadata.{key}"))
        components: list[tuple[dict, str, list[Observation]]] = []
        if isinstance(meta.get("component"), dict):
            components.append((meta["component"], "metadata.component", inherited))
        stack = [(c, "components", []) for c in reversed(doc.get("components") or [])]
        while stack:
            comp, where, extra = stack.pop()
            components.append((comp, where, extra))
            for child in reversed(comp.get("components") or []) if isinstance(comp, dict) else []:
                stack.append((child, f"{where} > {comp.get('name', '?')}", []))
        for n, (comp, where, extra) in enumerate(components, 1):
            if not isinstance(comp, dict):
                yield LoadIssue(str(path), 0, f"{where}: component #{n} is not an object")
                continue
            obs = list(extra)
            for key, kind in (("supplier", "supplier"), ("manufacturer", "manufacturer"), ("publisher", "publisher"),
                              ("author", "author")):
                name = _org_name(comp.get(key))
                if name:
                    obs.append(Observation(kind, name, key))
            for author in comp.get("authors") or []:
                if _org_name(author):
                    obs.append(Observation("author", _org_name(author), "authors"))
            for key in ("cpe", "purl"):
                if comp.get(key):
                    obs.append(Observation(key, str(comp[key]), key))
            if comp.get("group"):
                obs.append(Observation("component", str(comp["group"]), "group"))
            if comp.get("name"):
                obs.append(Observation("component", str(comp["name"]), "name"))
            label = " ".join(str(v) for v in (comp.get("group"), comp.get("name"), comp.get("version")) if v) or where
            ref = comp.get("bom-ref") or comp.get("purl") or comp.get("name") or ""
            fields = {k: comp[k] for k in ("type", "group", "name", "version", "purl", "cpe", "bom-ref") if k in comp}
            yield Asset(n, find(f'"{ref}"') if ref else 0, str(path), label, tuple(obs), fields)


class SpdxReader(AssetReader):
    format = "spdx"
    description = "SPDX SBOM, JSON"

    @classmethod
    def sniff(cls, path: Path, head: str) -> bool:
        return '"spdxVersion"' in head

    def assets(self, path: Path) -> Iterator[Asset | LoadIssue]:
        doc = load_json(path)
        if not isinstance(doc, dict) or "spdxVersion" not in doc:
            raise SourceError(path, "not an SPDX JSON document (no \"spdxVersion\")")
        find = _line_finder(path)
        for n, pkg in enumerate(doc.get("packages") or [], 1):
            if not isinstance(pkg, dict):
                yield LoadIssue(str(path), 0, f"packages[{n - 1}] is not an object")
                continue
            obs = []
            for key, kind in (("supplier", "supplier"), ("originator", "manufacturer")):
                value = str(pkg.get(key) or "")
                if value and value != "NOASSERTION":
                    # "Organization: Kaspersky Lab" / "Person: Jane Doe (jane@x.org)"
                    obs.append(Observation(kind, value.split(":", 1)[-1].split("(")[0].strip(), key))
            for ref in pkg.get("externalRefs") or []:
                kind = {"cpe23Type": "cpe", "cpe22Type": "cpe", "purl": "purl"}.get(ref.get("referenceType", ""))
                if kind and ref.get("referenceLocator"):
                    obs.append(Observation(kind, ref["referenceLocator"], f"externalRefs {ref['referenceType']}"))
            if pkg.get("name"):
                obs.append(Observation("component", str(pkg["name"]), "name"))
            label = " ".join(str(v) for v in (pkg.get("name"), pkg.get("versionInfo")) if v) or f"package {n}"
            spdx_id = pkg.get("SPDXID", "")
            fields = {k: pkg[k] for k in ("SPDXID", "name", "versionInfo", "supplier", "originator") if k in pkg}
            yield Asset(n, find(f'"{spdx_id}"') if spdx_id else 0, str(path), label, tuple(obs), fields)
