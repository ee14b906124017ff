"""Seed the demo county's catalogue (idempotent: a second run changes nothing).

Domains come from domains.csv; their items from catalogue.xlsx through the real importer, as a
county administrator would load them; then the policy documents, their links to items, their
interpretations and attachment files, and finally the search index of what changed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from tortoise import connections
from tortoise.transactions import in_transaction

from gateway.config import get_settings
from gateway.db import placeholders
from mini_program.catalogue import cache, search, text
from mini_program.catalogue.demo import attachments, data, texts
from mini_program.catalogue.importer import import_catalogue
from mini_program.catalogue.models import (
    CatalogueItem,
    Domain,
    Interpretation,
    PolicyDocument,
    SearchEntry,
    Validity,
)

DEMO_IMPORTER = "演示数据"


@dataclass
class Changes:
    """What one seeding run changed (the summary line and what to re-index)."""

    domains: int = 0
    items: int = 0
    documents: int = 0
    links: int = 0
    interpretations: int = 0
    item_ids: set[int] = field(default_factory=set)
    document_ids: set[int] = field(default_factory=set)

    @property
    def any(self) -> bool:
        counts = (self.domains, self.items, self.documents, self.links, self.interpretations)
        return any(counts) or bool(self.item_ids or self.document_ids)


def _changed(obj: Any, values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if getattr(obj, k) != v}


async def _seed_domains(changes: Changes) -> None:
    existing = {d.code: d for d in await Domain.all()}
    new = []
    for order, spec in enumerate(data.domains(), start=1):
        values = {"name": spec.name, "is_local": spec.is_local, "sort_order": order}
        domain = existing.get(spec.code)
        if domain is None:
            new.append(Domain(code=spec.code, **values))
        elif diff := _changed(domain, values):
            await Domain.filter(id=domain.id).update(**diff)
            changes.domains += 1
    if new:
        await Domain.bulk_create(new)
        changes.domains += len(new)


async def _seed_items(changes: Changes, progress: Any) -> None:
    report = await import_catalogue(path=data.WORKBOOK, actor_name=DEMO_IMPORTER, progress=progress)
    if report.problems:  # the committed workbook is ours: a problem in it is a bug
        raise RuntimeError("demo catalogue workbook: " + "; ".join(map(str, report.problems)))
    changes.items += report.created + report.updated


def _document_values(spec: dict[str, Any], attached: list[dict[str, Any]]) -> dict[str, Any]:
    doc_no = text.canonical_doc_no(spec["doc_no"]) if spec.get("doc_no") else None
    published = date.fromisoformat(spec["published"])
    return {
        "title": spec["title"],
        "doc_no": doc_no,
        "doc_no_key": text.doc_no_key(doc_no),
        "issuer": spec["issuer"],
        "written_on": date.fromisoformat(spec["written"]),
        "published_on": published,
        "effective_on": date.fromisoformat(spec["effective"])
        if spec.get("effective")
        else published,
        "validity": Validity(spec.get("validity", "有效")),
        "is_normative": spec["normative"],
        "body": texts.body(spec),
        "attachments": attached,
    }


async def _seed_documents(
    specs: list[dict[str, Any]], attached: dict[str, list[dict[str, Any]]], changes: Changes
) -> dict[str, int]:
    """Documents by code; returns code → id."""
    existing = {d.code: d for d in await PolicyDocument.all()}
    new = []
    for spec in specs:
        values = _document_values(spec, attached.get(spec["code"], []))
        doc = existing.get(spec["code"])
        if doc is None:
            new.append(PolicyDocument(code=spec["code"], **values))
        elif diff := _changed(doc, values):
            await PolicyDocument.filter(id=doc.id).update(**diff)
            changes.document_ids.add(doc.id)
    if new:
        await PolicyDocument.bulk_create(new, batch_size=100)
    changes.documents += len(new) + len(changes.document_ids)
    doc_ids: dict[str, int] = dict(await PolicyDocument.all().values_list("code", "id"))
    changes.document_ids.update(doc_ids[d.code] for d in new)
    return doc_ids


async def _item_ids() -> dict[tuple[str, str], int]:
    """(domain code, 二级事项) → item id: how documents name the items they serve."""
    codes = dict(await Domain.all().values_list("id", "code"))
    rows = await CatalogueItem.all().values_list("domain_id", "level2", "id")
    return {(codes[domain_id], level2): item_id for domain_id, level2, item_id in rows}


async def _seed_links(
    specs: list[dict[str, Any]],
    doc_ids: dict[str, int],
    item_ids: dict[tuple[str, str], int],
    changes: Changes,
) -> None:
    conn = connections.get("default")
    have = {
        (r["document_id"], r["item_id"])
        for r in await conn.execute_query_dict(
            "SELECT document_id, item_id FROM catalogue_document_item"
        )
    }
    want = {
        (doc_ids[spec["code"]], item_ids[(domain, level2)])
        for spec in specs
        for domain, level2 in spec["items"]
    }
    missing = sorted(want - have)
    sql = f"INSERT INTO catalogue_document_item (document_id, item_id) VALUES ({placeholders(2)})"
    for pair in missing:
        await conn.execute_query(sql, list(pair))
    changes.document_ids.update(d for d, _ in missing)
    changes.links += len(missing)


async def _seed_interpretations(
    specs: list[dict[str, Any]], doc_ids: dict[str, int], changes: Changes
) -> None:
    existing = {i.code: i for i in await Interpretation.all()}
    new = []
    for spec in specs:
        found = texts.interpretation(spec)
        if not found:
            continue
        title, body = found
        code = f"{spec['code']}-jd"
        values = {
            "title": title,
            "body": body,
            "interpreter": spec["issuer"].split("、")[0],
            "published_on": date.fromisoformat(spec["published"]),
            "document_id": doc_ids[spec["code"]],
        }
        interp = existing.get(code)
        if interp is None:
            new.append(Interpretation(code=code, **values))
        elif diff := _changed(interp, values):
            await Interpretation.filter(id=interp.id).update(**diff)
            changes.interpretations += 1
        else:
            continue
        changes.document_ids.add(doc_ids[spec["code"]])
    if new:
        await Interpretation.bulk_create(new)
        changes.interpretations += len(new)


async def _index(changes: Changes, item_ids: Iterable[int], doc_ids: Iterable[int]) -> None:
    """Index what changed, plus anything never indexed (the importer indexes its own items)."""
    indexed = set(await SearchEntry.all().values_list("kind", "ref_id"))
    changes.item_ids.update(i for i in item_ids if (search.ITEM, i) not in indexed)
    changes.document_ids.update(d for d in doc_ids if (search.DOCUMENT, d) not in indexed)
    await search.index_items(changes.item_ids)
    await search.index_documents(changes.document_ids)


async def seed(*, progress: Any = None) -> str:
    """Load the 28 domains, their items and the policy documents behind them (idempotent)."""
    changes = Changes()
    specs = data.documents()
    # Attachment files first: their real sizes go into the documents' attachments JSON.
    media_dir = get_settings().media_dir
    attached = {
        spec["code"]: attachments.write_document_attachments(spec, media_dir)
        for spec in specs
        if spec.get("attachments")
    }
    async with in_transaction():
        await _seed_domains(changes)
    await _seed_items(changes, progress)
    async with in_transaction():
        doc_ids = await _seed_documents(specs, attached, changes)
        item_ids = await _item_ids()
        await _seed_links(specs, doc_ids, item_ids, changes)
        await _seed_interpretations(specs, doc_ids, changes)
        await _index(changes, item_ids.values(), doc_ids.values())
    if changes.any:
        await cache.invalidate()
    return (
        f"catalogue: {len(data.domains())} domains, {len(item_ids)} items, {len(doc_ids)} "
        f"documents ({changes.domains} domains, {changes.items} items, {changes.documents} "
        f"documents, {changes.links} links, {changes.interpretations} interpretations changed)"
    )


__all__ = ["seed"]
