"""The Moments of truth page in a real browser (Debian's chromium via Playwright) against the
shared test server, in English and in Simplified Chinese: the ranking as a table, the
importance-performance chart (a dot per touchpoint, its interval, the medians), touchpoints named
in the reader's language, and the volume ranking with a notice when no comment carries a rating."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx
from playwright.sync_api import Browser, Page, expect

from tests.test_i18n import english_phrases

DAY = datetime(
    2019, 7, 1, 9, 0, tzinfo=UTC
)  # before the other tests' comments: no page's default period moves
TEXTS = [
    *(f"They lost my bag on flight {100 + i}, nobody at the desk helps" for i in range(8)),
    *(f"Flight {200 + i} was delayed four hours and we missed the connection" for i in range(6)),
    *(f"Lovely crew on flight {300 + i}, thank you!" for i in range(4)),
]


def _store(client: httpx.Client, rated: bool) -> str:
    source = f"mo-ui-{uuid.uuid4().hex[:6]}"
    items = [
        {
            "id": uuid.uuid4().hex,
            "text": text,
            "source": source,
            "created_at": (DAY + timedelta(minutes=i)).isoformat(),
            "metadata": {"rating": (1 + i % 2) if i < 8 else 3 + i % 2 if i < 14 else 5} if rated else {},
        }
        for i, text in enumerate(TEXTS)
    ]
    response = client.post("/v1/comments", json={"taxonomy": "airline", "comments": items})
    assert response.status_code == 200, response.text
    return source


def _path(source: str) -> str:
    return f"/ui/moments?taxonomy=airline&source={source}&days=0"


def _check_page(page: Page, client: httpx.Client, source: str, language: str) -> list[str]:
    """The table and the chart hold the API's ranking, named as the journey map names them."""
    ranking = client.get("/v1/moments", params={"taxonomy": "airline", "source": source}).json()["moments"]
    stages = client.get("/v1/journey", params={"taxonomy": "airline", "lang": language}).json()["stages"]
    names = {t["touchpoint"]: t["name"] for s in stages for t in s["touchpoints"]}
    rows = page.locator("table.moments tbody tr")
    expect(rows).to_have_count(len(ranking))
    assert [r.get_attribute("data-touchpoint") for r in rows.all()] == [m["touchpoint"] for m in ranking]
    expect(rows.first.locator("td").nth(1)).to_have_text(names[ranking[0]["touchpoint"]])
    chart = page.locator("svg.moments-chart")
    expect(chart).to_be_visible()
    expect(chart.locator("circle.mo-dot")).to_have_count(len(ranking))
    expect(chart.locator("line.mo-median")).to_have_count(2)
    labels = chart.locator("text.mo-label").all_text_contents()  # SVG text has no innerText
    assert names[ranking[0]["touchpoint"]] in labels  # the top touchpoint is named beside its dot
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    return [m["quadrant"] for m in ranking]


def test_the_ranking_and_the_chart_in_english(page: Page, server: str, client: httpx.Client) -> None:
    source = _store(client, rated=True)
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.goto(server + _path(source))
    expect(page.get_by_role("heading", level=1)).to_have_text("Moments of truth")
    expect(page.locator('header.top nav a[aria-current="page"]')).to_have_text("Moments of truth")
    expect(page.locator(".summary")).to_contain_text("18 with a rating in rating")
    expect(page.locator("#no-ratings")).to_have_count(0)
    quadrants = _check_page(page, client, source, "en")
    chart = page.locator("svg.moments-chart")
    assert chart.locator("g.mo-interval").count() >= 1  # intervals drawn as bars
    expect(chart).to_have_attribute("aria-label", "Importance and performance of each touchpoint")
    first = page.locator("table.moments tbody tr").first
    expect(first.locator(".interval")).to_contain_text(" to ")  # the rating drop with its interval
    expect(first.locator(".badge.quadrant")).to_have_text(quadrants[0])
    assert not errors, errors  # nothing the CSP refused


def test_the_ranking_and_the_chart_in_chinese(
    browser: Browser, browser_context_args: dict, server: str, client: httpx.Client
) -> None:
    rated, unrated = _store(client, rated=True), _store(client, rated=False)
    context = browser.new_context(**browser_context_args, locale="zh-CN")
    try:
        page = context.new_page()
        page.goto(server + _path(rated))
        expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
        expect(page.get_by_role("heading", level=1)).to_have_text("关键时刻")
        expect(page.locator('header.top nav a[aria-current="page"]')).to_have_text("关键时刻")
        _check_page(page, client, rated, "zh")
        expect(page.locator("svg.moments-chart")).to_have_attribute("aria-label", "各触点的重要性与表现")
        phrases = english_phrases()
        shown = page.evaluate("document.body.innerText")
        assert not [p for p in phrases if p in shown], "English left on the Chinese page"

        page.goto(server + _path(unrated))  # no ratings: said so, and ranked by volume
        expect(page.locator("#no-ratings")).to_contain_text("没有任何评论带有评分")
        expect(page.locator("table.moments thead th")).to_have_count(6)  # no rating-drop column
        _check_page(page, client, unrated, "zh")
    finally:
        context.close()
