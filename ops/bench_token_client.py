"""One of the processes of the token figure: many WeChat calls at once through the product's
client, all needing the account's access token (`make bench` starts ten of these together).

    python -m ops.bench_token_client --calls 100 --start-at EPOCH
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time

from gateway.cli import run_async
from matrix import demo
from matrix.wechat import service


async def _calls(count: int, start_at: float) -> dict[str, int]:
    appid, secret = demo.demo_appid(demo.ACCOUNTS[0][0]), demo.demo_secret(demo.ACCOUNTS[0][0])
    # Line up with the other processes so the first calls really race.
    await asyncio.sleep(max(0.0, start_at - time.time()))

    async def one() -> bool:
        try:
            await service.get_callback_ip(appid=appid, secret=secret)
            return True
        except Exception:  # noqa: BLE001 (any failure counts as a failed call)
            return False

    results = await asyncio.gather(*(one() for _ in range(count)))
    return {"ok": sum(results), "failed": len(results) - sum(results)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=100)
    parser.add_argument("--start-at", type=float, default=0.0)
    args = parser.parse_args()
    print(json.dumps(run_async(lambda: _calls(args.calls, args.start_at))))


if __name__ == "__main__":
    main()
