"""Full-text search over items and documents: FTS5 + bm25 on SQLite, tsvector + ts_rank on
PostgreSQL, both over the same jieba-segmented text in `catalogue_search`.

Other domains index their own texts here too (`register_kind`, `index_entries`): published
Q&A shows up in the residents' search beside items and documents, and staff search answered
questions with the same tokens and ranking (`ranked_refs`). A kind that is not public is
never part of `search()`'s answer.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
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


# Presents hits of an external kind: (ref ids, query words) → {ref_id: hit}; a hit has the
# keys of an item's hit ("type", "id", "title", "snippet", "domain_ids", "doc_no").
Presenter = Callable[[list[int], list[str]], Awaitable[dict[int, dict[str, Any]]]]
_kinds: dict[str, tuple[bool, Presenter | None]] = {ITEM: (True, None), DOCUMENT: (True, None)}


def register_kind(kind: str, *, public: bool, presenter: Presenter | None = None) -> None:
    """Let another domain index entries of `kind` (at most 16 characters) in this index."""
    if len(kind) > 16 or kind in (ITEM, DOCUMENT):
        raise ValueError(f"search kind {kind!r} is reserved or too long")
    _kinds[kind] = (public, presenter)


def public_kinds() -> tuple[str, ...]:
    return tuple(sorted(k for k, (public, _) in _kinds.items() if public))


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


async def index_entries(kind: str, rows: Iterable[tuple[int, Iterable[int], str, str]]) -> int:
    """(Re)index another domain's texts: rows of (ref_id, domain ids, title, body)."""
    if kind not in _kinds:
        raise ValueError(f"search kind {kind!r} is not registered")
    entries = [
        SearchEntry(
            kind=kind,
            ref_id=ref_id,
            domain_ids=_domain_field(domain_ids),
            title_tokens=text.index_tokens(title),
            body_tokens=text.index_tokens(body),
        )
        for ref_id, domain_ids, title, body in rows
    ]
    await _upsert(entries)
    return len(entries)


async def remove(kind: str, ref_ids: Iterable[int]) -> None:
    for ref_id in ref_ids:
        await SearchEntry.filter(kind=kind, ref_id=ref_id).delete()


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
    groups: list[tuple[str, ...]],
    domain_id: int | None,
    joiner: str,
    kinds: tuple[str, ...],
    limit: int = MAX_HITS,
) -> list[dict[str, Any]]:
    conn = connections.get("default")
    postgres = current_dialect() == "postgres"
    params: list[Any] = [_tsquery(groups, joiner) if postgres else _fts_match(groups, joiner)]

    def ph() -> str:
        return f"${len(params)}" if postgres else "?"

    if postgres:
        sql = (
            f"SELECT {_RANK_COLUMNS}, ts_rank(s.tsv, q) AS score "
            f"FROM to_tsquery('simple', $1) q, catalogue_search s {_DOC_JOIN} WHERE s.tsv @@ q"
        )
    else:
        sql = (
            f"SELECT {_RANK_COLUMNS}, bm25(catalogue_search_fts, {TITLE_WEIGHT}, 1.0) AS score "
            "FROM catalogue_search_fts JOIN catalogue_search s "
            f"ON s.id = catalogue_search_fts.rowid {_DOC_JOIN} "
            "WHERE catalogue_search_fts MATCH ?"
        )
    if domain_id is not None:
        params.append(f"%,{domain_id},%")
        sql += f" AND s.domain_ids LIKE {ph()}"
    marks = []
    for kind in kinds:
        params.append(kind)
        marks.append(ph())
    sql += f" AND s.kind IN ({', '.join(marks)})"
    order = "score DESC" if postgres else "score"
    sql += f" ORDER BY {order}, s.kind, s.ref_id LIMIT {int(limit)}"
    return list(await conn.execute_query_dict(sql, params))


async def ranked_refs(
    *, q: str, kinds: tuple[str, ...], domain_id: int | None = None, limit: int = 50
) -> list[tuple[str, int]]:
    """(kind, ref_id) of the best entries of these kinds for a query: all words, else any."""
    groups = text.query_terms(q)
    if not groups or not kinds:
        return []
    rows = await _ranked(groups, domain_id, "AND", kinds, limit)
    if not rows and len(groups) > 1:
        rows = await _ranked(groups, domain_id, "OR", kinds, limit)
    return [(str(r["kind"]), int(r["ref_id"])) for r in rows]


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
    kinds = public_kinds()
    if groups:
        ranked = await _ranked(groups, domain_id, "AND", kinds)
        if not ranked and len(groups) > 1:
            # No entry has every word: fall back to any word, still ranked.
            ranked = await _ranked(groups, domain_id, "OR", kinds)
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
    external = await _present_external(hits, words)
    out = []
    for kind, ref_id in hits:
        if (kind, ref_id) in external:
            out.append(external[(kind, ref_id)])
        elif kind == ITEM and ref_id in items:
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


async def _present_external(hits: list[Hit], words: list[str]) -> dict[Hit, dict[str, Any]]:
    """Hits of other domains' kinds, presented by the domain that registered the kind."""
    out: dict[Hit, dict[str, Any]] = {}
    by_kind: dict[str, list[int]] = {}
    for kind, ref_id in hits:
        if kind not in (ITEM, DOCUMENT):
            by_kind.setdefault(kind, []).append(ref_id)
    for kind, ids in by_kind.items():
        presenter = _kinds.get(kind, (False, None))[1]
        if presenter is None:
            continue
        for ref_id, hit in (await presenter(ids, words)).items():
            out[(kind, ref_id)] = hit
    return out
