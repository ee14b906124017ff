"""The accounts a push can go to (the matrix's official accounts) and groups of them: every
active official account ("all"), the county's systems (data/systems.json) and saved groups."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from gateway.audit import record_by
from gateway.errors import Conflict, Invalid, NotFound
from matrix import service as matrix
from push.models import AccountGroup
from push.schemas import GroupCreate, GroupUpdate
from push.service.common import StaffRef

SYSTEMS_FILE = Path(__file__).resolve().parent.parent / "data" / "systems.json"
# The matrix's platform values of the account kinds a push can use, and WeChat's names.
KINDS = {"wechat_subscription": "subscription", "wechat_service": "service"}
KIND_LABELS = {"subscription": "订阅号", "service": "服务号"}


@dataclass(frozen=True)
class Target:
    """An official account as planning and dispatch see it."""

    code: str
    name: str
    kind: str
    department_code: str | None
    is_active: bool
    last_published_at: datetime | None

    @property
    def label(self) -> str:
        return f"{self.name}（{self.code}）"

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]


async def official_accounts(*, include_inactive: bool = False) -> list[Target]:
    """The matrix's WeChat subscription and service accounts, in registry order."""
    out = []
    for account in await matrix.list_accounts():
        kind = KINDS.get(str(account.platform))
        if kind is None or not (account.is_active or include_inactive):
            continue
        out.append(
            Target(
                code=account.code,
                name=account.name,
                kind=kind,
                department_code=account.department_code,
                is_active=account.is_active,
                last_published_at=account.last_published_at,
            )
        )
    return out


async def accounts_by_code(*, include_inactive: bool = True) -> dict[str, Target]:
    return {t.code: t for t in await official_accounts(include_inactive=include_inactive)}


@cache
def systems() -> tuple[dict[str, Any], ...]:
    """The county's systems: {"code", "name", "departments"}."""
    data = json.loads(SYSTEMS_FILE.read_text(encoding="utf-8"))
    return tuple(data["systems"])


def _group(id_: str, name: str, kind: str, accounts: list[str]) -> dict[str, Any]:
    return {"id": id_, "name": name, "kind": kind, "accounts": accounts}


async def list_groups() -> list[dict[str, Any]]:
    """Every group a planner can pick: all accounts, each system, each saved group."""
    active = await official_accounts()
    out = [_group("all", f"全部公众号（{len(active)} 个）", "all", [t.code for t in active])]
    for system in systems():
        departments = set(system["departments"])
        codes = [t.code for t in active if t.department_code in departments]
        out.append(_group(f"system:{system['code']}", system["name"], "system", codes))
    for saved in await AccountGroup.all().order_by("name"):
        out.append(_group(f"saved:{saved.id}", saved.name, "saved", list(saved.account_codes)))
    return out


async def resolve_group(group_id: str) -> dict[str, Any] | None:
    """One group by its id ("all", "system:<code>", "saved:<id>"), or None."""
    for group in await list_groups():
        if group["id"] == group_id:
            return group
    return None


async def _check_codes(codes: list[str]) -> None:
    known = await accounts_by_code(include_inactive=False)
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise Invalid(
            fields={"accounts": "没有这些公众号或已停用：" + "、".join(unknown[:10])},
        )


def _saved(row: AccountGroup) -> dict[str, Any]:
    return _group(f"saved:{row.id}", row.name, "saved", list(row.account_codes))


async def get_saved_group(*, group_id: int) -> AccountGroup:
    row = await AccountGroup.get_or_none(id=group_id) if 0 < group_id < 2**31 else None
    if row is None:
        raise NotFound("没有这个账号分组", code="group_not_found")
    return row


async def create_group(*, data: GroupCreate, who: StaffRef) -> dict[str, Any]:
    """Save a named group of accounts."""
    await _check_codes(data.accounts)
    try:
        async with in_transaction():
            row = await AccountGroup.create(
                name=data.name, account_codes=data.accounts, created_by_name=who.name
            )
            await record_by(
                who,
                action="push.group.create",
                target_type="push_account_group",
                target_id=row.id,
                detail={"name": row.name, "accounts": data.accounts},
            )
    except IntegrityError as exc:
        raise Conflict(
            "已有同名分组", code="group_exists", fields={"name": "已有同名分组"}
        ) from exc
    return _saved(row)


async def update_group(*, group_id: int, data: GroupUpdate, who: StaffRef) -> dict[str, Any]:
    row = await get_saved_group(group_id=group_id)
    if data.accounts is not None:
        await _check_codes(data.accounts)
        row.account_codes = data.accounts
    if data.name is not None:
        row.name = data.name
    try:
        async with in_transaction():
            await row.save()
            await record_by(
                who,
                action="push.group.update",
                target_type="push_account_group",
                target_id=row.id,
                detail={"name": row.name, "accounts": list(row.account_codes)},
            )
    except IntegrityError as exc:
        raise Conflict(
            "已有同名分组", code="group_exists", fields={"name": "已有同名分组"}
        ) from exc
    return _saved(row)


async def delete_group(*, group_id: int, who: StaffRef) -> None:
    row = await get_saved_group(group_id=group_id)
    async with in_transaction():
        await row.delete()
        await record_by(
            who,
            action="push.group.delete",
            target_type="push_account_group",
            target_id=group_id,
            detail={"name": row.name},
        )
