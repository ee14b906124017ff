"""`govmatrix sandbox`: run the WeChat sandbox.

Commands import what they use inside their function: `govmatrix` loads every command
module at start, and each command should pay only for its own imports.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import click


@click.command("sandbox")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8001, show_default=True, type=int)
@click.option(
    "--state-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where the sandbox keeps its state (default: $APP_SANDBOX_STATE_DIR, else "
    "var/sandbox/<port>/; a fresh temporary dir when APP_ENV=test).",
)
@click.option(
    "--event-delay",
    type=float,
    default=None,
    help="Seconds before a publish or group send completes (default: "
    "$APP_SANDBOX_EVENT_DELAY or 3; 0.5 when APP_ENV=test).",
)
def sandbox(host: str, port: int, state_dir: Path | None, event_delay: float | None) -> None:
    """Run the WeChat sandbox (a stand-in for api.weixin.qq.com)."""
    from sanic import Sanic

    from matrix.sandbox.app import create_app

    testing = os.environ.get("APP_ENV") == "test"
    if state_dir is None:
        env_dir = os.environ.get("APP_SANDBOX_STATE_DIR")
        if env_dir:
            state_dir = Path(env_dir)
        elif testing:
            # Each test run starts from an empty sandbox, whatever port it happens to get.
            state_dir = Path(tempfile.mkdtemp(prefix=f"sandbox-{port}-"))
        else:
            state_dir = Path("var/sandbox") / str(port)
    if event_delay is None:
        default = "0.5" if testing else "3"
        event_delay = float(os.environ.get("APP_SANDBOX_EVENT_DELAY", default))
    app = create_app(state_dir, event_delay=event_delay)
    # WeChat accepts whatever connections a fan-out opens; Sanic's default backlog of 100 would
    # drop the handshakes of a burst of workers connecting at once.
    app.prepare(
        host=host, port=port, single_process=True, motd=False, access_log=False, backlog=1024
    )
    click.echo(f"WeChat sandbox on http://{host}:{port}/sandbox/ (state in {state_dir})")
    Sanic.serve_single(primary=app)


commands = [sandbox]
