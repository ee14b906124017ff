"""Government open days: events, registration and waitlist, tickets checked at the door."""

from gateway.domains import Domain

DOMAIN = Domain(
    name="open_days",
    models=("mini_program.open_days.models",),
    migrations="mini_program.open_days.migrations",
    blueprints=("mini_program.open_days.api", "mini_program.open_days.pages"),
    demo=("mini_program.open_days.demo:seed",),
    jobs=("mini_program.open_days.jobs",),
    templates=("mini_program.open_days",),
    permissions={
        "editor": frozenset({"open_days.*"}),
        "reviewer": frozenset({"open_days.read"}),
        # Department staff run their own department's events (scoped by department_scope).
        "department_staff": frozenset({"open_days.*"}),
    },
)
