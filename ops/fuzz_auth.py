"""schemathesis hook for `make fuzz` (SCHEMATHESIS_HOOKS=ops.fuzz_auth): the administrator's
Bearer token on every /api/v1/admin request, signed in again whenever it stops working.

The fuzzer itself may end the session (DELETE /api/v1/admin/session) or reset the fuzzing
administrator's password (PATCH /api/v1/admin/users/{id}): a 401 fetches a new token, and a
refused sign-in first sets the password back with `govmatrix user set-password`.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import schemathesis

GOVMATRIX = str(Path(sys.executable).parent / "govmatrix")


def _sign_in() -> httpx.Response:
    return httpx.post(
        f"{os.environ['FUZZ_APP_URL']}/api/v1/admin/session",
        json={"username": os.environ["FUZZ_USERNAME"], "password": os.environ["FUZZ_PASSWORD"]},
        timeout=30,
    )


@schemathesis.auth(refresh_interval=120).apply_to(path_regex="^/api/v1/admin/")
class StaffSession:
    def get(self, case: Any, context: Any) -> str:
        response = _sign_in()
        if response.status_code == 401:
            subprocess.run(
                [GOVMATRIX, "user", "set-password", os.environ["FUZZ_USERNAME"],
                 "--password", os.environ["FUZZ_PASSWORD"]],
                check=True,
                capture_output=True,
            )  # fmt: skip
            response = _sign_in()
        response.raise_for_status()
        token: str = response.json()["token"]
        return token

    def set(self, case: Any, data: str, context: Any) -> None:
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}
