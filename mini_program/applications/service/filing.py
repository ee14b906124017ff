"""Filing an application (mini-program, hall terminal, staff entry) and its receipt number."""

from __future__ import annotations

from datetime import date, datetime

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from gateway import crypto
from gateway.clock import local_date, now
from gateway.errors import Invalid
from gateway.org import get_department
from mini_program.applications import ids, notify_hook
from mini_program.applications.deadline import EventKind
from mini_program.applications.models import Application, ApplicationEvent, ReceiptCounter
from mini_program.applications.schemas import ApplicationIn, StaffApplicationIn
from mini_program.applications.service.common import Actor, keyed_hash, record, refresh
from mini_program.applications.settings import get_app_settings
from mini_program.applications.vocab import ApplicantType, Channel, State


def mask_id(number: str | None) -> str:
    return crypto.mask(number, keep_start=4, keep_end=4) if number else ""


def mask_phone(phone: str) -> str:
    keep = 3 if phone.startswith("1") else 4
    return crypto.mask(phone, keep_start=keep, keep_end=4)


def mask_name(name: str, applicant_type: str) -> str:
    """张*, 欧阳*明: what a public screen may show of a person's name (organisations in full)."""
    if applicant_type != ApplicantType.CITIZEN or len(name) < 2:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


async def next_receipt_no(year: int) -> str:
    """The next receipt number of the year (202600001, ...), from one atomic UPDATE.

    Call inside the transaction that stores the application: a rolled-back filing gives its
    number back, and parallel filings each get their own (the row stays locked until commit).
    """
    advanced = await ReceiptCounter.filter(year=year).update(issued=F("issued") + 1)
    if not advanced:
        try:
            async with in_transaction():  # a savepoint: losing the race must not end ours
                await ReceiptCounter.create(year=year, issued=0)
        except IntegrityError:
            pass
        await ReceiptCounter.filter(year=year).update(issued=F("issued") + 1)
    row = await ReceiptCounter.get(year=year)
    return f"{year}{row.issued:05d}"


async def _department(code: str | None, actor: Actor | None) -> str:
    if actor is not None and actor.department_scope is not None:
        if code and code != actor.department_scope:
            raise Invalid(fields={"department": "只能登记本部门承办的申请"})
        return actor.department_scope
    code = code or get_app_settings().default_department
    if await get_department(code) is None:
        raise Invalid(fields={"department": f"没有代码为 {code} 的部门"})
    return code


async def create_application(
    *,
    data: ApplicationIn,
    channel: Channel,
    resident_id: int | None = None,
    actor: Actor | None = None,
    submitted_at: datetime | None = None,
) -> Application:
    """Store a new application with its receipt number; staff entries may record receipt too.

    Online and terminal filings wait for staff to confirm receipt (Art. 31: the day both sides
    confirm is day 0); staff entering a letter, fax or visit give the dates themselves.
    """
    staff = data if isinstance(data, StaffApplicationIn) else None
    department = await _department(staff.department if staff else None, actor)
    submitted_at = submitted_at or now()
    submitted_on = (staff.submitted_on if staff else None) or local_date(submitted_at)
    received_on: date | None = staff.received_on if staff else None
    if received_on is not None and received_on < submitted_on:
        raise Invalid(fields={"received_on": "收到日期不能早于提交日期"})
    org_kind = None
    if data.applicant_type == ApplicantType.ORGANISATION and data.credit_code:
        org_kind = (staff.org_kind if staff else None) or ids.org_kind_from_code(data.credit_code)
    number = data.id_number or None
    async with in_transaction():
        app = await Application.create(
            receipt_no=await next_receipt_no(submitted_on.year),
            resident_id=resident_id,
            channel=channel,
            applicant_type=data.applicant_type,
            org_kind=str(org_kind) if org_kind else None,
            name=data.name,
            credit_code=data.credit_code,
            id_type=data.id_type,
            id_number_encrypted=crypto.encrypt(number) if number else None,
            id_masked=mask_id(number),
            id_hash=keyed_hash(f"id:{data.id_type}:{number}") if number else None,
            phone_encrypted=crypto.encrypt(data.phone),
            phone_masked=mask_phone(data.phone),
            address_encrypted=crypto.encrypt(data.address),
            description=data.description,
            purpose=data.purpose,
            format=data.format,
            delivery=data.delivery,
            department_code=department,
            submitted_at=submitted_at,
            submitted_on=submitted_on,
            entered_by=actor.id if actor else None,
            state=State.SUBMITTED,
        )
        who = actor.name if actor else ""
        await ApplicationEvent.create(
            application=app,
            kind=EventKind.SUBMITTED,
            on=submitted_on,
            detail={"channel": str(channel)},
            actor_id=actor.id if actor else None,
            actor_name=who,
        )
        if received_on is not None:
            await ApplicationEvent.create(
                application=app,
                kind=EventKind.RECEIVED,
                on=received_on,
                detail={"channel": str(channel)},
                actor_id=actor.id if actor else None,
                actor_name=who,
            )
        calc = await refresh(app)
        if received_on is not None:
            await notify_hook.applicant_notice(app, "received", calc)
        if actor is not None:
            await record(
                actor,
                "create",
                app,
                {"channel": str(channel), "received_on": received_on and received_on.isoformat()},
            )
    return app
