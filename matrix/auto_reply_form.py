"""The console's automatic-reply editor: plain text lines <-> the auto_reply dict.

Menu clicks are written `KEY=回复内容`, keywords `关键词=回复内容` (the message contains the
keyword) or `关键词==回复内容` (the message must equal it), one rule per line.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from matrix.schemas import AutoReply

MAX_REPLY = 600


def to_form(auto_reply: dict[str, Any] | None) -> dict[str, str]:
    data = auto_reply or {}
    click = "\n".join(f"{key}={text}" for key, text in (data.get("click") or {}).items())
    keywords = "\n".join(
        f"{rule['keyword']}{'==' if rule.get('exact') else '='}{rule['reply']}"
        for rule in data.get("keywords") or []
    )
    return {"subscribe": data.get("subscribe") or "", "click": click, "keywords": keywords}


def _lines(text: str) -> list[tuple[int, str]]:
    return [(n, line.strip()) for n, line in enumerate(text.splitlines(), 1) if line.strip()]


def _check_reply(reply: str, n: int) -> str | None:
    if not reply:
        return f"第 {n} 行缺少回复内容"
    if len(reply) > MAX_REPLY:
        return f"第 {n} 行的回复超过 {MAX_REPLY} 字"
    return None


def parse(form: dict[str, str]) -> tuple[AutoReply | None, dict[str, str]]:
    """The AutoReply the form describes, or field errors (in Chinese) naming the bad line."""
    errors: dict[str, str] = {}
    click: dict[str, str] = {}
    for n, line in _lines(form.get("click", "")):
        key, sep, reply = (part.strip() for part in line.partition("="))
        problem = None if sep and key else f"第 {n} 行应写成“KEY=回复内容”"
        problem = problem or _check_reply(reply, n)
        if not problem and len(key) > 128:
            problem = f"第 {n} 行的 KEY 超过 128 个字符"
        if not problem and key in click:
            problem = f"第 {n} 行的 KEY“{key}”重复了"
        if problem:
            errors.setdefault("click", problem)
        click[key] = reply
    keywords: list[dict[str, Any]] = []
    for n, line in _lines(form.get("keywords", "")):
        exact = "==" in line
        keyword, sep, reply = (p.strip() for p in line.partition("==" if exact else "="))
        problem = None if sep and keyword else f"第 {n} 行应写成“关键词=回复内容”"
        problem = problem or _check_reply(reply, n)
        if not problem and len(keyword) > 30:
            problem = f"第 {n} 行的关键词超过 30 个字"
        if problem:
            errors.setdefault("keywords", problem)
        keywords.append({"keyword": keyword, "reply": reply, "exact": exact})
    subscribe = form.get("subscribe", "").strip()
    if len(subscribe) > MAX_REPLY:
        errors["subscribe"] = f"欢迎语不能超过 {MAX_REPLY} 字"
    if len(keywords) > 200:
        errors.setdefault("keywords", "关键词最多 200 条")
    if errors:
        return None, errors
    try:
        rules = {"click": click, "keywords": keywords, "subscribe": subscribe}
        return AutoReply.model_validate(rules), {}
    except ValidationError:  # the checks above mirror the schema; this is a safety net
        return None, {"keywords": "自动回复的内容不符合要求"}
