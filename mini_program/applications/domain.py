"""Disclosure applications: filing (mini-program, hall terminal, staff entry), the legal
deadlines, answers with generated letters, reminders, and the annual report's tables."""

from gateway.domains import Domain

DOMAIN = Domain(
    name="applications",
    models=("mini_program.applications.models",),
    migrations="mini_program.applications.migrations",
    blueprints=(
        "mini_program.applications.api",
        "mini_program.applications.pages",
        "mini_program.applications.hall",
    ),
    commands=("mini_program.applications.cli",),
    demo=("mini_program.applications.demo:seed",),
    jobs=("mini_program.applications.jobs",),
    templates=("mini_program.applications",),
    permissions={
        # Department staff handle their own department's applications and compile its report.
        "department_staff": frozenset(
            {"applications.read", "applications.handle", "applications.report"}
        ),
        # The head of the disclosure office approves extensions, routes applications to
        # departments and oversees the county's queue and report.
        "disclosure_head": frozenset({"applications.*"}),
    },
)
