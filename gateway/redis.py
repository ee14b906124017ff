"""The shared Redis client (redis.asyncio). Holds only short-lived state; see ARCHITECTURE.md."""

from __future__ import annotations

from redis.asyncio import Redis

_client: Redis | None = None


def connect(url: str) -> Redis:
    global _client
    _client = Redis.from_url(url, decode_responses=True, health_check_interval=30)
    return _client


def get_redis() -> Redis:
    """The process's Redis client; services call this instead of taking a Request."""
    if _client is None:
        raise RuntimeError("Redis is not connected; call gateway.redis.connect() first")
    return _client


async def close() -> None:
    global _client
    if _client is not None:
        await _client.aclose()
        _client = None
