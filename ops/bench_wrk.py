"""Running wrk from `make bench`: Lua scripts that round-robin over prepared requests and print
p50/p95/p99 (wrk's own --latency report has no p95) as one JSON line."""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

WRK = "/usr/bin/wrk"

# One script serves every scenario. Its arguments (after `--`): a file of requests and the
# number of wrk threads. Lines are "PATH" (GET) or "PATH<TAB>BODY" (POST, body with no
# newline). Thread k takes lines k, k+n, k+2n... so no two threads send the same line; with
# `once`, a thread stops when its lines run out instead of starting over (each callback body
# carries a single-use nonce, and a replay would be rejected).
LUA = r"""
local threads = {}
local counter = 0

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

function init(args)
  local file, nthreads, once = args[1], tonumber(args[2]), args[3] == "once"
  reqs = {}
  local i = 0
  for line in io.lines(file) do
    if i % nthreads == tid then
      local tab = string.find(line, "\t", 1, true)
      if tab then
        table.insert(reqs, wrk.format("POST", string.sub(line, 1, tab - 1),
          {["Content-Type"] = "text/xml"}, string.sub(line, tab + 1)))
      else
        table.insert(reqs, wrk.format("GET", line))
      end
    end
    i = i + 1
  end
  stop_when_done = once
end

function request()
  counter = counter + 1
  if counter > #reqs then
    if stop_when_done then
      wrk.thread:stop()
      return reqs[#reqs]
    end
    counter = 1
  end
  return reqs[counter]
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"p50_us":%d,"p95_us":%d,"p99_us":%d,' ..
    '"non2xx":%d,"socket_errors":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), e.status, e.connect + e.read + e.write + e.timeout))
end
"""


@dataclass
class WrkResult:
    requests: int
    seconds: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    non2xx: int
    socket_errors: int

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def ok_rps(self) -> float:
        ok = max(0, self.requests - self.non2xx - self.socket_errors)
        return ok / self.seconds if self.seconds else 0.0


def write_script(directory: Path) -> Path:
    path = directory / "round_robin.lua"
    path.write_text(LUA, encoding="utf-8")
    return path


def write_requests(path: Path, lines: list[str]) -> Path:
    for line in lines:
        if "\n" in line:
            raise ValueError("a request line may not contain a newline")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run_wrk(
    base_url: str,
    requests_file: Path,
    script: Path,
    *,
    seconds: float,
    connections: int,
    threads: int = 2,
    once: bool = False,
    timeout_s: int = 5,
    headers: dict[str, str] | None = None,
) -> WrkResult:
    threads = max(1, min(threads, connections))
    cmd = [
        WRK,
        f"-t{threads}",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        f"--timeout={timeout_s}s",
        *[arg for name, value in (headers or {}).items() for arg in ("-H", f"{name}: {value}")],
        "-s",
        str(script),
        base_url,
        "--",
        str(requests_file),
        str(threads),
        "once" if once else "loop",
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 120)
    match = re.search(r"BENCH_JSON (\{.*\})", done.stdout)
    if done.returncode != 0 or not match:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stdout[-500:]} {done.stderr}")
    data = json.loads(match.group(1))
    return WrkResult(
        requests=data["requests"],
        seconds=data["duration_us"] / 1e6,
        p50_ms=data["p50_us"] / 1000,
        p95_ms=data["p95_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        non2xx=data["non2xx"],
        socket_errors=data["socket_errors"],
    )
