"""The OpenAPI schema is one schemathesis can use everywhere: no response definition it refuses as invalid.

A `tuple[float, float]` field once became JSON Schema `prefixItems`; schemathesis turned that into an `items`
list, called the figures route's schema invalid and stopped fuzzing there. This walks every JSON answer of
every operation through schemathesis' own response validation.
"""

import datetime
import json

import httpx
import schemathesis
from fastapi.testclient import TestClient
from schemathesis.core.errors import InvalidSchema

from app.acceptance.schemas import FiguresPublic

FIGURES = "/api/v1/lots/{lot_id}/rounds/{number}/figures"


def _answer(status: int, body: object) -> httpx.Response:
    client = httpx.Client(transport=httpx.MockTransport(lambda _r: httpx.Response(status, json=body)))
    response = client.get("http://folio.test/")
    response._elapsed = datetime.timedelta(0)  # a mock transport does not time its answers; schemathesis asks
    return response


def _validate(operation, status: int, body: object) -> str | None:  # noqa: ANN001
    """None when schemathesis can judge the answer (conforming or not); the error when the schema is unusable."""
    try:
        operation.validate_response(_answer(status, body))
    except InvalidSchema as exc:
        return str(exc).splitlines()[0] + " " + str(exc)[:400]
    except Exception:  # noqa: BLE001, S110 - a non-conforming body is judged, which is all this asks
        pass
    return None


def test_every_json_answer_of_every_operation_has_a_usable_schema(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert "prefixItems" not in json.dumps(spec)
    schema = schemathesis.openapi.from_dict(spec)
    unusable = []
    for path, methods in spec["paths"].items():
        for method, definition in methods.items():
            operation = schema[path][method.upper()]
            for status, answer in definition.get("responses", {}).items():
                if "application/json" in answer.get("content", {}):
                    problem = _validate(operation, int(status), {})
                    if problem:
                        unusable.append(f"{method.upper()} {path} {status}: {problem}")
    assert unusable == []


def test_a_figures_answer_conforms_to_its_schema(client: TestClient) -> None:
    schema = schemathesis.openapi.from_dict(client.get("/openapi.json").json())
    body = FiguresPublic(
        items=6, judged=6, failed=0, records=3, checked=3, complete=True, accepted=True,
        pass_rate="1.0000", field_error_rate="0", interval_low=0.0, interval_high=0.39,
        operating_characteristic=[(0.01, 0.99), (0.05, 0.8)],
    ).model_dump(mode="json")  # fmt: skip
    assert schema[FIGURES]["GET"].validate_response(_answer(200, body)) is None
