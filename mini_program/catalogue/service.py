"""Catalogue services: domains, items, policy documents, the normative-document query.

Views cache what these return (see api.py); services themselves always read the database.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from tortoise.functions import Count

from gateway.errors import NotFound
from mini_program.catalogue import stats, text
from mini_program.catalogue.models import (
    CatalogueItem,
    Domain,
    Interpretation,
    PolicyDocument,
)

MAX_ID = 2**31 - 1
DOMAIN_FIELDS = ("id", "code", "name", "sort_order", "is_local")
ITEM_SUMMARY_FIELDS = (
    "id", "domain_id", "level1", "level2", "subject", "time_limit",
    "audience_all", "audience_specific", "mode_active", "mode_on_request",
    "level_county", "level_town",
)  # fmt: skip
ITEM_FIELDS = (*ITEM_SUMMARY_FIELDS, "content", "basis", "channels")
DOC_SUMMARY_FIELDS = (
    "id", "title", "doc_no", "issuer", "published_on", "effective_on", "validity", "is_normative",
)  # fmt: skip


def _ticks(row: dict[str, Any]) -> dict[str, list[str]]:
    return {
        "audience": [
            label
            for label, on in (
                ("全社会", row["audience_all"]),
                ("特定群体", row["audience_specific"]),
            )
            if on
        ],
        "mode": [
            label
            for label, on in (("主动", row["mode_active"]), ("依申请", row["mode_on_request"]))
            if on
        ],
        "level": [
            label
            for label, on in (("县级", row["level_county"]), ("乡级", row["level_town"]))
            if on
        ],
    }


def _item_summary(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "level1": row["level1"],
        "level2": row["level2"],
        "subject": row["subject"],
        "time_limit": row["time_limit"],
        **_ticks(row),
    }


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


def _doc_summary(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "title": row["title"],
        "doc_no": row["doc_no"],
        "issuer": row["issuer"],
        "published_on": _iso(row["published_on"]),
        "effective_on": _iso(row["effective_on"]),
        "validity": str(
            row["validity"].value if hasattr(row["validity"], "value") else row["validity"]
        ),
        "is_normative": bool(row["is_normative"]),
    }


async def list_domains() -> list[dict[str, Any]]:
    """All domains with item counts, most viewed in the last 30 days first."""
    domains = await Domain.all().values(*DOMAIN_FIELDS)
    counts = dict(
        await CatalogueItem.all()
        .group_by("domain_id")
        .annotate(n=Count("id"))
        .values_list("domain_id", "n")
    )
    views = await stats.views_last_30_days()
    out = [
        {**d, "item_count": counts.get(d["id"], 0), "views_30d": views.get(d["id"], 0)}
        for d in domains
    ]
    out.sort(key=lambda d: (-d["views_30d"], d["sort_order"], d["id"]))
    return out


async def get_domain(*, domain_id: int) -> dict[str, Any]:
    """One domain, or NotFound."""
    if not 0 < domain_id <= MAX_ID:
        raise NotFound("没有这个领域", code="domain_not_found")
    rows = await Domain.filter(id=domain_id).values("id", "code", "name", "is_local")
    if not rows:
        raise NotFound("没有这个领域", code="domain_not_found")
    return rows[0]


async def domain_by_name(name: str) -> Domain | None:
    """A domain by its name (扶贫 and 乡村振兴 are the same domain)."""
    name = name.strip().removesuffix("领域")
    domain = await Domain.get_or_none(name=name)
    if domain is None and name in ("扶贫", "乡村振兴"):
        domain = await Domain.filter(name__in=["扶贫", "乡村振兴"]).first()
    return domain


async def list_items(*, domain_id: int, page: int = 1, page_size: int = 20) -> dict[str, Any]:
    """A page of a domain's items in catalogue order."""
    domain = await get_domain(domain_id=domain_id)
    query = CatalogueItem.filter(domain_id=domain_id)
    total = await query.count()
    rows = (
        await query.order_by("sort_order", "id")
        .offset((page - 1) * page_size)
        .limit(page_size)
        .values(*ITEM_SUMMARY_FIELDS)
    )
    return {
        "domain": domain,
        "items": [_item_summary(r) for r in rows],
        "page": page,
        "page_size": page_size,
        "total": total,
    }


async def get_item(*, item_id: int) -> dict[str, Any]:
    """An item with all its standard columns and the documents published under it."""
    rows = (
        await CatalogueItem.filter(id=item_id).values(*ITEM_FIELDS) if 0 < item_id <= MAX_ID else []
    )
    if not rows:
        raise NotFound("没有这个公开事项", code="item_not_found")
    row = rows[0]
    domain = await Domain.filter(id=row["domain_id"]).values("id", "code", "name")
    docs = (
        await PolicyDocument.filter(items__id=item_id)
        .order_by("-published_on", "-id")
        .values(*DOC_SUMMARY_FIELDS)
    )
    return {
        "id": row["id"],
        "domain": domain[0],
        "level1": row["level1"],
        "level2": row["level2"],
        "content": row["content"],
        "basis": row["basis"],
        "time_limit": row["time_limit"],
        "subject": row["subject"],
        "channels": row["channels"],
        **_ticks(row),
        "documents": [_doc_summary(d) for d in docs],
    }


async def get_document(*, document_id: int) -> dict[str, Any]:
    """A policy document with body, attachments, interpretations and the items it serves."""
    doc = await PolicyDocument.get_or_none(id=document_id) if 0 < document_id <= MAX_ID else None
    if doc is None:
        raise NotFound("没有这个文件", code="document_not_found")
    interps = await Interpretation.filter(document_id=document_id).values(
        "id", "title", "body", "interpreter", "published_on"
    )
    items = (
        await CatalogueItem.filter(documents__id=document_id)
        .order_by("id")
        .values("id", "domain_id", "level1", "level2")
    )
    return {
        **_doc_summary({f: getattr(doc, f) for f in DOC_SUMMARY_FIELDS}),
        "written_on": _iso(doc.written_on),
        "body": doc.body,
        "attachments": doc.attachments or [],
        "interpretations": [{**i, "published_on": _iso(i["published_on"])} for i in interps],
        "items": items,
    }


async def list_documents(
    *,
    normative: bool | None = None,
    issuer: str | None = None,
    doc_no: str | None = None,
    title: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    page: int = 1,
    page_size: int = 20,
) -> dict[str, Any]:
    """The unified query of policy documents, newest published first."""
    query = PolicyDocument.all()
    if normative is not None:
        query = query.filter(is_normative=normative)
    if issuer:
        query = query.filter(issuer__icontains=issuer.strip())
    if title:
        query = query.filter(title__icontains=title.strip())
    if doc_no:
        key = text.doc_no_key(doc_no.strip())
        # A full number matches exactly; a fragment (e.g. "蒙教") matches within.
        if key and "-" in key and key[-1].isdigit() and "号" in doc_no:
            query = query.filter(doc_no_key=key)
        else:
            query = query.filter(doc_no__icontains=doc_no.strip())
    if date_from:
        query = query.filter(published_on__gte=date_from)
    if date_to:
        query = query.filter(published_on__lte=date_to)
    total = await query.count()
    rows = (
        await query.order_by("-published_on", "-id")
        .offset((page - 1) * page_size)
        .limit(page_size)
        .values(*DOC_SUMMARY_FIELDS)
    )
    return {
        "items": [_doc_summary(r) for r in rows],
        "page": page,
        "page_size": page_size,
        "total": total,
    }
