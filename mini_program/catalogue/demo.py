"""Seed the demo county catalogue in bulk; a second run changes nothing."""

from __future__ import annotations

from datetime import date
from typing import Any

from tortoise import connections
from tortoise.transactions import in_transaction

from gateway.config import get_settings
from gateway.db import placeholders
from mini_program.catalogue import attachments, cache, search, text
from mini_program.catalogue.data.documents import DOCUMENTS
from mini_program.catalogue.data.domains import DOMAINS
from mini_program.catalogue.data.items import ITEMS
from mini_program.catalogue.models import (
    CatalogueItem,
    Domain,
    Interpretation,
    PolicyDocument,
    SearchEntry,
    Validity,
)

CN_NUMBERS = "一二三四五六七八九十"


def _cn_date(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def _flags(flags: str) -> dict[str, bool]:
    return {
        "audience_all": "全" in flags,
        "audience_specific": "特" in flags,
        "mode_active": "主" in flags,
        "mode_on_request": "依" in flags,
        "level_county": "县" in flags,
        "level_town": "乡" in flags,
    }


def _body(doc: dict[str, Any]) -> str:
    paras = doc["paras"]
    if not doc["normative"] or "purpose" not in doc:
        return "\n".join(paras)
    kind = doc.get("kind", "办法")
    effective = date.fromisoformat(doc.get("effective") or doc["published"])
    lead = f"为{doc['purpose']}，根据有关法律法规和政策规定，结合我县实际，制定本{kind}。"
    numbered = [f"{CN_NUMBERS[i]}、{p}" for i, p in enumerate(paras[:10])]
    issuer = doc["issuer"].split("、")[0]
    tail = (
        f"{CN_NUMBERS[len(numbered)]}、本{kind}自{_cn_date(effective)}起施行，由{issuer}负责解释。"
    )
    return "\n".join([lead, *numbered, tail])


def _interpretation(doc: dict[str, Any]) -> tuple[str, str] | None:
    if doc.get("interp"):
        return doc["interp"]
    # Normative 办法/细则 of the county get a short written interpretation (文字解读).
    if doc["normative"] and doc.get("kind") in ("办法", "细则") and doc["published"] >= "2026":
        short = (
            doc["title"].split("《")[-1].split("》")[0] if "《" in doc["title"] else doc["title"]
        )
        points = "；".join(p.split("。")[0] for p in doc["paras"][:3])
        effective = date.fromisoformat(doc.get("effective") or doc["published"])
        return (
            f"《{short}》政策解读",
            f"一、制定目的。{doc['purpose']}。\n二、主要内容。{points}。\n"
            f"三、施行时间。自{_cn_date(effective)}起施行。"
            f"如有疑问，可咨询{doc['issuer'].split('、')[0]}。",
        )
    return None


def _changed(obj: Any, values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if getattr(obj, k) != v}


async def seed(*, progress: Any = None) -> str:
    """Load the 28 domains, their items and the policy documents behind them (idempotent)."""
    changed_items: set[int] = set()
    changed_docs: set[int] = set()
    counts = {"domains": 0, "items": 0, "documents": 0, "links": 0, "interpretations": 0}
    # Attachment files first: their real sizes go into the documents' attachments JSON.
    media_dir = get_settings().media_dir
    attached = {
        spec["code"]: attachments.write_document_attachments(spec, media_dir)
        for spec in DOCUMENTS
        if spec.get("attachments")
    }
    async with in_transaction():
        # Domains, by code.
        domains = {d.code: d for d in await Domain.all()}
        new_domains = []
        for order, (code, name, is_local, *_rest) in enumerate(DOMAINS, start=1):
            values = {"name": name, "is_local": is_local, "sort_order": order}
            domain = domains.get(code)
            if domain is None:
                new_domains.append(Domain(code=code, **values))
            elif diff := _changed(domain, values):
                await Domain.filter(id=domain.id).update(**diff)
                counts["domains"] += 1
        if new_domains:
            await Domain.bulk_create(new_domains)
            counts["domains"] += len(new_domains)
            domains = {d.code: d for d in await Domain.all()}

        # Items, by (domain, 一级事项, 二级事项).
        existing = {
            (i.domain_id, i.level1, i.level2): i  # type: ignore[attr-defined]
            for i in await CatalogueItem.all()
        }
        new_items = []
        for code, _name, _local, subject, basis, channels in DOMAINS:
            domain_id = domains[code].id
            for order, (level1, level2, content, time_limit, flags) in enumerate(ITEMS[code]):
                values = {
                    "content": content,
                    "basis": basis,
                    "time_limit": time_limit,
                    "subject": subject,
                    "channels": channels,
                    "sort_order": (order + 1) * 10,
                    **_flags(flags),
                }
                item = existing.get((domain_id, level1, level2))
                if item is None:
                    new_items.append(
                        CatalogueItem(domain_id=domain_id, level1=level1, level2=level2, **values)
                    )
                elif diff := _changed(item, values):
                    await CatalogueItem.filter(id=item.id).update(**diff)
                    changed_items.add(item.id)
        if new_items:
            await CatalogueItem.bulk_create(new_items, batch_size=200)
            counts["items"] += len(new_items)
        counts["items"] += len(changed_items)
        item_ids = {
            (domain_code, i.level2): i.id
            for domain_code, domain in domains.items()
            for i in await CatalogueItem.filter(domain_id=domain.id).only("id", "level2")
        }
        if new_items:
            changed_items.update(item_ids.values())

        # Documents, by code.
        docs = {d.code: d for d in await PolicyDocument.all()}
        new_docs = []
        for spec in DOCUMENTS:
            doc_no = text.canonical_doc_no(spec["doc_no"]) if spec.get("doc_no") else None
            published = date.fromisoformat(spec["published"])
            values = {
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
                "body": _body(spec),
                "attachments": attached.get(spec["code"], []),
            }
            doc = docs.get(spec["code"])
            if doc is None:
                new_docs.append(PolicyDocument(code=spec["code"], **values))
            elif diff := _changed(doc, values):
                await PolicyDocument.filter(id=doc.id).update(**diff)
                changed_docs.add(doc.id)
        if new_docs:
            await PolicyDocument.bulk_create(new_docs, batch_size=100)
            counts["documents"] += len(new_docs)
        counts["documents"] += len(changed_docs)
        doc_ids = dict(await PolicyDocument.all().values_list("code", "id"))
        if new_docs:
            changed_docs.update(doc_ids[d.code] for d in new_docs)

        # Links between documents and items.
        conn = connections.get("default")
        have = {
            (r["document_id"], r["item_id"])
            for r in await conn.execute_query_dict(
                "SELECT document_id, item_id FROM catalogue_document_item"
            )
        }
        want = {
            (doc_ids[spec["code"]], item_ids[tuple(link)])
            for spec in DOCUMENTS
            for link in spec["items"]
        }
        missing = sorted(want - have)
        if missing:
            marks = placeholders(2)
            for pair in missing:
                await conn.execute_query(
                    f"INSERT INTO catalogue_document_item (document_id, item_id) VALUES ({marks})",
                    list(pair),
                )
            changed_docs.update(d for d, _ in missing)
            counts["links"] = len(missing)

        # Interpretations, by code.
        interps = {i.code: i for i in await Interpretation.all()}
        new_interps = []
        for spec in DOCUMENTS:
            found = _interpretation(spec)
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
            interp = interps.get(code)
            if interp is None:
                new_interps.append(Interpretation(code=code, **values))
                changed_docs.add(doc_ids[spec["code"]])
            elif diff := _changed(interp, values):
                await Interpretation.filter(id=interp.id).update(**diff)
                changed_docs.add(doc_ids[spec["code"]])
                counts["interpretations"] += 1
        if new_interps:
            await Interpretation.bulk_create(new_interps)
            counts["interpretations"] += len(new_interps)

        # Search index: only what changed, plus anything never indexed.
        indexed = set(await SearchEntry.all().values_list("kind", "ref_id"))
        changed_items.update(i for i in item_ids.values() if (search.ITEM, i) not in indexed)
        changed_docs.update(d for d in doc_ids.values() if (search.DOCUMENT, d) not in indexed)
        await search.index_items(changed_items)
        await search.index_documents(changed_docs)

    if any(counts.values()) or changed_items or changed_docs:
        await cache.invalidate()
    return (
        f"catalogue: {len(DOMAINS)} domains, {len(item_ids)} items, {len(doc_ids)} documents "
        f"({counts['domains']} domains, {counts['items']} items, {counts['documents']} documents, "
        f"{counts['links']} links, {counts['interpretations']} interpretations changed)"
    )
