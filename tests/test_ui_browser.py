"""The web UI in a real browser (Debian's chromium via Playwright) against the real server, on
SQLite: the journey map and a touchpoint, a cluster's triage, the comment explorer with a
correction and an export, a CSV upload, the model page; a hostile comment stays inert; no
request leaves the server; the pages are keyboard reachable and fit a laptop screen.

With ../shared/data present the server holds a sample of the airline tweets; without it, a small
inline set. Screenshots of every page are taken only when asked, from the airline data, into the
folder MOT_SCREENSHOTS names (relative to the repository): the ones in the README are made by
`MOT_SCREENSHOTS=docs/screenshots pytest tests/test_ui_browser.py`. Otherwise nothing is written.

Every page is opened in Simplified Chinese too (a browser whose language is zh-CN), and the
language switch is used; with the food_delivery pack and the waimai reviews of ../shared/data,
a Chinese journey map of those reviews is drawn (its picture in the docs, journey-zh.png, is made
with EmbeddingGemma by docs/screenshots/journey_zh.py: MiniLM reads no Chinese)."""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from models.taxonomy import PACKS_DIR
from service.local_server import local_server
from tests.helpers import DATA_DIR, ROOT, api_client, new_key, post, refresh, server_settings
from tests.test_i18n import NAV, english_phrases
from tests.test_ui_contrast import contrast
from tests.ui_data import AIRLINE, XSS_TEXT, airline_sample, hostile, inline_sample

SCREENSHOTS = ROOT / os.environ["MOT_SCREENSHOTS"] if os.environ.get("MOT_SCREENSHOTS") else None
WIDTH = 1280
PHONE = 390  # CSS pixels of a common phone


def _hex(css: str) -> str:
    """rgb(31, 35, 40) as the browser reports a colour -> #1f2328."""
    red, green, blue = (int(v) for v in re.findall(r"\d+", css)[:3])
    return f"#{red:02x}{green:02x}{blue:02x}"


@dataclass(frozen=True)
class Ui:
    url: str
    airline: bool  # real data: screenshots may be taken
    taxonomy: str
    key: str  # an analyst's key: read, triage, ingest
    latest: datetime  # the newest comment stored: the journey map ends on its day

    def api(self) -> httpx.Client:
        return api_client(self.url, self.key)

    def shoot(self, page: Page, name: str, max_height: int = 1400) -> None:
        if SCREENSHOTS is None or not self.airline:
            return  # only when MOT_SCREENSHOTS asks; they show the airline data only
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        height = min(page.evaluate("document.documentElement.scrollHeight"), max_height)
        clip = {"x": 0, "y": 0, "width": WIDTH, "height": height}
        page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True, clip=clip)


@pytest.fixture(scope="module")
def ui(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Ui]:
    airline = AIRLINE.is_file()
    items = airline_sample() if airline else inline_sample()
    latest = max(datetime.fromisoformat(i["created_at"]) for i in items)
    items.append(hostile(latest))
    taxonomy = "airline" if airline else "ecommerce"
    settings = server_settings(
        database_url=f"sqlite:///{tmp_path_factory.mktemp('ui') / 'mot.db'}",
        default_taxonomy=taxonomy,
        cluster_min_size=5,
        auth=True,  # as in production: the analyst signs in, every change carries the CSRF token
    )
    with local_server(settings) as url:
        ui = Ui(
            url,
            airline,
            taxonomy,
            new_key(settings.database_url, "analyst", ["read", "triage", "ingest"]),
            latest,
        )
        with ui.api() as client:
            post(client, items)
            refresh(client)
        yield ui


@pytest.fixture(autouse=True)
def signed_in(request: pytest.FixtureRequest) -> None:
    """Every browser test starts as an analyst who signed in on the sign-in page."""
    if "page" not in request.fixturenames:
        return
    page: Page = request.getfixturevalue("page")
    ui: Ui = request.getfixturevalue("ui")
    page.goto(f"{ui.url}/ui/")
    expect(page).to_have_url(re.compile(r"/ui/login\?next="))  # no session yet: sent to sign in
    page.get_by_label("API key").fill(ui.key)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Customer journey map")).to_be_visible()


def test_screenshots_need_the_airline_data() -> None:
    if not AIRLINE.is_file():
        pytest.skip(f"{AIRLINE} is absent: the pages are tested on inline data, without screenshots")


def test_journey_map_then_a_touchpoint(page: Page, ui: Ui) -> None:
    page.goto(f"{ui.url}/ui/")
    expect(page.get_by_role("heading", name="Customer journey map")).to_be_visible()
    with ui.api() as api:
        stages = api.get("/v1/journey", params={"taxonomy": ui.taxonomy}).json()["stages"]
    shown = [re.sub(r"^\d+\s*", "", h) for h in page.locator(".stage-head h2").all_inner_texts()]
    assert shown == [s["name"] for s in stages]  # the stages in journey order, as columns
    cells = page.locator("a.cell")
    assert cells.count() == sum(len(s["touchpoints"]) for s in stages)
    with ui.api() as api:
        last = ui.latest.date()
        partial = not api.get(
            "/v1/journey",
            params={
                "taxonomy": ui.taxonomy,
                "since": (last - timedelta(days=6)).isoformat(),
                "until": (last + timedelta(days=1)).isoformat(),
                "compare": True,
            },
        ).json()["previous_complete"]
    # the airline tweets start inside the week before their last week: that week is not compared
    said = "no comparison with the 7 days before" if partial else "against the 7 days before"
    expect(page.locator(".summary")).to_contain_text(said)
    # every card's text as the browser paints it, against its background: WCAG AA
    painted = page.locator("a.cell").evaluate_all(
        "cells => cells.map(c => [getComputedStyle(c).color, getComputedStyle(c).backgroundColor])"
    )
    for text, background in painted:
        assert contrast(_hex(text), _hex(background)) >= 4.5, (text, background)
    ui.shoot(page, "journey-map")

    busiest = max(
        (t for s in stages for t in s["touchpoints"]),
        key=lambda t: (t["count"] > 0, t["negative_share"] or 0),
    )
    page.locator(f'a.cell[data-touchpoint="{busiest["touchpoint"]}"]').click()
    expect(page.get_by_role("heading", level=1)).to_have_text(busiest["name"])
    expect(page.get_by_role("heading", name="Pain clusters")).to_be_visible()
    assert page.locator("article.comment").count() > 0  # its comments
    ui.shoot(page, "touchpoint")

    page.locator(".crumbs a").click()  # back to the map, then filter by source
    source = page.locator('select[name="source"] option').nth(1).get_attribute("value")
    page.select_option('select[name="source"]', source)
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"source="))
    expect(page.locator('select[name="source"]')).to_have_value(source)


def test_cluster_triage(page: Page, ui: Ui) -> None:
    page.goto(f"{ui.url}/ui/clusters")
    links = page.locator("table.clusters tbody tr:not(.theme-row) a.cluster-link")
    shown = [
        int(href.rsplit("/", 1)[1])
        for href in links.evaluate_all("els => els.map(e => e.getAttribute('href'))")
    ]
    with ui.api() as api:
        themes = api.get("/v1/themes").json()
        pain = {c["id"]: c["pain"] for c in api.get("/v1/clusters", params={"limit": 1000}).json()}
    assert len(shown) >= 2 and shown == [c for t in themes for c in t["clusters"]]  # theme by theme
    open_themes = [t["pain"] for t in themes if not t["generic"]]
    assert open_themes == sorted(open_themes, reverse=True)  # themes by their clusters' pain, summed
    for t in themes:  # and within a theme, most painful first
        assert [pain[c] for c in t["clusters"]] == sorted((pain[c] for c in t["clusters"]), reverse=True)
    assert page.locator("table.clusters svg.spark").count() == len(shown)
    ui.shoot(page, "clusters")

    page.locator("a.cluster-link").first.click()
    page.wait_for_load_state()  # its script wires the triage forms
    cluster_id = int(page.url.rsplit("/", 1)[1])
    expect(page.get_by_role("heading", name="Trend")).to_be_visible()
    expect(page.locator("ul.quotes li").first).to_be_visible()  # representative comments
    expect(page.get_by_role("heading", name="Touchpoint mix")).to_be_visible()
    ui.shoot(page, "cluster")

    page.get_by_role("form", name="Rename").get_by_label("Name").fill("Storm cancellations")
    with page.expect_navigation():  # each action reloads the page once the API has answered
        page.get_by_role("button", name="Rename").click()
    expect(page.locator("#cluster-title")).to_have_text("Storm cancellations")
    page.get_by_label("known", exact=True).check()
    with page.expect_navigation():
        page.get_by_role("button", name="Set status").click()
    expect(page.locator(".page-head .badge")).to_have_text("known")
    linked = page.locator('select[name="linked_touchpoint"] option').nth(1).get_attribute("value")
    page.select_option('select[name="linked_touchpoint"]', linked)
    with page.expect_navigation():
        page.get_by_role("button", name="Link", exact=True).click()
    expect(page.locator('select[name="linked_touchpoint"]')).to_have_value(linked)
    with ui.api() as api:
        stored = api.get(f"/v1/clusters/{cluster_id}").json()
    assert (stored["name"], stored["status"], stored["linked_touchpoint"]) == (
        "Storm cancellations",
        "known",
        linked,
    )

    # Merge another cluster into this one (the page asks first), from the other's page
    with ui.api() as api:
        other = next(c["id"] for c in api.get("/v1/clusters").json() if c["id"] != cluster_id)
    page.goto(f"{ui.url}/ui/clusters/{other}")
    page.select_option('select[name="into"]', str(cluster_id))
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        page.get_by_role("button", name="Merge").click()
    expect(page).to_have_url(f"{ui.url}/ui/clusters/{cluster_id}")
    expect(page.locator(".triage")).to_contain_text(f"cluster {other}")

    # An unnamed cluster becomes a touchpoint of a copy of the taxonomy
    with ui.api() as api:
        third = next(c["id"] for c in api.get("/v1/clusters").json() if c["id"] not in (cluster_id, other))
    page.goto(f"{ui.url}/ui/clusters/{third}")
    promote = page.locator("details", has=page.get_by_text("Turn into a touchpoint"))
    if not promote.evaluate("details => details.open"):  # open already for an unnamed cluster
        promote.locator("summary").click()
    form = page.get_by_role("form", name="Turn into a touchpoint")
    form.get_by_label("Id", exact=True).fill("storm_trouble")
    form.get_by_label("Name", exact=True).fill("Storm trouble")
    form.get_by_label("Save as", exact=True).fill("mine")
    with page.expect_navigation():
        form.get_by_role("button", name="Add touchpoint").click()
    expect(page.locator(".page-head .badge")).to_have_text("known")  # linked and marked known
    with ui.api() as api:
        assert api.get(f"/v1/clusters/{third}").json()["linked_touchpoint"] == "storm_trouble"
        assert "storm_trouble" in api.get("/v1/taxonomies/mine").text


def test_comment_explorer_search_correct_export(page: Page, ui: Ui, tmp_path: Path) -> None:
    word = "bag" if ui.airline else "refund"
    page.goto(f"{ui.url}/ui/comments")
    page.get_by_label("Search", exact=True).fill(word)
    page.get_by_label("Search", exact=True).press("Enter")
    expect(page).to_have_url(re.compile(rf"q={word}"))
    texts = page.locator("article.comment .text").all_inner_texts()
    assert texts and all(word in t.lower() for t in texts)
    total = int(re.sub(r"\D", "", page.locator(".summary strong").inner_text()))
    ui.shoot(page, "comments")

    first = page.locator("article.comment").first
    comment_id = int(first.get_attribute("data-comment-id"))
    first.get_by_text("Correct", exact=True).click()
    target = first.locator('select[name="touchpoint"] option').nth(2).get_attribute("value")
    first.locator('select[name="touchpoint"]').select_option(target)
    first.locator('select[name="sentiment"]').select_option("negative")
    with page.expect_navigation():
        first.get_by_role("button", name="Save correction").click()
    expect(page.locator(f"#comment-{comment_id} .chip.corrected")).to_be_visible()
    with ui.api() as api:
        exported = api.get("/v1/corrections/export", params={"format": "jsonl"}).text
    assert f'"comment_id": {comment_id}' in exported and f'"touchpoint": "{target}"' in exported

    with page.expect_download() as download:
        page.get_by_role("link", name="Export CSV").click()
    path = tmp_path / "comments.csv"
    download.value.save_as(path)
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == total and all(word in r["text"].lower() for r in rows)

    page.locator(f"#comment-{comment_id}").get_by_role("link", name="More like this").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("More like this")
    expect(page.locator(".target article.comment")).to_have_attribute("data-comment-id", str(comment_id))
    assert page.locator(".comments .similarity").count() > 0


def test_hostile_comment_is_shown_and_exported_harmlessly(page: Page, ui: Ui, tmp_path: Path) -> None:
    page.goto(f"{ui.url}/ui/comments?q=HYPERLINK")
    text = page.locator("article.comment .text")
    expect(text).to_have_count(1)
    expect(text).to_have_text(XSS_TEXT)  # shown literally, markup and all
    assert page.evaluate("window.__xss") is None
    with page.expect_download() as download:
        page.get_by_role("link", name="Export CSV").click()
    path = tmp_path / "hostile.csv"
    download.value.save_as(path)
    with path.open(newline="", encoding="utf-8") as handle:
        (row,) = list(csv.DictReader(handle))
    assert row["text"] == "'" + XSS_TEXT  # the cell begins with a quote: no formula runs

    comment = page.locator("article.comment")
    for href in [comment.get_by_role("link", name="More like this").get_attribute("href")] + [
        a.get_attribute("href") for a in page.locator("article.comment .meta a").all()
    ]:
        page.goto(ui.url + href)  # its neighbours and its cluster show it too
        assert page.evaluate("window.__xss") is None
    page.goto(f"{ui.url}/ui/")
    assert page.evaluate("window.__xss") is None


def test_upload_a_csv_and_see_its_results(page: Page, ui: Ui) -> None:
    page.goto(f"{ui.url}/ui/upload")
    page.set_input_files(
        'input[name="file"]', files=[{"name": "wrong.csv", "mimeType": "text/csv", "buffer": b"a,b\n1,2\n"}]
    )
    page.get_by_label("Text column").fill("body")
    page.get_by_role("button", name="Analyse").click()
    expect(page.locator("#upload-error")).to_contain_text("has no column 'body'")

    rows = [
        ("r1", "The agent at the gate was rude and unhelpful"),
        ("r2", "My luggage arrived two days late"),
        ("r3", ""),
        ("r4", "Boarding was quick and the seats were clean"),
    ]
    body = "ref,body\n" + "".join(f'{ref},"{text}"\n' for ref, text in rows)
    page.set_input_files(
        'input[name="file"]', files=[{"name": "survey.csv", "mimeType": "text/csv", "buffer": body.encode()}]
    )
    page.get_by_label("Id column").fill("ref")
    page.get_by_label("Source name").fill("survey")
    page.get_by_role("button", name="Analyse").click()
    expect(page).to_have_url(re.compile(r"/ui/upload\?job=\d+"), timeout=60_000)
    expect(page.locator("#upload-result h2")).to_contain_text("done")
    expect(page.locator('[data-count="created"]')).to_have_text("3")
    expect(page.locator('[data-count="invalid"]')).to_have_text("1")
    expect(page.locator("#upload-result table")).to_contain_text("text is empty")
    ui.shoot(page, "upload")

    page.get_by_role("link", name="comments from survey").click()
    expect(page.locator("article.comment")).to_have_count(3)
    expect(page.locator("article.comment .text").first).to_have_text(rows[3][1])


def test_owner_action_and_note(page: Page, ui: Ui) -> None:
    """A touchpoint gets an owner and an action through its page's forms; the action's page
    says whether it worked, metric by metric, with its chart; a cluster gets a note."""
    with ui.api() as api:
        stages = api.get("/v1/journey", params={"taxonomy": ui.taxonomy}).json()["stages"]
    busiest = max((t for s in stages for t in s["touchpoints"]), key=lambda t: t["count"])
    page.goto(f"{ui.url}/ui/touchpoints/{busiest['touchpoint']}?taxonomy={ui.taxonomy}")
    owner = page.get_by_role("form", name="Set the owner")
    owner.get_by_label("Team").fill("Ground operations")
    owner.get_by_label("Contact").fill("ops@example.com")
    with page.expect_navigation():
        owner.get_by_role("button", name="Set owner").click()
    expect(page.locator(".owner")).to_contain_text("Ground operations")
    record = page.get_by_role("form", name="Record an action")
    record.get_by_label("What was done").fill("More staff at the desk")
    expect(record.get_by_label("By")).to_have_value("Ground operations")  # the owner, by default
    record.get_by_label("From").fill((ui.latest - timedelta(days=3)).date().isoformat())
    with page.expect_navigation():
        record.get_by_role("button", name="Record action").click()
    page.locator(".actions-list a", has_text="More staff at the desk").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("More staff at the desk")
    expect(page.get_by_role("heading", name="Did it work?")).to_be_visible()
    assert page.locator("ul.effects li").count() == 3  # negative share, volume, rating
    expect(page.locator('ul.effects li[data-metric="negative_share"] .verdict')).not_to_be_empty()
    assert page.locator("svg.chart .start-line").count() == 1
    ui.shoot(page, "action")

    with ui.api() as api:
        cluster = api.get("/v1/clusters").json()[0]["id"]
    page.goto(f"{ui.url}/ui/clusters/{cluster}")
    note = page.get_by_role("form", name="Add a note")
    note.get_by_label("Note").fill("Mostly the Newark hub")
    with page.expect_navigation():
        note.get_by_role("button", name="Add note").click()
    expect(page.locator("ul.notes li").first).to_contain_text("Mostly the Newark hub")
    expect(page.locator("ul.notes li").first).to_contain_text("analyst")  # who wrote it
    ui.shoot(page, "cluster-owner-notes")

    page.goto(f"{ui.url}/ui/highlights?days=0")
    expect(page.get_by_role("heading", name="Touchpoints people praise")).to_be_visible()
    assert page.locator("table.praised tbody tr[data-touchpoint]").count() > 0
    ui.shoot(page, "highlights")


def test_model_page(page: Page, ui: Ui) -> None:
    page.goto(f"{ui.url}/ui/model")
    with ui.api() as api:
        version = api.get("/v1/model").json()["model_version"]
    expect(page.locator("table.props").first).to_contain_text(version)
    expect(page.get_by_role("heading", name="Taxonomies")).to_be_visible()
    check = page.locator(f'article.taxonomy-check[data-taxonomy="{ui.taxonomy}"]')
    expect(check).to_contain_text("stored comments looked at")
    with ui.api() as api:
        touchpoints = api.get("/v1/taxonomies").json()
    count = next(len(t["touchpoints"]) for t in touchpoints if t["name"] == ui.taxonomy)
    expect(check.locator("table tbody tr")).to_have_count(count)
    if ui.airline:  # the airline pack has no touchpoint before purchase, and says so
        expect(check.locator('li[data-kind="empty_stage"]')).to_contain_text("pre_purchase")
    ui.shoot(page, "model")


def test_offline_keyboard_and_laptop_width(page: Page, ui: Ui) -> None:
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    for path in ("/ui/", "/ui/clusters", "/ui/comments", "/ui/upload", "/ui/model"):
        page.goto(ui.url + path)
        assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH, path  # no sideways scrolling
    page.set_viewport_size({"width": PHONE, "height": 800})
    for path in ("/ui/", "/ui/clusters"):  # on a phone the page fits; a wide table scrolls in its box
        page.goto(ui.url + path)
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE, path
    page.set_viewport_size({"width": WIDTH, "height": 900})
    foreign = [u for u in requested if not u.startswith(ui.url)]
    assert requested and not foreign, foreign

    page.goto(f"{ui.url}/ui/")
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_text("Skip to content")
    for _ in range(40):  # the navigation, the filters, then the first touchpoint of the map
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('cell')"):
            break
    else:
        raise AssertionError("no journey map cell is reachable by keyboard")
    touchpoint = page.evaluate("document.activeElement.dataset.touchpoint")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/ui/touchpoints/{touchpoint}"))


# --- in Chinese ---

WAIMAI = DATA_DIR / "zh" / "waimai_10k.csv"
FOOD_DELIVERY = PACKS_DIR / "food_delivery.yaml"


def chinese(browser: Browser, browser_context_args: dict, ui: Ui) -> tuple[BrowserContext, Page, list[str]]:
    """A browser whose language is Simplified Chinese (Accept-Language: zh-CN), signed in on the
    Chinese sign-in page; the errors its pages log are collected."""
    context = browser.new_context(**browser_context_args, locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{ui.url}/ui/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    page.get_by_label("API 密钥").fill(ui.key)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="客户旅程地图")).to_be_visible()
    return context, page, errors


def test_every_page_in_chinese(browser: Browser, browser_context_args: dict, ui: Ui) -> None:
    context, page, errors = chinese(browser, browser_context_args, ui)
    with ui.api() as api:
        cluster = api.get("/v1/clusters").json()[0]["id"]
        comment = api.get("/v1/comments", params={"limit": 1}).json()["comments"][0]["comment_id"]
        touchpoint = api.get("/v1/journey", params={"taxonomy": ui.taxonomy}).json()["stages"][-1][
            "touchpoints"
        ][0]
    headings = {
        "/ui/": "客户旅程地图",
        f"/ui/touchpoints/{touchpoint['touchpoint']}": touchpoint["name"],  # the taxonomy's own name
        "/ui/clusters": "痛点聚类",
        f"/ui/clusters/{cluster}": None,  # its label: words of its comments
        "/ui/comments": "评论",
        f"/ui/comments?like={comment}": "相似评论",
        "/ui/upload": "上传评论进行分析",
        "/ui/model": "当前服务的模型",
        "/ui/clusters/999999999": "未找到",
    }
    phrases = english_phrases()
    for path, heading in headings.items():
        page.goto(ui.url + path)
        page.wait_for_load_state()
        expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
        assert page.locator("header.top nav a").all_inner_texts()[: len(NAV["zh"])] == NAV["zh"], path
        expect(page.locator(".skip")).to_have_text("跳到正文")
        expect(page.locator("footer")).to_contain_text("模型")
        if heading:
            expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        shown = page.evaluate("document.body.innerText")
        left = [p for p in phrases if p in shown]
        assert not left, f"{path}: English left on the page: {left}"
        assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH, path
        if heading == "未找到":  # the browser logs the 404 it was sent to
            errors[:] = [e for e in errors if "status of 404" not in e]
        assert not errors, (path, errors)  # no script error, nothing the CSP refused

    page.goto(f"{ui.url}/ui/comments")  # the page's script speaks Chinese too
    first = page.locator("article.comment").first
    first.get_by_text("更正", exact=True).click()
    first.get_by_role("button", name="保存更正").click()  # nothing chosen: nothing to save
    expect(first.locator(".form-status")).to_have_text("没有可保存的内容：请先选择一个值。")
    expect(first.locator(".chip").first).to_have_text(re.compile("^(负面|中性|正面)$"))
    assert first.locator('select[name="sentiment"] option').nth(1).get_attribute("value") == "negative"
    context.close()


def test_the_language_switch(page: Page, ui: Ui) -> None:
    page.goto(f"{ui.url}/ui/clusters?status=new")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.locator(".languages").get_by_role("link", name="中文").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("痛点聚类")
    expect(page).to_have_url(re.compile(r"status=new"))  # the same page, its filters kept
    page.get_by_role("link", name="评论", exact=True).click()  # kept for the next pages
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.get_by_role("heading", level=1)).to_have_text("评论")
    page.locator(".languages").get_by_role("link", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Comments")
    page.goto(f"{ui.url}/ui/")
    expect(page.get_by_role("heading", name="Customer journey map")).to_be_visible()


def waimai_sample(latest: datetime, count: int = 300) -> list[dict]:
    """Every k-th review, spread over the two weeks that end with the newest comment the fixture
    stored: the map shows the last of them against the one before."""
    with WAIMAI.open(newline="", encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle) if r["review"].strip()]
    step = max(len(rows) // count, 1)
    chosen = rows[::step][:count]
    return [
        {
            "id": f"waimai-{i}",
            "text": row["review"][:2000],
            "source": "waimai",
            "created_at": (latest - timedelta(minutes=i * 14 * 24 * 60 // len(chosen) + 1)).isoformat(),
        }
        for i, row in enumerate(chosen)
    ]


def test_chinese_journey_map_of_waimai_reviews(browser: Browser, browser_context_args: dict, ui: Ui) -> None:
    """Last of the module: the reviews it stores stay in the store."""
    if not FOOD_DELIVERY.is_file():
        pytest.skip(f"{FOOD_DELIVERY} is not there yet: the Chinese journey map needs the food_delivery pack")
    if not WAIMAI.is_file():
        pytest.skip(f"{WAIMAI} is absent: no 外卖 reviews to map")
    items = waimai_sample(ui.latest)
    with ui.api() as api:
        for begin in range(0, len(items), 100):
            batch = {"taxonomy": "food_delivery", "comments": items[begin : begin + 100]}
            response = api.post("/v1/comments", json=batch)
            assert response.status_code == 200, response.text
        stages = api.get("/v1/journey", params={"taxonomy": "food_delivery", "lang": "zh"}).json()["stages"]
    context, page, errors = chinese(browser, browser_context_args, ui)
    page.goto(f"{ui.url}/ui/?taxonomy=food_delivery&source=waimai&days=7&end={ui.latest.date().isoformat()}")
    shown = [re.sub(r"^\d+\s*", "", h) for h in page.locator(".stage-head h2").all_inner_texts()]
    assert shown == [s["name"] for s in stages] == ["售前", "购买", "使用", "售后"]
    names = page.locator("a.cell .cell-name").all_inner_texts()
    assert names and all(re.search(r"[\u4e00-\u9fff]", n) for n in names)  # the pack's Chinese names
    expect(page.locator(".summary")).to_contain_text("条评论")
    assert int(page.locator(".summary strong").inner_text().replace(",", "")) > 100
    expect(page.locator(".summary")).to_contain_text("年")  # its dates as Chinese writes them
    assert not errors, errors
    context.close()
