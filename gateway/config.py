"""Typed settings from APP_* environment variables and an optional .env file."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Demo values let `make dev` run on a fresh machine; production refuses them (see below).
DEMO_SECRET_KEY = "demo-secret-key-change-me-0123456789abcdef"
DEMO_ENCRYPTION_KEY = "ZGVtby1lbmNyeXB0aW9uLWtleS0zMi1ieXRlcy0hISE="
SANDBOX_API_BASE = "http://127.0.0.1:8001"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="APP_", env_file=".env", extra="ignore")

    env: str = Field("development", description="development | test | production")
    database_url: str = "sqlite://var/govmatrix.sqlite3"
    redis_url: str = "redis://127.0.0.1:6379/0"
    secret_key: str = DEMO_SECRET_KEY
    # Fernet key (urlsafe base64 of 32 bytes) for secrets at rest: AppSecrets, AES keys, ID numbers.
    encryption_key: str = DEMO_ENCRYPTION_KEY
    wechat_api_base: str = SANDBOX_API_BASE
    # The mini-program's own credentials for jscode2session.
    mp_appid: str = "wx6d0c4b0e8f3a2b10"
    mp_secret: str = "demo-mini-program-secret-000000001"
    media_dir: Path = Path("var/media")
    public_base_url: str = "http://127.0.0.1:8000"
    session_ttl: int = 7 * 24 * 3600
    staff_session_ttl: int = 12 * 3600
    max_body_bytes: int = 2 * 1024 * 1024
    wechat_threads: int = 16
    login_max_failures: int = 5
    login_lockout_seconds: int = 900
    # `serve` replaces a dead worker process, but one dying this often within the window means
    # something is wrong that a restart of the whole service may fix: it exits 1 instead.
    worker_restart_limit: int = Field(5, ge=1)
    worker_restart_window: float = Field(60.0, gt=0)
    # Seconds `serve` waits for its workers to come up at start before it gives up (Sanic's
    # own limit is 30 s, tight for a small county VM loading jieba's dictionary in each).
    worker_start_timeout: float = Field(60.0, gt=0)
    # Seconds a search answer is reused for the same query (0: every query runs the search).
    search_cache_seconds: float = 30.0

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def uses_sandbox(self) -> bool:
        host = self.wechat_api_base.split("://", 1)[-1]
        return host.startswith(("127.", "localhost", "[::1]", "0.0.0.0"))

    @model_validator(mode="after")
    def _refuse_demo_values_in_production(self) -> Settings:
        if self.env != "production":
            return self
        problems = []
        if self.secret_key == DEMO_SECRET_KEY or len(self.secret_key) < 32:
            problems.append("APP_SECRET_KEY is the demo value or shorter than 32 characters")
        if self.encryption_key == DEMO_ENCRYPTION_KEY:
            problems.append("APP_ENCRYPTION_KEY is the demo value")
        if self.uses_sandbox:
            problems.append("APP_WECHAT_API_BASE points at the sandbox")
        elif not self.wechat_api_base.startswith("https://"):
            # WeChat's API is HTTPS only; plain HTTP is a sandbox or a typo either way.
            problems.append("APP_WECHAT_API_BASE is not https:// (WeChat's API is HTTPS only)")
        if self.mp_secret.startswith("demo-"):
            problems.append("APP_MP_SECRET is the demo value")
        if problems:
            raise ValueError("refusing to start in production: " + "; ".join(problems))
        return self


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()  # type: ignore[call-arg]  # values come from the environment


def setting(name: str) -> str | None:
    """A setting outside the typed fields (one per kind of something, e.g.
    APP_REVIEW_LEVELS_ARTICLE): the environment first, then `.env`, like Settings."""
    value = os.environ.get(name)
    return value if value is not None else _dotenv().get(name)


@lru_cache(maxsize=1)
def _dotenv() -> dict[str, str]:
    path = Path(".env")
    if not path.is_file():
        return {}
    from dotenv import dotenv_values

    return {k: v for k, v in dotenv_values(path).items() if v is not None}
