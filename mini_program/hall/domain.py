"""The service hall: QR spots and scans, posters, the kiosk `/hall` and the mobile pages."""

from gateway.domains import Domain

DOMAIN = Domain(
    name="hall",
    models=("mini_program.hall.models",),
    migrations="mini_program.hall.migrations",
    blueprints=("mini_program.hall.api", "mini_program.hall.web", "mini_program.hall.pages"),
    demo=("mini_program.hall.demo:seed",),
    jobs=("mini_program.hall.jobs",),
    templates=("mini_program.hall",),
    permissions={
        "editor": frozenset({"qr.*"}),
        "reviewer": frozenset({"qr.read"}),
    },
)
