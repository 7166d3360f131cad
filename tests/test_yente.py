"""The yente-compatible routes (api/yente.py): a client nobody here wrote,
nomenklatura's YenteEnricher, pointed at a live banscreen server on a loopback port,
finds the listed entities of a small FollowTheMoney file and expands them; and the
answers' fields, parameters and errors, checked one by one."""

from __future__ import annotations

import json
import socket
import threading
import time
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
import uvicorn  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402

from banscreen.api.app import Settings, create_app  # noqa: E402
from banscreen.lists.store import ListStore  # noqa: E402
from banscreen.store import CaseStore  # noqa: E402

FTM_FILE = Path(__file__).parent / "data" / "ftm" / "customers.ftm.json"
RESULT_FIELDS = {"id", "caption", "schema", "properties", "datasets", "referents", "target", "first_seen",
                 "last_seen", "last_change", "score", "match", "explanations"}


@pytest.fixture()
def service(tmp_path, bundled_home):
    cases = CaseStore(f"sqlite:///{tmp_path / 'cases.db'}")
    _, key = cases.create_key("yente-client", "screener")
    app = create_app(ListStore(bundled_home), cases, Settings(hooks_every_seconds=0))
    return TestClient(app, raise_server_exceptions=False), key, app


def test_yente_enricher_finds_and_expands_listed_entities(service, tmp_path):
    pytest.importorskip("nomenklatura")
    from followthemoney import Dataset, StatementEntity
    from nomenklatura.cache import Cache
    from nomenklatura.db import make_session
    from nomenklatura.enrich.yente import YenteEnricher

    _, key, app = service
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        for _ in range(200):
            if server.started:
                break
            time.sleep(0.05)
        dataset = Dataset.make({"name": "customers", "title": "Customers"})
        cache = Cache(make_session(f"sqlite:///{tmp_path / 'nk.db'}"), dataset, create=True)
        enricher = YenteEnricher(dataset, cache, {"api": f"http://127.0.0.1:{port}/", "api_key": key,
                                                  "cache_days": 0})
        found: dict[str, list] = {}
        for line in FTM_FILE.read_text("utf-8").splitlines():
            entity = StatementEntity.from_data(dataset, json.loads(line))
            found[entity.id] = list(enricher.match(entity))
        names = {k: {m.caption for m in v} for k, v in found.items()}
        assert "ZTE Corporation" in names["cust-zte"]
        assert any("Huawei Technologies" in n for n in names["cust-huawei"])
        assert any("Hikvision" in n for n in names["cust-hikvision"])
        assert not found["cust-nordic"] and not found["cust-person"]
        huawei = next(m for m in found["cust-huawei"] if m.id == "bs-telecom-EL-huawei-el-2019")
        assert huawei.schema.name == "Organization" and "export.control" in huawei.get("topics")
        query = StatementEntity.from_data(dataset, json.loads(FTM_FILE.read_text("utf-8").splitlines()[1]))
        expanded = list(enricher.expand(query, huawei))
        assert expanded[0].id == huawei.id and "cn" in expanded[0].get("country")
        assert expanded[0].get("createdAt") == ["2019-05-16"]
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def _match(client, key, queries, dataset="default", headers=None, **params):
    return client.post(f"/match/{dataset}", params=params, json={"queries": queries},
                       headers=headers or {"Authorization": f"ApiKey {key}"})


ZTE = {"schema": "Company", "properties": {"name": ["ZTE Corporation"], "country": ["cn"]}}


def test_match_answers_in_yentes_shape(service):
    client, key, _ = service
    r = _match(client, key, {"q1": ZTE, "q2": {"schema": "Person", "properties": {"name": ["Maria Svensson"]}}})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["limit"] == 5 and set(body["responses"]) == {"q1", "q2"}
    q1 = body["responses"]["q1"]
    assert q1["status"] == 200 and q1["query"] == ZTE and 0 < len(q1["results"]) <= 5
    for result in q1["results"]:
        assert RESULT_FIELDS <= set(result)
        assert result["match"] == (result["score"] >= 0.70)
        for feature in result["explanations"].values():
            assert {"detail", "score", "query", "candidate"} <= set(feature)
    assert q1["total"] == {"value": sum(x["match"] for x in q1["results"]), "relation": "eq"}
    assert body["responses"]["q2"]["results"] == [] and body["responses"]["q2"]["total"]["value"] == 0


def test_match_parameters(service):
    client, key, _ = service
    one = _match(client, key, {"q": ZTE}, limit=1).json()["responses"]["q"]["results"]
    assert len(one) == 1
    strict = _match(client, key, {"q": ZTE}, threshold=1.0).json()["responses"]["q"]
    assert all(x["match"] == (x["score"] >= 1.0) for x in strict["results"])
    assert _match(client, key, {"q": ZTE}, algorithm="logic-v2").status_code == 400
    assert _match(client, key, {"q": ZTE}, algorithm="best").status_code == 200
    only_csl = _match(client, key, {"q": ZTE}, include_dataset="csl").json()["responses"]["q"]["results"]
    assert only_csl and {d for x in only_csl for d in x["datasets"]} == {"csl"}
    no_telecom = _match(client, key, {"q": ZTE}, exclude_dataset="telecom").json()["responses"]["q"]["results"]
    assert "telecom" not in {d for x in no_telecom for d in x["datasets"]}
    first = _match(client, key, {"q": ZTE}).json()["responses"]["q"]["results"][0]["id"]
    rest = _match(client, key, {"q": ZTE}, exclude_entity_ids=first).json()["responses"]["q"]["results"]
    assert first not in {x["id"] for x in rest}
    recent = _match(client, key, {"q": ZTE}, changed_since="2021-01-01").json()["responses"]["q"]["results"]
    assert all(x["last_change"] >= "2021-01-01" for x in recent)
    in_2018 = _match(client, key, {"q": ZTE}, banscreen_as_of="2018-05-01").json()["responses"]["q"]["results"]
    assert "bs-telecom-DPL-zte-denial-2018" in {x["id"] for x in in_2018}
    assert "bs-telecom-DPL-zte-denial-2018" not in {x["id"] for x in
                                                    _match(client, key, {"q": ZTE}).json()["responses"]["q"]["results"]}
    assert _match(client, key, {"q": ZTE}, dataset="csl").status_code == 200
    assert _match(client, key, {"q": ZTE}, dataset="nope").status_code == 404
    bad_schema = _match(client, key, {"q": {"schema": "Address", "properties": {"full": ["x"]}}}).json()
    assert bad_schema["responses"]["q"]["status"] == 400
    assert _match(client, key, {f"q{i}": ZTE for i in range(101)}).status_code == 422
    # hostile bodies are refused with the place and the reason, never a 500
    surrogate = b'{"queries": {"q": {"schema": "Company", "properties": {"name": ["\\ud800x"]}}}}'
    r = client.post("/match/default", content=surrogate,
                    headers={"Authorization": f"ApiKey {key}", "Content-Type": "application/json"})
    assert r.status_code == 422 and "Unicode" in r.text
    for props in ({"name": ["x" * 5001]}, {"name": ["x"] * 101}, {"name": [1]}, "x"):
        assert _match(client, key, {"q": {"schema": "Company", "properties": props}}).status_code == 422


def test_keys_as_yente_clients_send_them(service):
    client, key, _ = service
    assert _match(client, key, {"q": ZTE}, headers={"X-API-Key": key}).status_code == 200
    assert _match(client, key, {"q": ZTE}, headers={"Authorization": "ApiKey wrong"}).status_code == 401
    assert _match(client, key, {"q": ZTE}, headers={"Authorization": f"Bearer {key}"}).status_code == 401
    assert client.get("/catalog").status_code == 401


def test_entities_search_catalog_and_health(service):
    client, key, _ = service
    auth = {"Authorization": f"ApiKey {key}"}
    entity = client.get("/entities/bs-telecom-EL-huawei-el-2019", headers=auth).json()
    assert entity["caption"] == "Huawei Technologies Co., Ltd." and entity["schema"] == "Organization"
    assert {"id", "caption", "schema", "properties", "datasets", "referents", "target", "first_seen", "last_seen",
            "last_change"} <= set(entity)
    assert client.get("/entities/bs-nothing", headers=auth).status_code == 404
    found = client.get("/search/default", params={"q": "Hikvision"}, headers=auth).json()
    assert found["results"] and found["total"]["value"] >= len(found["results"])
    assert any("Hikvision" in x["caption"] for x in found["results"])
    algorithms = client.get("/algorithms").json()
    assert {a["name"] for a in algorithms["algorithms"]} == {"banscreen", "best"}
    catalog = client.get("/catalog", headers=auth).json()
    names = {d["name"] for d in catalog["datasets"]}
    assert {"default", "csl", "ofac-sdn", "bis-dpl", "telecom"} <= names
    assert all(d.get("version") for d in catalog["datasets"])
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json()["status"] == "ok"
    spec = client.get("/openapi.json").json()
    assert {"/match/{dataset}", "/entities/{entity_id}", "/search/{dataset}", "/algorithms", "/catalog", "/healthz",
            "/readyz"} <= set(spec["paths"])
