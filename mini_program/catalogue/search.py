"""Full-text search over items and documents: FTS5 + bm25 on SQLite, tsvector + ts_rank on
PostgreSQL, both over the same jieba-segmented text in `catalogue_search`."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from tortoise import connections

from gateway.db import current_dialect, placeholders
from mini_program.catalogue import text
from mini_program.catalogue.models import (
    CatalogueItem,
    Interpretation,
    PolicyDocument,
    SearchEntry,
    Validity,
)

ITEM, DOCUMENT = "item", "document"
MAX_HITS = 500
TITLE_WEIGHT = 10.0


def _domain_field(ids: Iterable[int]) -> str:
    return "," + "".join(f"{i}," for i in sorted(set(ids)))


async def _upsert(entries: list[SearchEntry]) -> None:
    if not entries:
        return
    kind = entries[0].kind
    existing = {
        ref: pk
        for pk, ref in await SearchEntry.filter(
            kind=kind, ref_id__in=[e.ref_id for e in entries]
        ).values_list("id", "ref_id")
    }
    new = [e for e in entries if e.ref_id not in existing]
    for e in entries:
        if e.ref_id in existing:
            # Row-by-row so the FTS triggers see each update.
            await SearchEntry.filter(id=existing[e.ref_id]).update(
                domain_ids=e.domain_ids, title_tokens=e.title_tokens, body_tokens=e.body_tokens
            )
    if new:
        await SearchEntry.bulk_create(new, batch_size=200)


async def index_items(item_ids: Iterable[int]) -> int:
    """(Re)build the index rows of these items."""
    ids = list(set(item_ids))
    if not ids:
        return 0
    rows = await CatalogueItem.filter(id__in=ids).values(
        "id", "domain_id", "level1", "level2", "content", "basis", "subject", "channels"
    )
    entries = [
        SearchEntry(
            kind=ITEM,
            ref_id=r["id"],
            domain_ids=_domain_field([r["domain_id"]]),
            title_tokens=text.index_tokens(f"{r['level1']} {r['level2']}"),
            body_tokens=text.index_tokens(
                " ".join((r["content"], r["basis"], r["subject"], r["channels"]))
            ),
        )
        for r in rows
    ]
    await _upsert(entries)
    return len(entries)


async def index_documents(document_ids: Iterable[int]) -> int:
    """(Re)build the index rows of these documents (with their interpretations)."""
    ids = list(set(document_ids))
    if not ids:
        return 0
    docs = await PolicyDocument.filter(id__in=ids).values("id", "title", "doc_no", "issuer", "body")
    links = await _doc_domains(ids)
    interps: dict[int, list[str]] = {}
    for doc_id, title, body in await Interpretation.filter(document_id__in=ids).values_list(
        "document_id", "title", "body"
    ):
        interps.setdefault(doc_id, []).extend((title, body))
    entries = []
    for d in docs:
        doc_no = d["doc_no"] or ""
        entries.append(
            SearchEntry(
                kind=DOCUMENT,
                ref_id=d["id"],
                domain_ids=_domain_field(links.get(d["id"], [])),
                title_tokens=text.index_tokens(f"{d['title']} {doc_no}"),
                body_tokens=text.index_tokens(
                    " ".join([doc_no, d["issuer"], d["body"], *interps.get(d["id"], [])])
                ),
            )
        )
    await _upsert(entries)
    return len(entries)


async def _doc_domains(doc_ids: list[int]) -> dict[int, list[int]]:
    conn = connections.get("default")
    rows = await conn.execute_query_dict(
        "SELECT l.document_id AS doc_id, i.domain_id AS domain_id "
        "FROM catalogue_document_item l JOIN catalogue_item i ON i.id = l.item_id "
        f"WHERE l.document_id IN ({placeholders(len(doc_ids))})",
        doc_ids,
    )
    out: dict[int, list[int]] = {}
    for r in rows:
        out.setdefault(r["doc_id"], []).append(r["domain_id"])
    return out


def _fts_match(groups: list[tuple[str, ...]], joiner: str) -> str:
    def quote(t: str) -> str:
        return '"' + t.replace('"', '""') + '"'

    parts = []
    for group in groups:
        alts = " OR ".join(quote(t) for t in group)
        parts.append(f"({alts})" if len(group) > 1 else alts)
    return f" {joiner} ".join(parts)


def _tsquery(groups: list[tuple[str, ...]], joiner: str) -> str:
    def quote(t: str) -> str:
        return "'" + t.replace("\\", "\\\\").replace("'", "''") + "'"

    parts = []
    for group in groups:
        alts = " | ".join(quote(t) for t in group)
        parts.append(f"({alts})" if len(group) > 1 else alts)
    return f" {'&' if joiner == 'AND' else '|'} ".join(parts)


# One ranked row: (kind, ref_id) plus what presenting and ordering it needs, fetched by the
# ranking query itself so a search costs three round trips to the database, not seven.
Hit = tuple[str, int]
_RANK_COLUMNS = "s.kind, s.ref_id, s.domain_ids, COALESCE(d.validity, '') AS validity"
_DOC_JOIN = f"LEFT JOIN catalogue_document d ON s.kind = '{DOCUMENT}' AND d.id = s.ref_id"


async def _ranked(
    groups: list[tuple[str, ...]], domain_id: int | None, joiner: str
) -> list[dict[str, Any]]:
    conn = connections.get("default")
    params: list[Any] = []
    if current_dialect() == "postgres":
        params.append(_tsquery(groups, joiner))
        sql = (
            f"SELECT {_RANK_COLUMNS}, ts_rank(s.tsv, q) AS score "
            f"FROM to_tsquery('simple', $1) q, catalogue_search s {_DOC_JOIN} WHERE s.tsv @@ q"
        )
        if domain_id is not None:
            params.append(f"%,{domain_id},%")
            sql += " AND s.domain_ids LIKE $2"
        sql += f" ORDER BY score DESC, s.kind, s.ref_id LIMIT {MAX_HITS}"
    else:
        params.append(_fts_match(groups, joiner))
        sql = (
            f"SELECT {_RANK_COLUMNS}, bm25(catalogue_search_fts, {TITLE_WEIGHT}, 1.0) AS score "
            "FROM catalogue_search_fts JOIN catalogue_search s "
            f"ON s.id = catalogue_search_fts.rowid {_DOC_JOIN} "
            "WHERE catalogue_search_fts MATCH ?"
        )
        if domain_id is not None:
            params.append(f"%,{domain_id},%")
            sql += " AND s.domain_ids LIKE ?"
        sql += f" ORDER BY score, s.kind, s.ref_id LIMIT {MAX_HITS}"
    return list(await conn.execute_query_dict(sql, params))


async def _doc_number_hits(q: str, domain_id: int | None) -> list[dict[str, Any]]:
    """Documents whose 文号 the query names, in the same shape as ranked rows."""
    rows: list[dict[str, Any]] = []
    for prefix, year, number in text.doc_numbers_in(q):
        for doc_id, key, validity in await PolicyDocument.filter(
            doc_no_key__endswith=f"{year}-{number}"
        ).values_list("id", "doc_no_key", "validity"):
            if prefix.endswith(key.rsplit(year, 1)[0]):
                rows.append({"kind": DOCUMENT, "ref_id": doc_id, "validity": str(validity)})
    if not rows:
        return rows
    domains = dict(
        await SearchEntry.filter(kind=DOCUMENT, ref_id__in=[r["ref_id"] for r in rows]).values_list(
            "ref_id", "domain_ids"
        )
    )
    for r in rows:
        r["domain_ids"] = domains.get(r["ref_id"], ",")
    if domain_id is not None:
        rows = [r for r in rows if f",{domain_id}," in r["domain_ids"]]
    return rows


async def search(
    *, q: str, domain_id: int | None = None, page: int = 1, page_size: int = 20
) -> dict[str, Any]:
    """Ranked hits for a free-text query, with highlighted titles and snippets."""
    groups = text.query_terms(q)
    rows = await _doc_number_hits(q, domain_id)
    if groups:
        ranked = await _ranked(groups, domain_id, "AND")
        if not ranked and len(groups) > 1:
            # No entry has every word: fall back to any word, still ranked.
            ranked = await _ranked(groups, domain_id, "OR")
        rows += ranked
    # One row per hit, the best-ranked first; documents no longer in force go after the rest.
    seen: set[Hit] = set()
    unique = []
    for r in rows:
        hit = (r["kind"], int(r["ref_id"]))
        if hit not in seen:
            seen.add(hit)
            unique.append(r)
    stale = {Validity.EXPIRED.value, Validity.REPEALED.value}
    unique.sort(key=lambda r: r["kind"] == DOCUMENT and r["validity"] in stale)
    total = len(unique)
    page_rows = unique[(page - 1) * page_size : page * page_size]
    words = [w for group in groups for w in group]
    words += [text.canonical_doc_no(f"{p}〔{y}〕{n}号") for p, y, n in text.doc_numbers_in(q)]
    return {
        "q": q[: text.MAX_QUERY_CHARS],
        "items": await _present(page_rows, words),
        "page": page,
        "page_size": page_size,
        "total": total,
    }


async def _present(rows: list[dict[str, Any]], words: list[str]) -> list[dict[str, Any]]:
    hits = [(r["kind"], int(r["ref_id"])) for r in rows]
    item_ids = [i for k, i in hits if k == ITEM]
    doc_ids = [i for k, i in hits if k == DOCUMENT]
    items = {
        r["id"]: r
        for r in await CatalogueItem.filter(id__in=item_ids).values(
            "id", "domain_id", "level1", "level2", "content"
        )
    }
    docs = {
        r["id"]: r
        for r in await PolicyDocument.filter(id__in=doc_ids).values(
            "id", "title", "doc_no", "issuer", "body"
        )
    }
    domains = {
        hit: [int(x) for x in str(r["domain_ids"]).strip(",").split(",") if x]
        for hit, r in zip(hits, rows, strict=True)
    }
    out = []
    for kind, ref_id in hits:
        if kind == ITEM and ref_id in items:
            r = items[ref_id]
            out.append(
                {
                    "type": ITEM,
                    "id": ref_id,
                    "title": text.highlight(f"{r['level1']}·{r['level2']}", words),
                    "snippet": text.highlight(r["content"], words, width=80),
                    "domain_ids": [r["domain_id"]],
                    "doc_no": None,
                }
            )
        elif kind == DOCUMENT and ref_id in docs:
            r = docs[ref_id]
            out.append(
                {
                    "type": DOCUMENT,
                    "id": ref_id,
                    "title": text.highlight(r["title"], words),
                    "snippet": text.highlight(
                        f"{r['doc_no']}　{r['body']}" if r["doc_no"] else r["body"], words, width=80
                    ),
                    "domain_ids": domains.get((kind, ref_id), []),
                    "doc_no": r["doc_no"],
                    "issuer": r["issuer"],
                }
            )
    return out
