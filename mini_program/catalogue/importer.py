"""Import the county's catalogue from Excel (the standard 「××领域基层政务公开标准目录」 tables).

Reading (openpyxl, synchronous) is separate from writing (async, one transaction per file), so
a file that cannot be read changes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from openpyxl import load_workbook
from tortoise.transactions import in_transaction

from gateway.audit import record
from gateway.errors import ApiError
from mini_program.catalogue import cache, search, service
from mini_program.catalogue.models import CatalogueItem

HEADER_SCAN_ROWS = 30
TICKS = {"√", "✓", "✔", "☑", "●", "■", "是", "Y", "y", "1", "v", "V"}
TEXT_FIELDS = ("level1", "level2", "content", "basis", "time_limit", "subject", "channels")
FLAG_FIELDS = (
    "audience_all", "audience_specific", "mode_active", "mode_on_request",
    "level_county", "level_town",
)  # fmt: skip
MAX_LENGTHS = {"level1": 128, "level2": 255, "time_limit": 255, "subject": 255, "channels": 500}
COLUMN_NAMES = {
    "level1": "一级事项",
    "level2": "二级事项",
    "time_limit": "公开时限",
    "subject": "公开主体",
    "channels": "公开渠道和载体",
}
_TITLE = re.compile(r"(?:蒙城县)?(.+?)领域(?:基层)?政务公开(?:标准)?目录")


class CatalogueFileError(ApiError):
    status, code, message = 422, "bad_catalogue_file", "目录文件无法读取"


@dataclass
class Problem:
    sheet: str
    row: int
    reason: str

    def __str__(self) -> str:
        return f"工作表「{self.sheet}」第{self.row}行：{self.reason}"


@dataclass
class SheetRows:
    sheet: str
    domain_name: str
    header_row: int
    rows: list[tuple[int, dict[str, Any]]] = field(default_factory=list)


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)
    sheets: list[str] = field(default_factory=list)

    @property
    def summary(self) -> str:
        return (
            f"导入完成：新增 {self.created} 项，更新 {self.updated} 项，未变 {self.unchanged} 项，"
            f"问题行 {len(self.problems)} 行"
        )


def _norm(value: Any) -> str:
    if value is None:
        return ""
    return re.sub(r"\s+", "", str(value))


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _column_field(top: str, sub: str) -> str | None:
    for name, key in (
        ("一级事项", "level1"),
        ("二级事项", "level2"),
        ("全社会", "audience_all"),
        ("特定群体", "audience_specific"),
        ("依申请", "mode_on_request"),
        ("主动", "mode_active"),
        ("县级", "level_county"),
        ("乡级", "level_town"),
    ):
        if sub == name or (not sub and top == name):
            return key
    for name, key in (
        ("序号", "seq"),
        ("公开内容", "content"),
        ("公开依据", "basis"),
        ("公开时限", "time_limit"),
        ("公开主体", "subject"),
        ("渠道", "channels"),
    ):
        if name in top or name in sub:
            return key
    return None


def _fill_merged(ws: Any) -> None:
    # Merged cells keep their value only in the top-left cell; copy it into every cell.
    for rng in list(ws.merged_cells.ranges):
        value = ws.cell(rng.min_row, rng.min_col).value
        ws.unmerge_cells(str(rng))
        for r in range(rng.min_row, rng.max_row + 1):
            for c in range(rng.min_col, rng.max_col + 1):
                ws.cell(r, c).value = value


def _find_header(rows: list[list[Any]]) -> int | None:
    """The index of the header row naming 二级事项 (the lower row of a two-row header)."""
    return next(
        (
            i
            for i, r in enumerate(rows[:HEADER_SCAN_ROWS])
            if any(_norm(v) == "二级事项" for v in r)
        ),
        None,
    )


def _columns(sheet: str, top: list[Any], sub: list[Any]) -> dict[str, int]:
    """Field → column index, from the header's upper and lower rows."""
    columns: dict[str, int] = {}
    for c in range(max(len(top), len(sub))):
        t = _norm(top[c]) if c < len(top) else ""
        s = _norm(sub[c]) if c < len(sub) else ""
        key = _column_field(t, s)
        if key and key not in columns:
            columns[key] = c
    missing = [n for k, n in (("level1", "一级事项"), ("content", "公开内容")) if k not in columns]
    if missing:
        raise CatalogueFileError(
            f"工作表「{sheet}」的表头缺少“{'”“'.join(missing)}”列，无法导入",
            fields={"file": "表头不完整"},
        )
    return columns


def _domain_name(sheet: str, title_rows: list[list[Any]]) -> str:
    """The domain a table is about: from its title row 「××领域…目录」, else the sheet name."""
    for r in title_rows:
        for v in r:
            m = _TITLE.search(_norm(v))
            if m:
                return m.group(1)
    return re.sub(r"(领域)?(基层)?(政务公开)?(标准)?目录$", "", sheet.strip())


def _row_problem(item: dict[str, Any]) -> str | None:
    """Why a data row cannot be imported, or None."""
    if not item["level1"]:
        return "缺少一级事项"
    if not item["level2"]:
        return "缺少二级事项"
    if not item["content"]:
        return "缺少公开内容（要素）"
    long = [
        f"{COLUMN_NAMES[k]}过长（{len(item[k])} 字，最多 {n} 字）"
        for k, n in MAX_LENGTHS.items()
        if len(item[k]) > n
    ]
    return "；".join(long) or None


def _read_row(raw: list[Any], columns: dict[str, int], row_no: int) -> dict[str, Any] | None:
    """One data row as item values (None for an empty row)."""
    values = {k: raw[c] if c < len(raw) else None for k, c in columns.items()}
    if not any(_text(values.get(k)) for k in TEXT_FIELDS):
        return None
    item: dict[str, Any] = {k: _text(values.get(k)) for k in TEXT_FIELDS}
    for k in FLAG_FIELDS:
        item[k] = _text(values.get(k)) in TICKS or "√" in _text(values.get(k))
    seq = _text(values.get("seq"))
    item["sort_order"] = int(seq) * 10 if seq.isdigit() else row_no * 10
    return item


def _read_sheet(ws: Any, problems: list[Problem]) -> SheetRows | None:
    _fill_merged(ws)
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    sub_idx = _find_header(rows)
    if sub_idx is None:
        if any(_norm(v) for r in rows for v in r):
            problems.append(
                Problem(ws.title, 0, "找不到表头（应有“一级事项”“二级事项”列），已跳过")
            )
        return None
    top_idx = sub_idx - 1 if sub_idx > 0 else sub_idx
    columns = _columns(ws.title, rows[top_idx], rows[sub_idx])
    sheet = SheetRows(
        sheet=ws.title,
        domain_name=_domain_name(ws.title, rows[:top_idx]),
        header_row=sub_idx + 1,
    )
    for i in range(sub_idx + 1, len(rows)):
        row_no = i + 1
        item = _read_row(rows[i], columns, row_no)
        if item is None:
            continue
        reason = _row_problem(item)
        if reason:
            problems.append(Problem(ws.title, row_no, reason))
            continue
        sheet.rows.append((row_no, item))
    return sheet


def read_workbook(path: str | Path) -> tuple[list[SheetRows], list[Problem]]:
    """Read every domain table of an .xlsx file; raises CatalogueFileError if unreadable."""
    path = Path(path)
    if not path.is_file():
        raise CatalogueFileError(f"找不到文件：{path}", fields={"file": "文件不存在"})
    if path.suffix.lower() != ".xlsx":
        raise CatalogueFileError(
            "只支持 .xlsx 格式的 Excel 文件（请在 Excel 中另存为 .xlsx）",
            fields={"file": "文件格式不对"},
        )
    try:
        wb = load_workbook(path, data_only=True)
    except Exception as exc:
        # A damaged file fails in many ways inside openpyxl (bad zip, missing parts, broken
        # XML, wrong types): each means the same thing to the person importing it.
        raise CatalogueFileError(
            "文件已损坏或不是有效的 Excel 文件，无法读取", fields={"file": "文件损坏"}
        ) from exc
    problems: list[Problem] = []
    sheets = []
    try:
        for ws in wb.worksheets:
            parsed = _read_sheet(ws, problems)
            if parsed is not None:
                sheets.append(parsed)
    except CatalogueFileError:
        raise
    except Exception as exc:  # a damaged sheet surfaces in many ways inside openpyxl
        raise CatalogueFileError(
            "工作表内容已损坏，无法读取", fields={"file": "工作表损坏"}
        ) from exc
    if not sheets:
        raise CatalogueFileError(
            "文件中没有找到基层政务公开标准目录表（应有“一级事项”“二级事项”表头）",
            fields={"file": "没有目录表"},
        )
    return sheets, problems


async def import_catalogue(
    *,
    path: str | Path,
    domain_name: str | None = None,
    actor_name: str = "命令行导入",
    progress: Callable[..., Iterable[Any]] | None = None,
) -> ImportReport:
    """Import a catalogue workbook: create or update items by (domain, 一级事项, 二级事项)."""
    sheets, problems = read_workbook(path)
    report = ImportReport(problems=problems, sheets=[s.sheet for s in sheets])
    total = sum(len(s.rows) for s in sheets)
    touched: list[int] = []
    async with in_transaction():
        for sheet in sheets:
            name = domain_name or sheet.domain_name
            domain = await service.domain_by_name(name)
            if domain is None:
                report.problems.append(
                    Problem(
                        sheet.sheet,
                        sheet.header_row,
                        f"无法识别领域「{name}」，请用 --domain 指定领域名称，已跳过本表",
                    )
                )
                continue
            existing = {
                (i.level1, i.level2): i for i in await CatalogueItem.filter(domain_id=domain.id)
            }
            rows = sheet.rows
            if progress is not None:
                rows = progress(rows, desc=f"导入 {sheet.sheet}", total=total)  # type: ignore[assignment]
            new: list[CatalogueItem] = []
            for _row_no, values in rows:
                key = (values["level1"], values["level2"])
                columns = {k: v for k, v in values.items() if k not in ("level1", "level2")}
                item = existing.get(key)
                if item is None:
                    made = CatalogueItem(
                        domain_id=domain.id, level1=key[0], level2=key[1], **columns
                    )
                    new.append(made)
                    existing[key] = made
                    continue
                if item.id is None:  # repeated within the file: the later row wins
                    for k, v in columns.items():
                        setattr(item, k, v)
                    continue
                diff = {k: v for k, v in columns.items() if getattr(item, k) != v}
                if diff:
                    await CatalogueItem.filter(id=item.id).update(**diff)
                    touched.append(item.id)
                    report.updated += 1
                else:
                    report.unchanged += 1
            if new:
                await CatalogueItem.bulk_create(new, batch_size=200)
                report.created += len(new)
                created = await CatalogueItem.filter(
                    domain_id=domain.id, level2__in=[n.level2 for n in new]
                ).values_list("id", flat=True)
                touched.extend(cast(list[int], created))
        await search.index_items(touched)
        if report.created or report.updated:  # an import that changed nothing is no action
            await record(
                actor_id=None,
                actor_name=actor_name,
                action="catalogue.import",
                target_type="catalogue",
                detail={
                    "file": Path(path).name,
                    "created": report.created,
                    "updated": report.updated,
                    "problems": len(report.problems),
                },
            )
    if touched:
        await cache.invalidate()
    return report
