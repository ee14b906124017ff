"""The analysis as an Excel workbook: one sheet per table, as the console shows it."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from openpyxl import Workbook


def _sheet(book: Workbook, title: str, header: list[str], rows: list[list[Any]]) -> None:
    from openpyxl.styles import Font

    sheet = book.create_sheet(title)
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(row)
    for i, width in enumerate([max(10, len(h) * 2 + 4) for h in header], start=1):
        sheet.column_dimensions[sheet.cell(row=1, column=i).column_letter].width = width


def workbook(result: dict[str, Any], channel_labels: list[str]) -> bytes:
    """The bytes of an .xlsx with the overview, words, topics, departments, reply times, length."""
    # openpyxl takes ~0.3 s to import: only when someone exports, not at every start-up.
    from openpyxl import Workbook

    book = Workbook()
    overview = book.active
    overview.title = "概况"
    reply, length = result["reply"], result["length"]
    on_time = reply["on_time_share"]
    for label, value in (
        ("统计时段", f"{result['period']['from']} 至 {result['period']['to']}"),
        ("渠道", "、".join(channel_labels) or "全部"),
        ("留言（咨询）数", result["total"]),
        ("已答复", result["answered"]),
        ("未答复", result["open"]),
        ("答复用时中位数（工作日）", reply["median"]),
        ("答复用时第 90 百分位（工作日）", reply["p90"]),
        ("按时答复占比", f"{on_time:.1%}" if on_time is not None else "—"),
        ("平均字数", length["mean"]),
        ("字数中位数", length["median"]),
        ("上一时段", f"{result['previous']['from']} 至 {result['previous']['to']}"),
        ("上一时段留言数", result["previous"]["total"]),
    ):
        overview.append([label, value])
    overview.column_dimensions["A"].width = 30
    overview.column_dimensions["B"].width = 30
    _sheet(book, "热词", ["词", "次数"], [[w["word"], w["count"]] for w in result["hot_words"]])
    _sheet(
        book,
        "上升话题",
        ["词", "本期次数", "上期次数", "变化", "TF-IDF 上升分"],
        [[r["word"], r["count"], r["previous"], r["change"], r["score"]] for r in result["rising"]],
    )
    for title, key in (
        ("按领域", "by_domain"),
        ("按部门", "by_department"),
        ("按渠道", "by_channel"),
        ("按类别", "by_kind"),
    ):
        _sheet(book, title, ["名称", "数量"], [[r["label"], r["count"]] for r in result[key]])
    _sheet(
        book, "答复用时", ["工作日", "数量"], [[b["label"], b["count"]] for b in reply["buckets"]]
    )
    _sheet(
        book, "留言字数", ["字数", "数量"], [[b["label"], b["count"]] for b in length["buckets"]]
    )
    _sheet(book, "走势", ["日期", "数量"], [[p["label"], p["count"]] for p in result["series"]])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
