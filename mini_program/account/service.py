"""Resident login: a wx.login() code exchanged with WeChat, a Resident row, a Redis session."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tortoise.exceptions import IntegrityError

from gateway.auth import resident as sessions
from gateway.auth.models import Resident
from gateway.clock import to_iso
from gateway.config import get_settings
from gateway.crypto import mask
from gateway.errors import ApiError, NotFound, RateLimited, Unauthorized
from matrix.wechat import service as wechat
from matrix.wechat.errors import CodeError, QuotaError, WeChatError


def resident_view(resident: Resident) -> dict[str, Any]:
    """What the mini-program sees of a resident: never the full openid."""
    return {
        "id": resident.id,
        "openid_masked": mask(resident.openid),
        "nickname": resident.nickname,
        "created_at": to_iso(resident.created_at),
    }


async def login(*, code: str) -> dict[str, Any]:
    """Exchange a wx.login() code, create or update the resident, and open a session."""
    settings = get_settings()
    try:
        session = await wechat.code_to_session(
            appid=settings.mp_appid, secret=settings.mp_secret, js_code=code
        )
    except CodeError as exc:
        raise Unauthorized(
            exc.user_message, code="wechat_code_invalid", extra={"errcode": exc.errcode}
        ) from exc
    except QuotaError as exc:
        raise RateLimited(exc.user_message, extra={"errcode": exc.errcode}) from exc
    except WeChatError as exc:
        raise ApiError(
            exc.user_message, code="wechat_unavailable", status=502, extra={"errcode": exc.errcode}
        ) from exc
    resident = await _upsert_resident(openid=session["openid"], unionid=session.get("unionid"))
    token, ttl = await sessions.issue_session(
        resident.id, openid=resident.openid, wechat_session_key=session.get("session_key")
    )
    return {"token": token, "expires_in": ttl, "resident": resident_view(resident)}


async def _upsert_resident(*, openid: str, unionid: str | None) -> Resident:
    now = datetime.now(UTC)
    resident = await Resident.get_or_none(openid=openid)
    if resident is None:
        try:
            resident = await Resident.create(openid=openid, unionid=unionid, last_login_at=now)
            return resident
        except IntegrityError:
            # Two first logins of the same person raced; the other one created the row.
            resident = await Resident.get(openid=openid)
    resident.last_login_at = now
    update = ["last_login_at"]
    if unionid and resident.unionid != unionid:
        resident.unionid = unionid
        update.append("unionid")
    await resident.save(update_fields=update)
    return resident


async def get_resident(*, resident_id: int) -> dict[str, Any]:
    """The resident's own profile."""
    resident = await Resident.get_or_none(id=resident_id)
    if resident is None:
        raise NotFound("用户不存在", code="resident_not_found")
    return resident_view(resident)


async def logout(*, token: str) -> bool:
    """End the session behind a token."""
    return await sessions.revoke(token)
