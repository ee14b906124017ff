import subprocess

from tests.conftest import run_cli


def _run(*args: str, **env: str) -> subprocess.CompletedProcess:
    return run_cli(*args, timeout=60, **env)


def test_production_refuses_to_start_with_demo_secrets_and_the_sandbox():
    done = _run("serve", "--port", "1", APP_ENV="production")
    assert done.returncode != 0
    assert "APP_SECRET_KEY" in done.stderr
    assert "sandbox" in done.stderr
    assert "Traceback" not in done.stderr


def test_production_refuses_dev_mode_even_with_real_settings():
    done = _run(
        "serve",
        "--dev",
        "--port",
        "1",
        APP_ENV="production",
        APP_SECRET_KEY="x" * 48,
        APP_ENCRYPTION_KEY="cHJvZHVjdGlvbi1rZXktcHJvZHVjdGlvbi1rZXktMTI=",
        APP_WECHAT_API_BASE="https://api.weixin.qq.com",
        APP_MP_SECRET="0123456789abcdef0123456789abcdef",
    )
    assert done.returncode != 0
    assert "--dev is refused" in done.stderr


def test_cli_lists_the_documented_commands():
    done = _run("--help")
    assert done.returncode == 0
    for command in ("serve", "worker", "migrate", "seed-demo", "import-catalog", "user", "sandbox"):
        assert command in done.stdout, command


def test_production_refuses_a_wechat_api_that_is_not_https_or_is_local():
    real = {
        "APP_ENV": "production",
        "APP_SECRET_KEY": "x" * 48,
        "APP_ENCRYPTION_KEY": "cHJvZHVjdGlvbi1rZXktcHJvZHVjdGlvbi1rZXktMTI=",
        "APP_MP_SECRET": "0123456789abcdef0123456789abcdef",
    }
    for base, reason in (
        ("http://0.0.0.0:8001", "sandbox"),
        ("http://api.weixin.qq.com", "https"),
        ("http://wechat-sandbox.internal:8001", "https"),
    ):
        done = _run("serve", "--port", "1", **real, APP_WECHAT_API_BASE=base)
        assert done.returncode != 0, base
        assert "APP_WECHAT_API_BASE" in done.stderr, done.stderr
        assert reason in done.stderr, done.stderr
        assert "Traceback" not in done.stderr
