"""Taxonomies from files at start-up, and from the API, survive a restart."""

from __future__ import annotations

from pathlib import Path

import pytest

from models.taxonomy import TaxonomyError, parse_taxonomy
from service.domain.taxonomies import TaxonomyRegistry, UnknownTaxonomy
from service.store.engine import make_engine, migrate, session_factory

PIZZA = "name: pizza\ntouchpoints:\n- {id: delivery, name: Delivery, stage: usage, description: late pizza}\n"


def sessions(url: str):  # type: ignore[no-untyped-def]
    engine = make_engine(url)
    migrate(engine)
    return session_factory(engine)


def test_file_taxonomy_loads_at_start_up_and_can_be_the_default(tmp_path: Path) -> None:
    path = tmp_path / "pizza.yaml"
    path.write_text(PIZZA)
    registry = TaxonomyRegistry(sessions(f"sqlite:///{tmp_path / 'a.db'}"), [path], "pizza")
    assert registry.get(None).name == "pizza"
    assert registry.get("banking").name == "banking"
    with pytest.raises(UnknownTaxonomy, match="unknown taxonomy 'nope'"):
        registry.get("nope")


def test_malformed_file_stops_start_up_naming_file_and_field(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(PIZZA.replace("stage: usage", "stage: moon"))
    with pytest.raises(TaxonomyError, match=r"bad\.yaml: touchpoints\.0\.stage"):
        TaxonomyRegistry(sessions(f"sqlite:///{tmp_path / 'b.db'}"), [path], "generic")


def test_unknown_default_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="MOT_DEFAULT_TAXONOMY"):
        TaxonomyRegistry(sessions(f"sqlite:///{tmp_path / 'c.db'}"), [], "nope")


def test_posted_taxonomy_survives_a_restart(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'd.db'}"
    TaxonomyRegistry(sessions(url), [], "generic").add(parse_taxonomy(PIZZA))
    assert TaxonomyRegistry(sessions(url), [], "generic").get("pizza").touchpoints[0].id == "delivery"
