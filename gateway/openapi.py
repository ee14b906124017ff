"""The OpenAPI document (/docs/openapi.json): request bodies, query parameters and answers from
pydantic models, so a county's other systems can generate a client from it and the tests check
every JSON answer against it.

    @bp.get("/api/v1/admin/things")
    @openapi.tag("things")
    @query(ThingQuery)              # each field a documented query parameter
    @returns(ThingPage)             # the 200 answer
    @staff_required("things.read")
    async def list_things(request): ...

    @json_body(ThingCreate)
    @returns(ThingOut, status=201)

Errors need no declaration: every operation answers them in the one error shape
(gateway.errors.ErrorBody), which the document gives as each operation's `default` answer.

Schemas are pydantic's JSON Schema (draft 2020-12), so the document is OpenAPI 3.1, whose
schemas are exactly that dialect. Nested models are inlined: pydantic puts them under a
schema's own `$defs` and points at them with `#/$defs/Name`, which in the document would
resolve against its root, where nothing is.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from functools import cache
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict
from sanic import DefaultSanic, Request
from sanic.response import BaseHTTPResponse
from sanic_ext import openapi
from sanic_ext.extensions.openapi.types import Schema

from gateway.errors import ErrorBody

F = TypeVar("F", bound=Callable[..., Any])

OPENAPI_VERSION = "3.1.0"
SPEC_PATH = "/docs/openapi.json"


class ResponseModel(BaseModel):
    """Base of the models of JSON answers: the document lists exactly the fields sent."""

    model_config = ConfigDict(extra="forbid")


def inline_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The model's JSON schema with every `$ref` to its `$defs` replaced by the definition."""
    # Built once per model (pydantic takes ~10 ms a schema and views reuse answer shapes);
    # each caller gets its own copy.
    return copy.deepcopy(_inline_schema(model))


@cache
def _inline_schema(model: type[BaseModel]) -> dict[str, Any]:
    schema = model.model_json_schema()
    defs = schema.pop("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                return resolve(defs[ref.removeprefix("#/$defs/")])
            return {key: resolve(value) for key, value in node.items()}
        if isinstance(node, list):
            return [resolve(value) for value in node]
        return node

    resolved: dict[str, Any] = resolve(schema)
    return resolved


def json_body(model: type[BaseModel]) -> Callable[[F], F]:
    """Document a handler's JSON request body (the one way views declare bodies)."""
    return openapi.body(  # type: ignore[no-any-return]
        {"application/json": inline_schema(model)}, required=True
    )


def returns(
    model: type[BaseModel] | None, status: int = 200, description: str = "成功"
) -> Callable[[F], F]:
    """Document a handler's answer (the one way views declare response shapes); `None` for an
    answer without a body (204)."""
    content = {"application/json": inline_schema(model)} if model is not None else None
    return openapi.response(status, content, description)  # type: ignore[no-any-return]


def query(model: type[BaseModel]) -> Callable[[F], F]:
    """Document each field of a query-string model as a query parameter, with its rules."""
    schema = inline_schema(model)
    required = set(schema.get("required", []))
    decorators = []
    for name, field_schema in schema.get("properties", {}).items():
        description = field_schema.pop("description", None)
        value = _query_value(field_schema)
        if name not in required:
            # parse_query ignores a blank value: `?status=` is the same as leaving it out.
            value = {"anyOf": [value, {"const": ""}]}
        decorators.append(
            openapi.parameter(
                name,
                Schema(**value),
                "query",
                required=name in required,
                description=description,
            )
        )

    def decorate(handler: F) -> F:
        for decorator in decorators:  # each appends: the document lists them in field order
            handler = decorator(handler)
        return handler

    return decorate


def _query_value(field_schema: dict[str, Any]) -> dict[str, Any]:
    """A field's schema as a query parameter's: a query value is absent or text, never null."""
    field_schema = {k: v for k, v in field_schema.items() if k != "title"}
    options = field_schema.pop("anyOf", None)
    if options is not None:
        kept = [o for o in options if o.get("type") != "null"]
        field_schema = {**(kept[0] if len(kept) == 1 else {"anyOf": kept}), **field_schema}
    if field_schema.get("default") is None:
        field_schema.pop("default", None)
    return field_schema


def finish_document(document: dict[str, Any]) -> dict[str, Any]:
    """What every operation shares, added once: the error shape as each operation's `default`
    answer, and the OpenAPI version matching the schemas' dialect."""
    document["openapi"] = OPENAPI_VERSION
    error = {
        "description": "错误（统一形状）",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }
    document.setdefault("components", {}).setdefault("schemas", {})["Error"] = inline_schema(
        ErrorBody
    )
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            # sanic-ext's placeholder for undocumented answers says nothing; errors do.
            if responses.get("default") == {"description": "OK"}:
                del responses["default"]
            responses.setdefault("default", error)
            # sanic-ext gives every answer a content; 204 and redirects have none.
            for status in ("204", "301", "302", "303", "307"):
                if status in responses:
                    responses[status].pop("content", None)
    return document


def install(app: DefaultSanic) -> None:
    """Serve the document finished (see finish_document)."""

    @app.on_response
    async def _finish(request: Request, response: BaseHTTPResponse) -> None:
        if request.path != SPEC_PATH or response.status != 200 or not response.body:
            return
        document = finish_document(json.loads(response.body))
        body = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
        response.body = body
        response.headers["content-length"] = str(len(body))
