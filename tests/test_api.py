"""The HTTP contract, against SQLite and PostgreSQL (the `server` fixture is parametrised)."""

from __future__ import annotations

import json
import uuid

import httpx
import pytest

from tests.helpers import post


def uid() -> str:
    return uuid.uuid4().hex


def test_health_and_readiness(client: httpx.Client) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"model": True, "database": True}
    assert "/v1/analyze" in client.get("/openapi.json").json()["paths"]
    assert client.get("/docs").status_code == 200


def test_analyze_contract_in_input_order(client: httpx.Client) -> None:
    body = {
        "taxonomy": "banking",
        "comments": [
            {"id": "a", "text": "I still have not received my new card"},
            {"id": "b", "text": "Why was I charged a fee for my transfer?", "source": "zendesk"},
            {"text": "How do I close my account?"},
        ],
    }
    response = client.post("/v1/analyze", json=body)
    assert response.status_code == 200, response.text
    data = response.json()
    assert data["taxonomy"] == "banking" and data["model_version"]
    assert [r["id"] for r in data["results"]] == ["a", "b", None]
    first = data["results"][0]
    assert first["stage"]["label"] == "purchase" and 0 < first["stage"]["confidence"] <= 1
    assert first["touchpoints"][0]["label"] == "card_ordering_and_delivery"
    assert set(first["touchpoints"][0]) >= {"label", "stage", "confidence", "sentiment", "evidence"}
    assert set(first["sentiment"]) >= {"label", "score", "confidence"}
    assert data["results"][1]["touchpoints"][0]["label"] == "transfers"
    assert data["results"][2]["touchpoints"][0]["label"] == "account_closure"
    # /v1/analyze stores nothing
    assert (
        client.get("/v1/comments", params={"taxonomy": "banking", "source": "zendesk"}).json()["comments"]
        == []
    )


def test_ingest_is_idempotent_and_reports_each_item(client: httpx.Client) -> None:
    source = f"src-{uid()}"
    comments = [
        {
            "id": "1",
            "text": "They lost my bag in Denver",
            "source": source,
            "created_at": "2015-02-21T10:00:00Z",
        },
        {"id": "2", "text": "   ", "source": source},
        {
            "id": "3",
            "text": "Flight delayed four hours",
            "source": source,
            "created_at": "2015-02-22T10:00:00",
        },
        "not an object",
    ]
    first = client.post("/v1/comments", json={"taxonomy": "airline", "comments": comments})
    assert first.status_code == 200, first.text
    data = first.json()
    assert [i["status"] for i in data["items"]] == ["created", "invalid", "created", "invalid"]
    assert "text is empty" in data["items"][1]["message"]
    assert (data["created"], data["invalid"], data["duplicates"]) == (2, 2, 0)
    assert data["items"][0]["result"]["touchpoints"][0]["label"] == "baggage"

    retry = client.post(
        "/v1/comments", json={"taxonomy": "airline", "comments": comments[:1] + comments[2:3]}
    )
    assert [i["status"] for i in retry.json()["items"]] == ["duplicate", "duplicate"]

    stored = client.get("/v1/comments", params={"source": source}).json()["comments"]
    assert sorted(c["id"] for c in stored) == ["1", "3"]
    bag = next(c for c in stored if c["id"] == "1")
    assert bag["touchpoint"] == "baggage" and bag["touchpoints"][0]["touchpoint"] == "baggage"
    assert bag["embedding_model"].startswith("all-MiniLM-L6-v2@") and bag["model_version"]
    assert bag["created_at"].startswith("2015-02-21T10:00:00")


def test_same_id_twice_in_one_batch_is_stored_once(client: httpx.Client) -> None:
    source = f"src-{uid()}"
    item = {"id": "x", "text": "Great service today", "source": source}
    data = client.post("/v1/comments", json={"comments": [item, item]}).json()
    assert [i["status"] for i in data["items"]] == ["created", "duplicate"]


def test_all_invalid_batch_is_a_422_that_lists_every_item(client: httpx.Client) -> None:
    response = client.post("/v1/comments", json={"comments": [{"text": ""}, {"txt": "typo"}]})
    assert response.status_code == 422
    messages = [i["message"] for i in response.json()["items"]]
    assert "text is empty" in messages[0]
    assert "text: Field required" in messages[1] and "txt: Extra inputs are not permitted" in messages[1]


def test_filters_paging_and_journey(client: httpx.Client) -> None:
    source = f"src-{uid()}"
    texts = [
        "They lost my luggage and nobody helps",
        "My bag arrived damaged",
        "The flight attendant was so kind, thank you",
        "Flight cancelled again, stranded overnight",
        "Our flight was delayed by three hours",
    ]
    comments = [
        {"id": str(i), "text": t, "source": source, "created_at": f"2015-02-{20 + i}T12:00:00Z"}
        for i, t in enumerate(texts)
    ]
    # stored newest first, so storage order and the comments' own time disagree: pages follow time
    stored = client.post("/v1/comments", json={"taxonomy": "airline", "comments": comments[::-1]})
    assert stored.json()["created"] == 5

    pages, cursor = [], None
    while True:
        params = {"source": source, "limit": 2, **({"cursor": cursor} if cursor else {})}
        page = client.get("/v1/comments", params=params).json()
        pages.append([c["id"] for c in page["comments"]])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert pages == [["4", "3"], ["2", "1"], ["0"]]

    baggage = client.get("/v1/comments", params={"source": source, "touchpoint": "baggage"}).json()[
        "comments"
    ]
    assert sorted(c["id"] for c in baggage) == ["0", "1"]
    ranged = client.get(
        "/v1/comments",
        params={"source": source, "since": "2015-02-21T00:00:00Z", "until": "2015-02-23T00:00:00Z"},
    ).json()["comments"]
    assert sorted(c["id"] for c in ranged) == ["1", "2"]
    negative = client.get("/v1/comments", params={"source": source, "sentiment": "negative"}).json()[
        "comments"
    ]
    assert "2" not in {c["id"] for c in negative} and len(negative) >= 3
    stage = client.get("/v1/comments", params={"source": source, "stage": "after_sales"}).json()["comments"]
    assert {"0", "1"} <= {c["id"] for c in stage}

    journey = client.get("/v1/journey", params={"taxonomy": "airline", "source": source}).json()
    assert [s["stage"] for s in journey["stages"]] == ["pre_purchase", "purchase", "usage", "after_sales"]
    assert journey["total"] == 5
    after = next(s for s in journey["stages"] if s["stage"] == "after_sales")
    bags = next(t for t in after["touchpoints"] if t["touchpoint"] == "baggage")
    assert bags["count"] == 2 and bags["negative_share"] == 1.0 and bags["mean_sentiment"] < 0
    window = client.get(
        "/v1/journey", params={"taxonomy": "airline", "source": source, "since": "2015-02-24T00:00:00Z"}
    ).json()
    assert window["total"] == 1


def test_taxonomies_list_get_post_and_use(client: httpx.Client) -> None:
    names = {t["name"] for t in client.get("/v1/taxonomies").json()}
    assert {"generic", "banking", "airline", "ecommerce", "hotel", "telecom"} <= names
    assert "card_payments" in client.get("/v1/taxonomies/banking").text

    mine = (
        "name: pizza\ntouchpoints:\n"
        "- {id: ordering, name: Ordering, stage: purchase, description: ordering a pizza online or by phone}\n"
        "- {id: delivery, name: Delivery, stage: usage, description: the pizza delivery was late or cold,"
        " examples: [the driver came an hour late, pizza arrived cold]}\n"
    )
    created = client.post("/v1/taxonomies", content=mine, headers={"content-type": "application/yaml"})
    assert created.status_code == 201, created.text
    assert created.json()["touchpoints"] == ["ordering", "delivery"]
    findings = {(f["kind"], tuple(f["touchpoints"]), f["stage"]) for f in created.json()["check"]["findings"]}
    assert {("empty_stage", (), "pre_purchase"), ("few_examples", ("ordering",), None)} <= findings
    result = client.post(
        "/v1/analyze", json={"taxonomy": "pizza", "comments": [{"text": "my pizza came cold and late"}]}
    ).json()
    assert result["taxonomy"] == "pizza" and result["results"][0]["touchpoints"][0]["label"] == "delivery"

    as_json = {
        "name": "pizza2",
        "touchpoints": [{"id": "x", "name": "X", "stage": "usage", "description": "d"}],
    }
    assert client.post("/v1/taxonomies", json=as_json).status_code == 201


def test_taxonomy_check_looks_at_the_stored_comments(client: httpx.Client) -> None:
    post(client, [{"text": f"my pizza number {i} arrived cold and an hour late"} for i in range(3)])
    mine = (
        "name: pizza_check\ntouchpoints:\n"
        "- {id: ordering, name: Ordering, stage: purchase, description: ordering a pizza online,"
        " examples: [the order form kept failing, I could not pay online]}\n"
        "- {id: delivery, name: Delivery, stage: usage, description: the pizza delivery was late or cold,"
        " examples: [the driver came an hour late, pizza arrived cold]}\n"
    )
    assert (
        client.post("/v1/taxonomies", content=mine, headers={"content-type": "application/yaml"}).status_code
        == 201
    )
    check = client.get("/v1/taxonomies/pizza_check/check")
    assert check.status_code == 200, check.text
    body = check.json()
    assert body["taxonomy"] == "pizza_check" and 3 <= body["sample_size"] <= 2000
    assert set(body["shares"]) == {"ordering", "delivery"} and body["loo_accuracy"] == 1.0
    assert client.get("/v1/taxonomies/nope/check").status_code == 404


@pytest.mark.parametrize(
    "document,field",
    [
        ("name: bad\ntouchpoints:\n- {id: a, name: A, stage: moon, description: d}", "touchpoints.0.stage"),
        ("name: bad\ntouchpoints:\n- {id: a, name: A, stage: usage}", "touchpoints.0.description"),
        ("[1, 2", "YAML"),
        ("name: banking\ntouchpoints:\n- {id: a, name: A, stage: usage, description: d}", "shipped pack"),
    ],
)
def test_malformed_taxonomy_is_refused_naming_the_field(
    client: httpx.Client, document: str, field: str
) -> None:
    response = client.post("/v1/taxonomies", content=document, headers={"content-type": "application/yaml"})
    assert response.status_code == 422
    assert field in response.json()["detail"]


# --- bad input: every limit and every malformed body gets a 4xx that says what to fix ---


def test_unknown_taxonomy(client: httpx.Client) -> None:
    response = client.post("/v1/analyze", json={"taxonomy": "nope", "comments": [{"text": "hi"}]})
    assert response.status_code == 422 and "unknown taxonomy 'nope'" in response.json()["detail"]


def test_bad_json(client: httpx.Client) -> None:
    response = client.post(
        "/v1/analyze", content=b'{"comments": [', headers={"content-type": "application/json"}
    )
    assert response.status_code == 400 and "not valid JSON" in response.json()["detail"]


@pytest.mark.parametrize(
    "body,needle",
    [
        ({"comments": "text"}, "comments: Input should be a valid list"),
        ({"comments": []}, "comments: List should have at least 1 item"),
        ({"texts": ["a"]}, "comments: Field required"),
    ],
)
def test_wrong_types(client: httpx.Client, body: object, needle: str) -> None:
    response = client.post("/v1/analyze", json=body)
    assert response.status_code == 422 and needle in response.json()["detail"]


def test_invalid_item_in_analyze_names_index_and_field(client: httpx.Client) -> None:
    response = client.post("/v1/analyze", json={"comments": [{"text": "fine"}, {"text": 5}, {"text": ""}]})
    assert response.status_code == 422
    errors = response.json()["detail"]["errors"]
    assert [e["index"] for e in errors] == [1, 2]
    assert "text: Input should be a valid string" in errors[0]["message"]
    assert "text is empty" in errors[1]["message"]


def test_text_too_long(client: httpx.Client) -> None:
    response = client.post("/v1/comments", json={"comments": [{"text": "a" * 2001}, {"text": "short one"}]})
    assert response.status_code == 200
    items = response.json()["items"]
    assert items[0]["status"] == "invalid" and "MOT_MAX_TEXT_CHARS" in items[0]["message"]
    assert items[1]["status"] == "created"


def test_batch_too_large(client: httpx.Client) -> None:
    response = client.post("/v1/analyze", json={"comments": [{"text": "hello there"}] * 51})
    assert response.status_code == 413 and "MOT_MAX_BATCH" in response.json()["detail"]


def test_body_too_large(client: httpx.Client) -> None:
    body = json.dumps({"comments": [{"text": "x" * 1000}] * 250})
    response = client.post("/v1/analyze", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 413 and "MOT_MAX_BODY_BYTES" in response.json()["detail"]


def test_page_size_and_cursor_limits(client: httpx.Client) -> None:
    assert "MOT_MAX_PAGE_SIZE" in client.get("/v1/comments", params={"limit": 5000}).json()["detail"]
    assert client.get("/v1/comments", params={"cursor": "garbage!"}).status_code == 422
    assert client.get("/v1/comments", params={"sentiment": "meh"}).status_code == 422


def test_metadata_too_large(client: httpx.Client) -> None:
    response = client.post(
        "/v1/comments",
        json={"comments": [{"text": "fine", "metadata": {"blob": "x" * 9000}}, {"text": "also fine"}]},
    )
    items = response.json()["items"]
    assert items[0]["status"] == "invalid" and "MOT_MAX_METADATA_BYTES" in items[0]["message"]
    assert items[1]["status"] == "created"


def test_taxonomy_document_too_large(client: httpx.Client) -> None:
    response = client.post(
        "/v1/taxonomies", content="#" * 60_000, headers={"content-type": "application/yaml"}
    )
    assert response.status_code == 413 and "MOT_MAX_TAXONOMY_BYTES" in response.json()["detail"]
