"""Catalogue workbooks in the county's published layout, for the importer's tests.

One sheet per domain: a title row 「蒙城县××领域基层政务公开标准目录」, a two-row header with
merged cells, 一级事项 merged down where it repeats, ticks as 「√」 (the layout of
mini_program/catalogue/demo/catalogue.xlsx).
"""

from __future__ import annotations

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

TOP = ["序号", "公开事项", "", "公开内容（要素）", "公开依据", "公开时限", "公开主体",
       "公开渠道和载体", "公开对象", "", "公开方式", "", "公开层级", ""]  # fmt: skip
SUB = ["", "一级事项", "二级事项", "", "", "", "", "", "全社会", "特定群体", "主动", "依申请",
       "县级", "乡级"]  # fmt: skip


def write_domain_sheet(wb: Workbook, name: str, rows: list[list[object]]) -> None:
    """Add one domain table; rows are [一级, 二级, 内容, 依据, 时限, 主体, 渠道, flags], where
    flags holds 全 特 主 依 县 乡 for the ticked columns."""
    ws = wb.create_sheet(name)
    ws.append([f"蒙城县{name}领域基层政务公开标准目录"])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(TOP))
    ws["A1"].font = Font(bold=True, size=14)
    ws["A1"].alignment = Alignment(horizontal="center")
    ws.append(TOP)
    ws.append(SUB)
    for col in (1, 4, 5, 6, 7, 8):
        ws.merge_cells(start_row=2, start_column=col, end_row=3, end_column=col)
    for col in (2, 9, 11, 13):
        ws.merge_cells(start_row=2, start_column=col, end_row=2, end_column=col + 1)
    start = 4
    run_start, run_value = start, None
    for n, (l1, l2, content, basis, limit, subject, channels, flags) in enumerate(rows, start=1):
        r = start + n - 1
        ticks = ["√" if f in str(flags) else "" for f in "全特主依县乡"]
        ws.append([n, l1 if l1 != run_value else None, l2, content, basis, limit, subject,
                   channels, *ticks])  # fmt: skip
        if l1 != run_value:
            if r - 1 > run_start:
                ws.merge_cells(start_row=run_start, start_column=2, end_row=r - 1, end_column=2)
            run_start, run_value = r, l1
    last = start + len(rows) - 1
    if last > run_start:
        ws.merge_cells(start_row=run_start, start_column=2, end_row=last, end_column=2)
