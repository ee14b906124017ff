"""Every JSON answer the suite receives is checked against /docs/openapi.json.

The `api` client (tests/conftest.py) runs `OpenApiCheck.check` on each response: the operation
is found by method and path template, the answer's status picks its documented response (a
status of 400 or more without its own entry takes the operation's `default`, the one error
shape), and the body is validated with jsonschema. An answer the document does not describe
fails the test that received it, so every existing and future test checks the document.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import httpx
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

# sanic-ext's own routes (the document itself, Swagger UI's configuration) describe nothing.
UNCHECKED_PREFIXES = ("/docs",)


@dataclass(frozen=True)
class Operation:
    method: str
    template: str
    pattern: re.Pattern[str]
    params: int
    responses: dict[str, Any]


class OpenApiCheck:
    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.operations: list[Operation] = []
        for template, methods in document.get("paths", {}).items():
            regex = "/".join(
                "[^/]+" if part.startswith("{") else re.escape(part) for part in template.split("/")
            )
            for method, operation in methods.items():
                self.operations.append(
                    Operation(
                        method=method.upper(),
                        template=template,
                        pattern=re.compile(f"^{regex}/?$"),
                        params=template.count("{"),
                        responses=operation.get("responses", {}),
                    )
                )
        error = document["components"]["schemas"]["Error"]
        self.error_validator = Draft202012Validator(
            error, format_checker=Draft202012Validator.FORMAT_CHECKER
        )

    def find(self, method: str, path: str) -> Operation | None:
        found = [o for o in self.operations if o.method == method and o.pattern.match(path)]
        # A literal segment beats a template (/accounts/health before /accounts/{code}).
        return min(found, key=lambda o: o.params) if found else None

    def _resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        ref = schema.get("$ref")
        if not ref:
            return schema
        node: Any = self.document
        for part in ref.removeprefix("#/").split("/"):
            node = node[part]
        resolved: dict[str, Any] = node
        return resolved

    def schema_for(self, method: str, path: str, status: int) -> tuple[str, dict[str, Any]]:
        """(what the answer is checked as, the JSON schema it must match)."""
        operation = self.find(method, path)
        if operation is None:
            if status >= 400:
                return "the error shape", self.document["components"]["schemas"]["Error"]
            raise AssertionError(f"{method} {path} answered {status} JSON but is not documented")
        response = operation.responses.get(str(status))
        if response is None and status >= 400:
            response = operation.responses.get("default")
        where = f"{method} {operation.template} {status}"
        if response is None:
            raise AssertionError(f"{where}: this status is not documented")
        content = response.get("content") or {}
        if "application/json" not in content:
            raise AssertionError(f"{where}: documented without a JSON body, answered JSON")
        return where, self._resolve(content["application/json"].get("schema", {}))

    def check(self, response: httpx.Response) -> None:
        request = response.request
        path = request.url.path
        if path.startswith(UNCHECKED_PREFIXES):
            return
        if not response.headers.get("content-type", "").startswith("application/json"):
            return
        if request.method == "HEAD":  # the headers of a GET, without its body
            return
        where, schema = self.schema_for(request.method, path, response.status_code)
        validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
        try:
            validator.validate(response.json())
        except ValidationError as exc:
            at = "/".join(str(p) for p in exc.absolute_path) or "(body)"
            raise AssertionError(
                f"{where}: the answer breaks the OpenAPI document at {at}: {exc.message}"
            ) from None
