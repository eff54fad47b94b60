import csv

import pytest

from models.taxonomy import TaxonomyError, builtin_packs, parse_taxonomy
from tests.helpers import DATA_DIR

PACKS = {"generic", "banking", "airline", "ecommerce", "hotel", "telecom"}
PACKS |= {"food_delivery", "hotel_zh", "ecommerce_zh", "banking_zh"}  # in Chinese


def test_every_pack_loads_with_the_four_mot_stages() -> None:
    packs = builtin_packs()
    assert set(packs) == PACKS
    for pack in packs.values():
        assert pack.stage_ids == ["pre_purchase", "purchase", "usage", "after_sales"]
        assert all(tp.description for tp in pack.touchpoints)


@pytest.mark.skipif(not DATA_DIR.is_dir(), reason="shared/data is not beside the repository")
@pytest.mark.parametrize(
    "pack,path,key", [("banking", "banking77", "intent"), ("airline", "airline", "negativereason")]
)
def test_reference_packs_use_the_journey_map_ids(pack: str, path: str, key: str) -> None:
    with (DATA_DIR / path / "journey_map.csv").open() as handle:
        reference = {(r["touchpoint"], r["stage"]) for r in csv.DictReader(handle) if r["touchpoint"]}
    assert {(tp.id, tp.stage) for tp in builtin_packs()[pack].touchpoints} == reference


@pytest.mark.skipif(not DATA_DIR.is_dir(), reason="shared/data is not beside the repository")
def test_no_example_phrase_comes_from_a_test_split() -> None:
    with (DATA_DIR / "banking77" / "test.csv").open() as handle:
        banking_test = {r["text"] for r in csv.DictReader(handle)}
    with (DATA_DIR / "airline" / "tweets.csv").open() as handle:
        airline_test = {r["text"] for r in csv.DictReader(handle) if int(r["tweet_id"]) % 5 == 0}
    with (DATA_DIR / "airline" / "tweets.csv").open() as handle:
        airline_train = {r["text"] for r in csv.DictReader(handle) if int(r["tweet_id"]) % 5 != 0}
    packs = builtin_packs()
    banking_examples = {e for tp in packs["banking"].touchpoints for e in tp.examples}
    airline_examples = {e for tp in packs["airline"].touchpoints for e in tp.examples}
    assert not banking_examples & banking_test
    # A retweet can appear in both splits with the same text; only train-only texts are allowed.
    assert not (airline_examples & airline_test) - airline_train


@pytest.mark.parametrize(
    "document,field",
    [
        ("name: x\ntouchpoints: []", "touchpoints"),
        ("name: x\ntouchpoints:\n- {id: a, name: A, stage: nowhere, description: d}", "touchpoints.0.stage"),
        ("name: Bad Name\ntouchpoints:\n- {id: a, name: A, stage: usage, description: d}", "name"),
        ("name: x\ntouchpoints:\n- {id: a, name: A, stage: usage}", "touchpoints.0.description"),
        (
            "name: x\ntouchpoints:\n- {id: a, name: A, stage: usage, description: d, colour: red}",
            "touchpoints.0.colour",
        ),
        ("name: [unclosed", "YAML"),
    ],
)
def test_malformed_taxonomy_error_names_the_field(document: str, field: str) -> None:
    with pytest.raises(TaxonomyError, match=field.replace(".", r"\.")):
        parse_taxonomy(document)
