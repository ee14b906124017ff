"""Durable jobs as a domain: their table, the console page and the `jobs` commands."""

from gateway.domains import Domain

DOMAIN = Domain(
    name="jobs",
    models=("gateway.jobs.models",),
    migrations="gateway.jobs.migrations",
    blueprints=("gateway.jobs.api", "gateway.jobs.pages"),
    commands=("gateway.jobs_cli",),
    # Built-in maintenance jobs (pruning) register on import of gateway.jobs.service.
    jobs=("gateway.jobs.service",),
    templates=("gateway.jobs",),
)
