"""Multi-level review on its own (gateway.review), through a test-only kind of content."""

from __future__ import annotations

import asyncio
import itertools
import uuid

import pytest

from gateway.audit import AuditRecord
from gateway.errors import Conflict, Forbidden
from gateway.review import (
    Actor,
    Reviewable,
    approved_version,
    content_hash,
    history,
    is_approved,
    levels_for,
    on_edit,
    pending_for,
    register_kind,
    sign,
    state,
    statuses,
    submit,
)
from gateway.review.models import ReviewRound, ReviewSignature

pytestmark = pytest.mark.usefixtures("db")

KIND = "testdoc"
TWO = "testdoc2"
register_kind(KIND, label="测试文稿", levels=("初审", "复审", "终审"))
register_kind(TWO, label="测试广播稿", levels=("初审", "终审"))

_ids = itertools.count(9_000_000 + uuid.uuid4().int % 1_000_000)
AUTHOR = Actor(id=next(_ids), name="author", ip="10.0.0.1")
A, B, C, D, E = (
    Actor(id=next(_ids), name=n) for n in ("rev_a", "rev_b", "rev_c", "rev_d", "rev_e")
)


def doc(
    body: str = "关于秋季学期义务教育招生的通知", *, version: int = 1, kind: str = KIND
) -> Reviewable:
    return Reviewable(
        kind=kind,
        object_id=uuid.uuid4().hex[:12],
        version=version,
        content_hash=content_hash({"body": body}),
        author_id=AUTHOR.id,
        snapshot={"body": body},
    )


def edited(item: Reviewable, body: str) -> Reviewable:
    return Reviewable(
        kind=item.kind,
        object_id=item.object_id,
        version=item.version + 1,
        content_hash=content_hash({"body": body}),
        author_id=item.author_id,
        snapshot={"body": body},
    )


async def test_three_different_reviewers_approve_a_version_level_by_level() -> None:
    item = doc()
    submitted = await submit(item=item, actor=AUTHOR, note="请审核")
    assert submitted.status == "in_review"
    assert [lv.name for lv in submitted.levels] == ["初审", "复审", "终审"]
    assert submitted.current_level is not None
    assert submitted.current_level.name == "初审"

    after_first = await sign(item=item, actor=A, decision="approve", comment="同意")
    assert [lv.state for lv in after_first.levels] == ["approved", "current", "waiting"]
    assert after_first.levels[0].reviewer == "rev_a"
    await sign(item=item, actor=B, decision="approve")
    done = await sign(item=item, actor=C, decision="approve", comment="可以发布")

    assert done.status == "approved"
    assert done.status_label == "已通过"
    assert done.current_level is None
    assert await is_approved(
        kind=KIND, object_id=item.object_id, version=1, content_hash=item.content_hash
    )
    # What goes out must be exactly what was approved: another text is not approved.
    assert not await is_approved(
        kind=KIND, object_id=item.object_id, version=1, content_hash=content_hash({"body": "x"})
    )
    approved = await approved_version(kind=KIND, object_id=item.object_id)
    assert approved is not None
    assert (approved.version, approved.content_hash) == (1, item.content_hash)
    assert approved.snapshot == {"body": "关于秋季学期义务教育招生的通知"}

    steps = await history(kind=KIND, object_id=item.object_id)
    assert [(s.action, s.level_name, s.actor) for s in steps] == [
        ("submitted", "", "author"),
        ("approved", "初审", "rev_a"),
        ("approved", "复审", "rev_b"),
        ("approved", "终审", "rev_c"),
    ]
    audit = await AuditRecord.filter(target_type=KIND, target_id=item.key).order_by("id")
    assert [r.action for r in audit] == [
        "review.submit",
        "review.approve",
        "review.approve",
        "review.approve",
    ]
    assert audit[0].ip == "10.0.0.1"
    assert audit[-1].detail["level_name"] == "终审"
    assert audit[-1].detail["version"] == 1


async def test_the_author_cannot_sign_their_own_content() -> None:
    item = doc()
    await submit(item=item, actor=AUTHOR)
    with pytest.raises(Forbidden) as refused:
        await sign(item=item, actor=AUTHOR, decision="approve")
    assert refused.value.code == "review_own_content"
    assert refused.value.message == "不能审核自己撰写或送审的内容"
    assert refused.value.status == 403
    assert await ReviewSignature.filter(round__object_id=item.key).count() == 0


async def test_whoever_submitted_someone_elses_content_cannot_sign_it_either() -> None:
    item = doc()
    await submit(item=item, actor=D)
    with pytest.raises(Forbidden):
        await sign(item=item, actor=D, decision="approve")


async def test_one_reviewer_cannot_sign_two_levels_of_the_same_version() -> None:
    item = doc()
    await submit(item=item, actor=AUTHOR)
    await sign(item=item, actor=A, decision="approve")
    with pytest.raises(Forbidden) as refused:
        await sign(item=item, actor=A, decision="approve")
    assert refused.value.code == "review_already_signed"
    assert "初审" in refused.value.message
    assert (await state(item=item)).current_level.name == "复审"  # type: ignore[union-attr]


async def test_a_rejection_returns_the_content_to_its_author_with_the_comment() -> None:
    item = doc()
    await submit(item=item, actor=AUTHOR)
    await sign(item=item, actor=A, decision="approve")
    returned = await sign(item=item, actor=B, decision="reject", comment="第二段引用的文号有误")

    assert returned.status == "rejected"
    assert returned.status_label == "已退回"
    assert returned.comment == "第二段引用的文号有误"
    assert [lv.state for lv in returned.levels] == ["approved", "rejected", "waiting"]
    with pytest.raises(Conflict) as closed:
        await sign(item=item, actor=C, decision="approve")
    assert closed.value.code == "review_not_pending"
    assert "退回" in closed.value.message
    assert not await is_approved(
        kind=KIND, object_id=item.object_id, version=1, content_hash=item.content_hash
    )
    queue = await pending_for(actor=C, kind=KIND)
    assert item.key not in [q["object_id"] for q in queue]


async def test_resubmitting_the_same_version_keeps_each_reviewer_on_one_level() -> None:
    item = doc()
    await submit(item=item, actor=AUTHOR)
    await sign(item=item, actor=A, decision="approve")
    await sign(item=item, actor=B, decision="reject", comment="请核实数据")
    again = await submit(item=item, actor=AUTHOR, note="已核实，数据无误")
    assert again.status == "in_review"
    assert again.current_level.name == "初审"

    # A signed 初审 of this version before: A may sign 初审 again, but not 复审.
    await sign(item=item, actor=A, decision="approve")
    with pytest.raises(Forbidden):
        await sign(item=item, actor=A, decision="approve")
    # B rejected at 复审 in the first round and may sign 复审 again.
    await sign(item=item, actor=B, decision="approve")
    assert (await sign(item=item, actor=C, decision="approve")).status == "approved"


async def test_an_edit_after_a_signature_starts_the_review_again() -> None:
    item = doc("原稿")
    await submit(item=item, actor=AUTHOR)
    await sign(item=item, actor=A, decision="approve")

    new = edited(item, "修改后的稿件")
    assert await on_edit(item=new, actor=AUTHOR)
    current = await state(item=new)
    assert current.status == "draft"
    assert current.changed_since_review
    assert all(lv.state == "waiting" for lv in current.levels)
    # The old version's round is closed: nothing to sign until the new version is submitted.
    with pytest.raises(Conflict):
        await sign(item=new, actor=B, decision="approve")

    await submit(item=new, actor=AUTHOR)
    # Signatures belong to a version: A signed 初审 of version 1 and may sign 复审 of version 2.
    await sign(item=new, actor=B, decision="approve")
    await sign(item=new, actor=A, decision="approve")
    assert (await sign(item=new, actor=C, decision="approve")).status == "approved"
    assert not await is_approved(
        kind=KIND, object_id=item.object_id, version=1, content_hash=item.content_hash
    )
    actions = [s.action for s in await history(kind=KIND, object_id=item.object_id)]
    assert actions == ["submitted", "approved", "restarted", "submitted"] + ["approved"] * 3
    restart = await AuditRecord.filter(action="review.restart", target_id=item.key).first()
    assert restart is not None
    assert restart.detail["version"] == 2


async def test_an_edit_after_approval_leaves_the_new_version_unapproved() -> None:
    item = doc(kind=TWO)
    await submit(item=item, actor=AUTHOR)
    await sign(item=item, actor=A, decision="approve")
    await sign(item=item, actor=B, decision="approve")

    new = edited(item, "发布前又改了一个字")
    assert await on_edit(item=new, actor=AUTHOR)
    assert not await on_edit(item=new, actor=AUTHOR)  # noted once
    current = await state(item=new)
    assert current.status == "draft"
    assert current.approved_version is not None
    assert current.approved_version.version == 1
    assert not await is_approved(
        kind=TWO, object_id=new.object_id, version=2, content_hash=new.content_hash
    )


async def test_signing_content_changed_behind_the_reviews_back_restarts_the_review() -> None:
    item = doc("送审时的稿件")
    await submit(item=item, actor=AUTHOR)
    # The domain saved an edit without calling on_edit: the reviewer must not sign the old one.
    changed = edited(item, "悄悄改过的稿件")
    with pytest.raises(Conflict) as refused:
        await sign(item=changed, actor=A, decision="approve")
    assert refused.value.code == "review_version_changed"
    assert (await state(item=changed)).status == "draft"
    assert await ReviewRound.filter(object_id=item.key, state="superseded").count() == 1


async def test_a_reviewer_signing_a_version_they_did_not_see_is_refused() -> None:
    item = doc()
    await submit(item=item, actor=AUTHOR)
    with pytest.raises(Conflict) as refused:
        await sign(item=item, actor=A, decision="approve", expected_version=7)
    assert refused.value.code == "review_version_changed"


async def test_two_reviewers_signing_the_same_level_at_once_leave_exactly_one_signature() -> None:
    item = doc()
    await submit(item=item, actor=AUTHOR)
    results = await asyncio.gather(
        *(sign(item=item, actor=r, decision="approve", expected_level=1) for r in (A, B, C, D, E)),
        return_exceptions=True,
    )
    won = [r for r in results if not isinstance(r, BaseException)]
    lost = [r for r in results if isinstance(r, BaseException)]
    assert len(won) == 1
    assert all(isinstance(e, Conflict) and e.code == "review_level_taken" for e in lost), lost
    assert await ReviewSignature.filter(round__object_id=item.key, level=1).count() == 1
    # A reject racing the approvals cannot slip in either.
    final = await state(item=item)
    assert [lv.state for lv in final.levels] == ["approved", "current", "waiting"]


async def test_submitting_twice_at_once_opens_one_round() -> None:
    item = doc()
    results = await asyncio.gather(
        *(submit(item=item, actor=AUTHOR) for _ in range(4)), return_exceptions=True
    )
    assert sum(not isinstance(r, BaseException) for r in results) == 1
    assert all(
        isinstance(r, Conflict) and r.code == "review_in_progress"
        for r in results
        if isinstance(r, BaseException)
    )
    assert await ReviewRound.filter(object_id=item.key).count() == 1


async def test_an_approved_version_is_not_submitted_again() -> None:
    item = doc(kind=TWO)
    await submit(item=item, actor=AUTHOR)
    await sign(item=item, actor=A, decision="approve")
    await sign(item=item, actor=B, decision="approve")
    with pytest.raises(Conflict) as refused:
        await submit(item=item, actor=AUTHOR)
    assert refused.value.code == "review_already_approved"


async def test_list_pages_read_every_status_at_once() -> None:
    draft, waiting, passed = doc(kind=TWO), doc(kind=TWO), doc(kind=TWO)
    await submit(item=waiting, actor=AUTHOR)
    await submit(item=passed, actor=AUTHOR)
    await sign(item=passed, actor=A, decision="approve")
    await sign(item=passed, actor=B, decision="approve")
    found = await statuses(
        kind=TWO,
        versions={i.object_id: (i.version, i.content_hash) for i in (draft, waiting, passed)},
    )
    assert found == {draft.key: "draft", waiting.key: "in_review", passed.key: "approved"}


async def test_a_reviewers_queue_leaves_out_their_own_and_already_signed_content() -> None:
    mine = Reviewable(
        kind=TWO, object_id=uuid.uuid4().hex[:12], version=1, content_hash="h", author_id=E.id
    )
    other = doc(kind=TWO)
    await submit(item=mine, actor=E)
    await submit(item=other, actor=AUTHOR)
    queue = [q["object_id"] for q in await pending_for(actor=E, kind=TWO)]
    assert other.key in queue
    assert mine.key not in queue
    await sign(item=other, actor=E, decision="approve")
    assert other.key not in [q["object_id"] for q in await pending_for(actor=E, kind=TWO)]
    entry = next(q for q in await pending_for(actor=D, kind=TWO) if q["object_id"] == other.key)
    assert entry["level_name"] == "终审"
    assert entry["kind_label"] == "测试广播稿"


def test_levels_are_a_setting_per_kind(monkeypatch: pytest.MonkeyPatch) -> None:
    assert levels_for(TWO) == ("初审", "终审")
    monkeypatch.setenv("APP_REVIEW_LEVELS_TESTDOC2", "初审，复审、终审")
    assert levels_for(TWO) == ("初审", "复审", "终审")
    monkeypatch.setenv("APP_REVIEW_LEVELS_TESTDOC2", "4")
    assert levels_for(TWO) == ("初审", "终审", "第3级审核", "第4级审核")
    monkeypatch.setenv("APP_REVIEW_LEVELS_TESTDOC2", "初审,初审")
    with pytest.raises(ValueError, match="differ"):
        levels_for(TWO)
    monkeypatch.setenv("APP_REVIEW_LEVELS_TESTDOC2", "0")
    with pytest.raises(ValueError, match="levels"):
        levels_for(TWO)


async def test_a_round_keeps_the_levels_it_started_with(monkeypatch: pytest.MonkeyPatch) -> None:
    item = doc(kind=TWO)
    await submit(item=item, actor=AUTHOR)
    monkeypatch.setenv("APP_REVIEW_LEVELS_TESTDOC2", "一审,二审,三审")
    await sign(item=item, actor=A, decision="approve")
    assert (await sign(item=item, actor=B, decision="approve")).status == "approved"
    fresh = doc(kind=TWO)
    assert [lv.name for lv in (await submit(item=fresh, actor=AUTHOR)).levels] == [
        "一审",
        "二审",
        "三审",
    ]
