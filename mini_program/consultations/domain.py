"""Consultations, opinion calls and the analysis of what people ask: one domain, one app label."""

from gateway.domains import Domain

_STAFF_READ = frozenset({"consultations.read", "opinions.read", "analysis.read"})

DOMAIN = Domain(
    name="consultations",
    models=(
        "mini_program.consultations.models",
        "mini_program.consultations.opinions.models",
    ),
    migrations="mini_program.consultations.migrations",
    blueprints=(
        "mini_program.consultations.api",
        "mini_program.consultations.pages",
        "mini_program.consultations.opinions.api",
        "mini_program.consultations.opinions.pages",
        "mini_program.consultations.analysis.api",
        "mini_program.consultations.analysis.pages",
    ),
    demo=("mini_program.consultations.demo:seed",),
    jobs=("mini_program.consultations.jobs",),
    templates=("mini_program.consultations",),
    permissions={
        # The county's open-government office: the help desk, inbox conversions, publishing,
        # moderation and the analysis; answering is the departments' work. Editors dispatch
        # (consultations.assign) as they do the inbox's messages (inbox.assign): the same
        # people decide a department's request to move a message or a question.
        "editor": _STAFF_READ
        | frozenset(
            {
                "consultations.intake",
                "consultations.assign",
                "consultations.publish",
                "opinions.write",
                "opinions.moderate",
                "analysis.words",
            }
        ),
        "reviewer": _STAFF_READ | frozenset({"consultations.publish", "opinions.moderate"}),
        # Department staff see, answer and publish their own department's questions and run
        # their own opinion calls; routing, reply limits and word lists are the admin's.
        "department_staff": _STAFF_READ
        | frozenset(
            {
                "consultations.answer",
                "consultations.publish",
                "consultations.reassign_request",
                "opinions.write",
                "opinions.moderate",
            }
        ),
    },
)
