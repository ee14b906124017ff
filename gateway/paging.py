"""One paging rule for every list: `page` 1–10000 (default 1), `per_page` 1–100 (default 20).

Lists answer `{"items", "total", "page", "per_page"}` (a list may add fields of its own, such
as the inbox's `pages`). Out-of-range values are a 422 naming the field, through parse_query.
Bounds keep a single request from asking the database to skip or return unbounded rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field
from tortoise.models import Model
from tortoise.queryset import QuerySet

MAX_PAGE = 10_000
MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 20

M = TypeVar("M", bound=Model)


class PageQuery(BaseModel):
    """The paging query parameters; list queries subclass it and add their filters."""

    model_config = ConfigDict(extra="ignore")

    page: int = Field(1, ge=1, le=MAX_PAGE, description="页码，1–10000，默认 1")
    per_page: int = Field(
        DEFAULT_PER_PAGE, ge=1, le=MAX_PER_PAGE, description="每页条数，1–100，默认 20"
    )

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


class ConsolePageQuery(PageQuery):
    """Console tables show more rows a page than the API's default; the bounds are the same."""

    per_page: int = Field(50, ge=1, le=MAX_PER_PAGE, description="每页条数，1–100，默认 50")


async def fetch_page(query: QuerySet[M], *, page: int, per_page: int) -> tuple[list[M], int]:
    """One page of an ordered query, and the total number of rows it matches."""
    total = await query.count()
    rows = await query.offset((page - 1) * per_page).limit(per_page)
    return list(rows), total


def page_answer(
    items: Sequence[Any], *, total: int, page: int, per_page: int, **extra: Any
) -> dict[str, Any]:
    """The one shape of a list answer."""
    return {"items": list(items), "total": total, "page": page, "per_page": per_page, **extra}


def page_count(total: int, per_page: int) -> int:
    """How many pages a list of `total` rows fills (at least one, for "page 1 of 1")."""
    return max(1, -(-total // per_page))
