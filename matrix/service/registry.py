"""The account registry: the matrix's accounts, their credentials (encrypted) and settings."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from gateway import crypto
from gateway.config import get_settings
from gateway.errors import Conflict, Invalid, NotFound, revalidate, validate
from gateway.org import Department
from matrix.models import (
    CALLBACK_PLATFORMS,
    PLATFORM_LABELS,
    WECHAT_PLATFORMS,
    Account,
    Platform,
)
from matrix.schemas import AccountCreate, AccountUpdate, RotateSecret
from matrix.service.callback_accounts import accounts_changed
from matrix.service.common import Actor, iso, write_audit
from matrix.service.credentials import (
    Credentials,
    aes_key_of,
    encrypt_token,
    generate_aes_key,
    generate_token,
    secret_of,
    token_of,
)
from matrix.wechat import service as wechat

log = logging.getLogger("govmatrix.matrix")

SANDBOX_KINDS = {
    Platform.WECHAT_SUBSCRIPTION: "subscription",
    Platform.WECHAT_SERVICE: "service",
    Platform.WECHAT_MINIPROGRAM: "miniprogram",
}


def callback_url(code: str) -> str:
    return f"{get_settings().public_base_url.rstrip('/')}/wechat/callback/{code}"


# --- reading ---------------------------------------------------------------------------------
async def get_account(*, code: str) -> Account:
    """One account by code; 404 if there is none."""
    account = await Account.get_or_none(code=code)
    if account is None:
        raise NotFound("没有这个账号", code="account_not_found")
    return account


async def find_account(*, code: str | None = None, appid: str | None = None) -> Account | None:
    """An account by code or appid, or None."""
    if code is not None:
        return await Account.get_or_none(code=code)
    if appid is not None:
        return await Account.get_or_none(appid=appid)
    return None


async def list_accounts(
    *, platform: str | None = None, department_code: str | None = None
) -> list[Account]:
    """All accounts, in registry order, optionally filtered."""
    query = Account.all()
    if platform:
        query = query.filter(platform=platform)
    if department_code:
        query = query.filter(department_code=department_code)
    return await query.order_by("id")


async def get_credentials(*, code: str | None = None, appid: str | None = None) -> Credentials:
    """The appid and decrypted AppSecret of an account, for calls through matrix.wechat."""
    account = await find_account(code=code, appid=appid)
    if account is None or not account.appid:
        raise NotFound("没有这个微信账号", code="account_not_found")
    secret = secret_of(account)
    if not secret:
        raise Invalid("该账号没有配置 AppSecret", code="secret_missing")
    return Credentials(appid=account.appid, secret=secret)


async def department_names() -> dict[str, str]:
    return {d.code: d.short_name or d.name for d in await Department.all()}


def account_to_dict(
    account: Account,
    *,
    department_name: str | None = None,
    token_state: dict[str, Any] | None = None,
    health: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The public view of an account: never the AppSecret, Token or EncodingAESKey."""
    platform = Platform(account.platform)
    data: dict[str, Any] = {
        "code": account.code,
        "department_code": account.department_code,
        "department_name": department_name,
        "platform": platform.value,
        "platform_label": PLATFORM_LABELS[platform],
        "name": account.name,
        "appid": account.appid,
        "original_id": account.original_id,
        "follower_count": account.follower_count,
        "last_published_at": iso(account.last_published_at),
        "safe_mode": account.safe_mode,
        "is_active": account.is_active,
        "has_secret": bool(account.secret_encrypted),
        "has_encoding_aes_key": bool(account.aes_key_encrypted),
        "callback_url": callback_url(account.code) if platform in CALLBACK_PLATFORMS else None,
        "auto_reply": account.auto_reply or {},
        "created_at": iso(account.created_at),
        "updated_at": iso(account.updated_at),
    }
    if token_state is not None:
        data["token_state"] = token_state
    if health is not None:
        data["health"] = health
    return data


def callback_settings(account: Account) -> dict[str, Any]:
    """What an admin pastes into WeChat's admin platform (admins only; CLI `account show`).

    Weibo, Douyin, app and mini-program records take no callbacks: their URL is None."""
    takes_callbacks = Platform(account.platform) in CALLBACK_PLATFORMS
    return {
        "code": account.code,
        "appid": account.appid,
        "callback_url": callback_url(account.code) if takes_callbacks else None,
        "token": token_of(account),
        "encoding_aes_key": aes_key_of(account),
        "safe_mode": account.safe_mode,
    }


# --- validation (field rules live in matrix.schemas; the registry supplies what they need) ----
async def validation_context(*, platform: str | None = None) -> dict[str, Any]:
    """What the account schemas check against: the county's departments, and for an update
    the stored account's platform. Views pass it so every bad field is named at once."""
    context: dict[str, Any] = {"departments": {d.code for d in await Department.all()}}
    if platform is not None:
        context["platform"] = platform
    return context


async def _check_unique(
    *, code: str | None, appid: str | None, exclude_id: int | None = None
) -> dict[str, str]:
    conflicts: dict[str, str] = {}
    if code:
        query = Account.filter(code=code)
        if exclude_id:
            query = query.exclude(id=exclude_id)
        if await query.exists():
            conflicts["code"] = "该编码已被使用"
    if appid:
        query = Account.filter(appid=appid)
        if exclude_id:
            query = query.exclude(id=exclude_id)
        if await query.exists():
            conflicts["appid"] = "该 AppID 已登记在其他账号下"
    return conflicts


# --- changing --------------------------------------------------------------------------------
async def create_account(*, data: AccountCreate, actor: Actor) -> Account:
    """Register an account; generates the callback Token and AES key when not given."""
    data = revalidate(data, context=await validation_context())
    platform = data.platform
    conflicts = await _check_unique(code=data.code, appid=data.appid)
    if conflicts:
        raise Conflict("编码或 AppID 已存在", code="account_exists", fields=conflicts)

    takes_callbacks = platform in CALLBACK_PLATFORMS
    aes_key = data.encoding_aes_key or (generate_aes_key() if takes_callbacks else None)
    values: dict[str, Any] = {
        "code": data.code,
        "department_code": data.department_code,
        "platform": platform,
        "name": data.name,
        "appid": data.appid,
        "original_id": data.original_id,
        "secret_encrypted": crypto.encrypt(data.secret) if data.secret else None,
        "aes_key_encrypted": crypto.encrypt(aes_key) if aes_key else None,
        "callback_token_encrypted": (
            encrypt_token(data.token or generate_token()) if takes_callbacks else None
        ),
        "safe_mode": data.safe_mode and takes_callbacks,
        "auto_reply": data.auto_reply.model_dump() if data.auto_reply else {},
    }
    try:
        async with in_transaction():
            account = await Account.create(**values)
            await write_audit(
                actor,
                action="matrix.account.create",
                target_type="matrix_account",
                target_id=account.code,
                detail={
                    "platform": platform.value,
                    "name": account.name,
                    "appid": account.appid,
                    "department_code": account.department_code,
                },
            )
    except IntegrityError as exc:  # a concurrent create won the race
        raise Conflict("编码或 AppID 已存在", code="account_exists") from exc
    await sync_sandbox(account)
    return account


def _apply_update(account: Account, data: AccountUpdate) -> list[str]:
    """Set what the update changes on the row; returns the names of the changed fields."""
    changes = data.model_dump(exclude_unset=True)
    changed: list[str] = []
    for key in ("department_code", "name", "appid", "original_id", "is_active"):
        if changes.get(key) is not None and getattr(account, key) != changes[key]:
            setattr(account, key, changes[key])
            changed.append(key)
    if data.safe_mode is not None and data.safe_mode != account.safe_mode:
        takes_callbacks = Platform(account.platform) in CALLBACK_PLATFORMS
        account.safe_mode = data.safe_mode and takes_callbacks
        changed.append("safe_mode")
    if data.token:
        account.callback_token_encrypted = crypto.encrypt(data.token)
        changed.append("token")
    if data.encoding_aes_key:
        account.aes_key_encrypted = crypto.encrypt(data.encoding_aes_key)
        changed.append("encoding_aes_key")
    if data.auto_reply is not None:
        account.auto_reply = data.auto_reply.model_dump()
        changed.append("auto_reply")
    return changed


async def update_account(*, code: str, data: AccountUpdate, actor: Actor) -> Account:
    """Change an account's settings (not its AppSecret: see rotate_secret)."""
    account = await get_account(code=code)
    # The rules that depend on the stored platform and the departments (matrix.schemas) apply
    # however the caller built `data`.
    data = revalidate(data, context=await validation_context(platform=account.platform))
    conflicts = await _check_unique(code=None, appid=data.appid, exclude_id=account.id)
    if conflicts:
        raise Conflict("AppID 已存在", code="account_exists", fields=conflicts)

    changed = _apply_update(account, data)
    if not changed:
        return account
    try:
        async with in_transaction():
            await account.save()
            await write_audit(
                actor,
                action="matrix.account.update",
                target_type="matrix_account",
                target_id=account.code,
                # Names of changed fields only: never the Token or key values.
                detail={"changed": changed},
            )
    except IntegrityError as exc:
        raise Conflict("AppID 已存在", code="account_exists") from exc
    # Callback endpoints keep decrypted snapshots per process; tell every process to reload.
    await accounts_changed()
    if {"appid", "name", "token", "encoding_aes_key", "safe_mode"} & set(changed):
        await sync_sandbox(account)
    return account


async def rotate_secret(*, code: str, secret: str, actor: Actor) -> Account:
    """Store a new AppSecret (after it was reset in WeChat's admin platform)."""
    account = await get_account(code=code)
    if Platform(account.platform) not in WECHAT_PLATFORMS:
        raise Invalid("只有微信账号有 AppSecret", fields={"secret": "该平台不使用 AppSecret"})
    secret = validate(RotateSecret, {"secret": secret}).secret
    async with in_transaction():
        account.secret_encrypted = crypto.encrypt(secret)
        await account.save(update_fields=["secret_encrypted", "updated_at"])
        await write_audit(
            actor,
            action="matrix.account.rotate_secret",
            target_type="matrix_account",
            target_id=account.code,
            detail={"appid": account.appid},
        )
    await sync_sandbox(account)
    return account


async def record_publication(
    *, at: datetime, code: str | None = None, appid: str | None = None
) -> None:
    """Note that an account published (the push domain calls this; so do publish callbacks)."""
    account = await find_account(code=code, appid=appid)
    if account is None:
        return
    if account.last_published_at is None or at > account.last_published_at:
        await Account.filter(id=account.id).update(last_published_at=at)


async def sync_sandbox(account: Account) -> bool:
    """Register the account's credentials and callback settings with the sandbox (dev, tests)."""
    if not get_settings().uses_sandbox:
        return False
    platform = Platform(account.platform)
    secret = secret_of(account)
    if platform not in WECHAT_PLATFORMS or not account.appid or not secret:
        return False
    takes_callbacks = platform in CALLBACK_PLATFORMS
    try:
        return await wechat.register_sandbox_app(
            appid=account.appid,
            secret=secret,
            kind=SANDBOX_KINDS[platform],
            name=account.name,
            callback_url=callback_url(account.code) if takes_callbacks else None,
            token=token_of(account) if takes_callbacks else None,
            # The sandbox encrypts callbacks exactly when it knows a key: only in safe mode.
            encoding_aes_key=aes_key_of(account) if takes_callbacks and account.safe_mode else None,
        )
    # The sandbox is a development aid: whatever goes wrong is reported, the change stands.
    except Exception as exc:  # noqa: BLE001
        log.warning("could not register %s with the sandbox: %s", account.code, type(exc).__name__)
        return False


async def sync_all_with_sandbox() -> int:
    """Re-register every WeChat account with the sandbox (at server start: the callback URLs
    follow APP_PUBLIC_BASE_URL, which differs between `make dev`, tests and benchmarks)."""
    if not get_settings().uses_sandbox:
        return 0
    done = 0
    for account in await Account.all().order_by("id"):
        if Platform(account.platform) not in WECHAT_PLATFORMS:
            continue
        if not await sync_sandbox(account):
            break  # sync_sandbox logged why; one line is enough when the sandbox is down
        done += 1
    return done
