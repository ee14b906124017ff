"""Routing rules (topic → department) and reply limits per kind: the admin's settings."""

from __future__ import annotations

from typing import Any

from gateway.errors import Invalid
from gateway.org import get_department
from matrix.service import Actor
from mini_program.consultations.models import DEFAULT_LIMITS, Kind, ReplyLimit, RoutingRule
from mini_program.consultations.service.audit import record
from mini_program.consultations.service.common import names

OTHER_DOMAIN = 0


async def reply_limits() -> dict[Kind, int]:
    """Working days allowed per kind (the defaults until the admin changes one)."""
    limits = dict(DEFAULT_LIMITS)
    for row in await ReplyLimit.all():
        limits[Kind(row.kind)] = int(row.workdays)
    return limits


async def set_reply_limit(*, kind: Kind, workdays: int, actor: Actor) -> dict[Kind, int]:
    """Change one kind's limit; it applies to questions received from now on."""
    before = (await reply_limits())[kind]
    await ReplyLimit.update_or_create(
        kind=kind, defaults={"workdays": workdays, "updated_by": actor.name}
    )
    await record(
        actor,
        "consultations.limit.update",
        "consultation_reply_limit",
        kind.value,
        {"from": before, "to": workdays},
    )
    return await reply_limits()


async def department_for(domain_id: int | None) -> str | None:
    """The department a topic's questions go to (None: an admin assigns by hand)."""
    rule = await RoutingRule.get_or_none(domain_id=domain_id or OTHER_DOMAIN)
    return rule.department_code if rule else None


async def routing_rules() -> list[dict[str, Any]]:
    """Every topic (the catalogue's domains and 其他) with the department it goes to."""
    n = await names()
    rules = {r.domain_id: r.department_code for r in await RoutingRule.all()}
    out = [
        {"domain": n.domain(domain_id), "department": n.department(rules.get(domain_id))}
        for domain_id in sorted(n.domains)
    ]
    out.append({"domain": n.domain(None), "department": n.department(rules.get(OTHER_DOMAIN))})
    return out


async def set_routing_rule(
    *, domain_id: int, department_code: str | None, actor: Actor
) -> list[dict[str, Any]]:
    """Route a topic to a department, or clear its rule (None)."""
    n = await names()
    if domain_id and domain_id not in n.domains:
        raise Invalid(fields={"domain_id": "没有这个领域"})
    if department_code and await get_department(department_code) is None:
        raise Invalid(fields={"department_code": "没有这个部门"})
    before = await department_for(domain_id)
    if department_code:
        await RoutingRule.update_or_create(
            domain_id=domain_id,
            defaults={"department_code": department_code, "updated_by": actor.name},
        )
    else:
        await RoutingRule.filter(domain_id=domain_id).delete()
    await record(
        actor,
        "consultations.routing.update",
        "consultation_routing_rule",
        domain_id,
        {"from": before, "to": department_code},
    )
    return await routing_rules()
