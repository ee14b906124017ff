"""The matrix: the 27 accounts, the WeChat client, callbacks, the inbox, health, the sandbox."""

from gateway.domains import Domain

DOMAIN = Domain(
    name="matrix",
    models=("matrix.models",),
    migrations="matrix.migrations",
    blueprints=("matrix.callback", "matrix.api", "matrix.pages"),
    commands=("matrix.sandbox.cli", "matrix.wechat.cli", "matrix.cli"),
    demo=("matrix.demo:seed",),
    jobs=("matrix.jobs",),
    templates=("matrix",),
    permissions={
        # inbox.assign: hand messages to departments and decide departments' requests to move
        # one (administrators hold it too, as every permission).
        "editor": frozenset({"inbox.read", "inbox.reply", "inbox.assign", "accounts.read"}),
        "reviewer": frozenset({"accounts.read", "inbox.read"}),
        "department_staff": frozenset({"inbox.read", "inbox.reply"}),
    },
)
