"""The staff steps of an application: receive, correction, third party, extension, answer,
assignment; and closing what was not corrected in time (a job).

Every step takes the date it happened (`on`: never in the future, never before the step
before it), is refused with 409 and the reason when the application is not in a state that
allows it, is applied by one conditional UPDATE of the application's version (two staff
acting at once cannot both succeed), writes its event, recomputes the deadline, produces the
applicant's letter where the law requires one, and is audited.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from tortoise.transactions import in_transaction

from gateway.errors import Conflict, Invalid
from gateway.org import get_department
from gateway.workdays import CalendarMissing
from mini_program.applications import notify_hook
from mini_program.applications.deadline import (
    Calculation,
    EventKind,
    correction_window_end,
)
from mini_program.applications.models import Application, ApplicationEvent, ApplicationFile
from mini_program.applications.schemas import (
    AnswerIn,
    CorrectionIn,
    ExtendIn,
    ReceiveIn,
    StepIn,
    ThirdPartyIn,
    ThirdPartyReplyIn,
)
from mini_program.applications.service.common import (
    SYSTEM,
    Actor,
    calculate,
    calendar,
    engine_events,
    get_for_staff,
    load_events,
    record,
    refresh,
    today,
)
from mini_program.applications.service.documents import issue_letter
from mini_program.applications.settings import get_app_settings
from mini_program.applications.vocab import (
    FINISHED_STATES,
    OPEN_STATES,
    RESULT_LABELS,
    STATE_LABELS,
    FileKind,
    Result,
    State,
)

WRONG_STATE = "wrong_state"


@dataclass
class StepContext:
    app: Application
    calc: Calculation
    events: list[ApplicationEvent]
    on: date
    actor: Actor
    detail: dict[str, Any] = field(default_factory=dict)


Check = Callable[[StepContext], None]
After = Callable[[StepContext, Calculation], Awaitable[None]]


def _conflict(message: str, code: str = WRONG_STATE) -> Conflict:
    return Conflict(message, code=code)


def _state_refusal(app: Application, doing: str) -> Conflict:
    """409 with the reason an application's state does not allow a step."""
    reasons = {
        State.SUBMITTED: "尚未确认收到申请",
        State.AWAITING_CORRECTION: "正在等待申请人补正",
        State.THIRD_PARTY: "正在征求第三方意见",
        State.ANSWERED: "申请已答复",
        State.CLOSED: "申请已终止处理",
        State.RECEIVED: "申请正在办理中",
    }
    return _conflict(f"{reasons[State(app.state)]}，不能{doing}")


def _not_before_previous(ctx: StepContext) -> None:
    last = max((e.on for e in ctx.events), default=ctx.app.submitted_on)
    if ctx.on < last:
        raise Invalid(fields={"on": f"日期不能早于上一步骤的日期 {last.isoformat()}"})


async def _run_step(
    *,
    app_id: int,
    actor: Actor,
    step: StepIn,
    kind: EventKind,
    allowed: frozenset[State],
    doing: str,
    action: str,
    detail: dict[str, Any] | None = None,
    check: Check | None = None,
    after: After | None = None,
    audit: dict[str, Any] | None = None,
    notice: notify_hook.Notice | None = None,
) -> Application:
    on = step.day()
    async with in_transaction():
        app = await get_for_staff(app_id, actor)
        if app.state not in allowed:
            raise _state_refusal(app, doing)
        events = await load_events(app.id)
        ctx = StepContext(app, await calculate(app, events), events, on, actor, dict(detail or {}))
        _not_before_previous(ctx)
        if check is not None:
            check(ctx)
        claimed = await Application.filter(id=app.id, version=app.version).update(
            version=app.version + 1
        )
        if not claimed:
            raise _conflict("申请刚被其他工作人员处理，请刷新后重试", code="application_changed")
        app.version += 1
        await ApplicationEvent.create(
            application=app,
            kind=kind,
            on=on,
            detail=ctx.detail,
            actor_id=actor.id,
            actor_name=actor.name,
        )
        calc = await refresh(app)
        if after is not None:
            await after(ctx, calc)
        await record(actor, action, app, {"on": on.isoformat(), **(audit or {})})
        if notice is not None:
            await notify_hook.applicant_notice(app, notice, calc)
    return app


async def _letter(
    ctx: StepContext, calc: Calculation, kind: EventKind, *, attachments: str = ""
) -> None:
    await issue_letter(
        ctx.app,
        calc,
        kind=kind,
        on=ctx.on,
        detail=ctx.detail,
        events=engine_events(ctx.events),
        actor=ctx.actor,
        attachments=attachments,
    )


# --- receive ------------------------------------------------------------------------------


async def receive(*, app_id: int, actor: Actor, data: ReceiveIn) -> Application:
    """Confirm receipt (day 0): the day a letter was signed for or an online filing confirmed."""

    def check(ctx: StepContext) -> None:
        if data.channel is not None:
            ctx.app.channel = data.channel
        ctx.detail["channel"] = str(ctx.app.channel)

    async def after(ctx: StepContext, calc: Calculation) -> None:
        await ctx.app.save(update_fields=["channel", "updated_at"])

    return await _run_step(
        app_id=app_id,
        actor=actor,
        step=data,
        kind=EventKind.RECEIVED,
        allowed=frozenset({State.SUBMITTED}),
        doing="再次确认收到",
        action="receive",
        check=check,
        after=after,
        notice="received",
        audit={"channel": str(data.channel) if data.channel else None},
    )


# --- correction ---------------------------------------------------------------------------


async def request_correction(*, app_id: int, actor: Actor, data: CorrectionIn) -> Application:
    """Ask once, within 7 working days of receipt, for what is missing; the clock stops."""
    period = data.period or get_app_settings().correction_workdays

    def check(ctx: StepContext) -> None:
        if ctx.calc.correction_requested:
            raise _conflict("每件申请只能要求补正一次（条例第三十条：一次性告知）")
        received = ctx.calc.received_on
        if received is None:
            raise _state_refusal(ctx.app, "要求补正")
        try:
            last_day = correction_window_end(received, calendar())
        except CalendarMissing as exc:
            raise _conflict(str(exc), code="calendar_missing") from exc
        if ctx.on > last_day:
            raise _conflict(
                f"已超过收到申请之日起 7 个工作日（至 {last_day.isoformat()}），不能再要求补正",
                code="correction_window_passed",
            )
        ctx.detail.update(missing=data.missing, period=period)

    async def after(ctx: StepContext, calc: Calculation) -> None:
        await _letter(ctx, calc, EventKind.CORRECTION_REQUESTED)

    return await _run_step(
        app_id=app_id,
        actor=actor,
        step=data,
        kind=EventKind.CORRECTION_REQUESTED,
        allowed=frozenset({State.RECEIVED}),
        doing="要求补正",
        action="request_correction",
        check=check,
        after=after,
        notice="correction_requested",
        audit={"period": period},
    )


async def corrected(*, app_id: int, actor: Actor, data: StepIn) -> Application:
    """The corrected application arrived: a new day 0."""

    def check(ctx: StepContext) -> None:
        due = ctx.calc.correction_due
        if due is not None and ctx.on > due:
            raise _conflict(
                f"补正期限已于 {due.isoformat()} 届满，逾期的补正不能再登记",
                code="correction_period_passed",
            )

    return await _run_step(
        app_id=app_id,
        actor=actor,
        step=data,
        kind=EventKind.CORRECTED,
        allowed=frozenset({State.AWAITING_CORRECTION}),
        doing="登记补正",
        action="corrected",
        check=check,
    )


# --- third party --------------------------------------------------------------------------


async def third_party(*, app_id: int, actor: Actor, data: ThirdPartyIn) -> Application:
    """A written request for a third party's opinion: the clock pauses."""

    def check(ctx: StepContext) -> None:
        ctx.detail["party"] = data.party

    return await _run_step(
        app_id=app_id,
        actor=actor,
        step=data,
        kind=EventKind.THIRD_PARTY,
        allowed=frozenset({State.RECEIVED}),
        doing="再次征求第三方意见",
        action="third_party",
        check=check,
    )


async def third_party_reply(*, app_id: int, actor: Actor, data: ThirdPartyReplyIn) -> Application:
    """The third party's reply arrived: the clock runs again from the next working day."""

    def check(ctx: StepContext) -> None:
        if data.opinion:
            ctx.detail["opinion"] = data.opinion

    return await _run_step(
        app_id=app_id,
        actor=actor,
        step=data,
        kind=EventKind.THIRD_PARTY_REPLY,
        allowed=frozenset({State.THIRD_PARTY}),
        doing="登记第三方意见（没有正在征求的意见）",
        action="third_party_reply",
        check=check,
    )


# --- extension ----------------------------------------------------------------------------


async def extend(*, app_id: int, actor: Actor, data: ExtendIn) -> Application:
    """Extend by 20 working days, once, before the deadline (the approver's decision)."""

    def check(ctx: StepContext) -> None:
        if ctx.calc.extended:
            raise _conflict("答复期限已延长过一次，不能再次延长（条例第三十三条）")
        deadline = ctx.calc.deadline
        if deadline is None:
            raise _conflict(ctx.calc.error or "答复期限尚未确定，不能延长", code="calendar_missing")
        if ctx.on > deadline:
            raise _conflict(
                f"答复期限已于 {deadline.isoformat()} 届满，不能再延长",
                code="deadline_passed",
            )
        ctx.detail.update(reason=data.reason, approver=actor.display)

    async def after(ctx: StepContext, calc: Calculation) -> None:
        await _letter(ctx, calc, EventKind.EXTENDED)

    return await _run_step(
        app_id=app_id,
        actor=actor,
        step=data,
        kind=EventKind.EXTENDED,
        allowed=frozenset({State.RECEIVED, State.THIRD_PARTY}),
        doing="延长答复期限",
        action="extend",
        check=check,
        after=after,
        notice="extended",
    )


# --- answer -------------------------------------------------------------------------------


async def answer(*, app_id: int, actor: Actor, data: AnswerIn) -> Application:
    """Answer with a national result type and its reasons; the letter is generated."""
    attachments: list[ApplicationFile] = []

    def check(ctx: StepContext) -> None:
        if data.result == Result.OTHER and "no_correction" in data.reasons:
            raise Invalid(fields={"reasons": "逾期不补正由系统在补正期限届满后自动办结"})
        pause = ctx.calc.open_pause
        if ctx.app.state == State.THIRD_PARTY and pause is not None and ctx.on <= pause.due:
            raise _conflict(
                f"第三方意见期限（{pause.due.isoformat()}）未满，请先登记第三方意见；"
                "期满未提出意见的，可以直接答复",
                code="third_party_pending",
            )
        ctx.detail.update(
            result=str(data.result), reasons=data.reasons, explanation=data.explanation
        )

    async def after(ctx: StepContext, calc: Calculation) -> None:
        app = ctx.app
        rows = await ApplicationFile.filter(
            application_id=app.id, id__in=data.files, kind=FileKind.ATTACHMENT
        )
        if len(rows) != len(set(data.files)):
            raise Invalid(fields={"files": "附件不存在或不属于这件申请"})
        attachments.extend(rows)
        await ApplicationFile.filter(id__in=[r.id for r in rows]).update(published=True)
        app.result = str(data.result)
        app.reasons = data.reasons
        app.explanation = data.explanation
        await app.save(update_fields=["result", "reasons", "explanation", "updated_at"])
        await _letter(ctx, calc, EventKind.ANSWERED, attachments="、".join(r.name for r in rows))

    return await _run_step(
        app_id=app_id,
        actor=actor,
        step=data,
        kind=EventKind.ANSWERED,
        allowed=frozenset({State.RECEIVED, State.THIRD_PARTY}),
        doing="答复",
        action="answer",
        check=check,
        after=after,
        notice="answered",
        audit={"result": str(data.result), "reasons": data.reasons, "files": data.files},
    )


# --- assignment ---------------------------------------------------------------------------


async def assign(*, app_id: int, actor: Actor, department: str) -> Application:
    """Hand an open application to the department that holds the information."""
    async with in_transaction():
        app = await get_for_staff(app_id, actor)
        if app.state not in OPEN_STATES:
            raise _conflict(f"申请{STATE_LABELS[State(app.state)]}，不能再转交")
        if await get_department(department) is None:
            raise Invalid(fields={"department": f"没有代码为 {department} 的部门"})
        previous = app.department_code
        if previous == department:
            return app
        claimed = await Application.filter(id=app.id, version=app.version).update(
            version=app.version + 1, department_code=department
        )
        if not claimed:
            raise _conflict("申请刚被其他工作人员处理，请刷新后重试", code="application_changed")
        await app.refresh_from_db()
        await record(actor, "assign", app, {"from": previous, "to": department})
    return app


# --- closing what was not corrected (the periodic job) --------------------------------------


async def close_uncorrected(*, on: date | None = None) -> list[int]:
    """Close every application whose correction period ran out (逾期不补正); returns their ids.

    The closing date is the day after the period's last day: the application was abandoned
    then, whenever this job happened to run.
    """
    day = on or today()
    due = await Application.filter(
        state=State.AWAITING_CORRECTION, correction_due__lt=day
    ).values_list("id", "correction_due")
    closed: list[int] = []
    for app_id, correction_due in due:
        closed_on = correction_due + timedelta(days=1)

        async def after(ctx: StepContext, calc: Calculation) -> None:
            app = ctx.app
            app.result, app.reasons = str(Result.OTHER), ["no_correction"]
            await app.save(update_fields=["result", "reasons", "updated_at"])
            await _letter(ctx, calc, EventKind.CLOSED)

        try:
            app = await _run_step(
                app_id=app_id,
                actor=SYSTEM,
                step=StepIn(on=closed_on),
                kind=EventKind.CLOSED,
                allowed=frozenset({State.AWAITING_CORRECTION}),
                doing="终止处理",
                action="close_uncorrected",
                detail={"result": str(Result.OTHER), "reasons": ["no_correction"]},
                after=after,
                audit={"correction_due": correction_due.isoformat()},
                notice="closed",
            )
        except Conflict:
            continue  # corrected or closed by someone else in the meantime
        closed.append(app.id)
    return closed


def result_label(result: str | None) -> str:
    return RESULT_LABELS[Result(result)] if result else ""


def is_finished(app: Application) -> bool:
    return app.state in FINISHED_STATES
