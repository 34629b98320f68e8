"""schemathesis against the service's own OpenAPI spec, on a real server on 127.0.0.1.

Bounded examples per operation (CI); the checks: no 5xx, status codes and content types that
the spec declares, and response bodies that match the declared schemas. Operations are driven
through schemathesis' hypothesis strategies directly (its pytest plugin does not yet support
the pytest version we use).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from pesql.runtime.embedding import Runtime
from pesql.runtime.service.app import create_app
from pesql.runtime.service.guard import ServiceLimits
from pesql.runtime.service.thread import ServerThread
from pesql.runtime.testing.fake_openai.server import FakeOpenAI, ToolCall
from schemathesis.specs.openapi.checks import positive_data_acceptance

ROOT = Path(__file__).resolve().parents[2]


PLAN = json.dumps(
    {
        "table": None,
        "steps": [
            {
                "op": "GROUP_BY",
                "keys": ["island"],
                "aggregates": [
                    {"name": "n", "expr": {"op": "COUNT", "value": None, "where": None}}
                ],
            }
        ],
    }
)


@pytest.fixture(scope="module", params=[None, "s3cret"], ids=["open", "bearer"])
def api(request: pytest.FixtureRequest) -> Iterator[tuple[object, str | None]]:
    """The service with /v1/ask enabled, its model a local OpenAI-compatible server."""
    runtime = Runtime(tables={"penguins": ROOT / "examples/tables/penguins.csv"})
    with FakeOpenAI() as model:
        model.respond_with(lambda body: ToolCall(PLAN))
        ask = {"model": "local", "base_url": model.base_url, "api_key": "test"}
        app = create_app(
            runtime,
            limits=ServiceLimits(max_rows=20, timeout_s=10),
            api_key=request.param,
            ask_options=ask,
        )
        with ServerThread(app) as server:
            yield schemathesis.openapi.from_url(server.url + "/openapi.json"), request.param


def test_api_conforms_to_its_spec(api: tuple[object, str | None]) -> None:
    spec, key = api
    headers = {"Authorization": f"Bearer {key}"} if key else None
    operations = [result.ok() for result in spec.get_all_operations()]  # type: ignore[attr-defined]
    assert len(operations) == 7
    for operation in operations:

        @given(operation.as_strategy())
        @settings(
            max_examples=25, deadline=None, database=None, suppress_health_check=list(HealthCheck)
        )
        def run(case: schemathesis.Case) -> None:
            # A schema-valid plan may still be refused with 422 (unknown column, type
            # mismatch): plan validity is semantic, so positive-data acceptance does not apply.
            case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])

        run()
