"""Multi-level review (三审): one implementation for every kind of reviewed content.

Articles (push, 3 levels: 初审, 复审, 终审) and loudspeaker scripts (broadcast, 2 levels) attach
it; so can anything else. The rules, in short: a version is submitted; each level is signed in
order by a reviewer who is neither its author nor its submitter and who has not signed another
level of the same version (403 otherwise); a rejection (with a comment) returns it to the
author; an edit (a new version) starts the review again; only a fully approved version is
approved, and its content hash is kept so that what goes out can be checked against it. Every
step is in the audit log (`review.submit`, `review.approve`, `review.reject`,
`review.restart`) and in the content's review history.

Levels are a setting per kind: `APP_REVIEW_LEVELS_<KIND>` (e.g.
`APP_REVIEW_LEVELS_ARTICLE=初审,复审,终审`, or a number of levels), else the registered
default. A round keeps the level names it started with.

Attaching it to a domain (here push's articles):

    # push/review.py
    from gateway.review import Reviewable, ReviewRoutes, content_hash, register_kind

    register_kind("article", label="文章", levels=("初审", "复审", "终审"))

    async def load_for_review(article_id: int, staff: StaffUser) -> Reviewable:
        article = await service.get_article(article_id=article_id)      # NotFound → 404
        return Reviewable(
            kind="article",
            object_id=article.id,
            version=article.version,                  # +1 at every saved edit
            content_hash=content_hash(article.publishable_fields()),
            author_id=article.author_id,
            snapshot=article.publishable_fields(),    # optional: kept with the round
        )

    reviews = ReviewRoutes(
        kind="article",
        path="/articles/<article_id:int>",
        load=load_for_review,
        submit_permission="push.write",
        review_permission="push.review",
    )

    # push/api.py  (bp = Blueprint("push_api", url_prefix="/api/v1/admin"))
    reviews.add_api(bp)
    #   POST /api/v1/admin/articles/{id}/submit   {"version"?, "note"?}         → 201 {"review"}
    #   POST /api/v1/admin/articles/{id}/review   {"decision", "comment", "version"?, "level"?}
    #                                                                             → {"review"}
    #   GET  /api/v1/admin/articles/{id}/review   → {"review", "history"}

    # push/pages.py  (bp = Blueprint("push_console", url_prefix="/console"))
    reviews.add_console(bp, page_url=lambda article_id: f"/console/articles/{article_id}")
    ...
    context = await reviews.panel(request, bp, await load_for_review(article_id, staff))
    return render(request, "push/article.html", article=article, **context)
    # and in push/article.html:  {% include "review/_review.html" %}

    # push/service.py, after saving an edit (in the same transaction):
    article.version += 1
    await article.save()
    await review.on_edit(item=await load_for_review(...), actor=Actor(id, name, ip))

    # Before scheduling / at dispatch: exactly the approved content goes out.
    if not await review.is_approved(kind="article", object_id=a.id, version=a.version,
                                    content_hash=content_hash(a.publishable_fields())):
        raise Invalid(fields={"article_id": "文章尚未通过全部审核"})
    approved = await review.approved_version(kind="article", object_id=a.id)  # hash, snapshot

Service functions (all keyword-only): `submit`, `sign`, `state`, `statuses` (many objects at
once, for lists), `history`, `on_edit`, `is_approved`, `approved_version`, `pending_for` (a
reviewer's queue). Errors are the gateway's `Conflict` (409: already in review, level just
signed by someone else, version changed, nothing to sign) and `Forbidden` (403: own content,
another level of the same version already signed by this reviewer).
"""

from gateway.review import service
from gateway.review.kinds import levels_for, register_kind
from gateway.review.routes import ReviewRoutes
from gateway.review.schemas import ReviewBody, ReviewState, SubmitBody
from gateway.review.service import (
    Actor,
    ApprovedVersion,
    Reviewable,
    approved_version,
    content_hash,
    history,
    is_approved,
    on_edit,
    pending_for,
    sign,
    state,
    statuses,
    submit,
)

__all__ = [
    "Actor",
    "ApprovedVersion",
    "ReviewBody",
    "ReviewRoutes",
    "ReviewState",
    "Reviewable",
    "SubmitBody",
    "approved_version",
    "content_hash",
    "history",
    "is_approved",
    "levels_for",
    "on_edit",
    "pending_for",
    "register_kind",
    "service",
    "sign",
    "state",
    "statuses",
    "submit",
]
