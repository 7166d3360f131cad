"""yente-compatible routes beside `/v1`, so that a client written for OpenSanctions'
yente (its `/match` API, nomenklatura's YenteEnricher) can point at banscreen unchanged.

Listings become FollowTheMoney-shaped entities: a person is a `Person`, an organization
an `Organization`, a vessel a `Vessel`, an aircraft an `Airplane`, a listing of unknown
kind a `LegalEntity`; `name`, `alias`, `country` (ISO codes in lower case), `address`,
`program`, `topics`, `notes`, `sourceUrl` and `createdAt` (the listing's start date)
carry what the list says. An entity's id is `bs-<dataset>-<list>-<entry id>`.

What a query's properties do: every `name` (and `alias`) is searched, the best score of
any of them per listing counts; `country`, `jurisdiction` and `nationality` take part
as the party screen's country does (a mismatch lowers the score). `birthDate`,
`registrationNumber`, `idNumber` and `address` are accepted and echoed but not compared:
the lists banscreen reads keep no birth dates or identifiers per entry, and an address
is not a name. Scores are banscreen's
own (match/names.py), explained feature by feature in `explanations`.

Datasets: `default` is every list version in force; a dataset's own name (`csl`,
`ofac-sdn`, `bis-dpl`, `telecom`, ...) narrows to it. `banscreen_as_of=YYYY-MM-DD`
screens as of another date (default today), as `/v1` does with `as_of`."""

from __future__ import annotations

import datetime as dt
import logging
import re
from typing import Any, Optional

from fastapi import APIRouter, Body, Depends, HTTPException, Path, Query, Request
from pydantic import BaseModel, Field, field_validator

from banscreen.api.auth import Auth, Principal
from banscreen.api.overload import cpu_turn
from banscreen.api.state import LoadedLists
from banscreen.match.index import Hit, NameIndex
from banscreen.model import ListEntry, Role
from banscreen.reference.countries import to_iso2
from banscreen.version import __version__

log = logging.getLogger(__name__)
ALGORITHM = "banscreen"
ALGORITHMS = (ALGORITHM, "best")
MAX_QUERIES = 100
DEFAULT_DATASET = "default"
SCHEMA_OF_KIND = {"person": "Person", "organization": "Organization", "vessel": "Vessel", "aircraft": "Airplane",
                  "unknown": "LegalEntity"}
# which listings a query schema may match: by the listing's kind
KINDS_OF_SCHEMA = {
    "Person": {"person", "unknown"},
    "Company": {"organization", "unknown"},
    "Organization": {"organization", "unknown"},
    "LegalEntity": {"person", "organization", "unknown"},
    "Vessel": {"vessel"},
    "Airplane": {"aircraft"},
    "Thing": {"person", "organization", "vessel", "aircraft", "unknown"},
}
TOPICS = {"SDN": ["sanction"], "SSI": ["sanction"], "FSE": ["sanction"], "NS-MBS": ["sanction"], "CAP": ["sanction"],
          "PLC": ["sanction"], "CMIC": ["invest.ban"], "EL": ["export.control"], "DPL": ["export.control"],
          "UVL": ["export.control"], "MEU": ["export.control"], "ISN": ["sanction"], "DTC": ["debarment"],
          "FCC-CL": ["export.risk"], "NDAA-889": ["debarment"], "ICTS": ["export.risk"]}
COUNTRY_PROPS = ("country", "jurisdiction", "nationality")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


class EntityQuery(BaseModel):
    schema_: str = Field("Thing", alias="schema", max_length=40)
    properties: dict[str, list[str]] = Field(default_factory=dict, max_length=60)

    model_config = {"populate_by_name": True}

    @field_validator("properties")
    @classmethod
    def bounded_text(cls, properties: dict[str, list[str]]) -> dict[str, list[str]]:
        """At most 100 values a property, 5,000 characters a value, all of it text that
        can be written back (the query is echoed in the answer): a lone surrogate cannot."""
        for prop, values in properties.items():
            if len(prop) > 100 or len(values) > 100:
                raise ValueError("at most 100 values a property, property names of at most 100 characters")
            for value in (prop, *values):
                if len(value) > 5000:
                    raise ValueError(f"a value of {prop!r} is longer than 5,000 characters")
                try:
                    value.encode("utf-8")
                except UnicodeEncodeError:
                    raise ValueError(f"a value of {prop!r} is not valid Unicode text") from None
        return properties


class MatchRequest(BaseModel):
    queries: dict[str, EntityQuery] = Field(max_length=MAX_QUERIES)
    weights: dict[str, float] = Field(default_factory=dict)
    config: dict[str, Any] = Field(default_factory=dict)


def entity_id(e: ListEntry) -> str:
    return "bs-" + "-".join(_UNSAFE.sub("_", part) for part in (e.dataset, e.list, e.entry_id))


class Catalog:
    """The entities of one loaded set of list versions, by id (built once per set)."""

    def __init__(self, index: NameIndex, published: dict[str, dt.date]):
        self.index = index
        self.published = published
        self.by_id = {entity_id(e): i for i, e in enumerate(index.entries)}
        self.position = {id(e): i for i, e in enumerate(index.entries)}  # a hit's entry -> its position

    def entity(self, position: int, version_labels: dict[str, str]) -> dict[str, Any]:
        e = self.index.entries[position]
        props: dict[str, list[str]] = {"name": [e.name]}
        if e.aliases:
            props["alias"] = list(e.aliases)
        if e.countries:
            props["country"] = [c.lower() for c in e.countries]
        if e.addresses:
            props["address"] = list(e.addresses)
        if e.programs:
            props["program"] = list(e.programs)
        props["topics"] = TOPICS.get(e.list, ["sanction"])
        notes = "; ".join(x for x in (f"{e.list} listing" + (f" under {e.parent}" if e.parent else ""),
                                      e.citation, e.remarks) if x)
        props["notes"] = [notes]
        if e.source_url:
            props["sourceUrl"] = [e.source_url]
        if e.start_date:
            props["createdAt"] = [e.start_date.isoformat()]
        published = self.published.get(e.dataset)
        changed = max((d for d in (e.start_date, e.end_date) if d is not None), default=published)
        return {
            "id": entity_id(e), "caption": e.name, "schema": SCHEMA_OF_KIND.get(e.kind, "LegalEntity"),
            "properties": props, "datasets": [e.dataset], "referents": [], "target": True,
            "first_seen": _stamp(e.start_date or published), "last_seen": _stamp(published),
            "last_change": _stamp(changed),
            "banscreen": {"list": e.list, "entry_id": e.entry_id, "list_version": version_labels.get(e.dataset),
                          "start_date": e.start_date.isoformat() if e.start_date else None,
                          "end_date": e.end_date.isoformat() if e.end_date else None},
        }


def _stamp(day: dt.date | None) -> str | None:
    return f"{day.isoformat()}T00:00:00" if day else None


def router(lists: LoadedLists, auth: Auth) -> APIRouter:
    api = APIRouter()
    screener_role = auth.role(Role.SCREENER)
    catalogs: dict[int, Catalog] = {}

    def catalog() -> tuple[Catalog, dict[str, str]]:
        loaded = lists.current
        key = id(loaded.parties.index)
        if key not in catalogs:
            catalogs.clear()  # the previous set of versions is gone after a refresh
            catalogs[key] = Catalog(loaded.parties.index, {v.dataset: v.published for v in loaded.selection.versions})
        return catalogs[key], {v.dataset: v.label for v in loaded.selection.versions}

    def datasets_for(dataset: str, include: list[str], exclude: list[str]) -> set[str]:
        known = {v.dataset for v in lists.current.selection.versions}
        if dataset != DEFAULT_DATASET and dataset not in known:
            raise HTTPException(404, f"no dataset {dataset!r}; datasets: {DEFAULT_DATASET}, {', '.join(sorted(known))}")
        chosen = known if dataset == DEFAULT_DATASET else {dataset}
        if include:
            chosen &= set(include)
        return chosen - set(exclude)

    @api.post("/match/{dataset}", tags=["yente"])
    async def match(request: Request, body: MatchRequest = Body(...), dataset: str = Path(max_length=100),
                    limit: int = Query(5, ge=1, le=500), threshold: float = Query(0.70, ge=0.0, le=1.0),
                    cutoff: float = Query(0.50, ge=0.0, le=1.0), algorithm: str = Query(ALGORITHM, max_length=60),
                    include_dataset: list[str] = Query([]), exclude_dataset: list[str] = Query([]),
                    exclude_entity_ids: list[str] = Query([]), changed_since: Optional[dt.date] = None,
                    fuzzy: Optional[bool] = None, banscreen_as_of: Optional[dt.date] = None,
                    who: Principal = Depends(screener_role)) -> dict:
        """Match up to 100 entity queries, yente's way (see the module's docstring). On the
        event loop, each query in a turn of its own (api/overload.py), as the party screen."""
        if algorithm not in ALGORITHMS:
            raise HTTPException(400, f"unknown algorithm {algorithm!r}; algorithms: {', '.join(ALGORITHMS)}")
        cat, labels = catalog()
        allowed = datasets_for(dataset, include_dataset, exclude_dataset)
        as_of = banscreen_as_of or dt.date.today()
        excluded = set(exclude_entity_ids)

        def answer(query: EntityQuery, kinds) -> dict:
            hits = _search(cat, query, as_of, min(cutoff, threshold))
            results = []
            for position, hit in hits:
                e = hit.entry
                if (e.dataset not in allowed or e.kind not in kinds or entity_id(e) in excluded
                        or hit.score < cutoff):
                    continue
                entity_ = cat.entity(position, labels)
                if changed_since and (entity_["last_change"] or "") < changed_since.isoformat():
                    continue
                entity_["score"] = hit.score
                entity_["match"] = hit.score >= threshold
                entity_["explanations"] = _explanations(hit)
                results.append(entity_)
            results = results[:limit]
            return {"status": 200, "results": results,
                    "total": {"value": sum(r["match"] for r in results), "relation": "eq"},
                    "query": {"schema": query.schema_, "properties": query.properties}}

        responses: dict[str, dict] = {}
        first = True
        for name, query in body.queries.items():
            kinds = KINDS_OF_SCHEMA.get(query.schema_)
            if kinds is None:
                responses[name] = {"status": 400, "error": f"schema {query.schema_!r} cannot be matched; schemata: "
                                                          f"{', '.join(KINDS_OF_SCHEMA)}"}
                continue
            async with cpu_turn(request.scope, first=first):
                first = False
                responses[name] = answer(query, kinds)
        return {"responses": responses, "limit": limit}

    @api.get("/entities/{entity_id}", tags=["yente"])
    def entity(entity_id: str = Path(max_length=400), nested: bool = True,
               who: Principal = Depends(screener_role)) -> dict:
        cat, labels = catalog()
        position = cat.by_id.get(entity_id)
        if position is None:
            raise HTTPException(404, f"no entity {entity_id!r}")
        return cat.entity(position, labels)

    @api.get("/search/{dataset}", tags=["yente"])
    def search(dataset: str = Path(max_length=100), q: str = Query("", max_length=1000),
               limit: int = Query(10, ge=1, le=500), offset: int = Query(0, ge=0, le=10_000),
               schema: str = Query("Thing", max_length=40), banscreen_as_of: Optional[dt.date] = None,
               who: Principal = Depends(screener_role)) -> dict:
        """Listings whose names are like `q` (banscreen's name search, from a score of 0.5)."""
        cat, labels = catalog()
        allowed = datasets_for(dataset, [], [])
        kinds = KINDS_OF_SCHEMA.get(schema)
        if kinds is None:
            raise HTTPException(400, f"schema {schema!r} cannot be searched")
        results = []
        if q.strip():
            query = EntityQuery(schema=schema, properties={"name": [q]})
            for position, hit in _search(cat, query, banscreen_as_of or dt.date.today(), 0.5):
                if hit.entry.dataset in allowed and hit.entry.kind in kinds:
                    results.append({**cat.entity(position, labels), "score": hit.score})
        return {"results": results[offset:offset + limit], "total": {"value": len(results), "relation": "eq"},
                "limit": limit, "offset": offset, "facets": {}}

    @api.get("/algorithms", tags=["yente"])
    def algorithms() -> dict:
        described = {"name": ALGORITHM, "description": "banscreen's explained name matching (match/names.py): "
                                                       "token, joined-words, transliteration and disguise features, "
                                                       "country agreement", "features": {}}
        return {"algorithms": [described, {**described, "name": "best"}], "default": ALGORITHM, "best": ALGORITHM}

    @api.get("/catalog", tags=["yente"])
    def catalog_route(who: Principal = Depends(screener_role)) -> dict:
        cat, _ = catalog()
        counts: dict[str, int] = {}
        for e in cat.index.entries:
            counts[e.dataset] = counts.get(e.dataset, 0) + 1
        sources = [{"name": v.dataset, "title": v.dataset, "type": "source", "version": v.version,
                    "updated_at": _stamp(v.published), "last_export": _stamp(v.published),
                    "entity_count": counts.get(v.dataset, 0), "load": True, "children": []}
                   for v in lists.current.selection.versions]
        default = {"name": DEFAULT_DATASET, "title": "Every list in force", "type": "collection", "load": True,
                   "children": [s["name"] for s in sources], "entity_count": sum(counts.values()),
                   "version": __version__}
        return {"datasets": [default, *sources], "current": [DEFAULT_DATASET, *(s["name"] for s in sources)],
                "outdated": [], "index_stale": False}

    @api.get("/healthz", tags=["yente"])
    def healthz() -> dict:
        return {"status": "ok"}

    @api.get("/readyz", tags=["yente"])
    def readyz() -> dict:
        return {"status": "ok", "entities": len(lists.current.parties.index.entries)}

    return api


def _search(cat: Catalog, query: EntityQuery, as_of: dt.date, min_score: float) -> list[tuple[int, Hit]]:
    """The best hit per listing over every name of the query, best first, with the
    listing's position in the index."""
    props = query.properties
    names = [n for key in ("name", "alias") for n in props.get(key, []) if isinstance(n, str) and n.strip()][:20]
    countries = {iso for key in COUNTRY_PROPS for c in props.get(key, []) if isinstance(c, str)
                 for iso in [to_iso2(c)] if iso}
    best: dict[int, Hit] = {}
    for name in names:
        for hit in cat.index.search(name[:1000], as_of=as_of, countries=countries, min_score=min_score, limit=50):
            key = id(hit.entry)
            if key not in best or hit.score > best[key].score:
                best[key] = hit
    ranked = sorted(best.values(), key=lambda h: (-h.score, h.entry.list, h.entry.entry_id))
    return [(cat.position[id(h.entry)], h) for h in ranked]


def _explanations(hit: Hit) -> dict[str, dict[str, Any]]:
    """yente's per-feature explanations from banscreen's explained score."""
    x = hit.explanation
    out = {f.name: {"detail": f.detail, "score": round(f.score, 4), "query": x.query_normalized,
                    "candidate": x.candidate_normalized} for f in x.features}
    if x.country != "unknown":
        out.setdefault("country", {"detail": x.country_detail or x.country, "score": 0.0,
                                   "query": x.query_name, "candidate": hit.matched_name})
    return out
