"""Village loudspeakers: scripts, speakable text, synthesis, villages' downloads and plays."""

from gateway.domains import Domain

DOMAIN = Domain(
    name="broadcast",
    models=("broadcast.models",),
    migrations="broadcast.migrations",
    blueprints=(
        "broadcast.api",
        "broadcast.village_api",
        "broadcast.listen_api",
        "broadcast.pages",
        "broadcast.village_pages",
    ),
    commands=("broadcast.cli",),
    demo=("broadcast.demo:seed",),
    jobs=("broadcast.jobs",),
    templates=("broadcast",),
    permissions={
        "editor": frozenset({"broadcast.read", "broadcast.write"}),
        "reviewer": frozenset({"broadcast.read", "broadcast.review"}),
        "village_staff": frozenset({"broadcast.download", "broadcast.confirm"}),
    },
)
