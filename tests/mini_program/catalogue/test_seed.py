"""The demo catalogue loads fast and a second load changes nothing."""

from __future__ import annotations

from tortoise.functions import Max

from mini_program.catalogue import demo
from mini_program.catalogue.models import (
    CatalogueItem,
    Domain,
    Interpretation,
    PolicyDocument,
    SearchEntry,
)


async def _snapshot() -> dict:
    out = {}
    for model in (Domain, CatalogueItem, PolicyDocument, Interpretation, SearchEntry):
        out[model.__name__] = await model.all().count()
    for model in (CatalogueItem, PolicyDocument, Interpretation):
        latest = await model.all().annotate(m=Max("updated_at")).values_list("m", flat=True)
        out[model.__name__ + ".updated"] = latest[0]
    return out


async def test_demo_catalogue_is_rich_and_second_seed_changes_nothing(db: None) -> None:
    first = await _snapshot()
    assert first["Domain"] == 28
    assert first["CatalogueItem"] >= 150
    assert first["PolicyDocument"] >= 60
    assert first["Interpretation"] >= 3
    summary = await demo.seed()
    assert "0 domains, 0 items, 0 documents, 0 links, 0 interpretations changed" in summary
    assert await _snapshot() == first


async def test_every_domain_has_items_and_normative_documents_have_numbers(db: None) -> None:
    for domain in await Domain.all():
        assert await CatalogueItem.filter(domain_id=domain.id).count() >= 5, domain.name
    normative = await PolicyDocument.filter(is_normative=True)
    assert len(normative) >= 30
    assert all(d.doc_no and "〔" in d.doc_no and d.doc_no.endswith("号") for d in normative)
    assert any(d.doc_no.startswith("蒙政办〔2026〕") for d in normative)
