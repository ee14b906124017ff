"""Articles: compose and edit (sanitised, within WeChat's limits), their versions and what they
link to (catalogue documents, domains, cover)."""

from __future__ import annotations

from typing import Any

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from gateway.audit import record_by
from gateway.clock import to_iso
from gateway.errors import Invalid, NotFound
from mini_program.catalogue import service as catalogue
from push import content as body_rules
from push.models import Article, ArticleImage
from push.schemas import ArticleCreate, ArticleUpdate
from push.service.common import StaffRef
from push.service.images import image_url

# What goes out to WeChat: a change to any of these is a new version that needs review again.
PUBLISHABLE = ("title", "author", "digest", "content", "cover_media_id", "source_url")


def publishable_fields(article: Article) -> dict[str, Any]:
    """Exactly the fields whose approval matters, as review hashes and plans freeze them."""
    return {name: getattr(article, name) or ("" if name != "cover_media_id" else None)
            for name in PUBLISHABLE}  # fmt: skip


def fields_hash(fields: dict[str, Any]) -> str:
    return body_rules.payload_hash(fields)


async def _check_links(
    *,
    cover_media_id: str | None,
    document_ids: list[int] | None,
    domain_ids: list[int] | None,
    content: str | None,
) -> None:
    """Field errors for a cover, documents, domains or body images that do not exist."""
    problems: dict[str, str] = {}
    if cover_media_id and not await ArticleImage.exists(id=cover_media_id):
        problems["cover_media_id"] = "封面图片不存在，请重新上传"
    if document_ids:
        missing = []
        for document_id in document_ids:
            try:
                await catalogue.get_document(document_id=document_id)
            except NotFound:
                missing.append(str(document_id))
        if missing:
            problems["document_ids"] = "没有这些文件：" + "、".join(missing)
    if domain_ids:
        known = {d["id"] for d in await catalogue.list_domains()}
        unknown = [str(i) for i in domain_ids if i not in known]
        if unknown:
            problems["domain_ids"] = "没有这些领域：" + "、".join(unknown)
    if content:
        wanted = body_rules.image_ids(content)
        found = set(
            await ArticleImage.filter(id__in=wanted).values_list("id", flat=True)
        ) if wanted else set()  # fmt: skip
        if len(found) < len(wanted):
            problems["content"] = "正文中有图片已不存在，请删除后重新插入"
    if problems:
        raise Invalid(fields=problems)


async def create_article(*, data: ArticleCreate, who: StaffRef) -> Article:
    """A new article (version 1, not yet submitted for review)."""
    await _check_links(
        cover_media_id=data.cover_media_id,
        document_ids=data.document_ids,
        domain_ids=data.domain_ids,
        content=data.content,
    )
    values = data.model_dump()
    async with in_transaction():
        article = Article(
            **values,
            version=1,
            content_hash="",
            created_by_id=who.id,
            created_by_name=who.name,
            updated_by_name=who.name,
        )
        article.content_hash = fields_hash(publishable_fields(article))
        await article.save()
        await record_by(
            who,
            action="push.article.create",
            target_type="push_article",
            target_id=article.id,
            detail={"title": article.title, "version": 1, "hash": article.content_hash[:16]},
        )
    return article


async def update_article(*, article_id: int, data: ArticleUpdate, who: StaffRef) -> Article:
    """Save an edit; a change to what would be sent makes a new version (review restarts)."""
    article = await get_article(article_id=article_id)
    changes = data.model_dump(exclude_unset=True)
    await _check_links(
        cover_media_id=changes.get("cover_media_id"),
        document_ids=changes.get("document_ids"),
        domain_ids=changes.get("domain_ids"),
        content=changes.get("content"),
    )
    before = publishable_fields(article)
    changed = [k for k, v in changes.items() if getattr(article, k) != v]
    if not changed:
        return article
    for key in changed:
        setattr(article, key, changes[key])
    after = publishable_fields(article)
    new_version = after != before
    async with in_transaction():
        if new_version:
            article.version += 1
            article.content_hash = fields_hash(after)
        article.updated_by_name = who.name
        await article.save()
        await record_by(
            who,
            action="push.article.update",
            target_type="push_article",
            target_id=article.id,
            detail={
                "changed": changed,
                "version": article.version,
                "hash": article.content_hash[:16],
            },
        )
    return article


async def get_article(*, article_id: int) -> Article:
    article = await Article.get_or_none(id=article_id) if 0 < article_id < 2**31 else None
    if article is None:
        raise NotFound("没有这篇文章", code="article_not_found")
    return article


async def article_for_broadcast(*, article_id: int) -> dict[str, str]:
    """An article's title and HTML body, for a loudspeaker script (broadcast/ reads it aloud
    after its own review, so the article's review state does not matter here)."""
    article = await get_article(article_id=article_id)
    return {"title": article.title, "body": article.content}


async def list_articles(
    *, q: str | None = None, page: int = 1, per_page: int = 20, ids: list[int] | None = None
) -> tuple[list[Article], int]:
    """Articles, most recently edited first; `q` searches titles and authors."""
    query = Article.all()
    if q:
        query = query.filter(Q(title__icontains=q) | Q(author__icontains=q))
    if ids is not None:
        query = query.filter(id__in=ids)
    total = await query.count()
    rows = await query.order_by("-updated_at", "-id").offset((page - 1) * per_page).limit(per_page)
    return rows, total


async def cover_url(image_id: str | None) -> str | None:
    if not image_id:
        return None
    image = await ArticleImage.get_or_none(id=image_id)
    return image_url(image.id, image.ext) if image else None


def article_to_dict(
    article: Article, *, review: dict[str, Any], cover: str | None, notice: str = ""
) -> dict[str, Any]:
    size = body_rules.measure(article.content)
    return {
        "id": article.id,
        "title": article.title,
        "author": article.author,
        "digest": article.digest,
        "content": article.content,
        "cover_media_id": article.cover_media_id,
        "cover_url": cover,
        "document_ids": list(article.document_ids or []),
        "domain_ids": list(article.domain_ids or []),
        "source_url": article.source_url,
        "version": article.version,
        "content_hash": article.content_hash,
        "review": review,
        "created_by": article.created_by_name,
        "updated_by": article.updated_by_name,
        "created_at": to_iso(article.created_at),
        "updated_at": to_iso(article.updated_at),
        "size": {"chars": size.chars, "bytes": size.bytes, "text_chars": size.text_chars},
        "notice": notice,
    }


async def linked_documents(article: Article) -> list[dict[str, Any]]:
    """The catalogue documents the article interprets (title, number), skipping removed ones."""
    out = []
    for document_id in article.document_ids or []:
        try:
            doc = await catalogue.get_document(document_id=document_id)
        except NotFound:
            continue
        out.append({"id": doc["id"], "title": doc["title"], "doc_no": doc.get("doc_no")})
    return out


async def linked_domains(article: Article) -> list[dict[str, Any]]:
    wanted = set(article.domain_ids or [])
    return [
        {"id": d["id"], "name": d["name"]}
        for d in await catalogue.list_domains()
        if d["id"] in wanted
    ]
