"""The sandbox's state: one SQLite file under the state dir, so a restart keeps apps and tokens.

All access happens on the sandbox's single event-loop thread; each statement is a short local
write, so plain sqlite3 in autocommit mode is simpler and fast enough.
"""

from __future__ import annotations

import json
import sqlite3
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

SHANGHAI = timezone(timedelta(hours=8))

SCHEMA = """
CREATE TABLE IF NOT EXISTS app (
  appid TEXT PRIMARY KEY, secret TEXT NOT NULL, kind TEXT NOT NULL, name TEXT NOT NULL,
  callback_url TEXT, token TEXT, encoding_aes_key TEXT, original_id TEXT NOT NULL,
  created_at REAL NOT NULL, updated_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS access_token (
  token TEXT PRIMARY KEY, appid TEXT NOT NULL, kind TEXT NOT NULL, issued_at REAL NOT NULL,
  expires_at REAL NOT NULL, superseded_at REAL
);
CREATE INDEX IF NOT EXISTS access_token_app ON access_token (appid, kind, issued_at);
CREATE TABLE IF NOT EXISTS login_code (
  code TEXT PRIMARY KEY, appid TEXT NOT NULL, openid TEXT NOT NULL, unionid TEXT,
  issued_at REAL NOT NULL, used_at REAL
);
CREATE TABLE IF NOT EXISTS call (
  id INTEGER PRIMARY KEY AUTOINCREMENT, at REAL NOT NULL, method TEXT NOT NULL,
  path TEXT NOT NULL, appid TEXT, errcode INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS call_app_path ON call (appid, path);
CREATE TABLE IF NOT EXISTS counter (
  appid TEXT NOT NULL, name TEXT NOT NULL, period TEXT NOT NULL, value INTEGER NOT NULL,
  PRIMARY KEY (appid, name, period)
);
CREATE TABLE IF NOT EXISTS kv (
  kind TEXT NOT NULL, appid TEXT NOT NULL, key TEXT NOT NULL, data TEXT NOT NULL,
  created_at REAL NOT NULL, PRIMARY KEY (kind, appid, key)
);
CREATE INDEX IF NOT EXISTS kv_kind ON kv (kind, created_at);
"""


class Store:
    def __init__(self, state_dir: Path) -> None:
        state_dir.mkdir(parents=True, exist_ok=True)
        self.dir = state_dir
        self.media_dir = state_dir / "media"
        self.media_dir.mkdir(exist_ok=True)
        self.db = sqlite3.connect(state_dir / "sandbox.sqlite3", isolation_level=None)
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(SCHEMA)
        # Per-app clock offsets let tests move one account's time (code expiry, 48-hour
        # window, daily quotas) without disturbing any other account in the same sandbox.
        self.clock: dict[str, float] = {
            row["appid"]: json.loads(row["data"]) for row in self._kv_rows("clock")
        }

    # --- time ----------------------------------------------------------------------------
    def now(self, appid: str | None = None) -> float:
        return time.time() + (self.clock.get(appid, 0.0) if appid else 0.0)

    def advance_clock(self, appid: str, seconds: float) -> float:
        self.clock[appid] = self.clock.get(appid, 0.0) + seconds
        self.kv_put("clock", appid, "offset", self.clock[appid])
        return self.clock[appid]

    def set_clock(self, appid: str, at: float) -> float:
        """Make the app's clock read `at` now (then run on with real time)."""
        self.clock[appid] = at - time.time()
        self.kv_put("clock", appid, "offset", self.clock[appid])
        return self.clock[appid]

    def reset_clock(self, appid: str) -> float:
        self.clock.pop(appid, None)
        self.kv_delete("clock", appid, "offset")
        return 0.0

    def day(self, appid: str) -> str:
        return datetime.fromtimestamp(self.now(appid), SHANGHAI).strftime("%Y-%m-%d")

    def month(self, appid: str) -> str:
        return datetime.fromtimestamp(self.now(appid), SHANGHAI).strftime("%Y-%m")

    # --- apps ----------------------------------------------------------------------------
    def upsert_app(self, data: dict[str, Any]) -> dict[str, Any]:
        now = time.time()
        existing = self.get_app(data["appid"])
        self.db.execute(
            """INSERT INTO app VALUES (:appid, :secret, :kind, :name, :callback_url, :token,
                 :encoding_aes_key, :original_id, :now, :now)
               ON CONFLICT (appid) DO UPDATE SET secret=excluded.secret, kind=excluded.kind,
                 name=excluded.name, callback_url=excluded.callback_url, token=excluded.token,
                 encoding_aes_key=excluded.encoding_aes_key, original_id=excluded.original_id,
                 updated_at=excluded.updated_at""",
            {**data, "now": now},
        )
        app = self.get_app(data["appid"])
        assert app is not None
        app["created"] = existing is None
        return app

    def get_app(self, appid: str | None) -> dict[str, Any] | None:
        if not appid:
            return None
        row = self.db.execute("SELECT * FROM app WHERE appid = ?", (appid,)).fetchone()
        return dict(row) if row else None

    def list_apps(self) -> list[dict[str, Any]]:
        return [dict(r) for r in self.db.execute("SELECT * FROM app ORDER BY created_at, appid")]

    # --- access tokens -------------------------------------------------------------------
    def current_token(self, appid: str, kind: str) -> dict[str, Any] | None:
        row = self.db.execute(
            "SELECT * FROM access_token WHERE appid = ? AND kind = ? AND superseded_at IS NULL"
            " ORDER BY issued_at DESC LIMIT 1",
            (appid, kind),
        ).fetchone()
        return dict(row) if row else None

    def issue_token(self, appid: str, kind: str, token: str, ttl: int) -> dict[str, Any]:
        now = self.now(appid)
        self.db.execute(
            "UPDATE access_token SET superseded_at = ? WHERE appid = ? AND kind = ?"
            " AND superseded_at IS NULL",
            (now, appid, kind),
        )
        self.db.execute(
            "INSERT INTO access_token VALUES (?, ?, ?, ?, ?, NULL)",
            (token, appid, kind, now, now + ttl),
        )
        return {"token": token, "issued_at": now, "expires_at": now + ttl}

    def find_token(self, token: str) -> dict[str, Any] | None:
        row = self.db.execute("SELECT * FROM access_token WHERE token = ?", (token,)).fetchone()
        return dict(row) if row else None

    def revoke_tokens(self, appid: str) -> int:
        # Marks every token as superseded long ago: the next call with any of them gets 40001.
        cur = self.db.execute(
            "UPDATE access_token SET superseded_at = ? WHERE appid = ?",
            (self.now(appid) - 3600, appid),
        )
        return cur.rowcount

    # --- login codes ---------------------------------------------------------------------
    def add_code(self, code: str, appid: str, openid: str, unionid: str | None) -> None:
        self.db.execute(
            "INSERT INTO login_code VALUES (?, ?, ?, ?, ?, NULL)",
            (code, appid, openid, unionid, self.now(appid)),
        )

    def get_code(self, code: str) -> dict[str, Any] | None:
        row = self.db.execute("SELECT * FROM login_code WHERE code = ?", (code,)).fetchone()
        return dict(row) if row else None

    def use_code(self, code: str, at: float) -> bool:
        cur = self.db.execute(
            "UPDATE login_code SET used_at = ? WHERE code = ? AND used_at IS NULL", (at, code)
        )
        return cur.rowcount == 1

    # --- the call record -----------------------------------------------------------------
    def record_call(self, method: str, path: str, appid: str | None, errcode: int) -> None:
        self.db.execute(
            "INSERT INTO call (at, method, path, appid, errcode) VALUES (?, ?, ?, ?, ?)",
            (time.time(), method, path, appid, errcode),
        )

    def list_calls(
        self, appid: str | None, path: str | None, since_id: int = 0, limit: int = 5000
    ) -> list[dict[str, Any]]:
        sql = "SELECT * FROM call WHERE id > ?"
        args: list[Any] = [since_id]
        if appid:
            sql += " AND appid = ?"
            args.append(appid)
        if path:
            sql += " AND path = ?"
            args.append(path)
        sql += " ORDER BY id DESC LIMIT ?"
        args.append(limit)
        rows = [dict(r) for r in self.db.execute(sql, args)]
        rows.reverse()
        return rows

    # --- counters (quotas) ---------------------------------------------------------------
    def incr(self, appid: str, name: str, period: str, by: int = 1) -> int:
        self.db.execute(
            "INSERT INTO counter VALUES (?, ?, ?, ?) ON CONFLICT (appid, name, period)"
            " DO UPDATE SET value = value + excluded.value",
            (appid, name, period, by),
        )
        return self.count(appid, name, period)

    def count(self, appid: str, name: str, period: str) -> int:
        row = self.db.execute(
            "SELECT value FROM counter WHERE appid = ? AND name = ? AND period = ?",
            (appid, name, period),
        ).fetchone()
        return int(row["value"]) if row else 0

    def clear_counters(self, appid: str, period: str) -> None:
        self.db.execute("DELETE FROM counter WHERE appid = ? AND period = ?", (appid, period))

    # --- everything else: JSON documents by kind -----------------------------------------
    def kv_put(self, kind: str, appid: str, key: str, data: Any) -> None:
        self.db.execute(
            "INSERT INTO kv VALUES (?, ?, ?, ?, ?) ON CONFLICT (kind, appid, key)"
            " DO UPDATE SET data = excluded.data",
            (kind, appid, key, json.dumps(data, ensure_ascii=False), time.time()),
        )

    def kv_get(self, kind: str, appid: str, key: str) -> Any:
        row = self.db.execute(
            "SELECT data FROM kv WHERE kind = ? AND appid = ? AND key = ?", (kind, appid, key)
        ).fetchone()
        return json.loads(row["data"]) if row else None

    def kv_find(self, kind: str, key: str) -> tuple[str | None, Any]:
        """A document by kind and key alone: (appid, data), or (None, None)."""
        row = self.db.execute(
            "SELECT appid, data FROM kv WHERE kind = ? AND key = ?", (kind, key)
        ).fetchone()
        return (row["appid"], json.loads(row["data"])) if row else (None, None)

    def kv_list(self, kind: str, appid: str | None = None) -> list[Any]:
        return [json.loads(r["data"]) for r in self._kv_rows(kind, appid)]

    def kv_delete(self, kind: str, appid: str, key: str) -> None:
        self.db.execute(
            "DELETE FROM kv WHERE kind = ? AND appid = ? AND key = ?", (kind, appid, key)
        )

    def _kv_rows(self, kind: str, appid: str | None = None) -> list[sqlite3.Row]:
        if appid is None:
            return list(
                self.db.execute("SELECT * FROM kv WHERE kind = ? ORDER BY created_at", (kind,))
            )
        return list(
            self.db.execute(
                "SELECT * FROM kv WHERE kind = ? AND appid = ? ORDER BY created_at",
                (kind, appid),
            )
        )

    def close(self) -> None:
        self.db.close()
