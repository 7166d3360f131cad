"""OpenSanctions FollowTheMoney JSON Lines: entities (Person, Company, Organization,
LegalEntity, Vessel, ...), the Sanction entities that list them, and the Ownership
entities that link owners to what they own.

OFAC's 50 percent rule is applied here: an entity not listed itself but owned 50 % or
more, directly or summed across owners, by blocked parties is blocked too, and so on
down ownership chains. Each such entry explains its ownership path; its validity runs
from when the last of its blocking owners was blocked to when the first stopped."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

from banscreen.lists._util import head_bytes, read_text
from banscreen.lists.interface import ListError, ListLoader, LoadResult
from banscreen.reference.countries import to_iso2
from banscreen.model import ORGANIZATION, PERSON, UNKNOWN, VESSEL, ListEntry, LoadIssue

KINDS = {"Person": PERSON, "Company": ORGANIZATION, "Organization": ORGANIZATION, "LegalEntity": UNKNOWN,
         "Vessel": VESSEL, "PublicBody": ORGANIZATION}
THRESHOLD = 50.0


def _date(values: list[str]) -> dt.date | None:
    for v in values or []:
        try:
            return dt.date.fromisoformat(str(v)[:10])
        except ValueError:
            continue
    return None


@dataclass
class _Blocked:
    start: dt.date | None
    end: dt.date | None
    why: str
    lists: set[str] = field(default_factory=set)


class FtmJsonLoader(ListLoader):
    format = "ftm"
    dataset = "opensanctions"
    description = "OpenSanctions FollowTheMoney JSON Lines, with the 50 percent ownership rule"

    @classmethod
    def sniff(cls, path: Path) -> bool:
        return path.suffix.lower() in (".ftm", ".ijson") or (path.suffix.lower() in (".json", ".jsonl")
                                                               and b'"schema"' in head_bytes(path))

    def load(self, path: Path) -> LoadResult:
        issues: list[LoadIssue] = []
        things: dict[str, dict] = {}
        sanctions: list[dict] = []
        ownerships: list[tuple[int, dict]] = []
        rows = 0
        for line_no, line in enumerate(read_text(path, issues).splitlines(), 1):
            if not line.strip():
                continue
            rows += 1
            try:
                obj = json.loads(line)
                schema, _ = obj["schema"], obj["id"]
            except (json.JSONDecodeError, KeyError, TypeError) as exc:
                issues.append(LoadIssue(str(path), line_no, f"not an FtM entity: {exc}"))
                continue
            if schema == "Sanction":
                sanctions.append(obj)
            elif schema == "Ownership":
                ownerships.append((line_no, obj))
            elif schema in KINDS:
                things[obj["id"]] = obj
        if not things:
            raise ListError(f"{path}: no FollowTheMoney entities found")

        blocked: dict[str, _Blocked] = {}
        entries: list[ListEntry] = []
        for sanction in sanctions:
            p = sanction.get("properties") or {}
            code = (p.get("program") or p.get("authority") or sanction.get("datasets") or ["SANCTION"])[0]
            for ent_id in p.get("entity") or []:
                thing = things.get(ent_id)
                if thing is None:
                    issues.append(LoadIssue(str(path), 0, f"sanction {sanction['id']} names unknown entity {ent_id}"))
                    continue
                start, end = _date(p.get("startDate") or p.get("listingDate")), _date(p.get("endDate"))
                entries.append(self._entry(thing, str(code), ent_id, start, end, "; ".join(p.get("reason") or [])))
                b = blocked.setdefault(ent_id, _Blocked(start, end, f"listed ({code})"))
                b.lists.add(str(code))
        entries += self._fifty_percent(things, blocked, ownerships, path, issues)
        return LoadResult(entries=entries, rows=rows, issues=issues)

    def _entry(self, thing: dict, code: str, entry_id: str, start, end, remarks: str, parent: str = "") -> ListEntry:
        p = thing.get("properties") or {}
        names = [str(n) for n in p.get("name") or []] or [thing["id"]]
        countries = []
        for c in [*(p.get("country") or []), *(p.get("jurisdiction") or []), *(p.get("nationality") or [])]:
            iso = to_iso2(str(c))
            if iso and iso not in countries:
                countries.append(iso)
        return ListEntry(dataset=self.dataset, list=code, entry_id=entry_id, kind=KINDS.get(thing["schema"], UNKNOWN),
                         name=names[0], aliases=tuple(dict.fromkeys([*names[1:], *map(str, p.get("alias") or [])])),
                         addresses=tuple(map(str, p.get("address") or [])), countries=tuple(countries),
                         start_date=start, end_date=end, remarks=remarks, parent=parent)

    def _fifty_percent(self, things, blocked: dict[str, _Blocked], ownerships, path: Path,
                       issues: list[LoadIssue]) -> list[ListEntry]:
        """Propagate blocking through ownership until nothing changes (cycles end
        because an entity, once blocked, stays so)."""
        holdings: dict[str, list[tuple[str, float | None, int]]] = {}
        for line_no, own in ownerships:
            p = own.get("properties") or {}
            for asset in p.get("asset") or []:
                for owner in p.get("owner") or []:
                    pct = None
                    for raw in p.get("percentage") or []:
                        try:
                            pct = float(str(raw).strip().rstrip("%"))
                            break
                        except ValueError:
                            issues.append(LoadIssue(str(path), line_no, f"ownership {own['id']}: percentage "
                                                                        f"{raw!r} is not a number"))
                    holdings.setdefault(asset, []).append((owner, pct, line_no))
        derived: dict[str, ListEntry] = {}
        changed = True
        while changed:
            changed = False
            for asset, owners in holdings.items():
                if asset in blocked or asset not in things:
                    continue
                parts, unknown, total = [], [], 0.0
                for owner, pct, _ in owners:
                    if owner not in blocked:
                        continue
                    if pct is None:
                        unknown.append(owner)
                        continue
                    total += pct
                    parts.append((owner, pct))
                if total < THRESHOLD:
                    continue
                starts = [blocked[o].start for o, _ in parts if blocked[o].start]
                ends = [blocked[o].end for o, _ in parts if blocked[o].end]
                start, end = (max(starts) if starts else None), (min(ends) if ends else None)
                names = {o: ((things.get(o) or {}).get("properties", {}).get("name") or [o])[0] for o, _ in parts}
                path_text = " + ".join(f"{names[o]} {pct:g}% ({blocked[o].why})" for o, pct in parts)
                why = f"owned {total:g}% by blocked parties: {path_text}"
                if unknown:
                    why += f"; also owned by blocked {', '.join(unknown)} with unknown share (not counted)"
                blocked[asset] = _Blocked(start, end, f"50% rule: {total:g}% blocked-owned")
                derived[asset] = self._entry(things[asset], "OFAC-50", f"50pct:{asset}", start, end, why,
                                             parent=", ".join(names.values()))
                changed = True
        for asset, owners in holdings.items():  # below 50 % only for want of a number: say so
            if asset in blocked or asset not in things:
                continue
            known = sum(pct for o, pct, _ in owners if o in blocked and pct is not None)
            unknown = [o for o, pct, _ in owners if o in blocked and pct is None]
            if unknown:
                name = ((things[asset].get("properties") or {}).get("name") or [asset])[0]
                issues.append(LoadIssue(str(path), owners[0][2], f"{name}: {known:g}% owned by blocked parties plus "
                                        f"an unknown share held by blocked {', '.join(unknown)}: may be blocked "
                                        "under the 50 percent rule; not listed for want of the percentage"))
        return list(derived.values())
