"""The annual report's tables as an Excel workbook laid out like the national format: table
三 with its merged headers and reason groups, table 四, and the channels received through."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

# This module (and openpyxl) is imported on the first export, not when the app starts.
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from mini_program.applications.service.report import COLUMNS

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

THIN = Side(style="thin")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
CENTRE = Alignment(horizontal="center", vertical="center", wrap_text=True)
LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
BOLD = Font(bold=True)


def _box(sheet: Worksheet, first_row: int, last_row: int, last_col: int) -> None:
    """Borders around every cell of the table; centred unless aligned already."""
    for row in sheet.iter_rows(min_row=first_row, max_row=last_row, max_col=last_col):
        for cell in row:
            cell.border = BORDER
            if cell.alignment.horizontal is None:
                cell.alignment = CENTRE


def _merge(sheet: Worksheet, row: int, col: int, end_row: int, end_col: int, value: Any) -> None:
    sheet.cell(row, col, value)
    sheet.merge_cells(start_row=row, start_column=col, end_row=end_row, end_column=end_col)


def _table3(sheet: Worksheet, report: dict[str, Any], title: str) -> None:
    ncols = 2 + len(COLUMNS)
    _merge(sheet, 1, 1, 1, ncols, f"{title}（{report['year']}年度）收到和处理政府信息公开申请情况")
    sheet.cell(1, 1).font = BOLD
    _merge(
        sheet,
        2,
        1,
        2,
        ncols,
        "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）",
    )
    _merge(sheet, 3, 1, 5, 2, "")
    _merge(sheet, 3, 3, 3, ncols, "申请人情况")
    _merge(sheet, 4, 3, 5, 3, "自然人")
    _merge(sheet, 4, 4, 4, ncols - 1, "法人或其他组织")
    _merge(sheet, 4, ncols, 5, ncols, "总计")
    for offset, (_, label) in enumerate(COLUMNS[1:-1]):
        sheet.cell(5, 4 + offset, label)
    row_no = 6
    groups: dict[str, list[int]] = {}
    for row in report["table3"]:
        if row["group"]:
            groups.setdefault(row["group"], []).append(row_no)
            sheet.cell(row_no, 1, row["group"]).alignment = LEFT
            sheet.cell(row_no, 2, row["label"]).alignment = LEFT
        else:
            _merge(sheet, row_no, 1, row_no, 2, row["label"])
            sheet.cell(row_no, 1).alignment = LEFT
        for offset, value in enumerate(row["values"]):
            sheet.cell(row_no, 3 + offset, value)
        row_no += 1
    for rows in groups.values():
        sheet.merge_cells(start_row=rows[0], start_column=1, end_row=rows[-1], end_column=1)
    _box(sheet, 3, row_no - 1, ncols)
    sheet.column_dimensions["A"].width = 24
    sheet.column_dimensions["B"].width = 46
    for col in range(3, ncols + 1):
        sheet.column_dimensions[get_column_letter(col)].width = 12


def _table4(sheet: Worksheet, report: dict[str, Any], title: str) -> None:
    _merge(sheet, 1, 1, 1, 15, f"{title}（{report['year']}年度）政府信息公开行政复议、行政诉讼情况")
    sheet.cell(1, 1).font = BOLD
    _merge(sheet, 2, 1, 3, 5, "行政复议")
    _merge(sheet, 2, 6, 2, 15, "行政诉讼")
    _merge(sheet, 3, 6, 3, 10, "未经复议直接起诉")
    _merge(sheet, 3, 11, 3, 15, "复议后起诉")
    outcomes = report["table4"]["outcomes"]
    for index, group in enumerate(report["table4"]["groups"]):
        for offset, label in enumerate(outcomes):
            sheet.cell(4, 1 + index * 5 + offset, label)
            sheet.cell(5, 1 + index * 5 + offset, group["values"][offset])
    _box(sheet, 2, 5, 15)


def _channels(sheet: Worksheet, report: dict[str, Any]) -> None:
    sheet.cell(1, 1, "渠道")
    for offset, (_, label) in enumerate(COLUMNS):
        sheet.cell(1, 2 + offset, label)
    line = 2
    for group in report["channels"]:
        sheet.cell(line, 1, group["label"]).font = BOLD
        for offset, value in enumerate(group["values"]):
            sheet.cell(line, 2 + offset, value)
        line += 1
        for channel in group["channels"]:
            sheet.cell(line, 1, "　" + channel["label"]).alignment = LEFT
            for offset, value in enumerate(channel["values"]):
                sheet.cell(line, 2 + offset, value)
            line += 1
    _box(sheet, 1, line - 1, 1 + len(COLUMNS))
    sheet.column_dimensions["A"].width = 26


def report_workbook(report: dict[str, Any], *, title: str) -> bytes:
    """The report's tables as .xlsx bytes (one sheet per table)."""
    from openpyxl import Workbook

    book = Workbook()
    first = book.active
    assert first is not None  # a new workbook always has its first sheet
    first.title = "三、收到和处理政府信息公开申请情况"
    _table3(first, report, title)
    _table4(book.create_sheet("四、行政复议、行政诉讼情况"), report, title)
    _channels(book.create_sheet("收到申请的渠道"), report)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
