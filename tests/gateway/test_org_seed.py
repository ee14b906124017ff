"""The demo county's organisation: departments that run accounts, towns and villages."""

from __future__ import annotations

from gateway import org


async def test_county_has_27_departments_with_short_codes(db: None) -> None:
    departments = await org.list_departments()
    assert len(departments) == 27
    by_code = {d.code: d for d in departments}
    assert by_code["jyj"].name == "蒙城县教育局"
    assert by_code["jyj"].short_name == "县教育局"
    assert {"zfb", "mzj", "rsj", "wjw", "nyncj", "ybj", "sjzyj", "swj"} <= set(by_code)
    assert [d.sort_order for d in departments] == sorted(d.sort_order for d in departments)


async def test_county_has_17_towns_each_with_villages(db: None) -> None:
    towns = await org.list_towns()
    assert len(towns) == 17
    names = {t["name"] for t in towns}
    assert {"城关街道", "双涧镇", "板桥集镇", "王集乡", "小辛集乡"} <= names
    assert all(len(t["villages"]) >= 3 for t in towns)


async def test_seeding_the_organisation_twice_changes_nothing(db: None) -> None:
    summary = await org.seed_demo()
    assert summary.endswith("(0 changed)")
    assert len(await org.list_departments()) == 27
