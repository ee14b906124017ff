"""`make fuzz`: schemathesis over the whole OpenAPI document, as an administrator and anonymously.

    python -m ops.fuzz [--max-examples 10] [--seed N] [--only admin|anonymous]

Starts its own stack like the suite does (a fresh SQLite database under var/fuzz/, or
FUZZ_DATABASE_URL; Redis at FUZZ_REDIS_URL or TEST_REDIS_URL, flushed first; the WeChat
sandbox; the demo county), signs in a dedicated administrator, then runs schemathesis twice
against /docs/openapi.json: with that administrator's Bearer token and without any. Every
check it has is on (schemathesis.toml): no server error, every answer as documented (status,
content type, body, the one error shape), requests valid by the document accepted and invalid
ones refused, 405 with Allow. Exits non-zero on any failure; prints the requests sent and the
operations covered.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import redis

from ops.bench_kit import ROOT, Stack, free_port

FUZZ_DIR = Path(os.environ.get("FUZZ_DIR") or ROOT / "var" / "fuzz").resolve()
BIN = Path(sys.executable).parent
GOVMATRIX = str(BIN / "govmatrix")
FUZZ_ADMIN = "fuzz_admin"
FUZZ_PASSWORD = "Fuzz#Mengcheng2026"


def fuzz_env(sandbox_url: str, app_url: str) -> dict[str, str]:
    redis_url = os.environ.get("FUZZ_REDIS_URL") or os.environ.get(
        "TEST_REDIS_URL", "redis://127.0.0.1:6379/15"
    )
    return {
        **os.environ,
        "APP_ENV": "test",
        "APP_DATABASE_URL": os.environ.get("FUZZ_DATABASE_URL")
        or f"sqlite://{FUZZ_DIR}/fuzz.sqlite3",
        "APP_REDIS_URL": redis_url,
        "APP_WECHAT_API_BASE": sandbox_url,
        "APP_MEDIA_DIR": str(FUZZ_DIR / "media"),
        "APP_PUBLIC_BASE_URL": app_url,
        # The fuzzer signs in with random names thousands of times: the sign-in lockout (which
        # has its own tests) would lock the loopback address and the fuzzing administrator.
        "APP_LOGIN_MAX_FAILURES": "1000000",
    }


def start_stack() -> tuple[Stack, str]:
    if FUZZ_DIR.exists():
        shutil.rmtree(FUZZ_DIR)
    FUZZ_DIR.mkdir(parents=True)
    sandbox_port, app_port = free_port(), free_port()
    sandbox_url, app_url = f"http://127.0.0.1:{sandbox_port}", f"http://127.0.0.1:{app_port}"
    stack = Stack(fuzz_env(sandbox_url, app_url), FUZZ_DIR, GOVMATRIX)
    client = redis.Redis.from_url(stack.env["APP_REDIS_URL"])
    client.flushdb()  # this run's own database number (TEST_REDIS_URL or FUZZ_REDIS_URL)
    client.close()
    print(f"==> migrating a fresh database under {FUZZ_DIR}")
    stack.cli("migrate")
    stack.start("sandbox", [GOVMATRIX, "sandbox", "--port", str(sandbox_port)], sandbox_url)
    print("==> loading the demo county")
    stack.cli("seed-demo")
    stack.cli("user", "create", FUZZ_ADMIN, "--role", "admin", "--password", FUZZ_PASSWORD)
    serve = [GOVMATRIX, "serve", "--port", str(app_port), "--single-process", "--no-worker"]
    stack.start("app", serve, f"{app_url}/healthz")
    return stack, app_url


def run_schemathesis(
    stack: Stack, app_url: str, who: str, *, max_examples: int, seed: int
) -> dict[str, object]:
    """One schemathesis run; returns its figures from the NDJSON event stream."""
    events = FUZZ_DIR / f"{who}.ndjson"
    command = [
        str(BIN / "schemathesis"),
        "--no-color",
        "--config-file",
        str(ROOT / "ops" / "schemathesis.toml"),
        "run",
        f"{app_url}/docs/openapi.json",
        "--max-examples",
        str(max_examples),
        "--seed",
        str(seed),
        "--report",
        "ndjson",
        "--report-ndjson-path",
        str(events),
    ]
    env = dict(stack.env)
    if who == "admin":
        env["FUZZ_APP_URL"], env["FUZZ_USERNAME"] = app_url, FUZZ_ADMIN
        env["FUZZ_PASSWORD"] = FUZZ_PASSWORD
        env["SCHEMATHESIS_HOOKS"] = "ops.fuzz_auth"
    print(f"==> schemathesis, {who}")
    done = subprocess.run(command, cwd=ROOT, env=env)
    return {"who": who, "exit": done.returncode, **figures(events)}


def figures(events: Path) -> dict[str, object]:
    """Requests sent, operations they reached and failed checks, from schemathesis' NDJSON."""
    requests, failures, operations = 0, 0, set()
    if not events.is_file():
        return {"requests": 0, "operations": 0, "failures": 0}
    for line in events.read_text().splitlines():
        scenario = json.loads(line).get("ScenarioFinished")
        if not scenario:
            continue
        recorder = scenario.get("recorder", {})
        interactions = recorder.get("interactions", {})
        requests += len(interactions)
        if interactions:
            operations.add(recorder.get("label"))
        failures += sum(
            check.get("status") == "failure"
            for checks in recorder.get("checks", {}).values()
            for check in checks
        )
    return {"requests": requests, "operations": len(operations), "failures": failures}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--max-examples", type=int, default=10)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--only", choices=("admin", "anonymous"))
    args = parser.parse_args()
    stack, app_url = start_stack()
    results = []
    try:
        for who in ("admin", "anonymous"):
            if args.only in (None, who):
                results.append(
                    run_schemathesis(
                        stack, app_url, who, max_examples=args.max_examples, seed=args.seed
                    )
                )
    finally:
        stack.stop()
    print()
    for r in results:
        verdict = "no failures" if r["exit"] == 0 else f"FAILED (exit {r['exit']})"
        print(
            f"{r['who']}: {r['requests']} requests over {r['operations']} operations, "
            f"{r['failures']} failed checks: {verdict}"
        )
    print(f"logs in {FUZZ_DIR}")
    sys.exit(0 if all(r["exit"] == 0 for r in results) else 1)


if __name__ == "__main__":
    main()
