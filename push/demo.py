"""The demo county's policy articles (one per review state, one interpreting a catalogue
document), a plan of deliveries across accounts in the coming week, and a saved group.

Data in demo/articles.json. Idempotent: articles are found by title, the plan by its key, the
group by its name; nothing that exists is changed.
"""

from __future__ import annotations

import asyncio
import io
import json
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFont

from gateway import review
from gateway.auth.models import StaffUser
from gateway.clock import SHANGHAI, local_date
from gateway.clock import now as clock_now
from mini_program.catalogue import service as catalogue
from push.models import AccountGroup, Article, ArticleImage, PushPlan
from push.schemas import ArticleCreate, DeliveryIn, GroupCreate, PlanCreate
from push.service import accounts, approval, articles, images, plans
from push.service.common import StaffRef

DATA = Path(__file__).resolve().parent / "demo" / "articles.json"
REVIEWERS = ("reviewer", "reviewer2", "reviewer3")


def _picture(text: str, size: tuple[int, int], background: tuple[int, int, int]) -> bytes:
    img = Image.new("RGB", size, background)
    draw = ImageDraw.Draw(img)
    if images.FONT_PATH.is_file():
        font = ImageFont.truetype(str(images.FONT_PATH), max(28, size[1] // 7), index=0)
        box = draw.textbbox((0, 0), text, font=font)
        draw.text(
            ((size[0] - (box[2] - box[0])) // 2, (size[1] - (box[3] - box[1])) // 2),
            text,
            font=font,
            fill=(255, 255, 255),
        )
    out = io.BytesIO()
    img.save(out, format="JPEG", quality=85)
    return out.getvalue()


async def _image(text: str, size: tuple[int, int], colour: tuple[int, int, int]) -> ArticleImage:
    data = await asyncio.to_thread(_picture, text, size, colour)
    return await images.store_image(data=data, filename="demo.jpg", who=StaffRef.system())


async def _staff(username: str) -> StaffRef | None:
    user = await StaffUser.get_or_none(username=username)
    return StaffRef(id=user.id, name=user.username) if user else None


async def _document_id(doc_no: str | None) -> list[int]:
    if not doc_no:
        return []
    found = await catalogue.list_documents(doc_no=doc_no, page=1, page_size=1)
    return [found["items"][0]["id"]] if found["items"] else []


async def _domain_ids(names: list[str]) -> list[int]:
    wanted = set(names)
    return [d["id"] for d in await catalogue.list_domains() if d["name"] in wanted]


async def _article(spec: dict[str, Any], editor: StaffRef) -> Article:
    existing = await Article.get_or_none(title=spec["title"])
    if existing is not None:
        return existing
    body = "".join(spec["content"])
    if spec.get("figure"):
        picture = await _image(spec["figure"], (900, 300), (31, 95, 174))
        url = images.image_url(picture.id, picture.ext)
        body = body.replace("{figure}", f'<p><img src="{url}" alt="{spec["figure"]}"></p>')
    cover = None
    if spec.get("cover"):
        cover = (await _image(spec["cover"], (900, 383), (179, 38, 30))).id
    data = ArticleCreate(
        title=spec["title"],
        author=spec["author"],
        digest=spec["digest"],
        content=body,
        cover_media_id=cover,
        document_ids=await _document_id(spec.get("document")),
        domain_ids=await _domain_ids(spec["domains"]),
        source_url=spec["source_url"],
    )
    article = await articles.create_article(data=data, who=editor)
    await _review(article, spec["review"], editor)
    return article


async def _review(article: Article, wanted: dict[str, Any], editor: StaffRef) -> None:
    state = wanted["state"]
    if state == "draft":
        return
    item = approval.reviewable(article)
    await review.submit(item=item, actor=approval.review_actor(editor), note="请审核")
    signed = len(REVIEWERS) if state == "approved" else int(wanted.get("signed", 0))
    for username in REVIEWERS[:signed]:
        who = await _staff(username)
        if who is None:
            return
        await review.sign(item=item, actor=approval.review_actor(who), decision="approve")
    if state == "rejected":
        who = await _staff(REVIEWERS[signed])
        if who is not None:
            await review.sign(
                item=item,
                actor=approval.review_actor(who),
                decision="reject",
                comment=wanted.get("comment", "请修改后重新送审"),
            )


async def _plan(article: Article, spec: dict[str, Any], editor: StaffRef) -> bool:
    if await PushPlan.exists(key=spec["key"]):
        return False
    known = await accounts.accounts_by_code(include_inactive=False)
    today = local_date(clock_now())
    deliveries = []
    for item in spec["deliveries"]:
        if item["account"] not in known:
            continue
        hour, minute = (int(x) for x in item["time"].split(":"))
        day = today + timedelta(days=int(item["day"]))
        at = datetime.combine(day, time(hour, minute), SHANGHAI)
        deliveries.append(
            DeliveryIn(account=item["account"], at=at, mode=item["mode"], title=item.get("title"))
        )
    if not deliveries:
        return False
    data = PlanCreate(
        article_id=article.id,
        key=spec["key"],
        notify_followers=spec["notify_followers"],
        deliveries=deliveries,
    )
    await plans.create_plan(data=data, who=editor)
    return True


async def seed(*, progress: Any = None) -> str:
    """Load the demo articles, their reviews, a plan for the coming week and a saved group."""
    editor = await _staff("editor")
    if editor is None:
        return "push: no demo editor (staff not seeded); skipped"
    spec = json.loads(DATA.read_text(encoding="utf-8"))
    made_plans = 0
    for item in spec["articles"]:
        article = await _article(item, editor)
        if item.get("plan") and await approval.approved_fields(article) is not None:
            made_plans += int(await _plan(article, item["plan"], editor))
    made_groups = 0
    for group in spec["groups"]:
        if not await AccountGroup.exists(name=group["name"]):
            await accounts.create_group(data=GroupCreate(**group), who=editor)
            made_groups += 1
    return (
        f"push: {len(spec['articles'])} demo articles, {made_plans} new plan(s), "
        f"{made_groups} new group(s)"
    )
