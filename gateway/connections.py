"""Opening and closing the database and Redis: one helper for the app, the CLI, the job worker
and the test fixtures.

The database is tortoise with every declared domain's models (gateway.domains); Redis is the
shared client of gateway.redis. Each process opens both once and closes them on the way out.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from gateway import db, domains
from gateway import redis as gredis


async def connect(*, database_url: str | None, redis_url: str) -> None:
    """Open the database (unless `database_url` is None) and the shared Redis client."""
    if database_url is not None:
        await db.init(database_url, domains.model_apps())
    gredis.connect(redis_url)


async def disconnect() -> None:
    """Close Redis and the database (whichever of them is open)."""
    await gredis.close()
    await db.close()


@asynccontextmanager
async def connected(*, database_url: str | None, redis_url: str) -> AsyncIterator[None]:
    """`connect` on entry and `disconnect` on exit, however the block ends."""
    await connect(database_url=database_url, redis_url=redis_url)
    try:
        yield
    finally:
        await disconnect()
