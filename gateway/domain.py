"""The gateway's own domain: staff and residents, audit, organisation, console shell, health."""

from gateway.domains import Domain

DOMAIN = Domain(
    name="gateway",
    models=("gateway.auth.models", "gateway.audit", "gateway.org"),
    migrations="gateway.migrations",
    blueprints=(
        "gateway.health",
        "gateway.metrics",
        "gateway.console.pages",
        "gateway.auth.api",
        "gateway.auth.pages",
    ),
    commands=("gateway.auth.cli", "gateway.workdays_cli"),
    demo=("gateway.org:seed_demo", "gateway.auth.demo:seed"),
    templates=("gateway.console", "gateway.auth"),
    permissions={"admin": frozenset({"*"})},
)
