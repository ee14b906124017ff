"""Residents' notifications: follows, subscribe-message grants, the fan-out other domains use."""

from gateway.domains import Domain

DOMAIN = Domain(
    name="notify",
    models=("mini_program.notify.models",),
    migrations="mini_program.notify.migrations",
    blueprints=("mini_program.notify.api", "mini_program.notify.pages"),
    demo=("mini_program.notify.demo:seed",),
    jobs=("mini_program.notify.jobs",),
    templates=("mini_program.notify",),
    permissions={"editor": frozenset({"notify.read"}), "reviewer": frozenset({"notify.read"})},
)
