"""Property-based requests generated from the service's own OpenAPI schema
(schemathesis): no request, valid or not, gets a server error. Bounded: 20 examples
per operation, no deadline. (schemathesis's pytest fixture loader does not work with
pytest 9 here, so the schema's strategies are drawn in an ordinary test.)"""

from __future__ import annotations

import pytest

schemathesis = pytest.importorskip("schemathesis", reason="pip install -e '.[test]' brings schemathesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from banscreen.api.app import Settings, create_app  # noqa: E402
from banscreen.lists.store import ListStore  # noqa: E402
from banscreen.store import CaseStore  # noqa: E402


@pytest.fixture(scope="module")
def operations(tmp_path_factory, bundled_home):
    cases = CaseStore(f"sqlite:///{tmp_path_factory.mktemp('st') / 'cases.db'}")
    key = cases.create_key("schemathesis", "admin")[1]
    app = create_app(ListStore(bundled_home), cases, Settings(rate_per_second=10_000, rate_burst=10_000))
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    ops = [result.ok() for result in schema.get_all_operations()]
    assert len(ops) >= 10
    return ops, key


def test_no_server_errors(operations):
    ops, key = operations
    seen: list[str] = []
    def checker(op):
        @settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck), database=None,
                  derandomize=True)
        @given(data=st.data())
        def check(data):
            case = data.draw(op.as_strategy())
            response = case.call(headers={"X-API-Key": key})
            assert response.status_code < 500, f"{case.method} {case.path}: {response.status_code} {response.text[:300]}"
        return check

    for op in ops:
        checker(op)()
        seen.append(f"{op.method.upper()} {op.path}")
    assert "POST /v1/screen/party" in seen and "POST /v1/cases/{alert_id}/decision" in seen
    # the yente-compatible routes and the shipment routes are covered too
    assert {"POST /match/{dataset}", "GET /entities/{entity_id}", "GET /search/{dataset}", "GET /catalog",
            "POST /v1/screen/shipment"} <= set(seen)
