"""Settings of disclosure applications (APP_APPLICATIONS_* variables or .env)."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ApplicationSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="APP_APPLICATIONS_", env_file=".env", extra="ignore"
    )

    # Working days an applicant is given to correct an unclear application (Art. 30 leaves
    # the period to the agency; 15 is the county's practice).
    correction_workdays: int = Field(15, ge=1, le=60)
    # The department that receives applications filed online or at the hall terminal and
    # routes them on (the county government office's open-government office).
    default_department: str = "zfb"
    # Abuse limits: filings per resident per day, filings and queries per hall terminal
    # address, and wrong ID digits tried against one receipt number before it is locked.
    resident_filings_per_day: int = Field(10, ge=1)
    kiosk_filings_per_hour: int = Field(20, ge=1)
    kiosk_queries_per_window: int = Field(30, ge=1)
    kiosk_query_window_seconds: int = Field(600, ge=10)
    query_failures_per_receipt: int = Field(5, ge=1)
    query_lock_seconds: int = Field(1800, ge=10)
    # A hall terminal's session (what it may show after filing or a query) ends after this
    # much inactivity; signed file links for the mini-program last this long.
    kiosk_session_seconds: int = Field(600, ge=30)
    file_link_seconds: int = Field(900, ge=30)


@lru_cache(maxsize=1)
def get_app_settings() -> ApplicationSettings:
    return ApplicationSettings()  # type: ignore[call-arg]  # values come from the environment
