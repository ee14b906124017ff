"""Helpers every domain's schemas share: patches, and rules the OpenAPI document states.

- `PatchModel`: the base of PATCH bodies. A field left out, or sent as null, changes nothing;
  the document says so, and the validators never see the nulls.
- `documented(pattern)`: a field's rule as the document states it (a JSON Schema `pattern`),
  for fields whose validator keeps its own Chinese message. The validator matches with the
  same compiled pattern, so the document and the code cannot drift apart.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, model_validator
from pydantic.json_schema import JsonDict


class PatchModel(BaseModel):
    """A PATCH body: omitted or null fields are left as they are."""

    @model_validator(mode="before")
    @classmethod
    def _nulls_change_nothing(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {key: value for key, value in data.items() if value is not None}
        return data


def stripped(pattern: str) -> re.Pattern[str]:
    """`pattern` with blanks allowed around it (the field's value is stripped first)."""
    core = pattern.removeprefix("^").removesuffix("$")
    return re.compile(rf"^\s*(?:{core})\s*$")


def optional(pattern: re.Pattern[str]) -> re.Pattern[str]:
    """`pattern` or the empty string (an empty field means "not given")."""
    core = pattern.pattern.removeprefix("^").removesuffix("$")
    return re.compile(rf"^(?:{core})?$")


def documented(pattern: re.Pattern[str]) -> JsonDict:
    """`json_schema_extra` stating a field's pattern in the document."""
    return {"pattern": pattern.pattern}
