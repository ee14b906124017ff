"""Audit records of staff actions on consultations (who, what, from where)."""

from __future__ import annotations

from typing import Any

from matrix.service import Actor, write_audit


async def record(
    actor: Actor,
    action: str,
    target_type: str,
    target_id: str | int | None,
    detail: dict[str, Any] | None = None,
) -> None:
    """One audit row; never put a phone number or a question's text in `detail`."""
    await write_audit(
        actor, action=action, target_type=target_type, target_id=target_id, detail=detail
    )
