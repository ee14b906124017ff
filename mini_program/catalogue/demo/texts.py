"""The full text of the demo's normative documents, composed from their data.

A normative document (规范性文件) opens with its purpose and basis, numbers its articles and
closes with when it takes effect and who interprets it; the data keeps only what differs
(purpose, kind, paragraphs, dates). Normative 办法/细则 of 2026 without a written
interpretation get a short one, as the county publishes with each.
"""

from __future__ import annotations

from datetime import date
from typing import Any

CN_NUMBERS = "一二三四五六七八九十"


def _cn_date(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def _effective(doc: dict[str, Any]) -> date:
    return date.fromisoformat(doc.get("effective") or doc["published"])


def _lead_issuer(doc: dict[str, Any]) -> str:
    issuer: str = doc["issuer"]
    return issuer.split("、")[0]


def body(doc: dict[str, Any]) -> str:
    """The document's text: its paragraphs, framed as a normative document when it is one."""
    paras: list[str] = doc["paras"]
    if not doc["normative"] or "purpose" not in doc:
        return "\n".join(paras)
    kind = doc.get("kind", "办法")
    lead = f"为{doc['purpose']}，根据有关法律法规和政策规定，结合我县实际，制定本{kind}。"
    numbered = [f"{CN_NUMBERS[i]}、{p}" for i, p in enumerate(paras[:10])]
    tail = (
        f"{CN_NUMBERS[len(numbered)]}、本{kind}自{_cn_date(_effective(doc))}起施行，"
        f"由{_lead_issuer(doc)}负责解释。"
    )
    return "\n".join([lead, *numbered, tail])


def interpretation(doc: dict[str, Any]) -> tuple[str, str] | None:
    """(title, body) of the document's written interpretation (文字解读), if it has one."""
    if doc.get("interp"):
        return doc["interp"]["title"], doc["interp"]["body"]
    if not (
        doc["normative"] and doc.get("kind") in ("办法", "细则") and doc["published"] >= "2026"
    ):
        return None
    title: str = doc["title"]
    short = title.split("《")[-1].split("》")[0] if "《" in title else title
    points = "；".join(p.split("。")[0] for p in doc["paras"][:3])
    return (
        f"《{short}》政策解读",
        f"一、制定目的。{doc['purpose']}。\n二、主要内容。{points}。\n"
        f"三、施行时间。自{_cn_date(_effective(doc))}起施行。"
        f"如有疑问，可咨询{_lead_issuer(doc)}。",
    )
