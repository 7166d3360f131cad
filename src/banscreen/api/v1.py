"""The `/v1` JSON API: screening, lists, cases and the audit check."""

from __future__ import annotations

import datetime as dt
import logging
import time
from typing import Any, AsyncIterator, Callable, Iterable, Iterator, Literal, Optional

import orjson
from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel, Field, field_validator

from banscreen.api.auth import Auth, Principal
from banscreen.api.batch import RowError, batch_items, shipment_batch_items
from banscreen.api.batch_pool import BatchPool, party_answer
from banscreen.api.overload import cpu_turn
from banscreen.api.state import LoadedLists
from banscreen.lists.store import entry_to_dict
from banscreen.model import MAX_DB_ID, MAX_NAME_CHARS, SHIPMENT_ROLES, Asset, Observation, Role, Shipment, ShipmentParty
from banscreen.reference.classification import ClassificationError, classification
from banscreen.report.records import equipment_record, shipment_record
from banscreen.screen import DEFAULT_MIN_SCORE, ScreenOptions
from banscreen.screen.shipments import ShipmentScreener
from banscreen.sources.shipments import ShipmentColumns
from banscreen.store import CaseStore
from banscreen.store.keys import key_record

log = logging.getLogger(__name__)
AlertId = Path(ge=1, le=MAX_DB_ID, description="alert id")  # database integers are bounded


class NamedParty(BaseModel):
    """A party as every screening body names it: a name, a country, an address."""

    name: str = Field(min_length=1, max_length=MAX_NAME_CHARS)
    country: str = Field("", max_length=200)
    address: str = Field("", max_length=2000)

    @field_validator("name")
    @classmethod
    def has_letters(cls, name: str) -> str:
        if not name.strip():
            raise ValueError("the name is empty")
        return name


class PartyIn(NamedParty):
    as_of: Optional[dt.date] = None
    min_score: float = Field(DEFAULT_MIN_SCORE, ge=0.0, le=1.0, allow_inf_nan=False)


class ScreenResult(BaseModel):
    name: str
    as_of: dt.date
    matches: list[dict[str, Any]]
    destinations: list[dict[str, Any]]


class ShipmentPartyIn(NamedParty):
    role: Literal[SHIPMENT_ROLES]  # type: ignore[valid-type]  (the roles of model.SHIPMENT_ROLES)


class ShipmentIn(BaseModel):
    shipment_id: str = Field("", max_length=200)
    parties: list[ShipmentPartyIn] = Field(min_length=1, max_length=20)
    destination_country: str = Field("", max_length=200)
    eccn: str = Field("", max_length=40, description="EAR99, an ECCN such as 5A002, or empty for unknown")
    ship_date: Optional[dt.date] = Field(None, description="the date the shipment is decided as of [default: today]")
    min_score: float = Field(DEFAULT_MIN_SCORE, ge=0.0, le=1.0, allow_inf_nan=False)

    @field_validator("eccn")
    @classmethod
    def known_classification(cls, eccn: str) -> str:
        try:
            return classification(eccn)
        except ClassificationError as exc:
            raise ValueError(str(exc)) from None

    def shipment(self, row: int = 1) -> Shipment:
        return Shipment(row=row, line=0, id=self.shipment_id,
                        parties=tuple(ShipmentParty(p.role, p.name.strip(), p.country, p.address)
                                      for p in self.parties),
                        destination=self.destination_country, eccn=self.eccn, ship_date=self.ship_date,
                        source="api")


class ShipmentOut(BaseModel):
    row: int
    line: int
    shipment_id: Optional[str]
    ship_date: Optional[dt.date]
    as_of: dt.date
    destination: str
    eccn: Optional[str]
    parties: list[dict[str, Any]]
    outcome: Literal["prohibited", "license_required", "review", "no_list_restriction_found"]
    reasons: list[dict[str, Any]]


class ObservationIn(BaseModel):
    kind: str = Field(min_length=1, max_length=40)
    value: str = Field(min_length=1, max_length=2000)


class AssetIn(BaseModel):
    label: str = Field("", max_length=500)
    observations: list[ObservationIn] = Field(min_length=1, max_length=200)


class EquipmentIn(BaseModel):
    assets: list[AssetIn] = Field(min_length=1, max_length=10_000)
    as_of: Optional[dt.date] = None


class DecisionIn(BaseModel):
    decision: Literal["true_match", "false_positive", "escalate"]
    reason: str = Field(min_length=1, max_length=5000)


def batch_body_doc(item_schema: dict, what: str) -> dict:
    """The OpenAPI description of a batch route: a JSON array of `item_schema`, or a CSV
    upload; JSON Lines out."""
    return {"openapi_extra": {"requestBody": {"content": {
                "application/json": {"schema": {"type": "array", "items": item_schema}},
                "multipart/form-data": {"schema": {"type": "object", "properties": {
                    "file": {"type": "string", "format": "binary"}}}},
                "text/csv": {"schema": {"type": "string"}}}}},
            "responses": {200: {"content": {"application/x-ndjson": {}},
                                "description": f"one JSON line per {what}, in order: its answer, or "
                                               "{row, line, error} for a row that could not be read"}}}


# A batch holds the event loop for this long at most before it gives the turn to the
# next request in line (api/overload.py): single requests are not stuck behind a batch.
BATCH_TURN_SECONDS = 0.005


async def in_turns(scope: dict, items: Iterable, work: Callable[[Any], Any], *, first: bool) -> AsyncIterator[list]:
    """`work(item)` for every item, in turns of the event loop of at most
    BATCH_TURN_SECONDS each (api/overload.py): the results of each turn, in order, so
    that a long request neither hops to a thread per item nor holds up the requests
    behind it. `first`: whether its first turn is the request's first (the queue bound is
    checked there)."""
    pending = iter(items)
    done = False
    while not done:
        results = []
        async with cpu_turn(scope, first=first):
            until = time.perf_counter() + BATCH_TURN_SECONDS
            for item in pending:
                results.append(work(item))
                if time.perf_counter() > until:
                    break
            else:
                done = True
        first = False
        yield results


def ndjson_stream(scope: dict, items: Iterable, answer: Callable[[int, Any], bytes], size: int) -> StreamingResponse:
    """Each item's answer (a RowError's record as it is) as JSON Lines, sent in chunks of
    `size` lines, screened in turns of the event loop (`in_turns`). The caller has
    already been admitted (`admit`)."""
    def one(numbered: tuple[int, Any]) -> bytes:
        number, item = numbered
        return orjson.dumps(item.record()) if isinstance(item, RowError) else answer(number, item)

    async def lines() -> AsyncIterator[bytes]:
        chunk: list[bytes] = []
        async for answers in in_turns(scope, enumerate(items, 1), one, first=False):
            chunk += answers
            if len(chunk) >= size:
                yield b"\n".join(chunk) + b"\n"
                chunk = []
        if chunk:
            yield b"\n".join(chunk) + b"\n"
    return StreamingResponse(lines(), media_type="application/x-ndjson")


async def admit(scope: dict) -> None:
    """Wait for a first turn of the event loop, and be refused (503) if that took longer
    than the queue bound: before a streamed answer starts, while a 503 can still be sent."""
    async with cpu_turn(scope):
        pass


def alert_summary(a, s) -> dict:
    return {"id": a.id, "status": a.status, "subject": s.name, "subject_key": s.key, "list": a.list,
            "entry_key": a.entry_key, "entry_name": a.entry_name, "matched_name": a.matched_name, "score": a.score,
            "reason": a.reason, "updated_at": a.updated_at.isoformat()}


def alert_detail(a, s, decisions) -> dict:
    match = dict(a.match)
    match.pop("_entry_state", None)
    return {**alert_summary(a, s), "subject_detail": {"name": s.name, "country": s.country, "address": s.address},
            "match": match, "list_version": a.list_version,
            "decisions": [{"id": d.id, "decision": d.decision, "reviewer": d.reviewer, "reason": d.reason,
                           "at": d.at.isoformat()} for d in decisions]}


def router(lists: LoadedLists, cases: CaseStore, auth: Auth, batch_pool: BatchPool | None = None) -> APIRouter:
    """The /v1 routes over the lists in force (`lists.current`) and the case store; a
    streamed party batch is screened in `batch_pool`'s processes when there is one."""
    api = APIRouter()
    _screening_routes(api, lists, auth.role(Role.SCREENER), batch_pool)
    _list_routes(api, lists, auth.role(Role.SCREENER), auth.role(Role.ADMIN))
    _case_routes(api, cases, auth.role(Role.SCREENER), auth.role(Role.REVIEWER), auth.role(Role.ADMIN))
    return api


def _party_tuple(p: PartyIn) -> tuple:
    return (p.name, p.country, p.address, p.as_of, p.min_score)


def pooled_stream(pool: BatchPool, lists: LoadedLists, items: Iterable) -> StreamingResponse:
    """A party batch's answers as JSON Lines, screened in the pool's processes (a chunk
    they cannot screen, in this worker), in order; a RowError's record as it is."""
    loaded = lists.current  # (one set of versions for the whole batch, as in the worker)
    versions = tuple((v.dataset, v.version) for v in loaded.selection.versions)

    def sent() -> Iterator:
        for item in items:
            yield orjson.dumps(item.record()) if isinstance(item, RowError) else _party_tuple(item)

    def in_worker(part: list) -> list[bytes]:
        return [x if isinstance(x, bytes) else party_answer(loaded.parties, x) for x in part]

    async def lines() -> AsyncIterator[bytes]:
        async for answers in pool.answers(versions, sent(), in_worker):
            yield b"\n".join(answers) + b"\n"
    return StreamingResponse(lines(), media_type="application/x-ndjson")


def _screening_routes(api: APIRouter, lists: LoadedLists, screener_role, batch_pool: BatchPool | None) -> None:
    def screen_one(p: PartyIn) -> bytes:
        """One party's answer, serialized once (orjson) as the ScreenResult schema says."""
        return party_answer(lists.current.parties, _party_tuple(p))

    @api.post("/v1/screen/party", response_model=ScreenResult, tags=["screening"])
    async def screen_party(request: Request, body: PartyIn, who: Principal = Depends(screener_role)) -> Response:
        # On the event loop, not in the thread pool: screening one name takes well under
        # a millisecond, less than the hop to a thread and back; in its turn, so that the
        # loop reads new requests (and refuses them, when full) between two screenings.
        async with cpu_turn(request.scope):
            answer = screen_one(body)
        return Response(answer, media_type="application/json")

    @api.post("/v1/screen/batch", tags=["screening"], **batch_body_doc(PartyIn.model_json_schema(), "party"))
    async def screen_batch(request: Request, who: Principal = Depends(screener_role)):
        """A JSON array of parties, or a CSV with a `name` column (multipart field
        `file`, or a `text/csv` body); the answer streams as JSON Lines, one per party,
        in order. The body is read only after the key is checked."""
        items = await batch_items(request, PartyIn)
        await admit(request.scope)
        if batch_pool is not None:
            return pooled_stream(batch_pool, lists, items)
        return ndjson_stream(request.scope, items, lambda _, party: screen_one(party), 200)

    def decide_one(shipment: Shipment, min_score: float) -> bytes:
        """One shipment's answer: its outcome and every reason, as `screen shipments -f json`
        writes it. The lists in force in the service, each listing as of the ship date."""
        loaded = lists.current.parties
        screener = ShipmentScreener.over(loaded, ScreenOptions(as_of=dt.date.today(), min_score=min_score))
        record = shipment_record(screener.screen(shipment))
        record.pop("input")
        return orjson.dumps(record)

    @api.post("/v1/screen/shipment", response_model=ShipmentOut, tags=["screening"])
    async def screen_shipment(request: Request, body: ShipmentIn, who: Principal = Depends(screener_role)) -> Response:
        """A shipment's outcome (prohibited, license_required, review or
        no_list_restriction_found) with every reason: party and role, listing, rule,
        citation. List screening only: not a licence determination, not legal advice."""
        async with cpu_turn(request.scope):  # (on the event loop, in its turn, as a party is)
            answer = decide_one(body.shipment(), body.min_score)
        return Response(answer, media_type="application/json")

    @api.post("/v1/screen/shipments", tags=["screening"],
              **batch_body_doc(ShipmentIn.model_json_schema(), "shipment"))
    async def screen_shipments(request: Request, who: Principal = Depends(screener_role)):
        """A JSON array of shipments, or a CSV with the columns `screen shipments` reads
        (multipart field `file`, or a `text/csv` body); the answer streams as JSON Lines."""
        resolved: list[ShipmentColumns] = []

        def from_row(number: int, line: int, fields: dict, source: str):
            if not resolved:
                resolved.append(ShipmentColumns.resolve(list(fields), source, line))
            return resolved[0].shipment(number, line, fields, source)

        def answer(number: int, item: ShipmentIn | Shipment) -> bytes:
            if isinstance(item, ShipmentIn):
                return decide_one(item.shipment(number), item.min_score)
            return decide_one(item, DEFAULT_MIN_SCORE)

        items = await shipment_batch_items(request, ShipmentIn, from_row)
        await admit(request.scope)
        return ndjson_stream(request.scope, items, answer, 50)

    @api.post("/v1/screen/equipment", tags=["screening"])
    async def screen_equipment(request: Request, body: EquipmentIn,
                               who: Principal = Depends(screener_role)) -> Response:
        """Each asset's findings, in order. Screened on the event loop in turns
        (`in_turns`), as a batch is: up to 10,000 assets must not hold up the requests
        behind them."""
        as_of = body.as_of or dt.date.today()
        resolver = lists.current.equipment.resolver

        def one(numbered: tuple[int, AssetIn]) -> dict:
            i, a = numbered
            asset = Asset(i, 0, "api", a.label or f"asset {i}",
                          tuple(Observation(o.kind, o.value, "api") for o in a.observations))
            return {"label": asset.label, "findings": [equipment_record(f) for f in resolver.screen(asset, as_of)]}

        out = []
        async for results in in_turns(request.scope, enumerate(body.assets, 1), one, first=True):
            out += results
        return Response(orjson.dumps({"as_of": as_of.isoformat(), "assets": out}), media_type="application/json")



def _list_routes(api: APIRouter, lists: LoadedLists, screener_role, admin_role) -> None:
    @api.post("/v1/lists/refresh", tags=["lists"])
    def refresh_lists(fetch: bool = False, who: Principal = Depends(admin_role)) -> dict:
        """Switch to the newest list versions in the store (after `lists import`), or with
        `fetch=true` first fetch the configured sources as `lists update` does."""
        return lists.refresh(fetch)

    @api.get("/v1/lists", tags=["lists"])
    def list_versions(who: Principal = Depends(screener_role)) -> dict:
        return {"in_force": [v.as_dict() for v in lists.current.selection.versions],
                "history": [v.as_dict() for v in lists.store.versions()]}

    @api.get("/v1/lists/{dataset}/entries/{entry_id}", tags=["lists"])
    def entry(dataset: str, entry_id: str, who: Principal = Depends(screener_role)) -> dict:
        found = [e for e in lists.current.parties.index.entries if e.dataset == dataset and e.entry_id == entry_id]
        if not found:
            raise HTTPException(404, f"no entry {entry_id!r} in {dataset!r}")
        return {"entries": [entry_to_dict(e) for e in found]}



def _case_routes(api: APIRouter, cases: CaseStore, screener_role, reviewer_role, admin_role) -> None:
    @api.get("/v1/cases", tags=["cases"])
    def list_cases(status: Literal["open", "closed", "all"] = "open",
                   list_code: Optional[str] = Query(None, alias="list"), limit: int = Query(100, ge=1, le=1000),
                   offset: int = Query(0, ge=0, le=MAX_DB_ID), who: Principal = Depends(screener_role)) -> dict:
        rows = cases.alerts(None if status == "all" else status, list_code, limit, offset)
        return {"alerts": [alert_summary(a, s) for a, s in rows]}

    @api.get("/v1/cases/{alert_id}", tags=["cases"])
    def show_case(alert_id: int = AlertId, who: Principal = Depends(screener_role)) -> dict:
        alert, subject, decisions = cases.alert(alert_id)
        return alert_detail(alert, subject, decisions)

    @api.post("/v1/cases/{alert_id}/decision", tags=["cases"])
    def decide(body: DecisionIn, alert_id: int = AlertId, who: Principal = Depends(reviewer_role)) -> dict:
        d = cases.decide(alert_id, body.decision, who.owner, body.reason)
        return {"decision_id": d.id, "alert_id": alert_id, "decision": d.decision, "reviewer": d.reviewer}

    @api.get("/v1/keys", tags=["keys"])
    def list_keys(who: Principal = Depends(admin_role)) -> dict:
        """Every API key: id, owner, role, first characters, created, revoked (never the key)."""
        return {"keys": [key_record(k) for k in cases.keys()]}

    @api.post("/v1/keys/{key_id}/revoke", tags=["keys"])
    def revoke_key(key_id: int = Path(ge=1, le=MAX_DB_ID), who: Principal = Depends(admin_role)) -> dict:
        """Revoke a key; its sessions on the review page end with it."""
        row = cases.revoke_key(key_id, actor=who.owner)
        return {"key": key_record(row)}

    @api.get("/v1/audit/verify", tags=["audit"])
    def verify(who: Principal = Depends(admin_role)) -> dict:
        v = cases.verify()
        return {"ok": v.ok, "events": v.events, "problem": v.problem or None, "event_id": v.event_id,
                "disagreements": list(v.disagreements)}

    @api.get("/v1/audit/anchor", tags=["audit"])
    def audit_anchor(who: Principal = Depends(admin_role)) -> dict:
        """The chain's head, to keep outside the database (see `audit verify --anchor`)."""
        return cases.anchor().as_dict()
