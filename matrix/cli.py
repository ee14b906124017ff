"""`govmatrix account ...`: list, show, check, add accounts and rotate their AppSecret.

Commands import what they use inside their function: `govmatrix` loads every command
module at start, and each command should pay only for its own imports.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from matrix.models import PLATFORM_LABELS, Platform


@click.group("account")
def account() -> None:
    """The matrix's accounts (official accounts, mini-program, other platforms)."""


@account.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def list_cmd(as_json: bool) -> None:
    """List all accounts."""
    from gateway.cli import run_async
    from matrix.service import registry

    async def _run() -> list[dict[str, Any]]:
        names = await registry.department_names()
        return [
            registry.account_to_dict(a, department_name=names.get(a.department_code or ""))
            for a in await registry.list_accounts()
        ]

    rows = run_async(_run)
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for r in rows:
        click.echo(
            f"{r['code']:<10} {r['name']:<12} {PLATFORM_LABELS[Platform(r['platform'])]:<8}"
            f" {r['department_name'] or '-':<14} {r['appid'] or '-':<20}"
            f" {r['follower_count']:>8}"
        )
    click.echo(f"{len(rows)} accounts")


# What `account show` and `account add` print: exactly what WeChat's admin platform asks for.
SHOW_FIELDS = ("code", "appid", "callback_url", "token", "encoding_aes_key")


def _wechat_settings(found: Any) -> dict[str, Any]:
    from matrix.service import registry

    settings = registry.callback_settings(found)
    return {key: settings[key] for key in SHOW_FIELDS}


@account.command("show")
@click.argument("code")
def show_cmd(code: str) -> None:
    """Print what WeChat's admin platform needs: callback URL, Token, EncodingAESKey (JSON)."""
    from gateway.cli import fail, run_async
    from matrix.service import registry

    async def _run() -> dict[str, Any] | None:
        found = await registry.find_account(code=code)
        return _wechat_settings(found) if found else None

    settings = run_async(_run)
    if settings is None:
        fail(f"no account with code {code!r}")
    click.echo(json.dumps(settings, ensure_ascii=False, indent=2))


@account.command("check")
@click.argument("code")
def check_cmd(code: str) -> None:
    """Verify an account's credentials with a real WeChat call (getcallbackip)."""
    from gateway.cli import fail, run_async
    from gateway.errors import ApiError
    from matrix.service import registry
    from matrix.wechat import service as wechat
    from matrix.wechat.errors import WeChatError

    async def _run() -> tuple[bool, str]:
        try:
            creds = await registry.get_credentials(code=code)
        except ApiError as exc:
            return False, exc.message
        try:
            ips = await wechat.get_callback_ip(appid=creds.appid, secret=creds.secret)
        except WeChatError as exc:
            return False, f"errcode {exc.errcode}: {exc.errmsg or exc.user_message}"
        return True, f"{creds.appid}: credentials ok, WeChat lists {len(ips)} callback IPs"

    ok, message = run_async(_run)
    if not ok:
        fail(f"{code}: check failed: {message}")
    click.echo(f"{code}: {message}")


def _read_secret(secret_stdin: bool, prompt: str) -> str:
    if secret_stdin:
        return sys.stdin.readline().strip()
    return str(click.prompt(prompt, hide_input=True, confirmation_prompt=True))


@account.command("add")
@click.option("--code", required=True)
@click.option("--name", required=True)
@click.option("--department", "department_code", default=None)
@click.option(
    "--platform",
    type=click.Choice([p.value for p in Platform]),
    default=Platform.WECHAT_SUBSCRIPTION.value,
    show_default=True,
)
@click.option("--appid", default=None)
@click.option("--aes-key", "encoding_aes_key", default=None, help="Generated when omitted.")
@click.option("--token", default=None, help="Callback Token; generated when omitted.")
@click.option("--plaintext", is_flag=True, help="Plaintext callbacks instead of safe mode.")
@click.option("--secret-stdin", is_flag=True, help="Read the AppSecret from stdin.")
def add_cmd(
    code: str,
    name: str,
    department_code: str | None,
    platform: str,
    appid: str | None,
    encoding_aes_key: str | None,
    token: str | None,
    plaintext: bool,
    secret_stdin: bool,
) -> None:
    """Register an account (the AppSecret is prompted for, never an argument)."""
    from pydantic import ValidationError

    from gateway.cli import fail, run_async
    from gateway.errors import ApiError, fields_from_validation
    from matrix.schemas import AccountCreate
    from matrix.service import registry
    from matrix.service.common import Actor

    secret = None
    if Platform(platform) in (
        Platform.WECHAT_SUBSCRIPTION,
        Platform.WECHAT_SERVICE,
        Platform.WECHAT_MINIPROGRAM,
    ):
        secret = _read_secret(secret_stdin, "AppSecret")
    try:
        data = AccountCreate(
            code=code,
            name=name,
            department_code=department_code,
            platform=Platform(platform),
            appid=appid,
            secret=secret,
            encoding_aes_key=encoding_aes_key,
            token=token,
            safe_mode=not plaintext,
        )
    except ValidationError as exc:
        fail("; ".join(f"{k}: {v}" for k, v in fields_from_validation(exc).items()))
        return

    async def _run() -> dict[str, Any]:
        created = await registry.create_account(data=data, actor=Actor.cli())
        return _wechat_settings(created)

    try:
        settings = run_async(_run)
    except ApiError as exc:
        detail = "; ".join(f"{k}: {v}" for k, v in exc.fields.items())
        fail(f"{exc.message}{': ' + detail if detail else ''}")
        return
    click.echo(json.dumps(settings, ensure_ascii=False, indent=2))


@account.command("rotate-secret")
@click.argument("code")
@click.option("--secret-stdin", is_flag=True, help="Read the new AppSecret from stdin.")
def rotate_cmd(code: str, secret_stdin: bool) -> None:
    """Store a new AppSecret (after resetting it in WeChat's admin platform)."""
    from gateway.cli import fail, run_async
    from gateway.errors import ApiError
    from matrix.service import registry
    from matrix.service.common import Actor

    secret = _read_secret(secret_stdin, "New AppSecret")

    async def _run() -> None:
        await registry.rotate_secret(code=code, secret=secret, actor=Actor.cli())

    try:
        run_async(_run)
    except ApiError as exc:
        detail = "; ".join(f"{k}: {v}" for k, v in exc.fields.items())
        fail(f"{exc.message}{': ' + detail if detail else ''}")
        return
    click.echo(f"{code}: AppSecret updated")


commands = [account]
