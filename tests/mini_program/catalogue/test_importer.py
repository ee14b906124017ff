"""Importing the county's catalogue from Excel, as an administrator would."""

from __future__ import annotations

import os
import pty
import subprocess
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from mini_program.catalogue import service
from mini_program.catalogue.importer import CatalogueFileError, import_catalogue
from mini_program.catalogue.models import CatalogueItem, Domain
from tests.conftest import GOVMATRIX, ROOT, TEST_ENV, run_cli
from tests.mini_program.catalogue.workbooks import write_domain_sheet

BASIS = "《全民健身条例》"
ROWS = [
    ["导入测试·场馆", "游泳馆开放时间", "开放时段、票价、预约方式", BASIS, "变更后7日内",
     "县全民健身中心", "政府网站", "全主县"],
    ["导入测试·场馆", "篮球馆开放时间", "开放时段、预约方式", BASIS, "变更后7日内",
     "县全民健身中心", "政府网站", "全主县乡"],
    ["导入测试·赛事", "全民健身运动会报名", "报名时间、项目、方式", BASIS, "赛前",
     "县文化旅游体育局", "政府网站、政务新媒体", "全特主依县"],
]  # fmt: skip


def _workbook(tmp_path: Path, rows: list[list[object]], name: str = "公共体育") -> Path:
    wb = Workbook()
    wb.remove(wb.active)
    write_domain_sheet(wb, name, rows)
    path = tmp_path / "catalogue.xlsx"
    wb.save(path)
    return path


async def _imported(level1_prefix: str = "导入测试") -> list[CatalogueItem]:
    domain = await Domain.get(code="ggty")
    return await CatalogueItem.filter(domain_id=domain.id, level1__startswith=level1_prefix)


async def test_import_reads_title_merged_cells_and_ticks(db: None, tmp_path: Path) -> None:
    report = await import_catalogue(path=_workbook(tmp_path, ROWS))
    assert report.problems == []
    items = {i.level2: i for i in await _imported()}
    assert set(items) == {"游泳馆开放时间", "篮球馆开放时间", "全民健身运动会报名"}
    # 一级事项 was merged down the column: every row got it.
    assert items["篮球馆开放时间"].level1 == "导入测试·场馆"
    assert items["篮球馆开放时间"].level_town
    assert items["篮球馆开放时间"].level_county
    event = items["全民健身运动会报名"]
    assert event.audience_all
    assert event.audience_specific
    assert event.mode_active
    assert event.mode_on_request
    assert not event.level_town
    assert event.subject == "县文化旅游体育局"
    assert event.basis == BASIS
    found = await service.get_item(item_id=event.id)
    assert found["audience"] == ["全社会", "特定群体"]


async def test_reimport_updates_instead_of_duplicating(db: None, tmp_path: Path) -> None:
    await import_catalogue(path=_workbook(tmp_path, ROWS))
    count = len(await _imported())
    changed = [list(r) for r in ROWS]
    changed[0][2] = "开放时段、票价、预约方式、特殊群体免费开放时段"
    report = await import_catalogue(path=_workbook(tmp_path, changed))
    assert (report.created, report.updated, report.unchanged) == (0, 1, 2)
    items = {i.level2: i for i in await _imported()}
    assert len(items) == count
    assert items["游泳馆开放时间"].content.endswith("特殊群体免费开放时段")


async def test_bad_rows_are_reported_with_row_numbers(db: None, tmp_path: Path) -> None:
    rows = [
        *ROWS,
        ["导入测试·坏行", "", "没有二级事项", BASIS, "", "", "", "全主县"],
        ["导入测试·坏行", "没有公开内容", "", BASIS, "", "", "", "全主县"],
    ]
    report = await import_catalogue(path=_workbook(tmp_path, rows))
    # Title on row 1, header on rows 2-3, data from row 4.
    assert [(p.row, p.reason) for p in report.problems] == [
        (7, "缺少二级事项"),
        (8, "缺少公开内容（要素）"),
    ]
    assert not [i for i in await _imported("导入测试·坏行")]


async def test_domain_comes_from_option_when_title_is_unknown(db: None, tmp_path: Path) -> None:
    row = ["导入测试·选项", "按选项导入", "内容", BASIS, "", "", "", "全主县"]
    path = _workbook(tmp_path, [row], name="体育场馆")
    report = await import_catalogue(path=path)
    assert report.created == 0
    assert "无法识别领域" in report.problems[0].reason
    report = await import_catalogue(path=path, domain_name="公共体育")
    assert report.created == 1


async def test_unreadable_files_are_refused(db: None, tmp_path: Path) -> None:
    text = tmp_path / "catalogue.csv"
    text.write_text("序号,一级事项\n", encoding="utf-8")
    with pytest.raises(CatalogueFileError, match="xlsx"):
        await import_catalogue(path=text)
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a workbook")
    with pytest.raises(CatalogueFileError, match="损坏"):
        await import_catalogue(path=broken)
    wb = Workbook()
    wb.active.append(["随便写的内容"])
    no_table = tmp_path / "empty.xlsx"
    wb.save(no_table)
    with pytest.raises(CatalogueFileError, match="没有找到"):
        await import_catalogue(path=no_table)


def _cli(*args: str) -> subprocess.CompletedProcess:
    return run_cli(*args, timeout=120)


async def test_cli_imports_and_refuses_a_corrupt_file_with_exit_code_2(
    db: None, tmp_path: Path
) -> None:
    rows = [["导入测试·命令行", "命令行导入事项", "内容", BASIS, "", "", "", "全主县"],
            ["导入测试·命令行", "", "坏行", BASIS, "", "", "", "全主县"]]  # fmt: skip
    done = _cli("import-catalog", str(_workbook(tmp_path, rows)))
    assert done.returncode == 0, done.stderr
    assert "新增 1 项" in done.stdout
    assert "第5行：缺少二级事项" in done.stderr
    before = await CatalogueItem.all().count()
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"\x00\x01garbage")
    done = _cli("import-catalog", str(broken))
    assert done.returncode == 2
    assert "导入失败" in done.stderr
    assert "未做任何修改" in done.stderr
    assert await CatalogueItem.all().count() == before


async def test_imported_items_are_searchable(db: None, tmp_path: Path, api) -> None:  # type: ignore[no-untyped-def]
    await import_catalogue(path=_workbook(tmp_path, ROWS))
    from mini_program.catalogue import search

    found = await search.search(q="游泳馆")
    assert any("游泳馆" in h["title"] for h in found["items"])


def _damage_first_sheet(source: Path, target: Path) -> Path:
    # A download cut short inside one part: the zip still opens, the sheet's XML does not.
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w") as zout:
        for name in zin.namelist():
            data = zin.read(name)
            if name == "xl/worksheets/sheet1.xml":
                data = data[: len(data) // 2]
            zout.writestr(name, data)
    return target


async def test_cli_refuses_a_workbook_with_a_damaged_sheet_without_a_traceback(
    db: None, tmp_path: Path
) -> None:
    before = await CatalogueItem.all().count()
    damaged = _damage_first_sheet(_workbook(tmp_path, ROWS), tmp_path / "damaged.xlsx")
    done = _cli("import-catalog", str(damaged))
    assert done.returncode == 2, done.stderr
    assert "文件已损坏" in done.stderr
    assert "未做任何修改" in done.stderr
    assert "Traceback" not in done.stderr
    truncated = tmp_path / "truncated.xlsx"
    truncated.write_bytes(_workbook(tmp_path, ROWS).read_bytes()[:2000])
    done = _cli("import-catalog", str(truncated))
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert await CatalogueItem.all().count() == before


async def test_overlong_cells_are_reported_by_column_name_and_length(
    db: None, tmp_path: Path
) -> None:
    rows = [["导入测试·过长", "二" * 300, "内容", BASIS, "", "", "", "全主县"]]
    report = await import_catalogue(path=_workbook(tmp_path, rows))
    assert [(p.row, p.reason) for p in report.problems] == [
        (4, "二级事项过长（300 字，最多 255 字）")
    ]


def test_cli_shows_one_progress_bar_over_every_row_on_a_terminal(
    prepared_database: str, tmp_path: Path
) -> None:
    rows = [
        ["导入测试·进度", f"进度条事项{n}", "内容", BASIS, "", "", "", "全主县"] for n in range(12)
    ]
    path = _workbook(tmp_path, rows)
    # stderr on a pseudo-terminal, as when an administrator types the command; read while it
    # runs so a full terminal buffer never blocks the import.
    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [GOVMATRIX, "import-catalog", str(path)],
        cwd=ROOT,
        env={**os.environ, **TEST_ENV},
        stdout=subprocess.DEVNULL,
        stderr=follower,
    )
    os.close(follower)
    shown = b""
    try:
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # EIO: the command exited and everything was read
                break
            if not chunk:
                break
            shown += chunk
    finally:
        os.close(leader)
    assert proc.wait(120) == 0, shown
    screen = shown.decode("utf-8", "replace")
    assert "导入目录" in screen
    assert "100%" in screen
    assert "12/12" in screen
    assert "公共体育" in screen
    # Without a terminal (cron, CI logs) there is no bar, only the summary.
    quiet = _cli("import-catalog", str(path))
    assert "导入目录" not in quiet.stderr
    assert "未变 12 项" in quiet.stdout
