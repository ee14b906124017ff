"""Policy pushes: articles, three-level review, plans to many accounts, dispatch, calendar."""

from gateway.domains import Domain

DOMAIN = Domain(
    name="push",
    models=("push.models",),
    migrations="push.migrations",
    blueprints=("push.api", "push.pages", "push.signals"),
    commands=(),
    demo=("push.demo:seed",),
    jobs=("push.jobs",),
    templates=("push",),
    permissions={
        "editor": frozenset({"push.read", "push.write"}),
        "reviewer": frozenset({"push.read", "push.review"}),
    },
)
