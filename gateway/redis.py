"""The shared Redis client (redis.asyncio). Holds only short-lived state; see ARCHITECTURE.md."""

from __future__ import annotations

from redis.asyncio import BlockingConnectionPool, Redis

_client: Redis | None = None


# Under a burst, callers wait up to POOL_WAIT seconds for a free connection instead of
# failing: redis-py's default pool raises once its connections are all in use.
POOL_SIZE = 128
POOL_WAIT = 5.0


def connect(url: str) -> Redis:
    global _client
    pool = BlockingConnectionPool.from_url(
        url,
        max_connections=POOL_SIZE,
        timeout=POOL_WAIT,
        decode_responses=True,
        health_check_interval=30,
        # A burst of new connections from many processes at once (ten CLI processes, a
        # restarted worker pool) queues in Redis's accept backlog; on a busy machine the
        # connect takes seconds. A Redis that is down refuses at once, whatever this says.
        socket_connect_timeout=5,
        socket_timeout=5,
    )
    _client = Redis(connection_pool=pool)
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
