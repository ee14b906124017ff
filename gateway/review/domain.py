"""Multi-level review as a domain of its own: its tables and its console partial.

It declares no blueprint and no permission: each domain that attaches review mounts the
endpoints on its own blueprint (gateway.review.routes) under its own permissions.
"""

from gateway.domains import Domain

DOMAIN = Domain(
    name="review",
    models=("gateway.review.models",),
    migrations="gateway.review.migrations",
    templates=("gateway.review",),
)
