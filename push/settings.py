"""The push domain's own settings (`APP_PUSH_*`), read from the environment like gateway's."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class PushSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="APP_PUSH_", env_file=".env", extra="ignore")

    # Materials and the draft are prepared this long before a delivery's time, so that at the
    # time itself only `freepublish/submit` (or the group send) remains to be done.
    stage_lead_seconds: float = Field(600.0, ge=0)
    # Transient WeChat failures (-1, network, 45011, 45066) are retried for this long.
    retry_window_seconds: float = Field(3600.0, ge=0)
    # First retry delay; doubled per attempt (jittered), capped at retry_cap_seconds.
    retry_base_seconds: float = Field(5.0, gt=0)
    retry_cap_seconds: float = Field(600.0, gt=0)
    # After a submit, the result is polled (freepublish/get) if no event closed it by then.
    poll_first_seconds: float = Field(15.0, gt=0)
    poll_cap_seconds: float = Field(600.0, gt=0)
    # A publish with no outcome after this long is marked failed (unknown outcome).
    poll_give_up_seconds: float = Field(24 * 3600.0, gt=0)
    # A worker that died between "submit sent" and "publish_id recorded" left a delivery whose
    # outcome is unknown; the next worker waits this long for WeChat's evidence before it
    # concludes the submit never happened and submits again.
    reconcile_seconds: float = Field(300.0, ge=0)


def push_settings() -> PushSettings:
    """Read on each use (cheap), so a test or an operator's change applies without restart."""
    return PushSettings()  # type: ignore[call-arg]  # values come from the environment
