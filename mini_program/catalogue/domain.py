"""The disclosure catalogue: domains, items, documents, search, the Excel importer."""

from gateway.domains import Domain

DOMAIN = Domain(
    name="catalogue",
    models=("mini_program.catalogue.models",),
    migrations="mini_program.catalogue.migrations",
    blueprints=("mini_program.catalogue.api", "mini_program.catalogue.pages"),
    commands=("mini_program.catalogue.cli",),
    demo=("mini_program.catalogue.demo:seed",),
    jobs=("mini_program.catalogue.jobs",),
    templates=("mini_program.catalogue",),
    permissions={"editor": frozenset({"catalogue.*"})},
)
