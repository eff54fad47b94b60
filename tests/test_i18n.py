"""The web UI in English and Simplified Chinese: the zh_CN catalog covers every string the
templates and the page code mark (extracted here with babel.cfg, as pybabel does, so a new string
without a translation fails), no template holds text left unmarked, the reader's language is
chosen from ?lang=, the cookie and Accept-Language, numbers and dates follow it, and every page
of a real server renders in each language."""

from __future__ import annotations

import re
import uuid
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from html.parser import HTMLParser
from pathlib import Path

import httpx
import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from service.local_server import local_server
from service.ui import i18n
from service.ui.i18n import CHINESE, ENGLISH, match, negotiate
from tests.helpers import api_client, post, refresh, server_settings
from tests.ui_data import inline_sample

POT = i18n.LOCALES_DIR / "messages.pot"
PAGES = (
    "/ui/",
    "/ui/moments",
    "/ui/segments",
    "/ui/clusters",
    "/ui/highlights",
    "/ui/comments",
    "/ui/upload",
    "/ui/model",
)
NAV = {
    "en": ["Journey map", "Moments of truth", "Pain clusters", "Highlights", "Comments", "Upload", "Model"],
    "zh": ["旅程地图", "关键时刻", "痛点聚类", "亮点", "评论", "上传", "模型"],
}


def extracted() -> dict[tuple[str | None, str], int]:
    """Every string the UI marks, as pybabel extracts it with babel.cfg: (context, msgid) -> line."""
    with i18n.MAPPING.open(encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    found = {}
    for _file, line, message, _comments, context in extract_from_dir(str(i18n.HERE), method_map, options_map):
        found[(context, message[0] if isinstance(message, tuple) else message)] = line
    return found


def catalog(path: Path | None = None, locale: str | None = "zh_CN") -> Catalog:
    with (path or i18n.catalog_path("zh_CN")).open("rb") as handle:
        return read_po(handle, locale=locale)


def key(message) -> tuple[str | None, str]:  # type: ignore[no-untyped-def]
    return message.context, message.id[0] if isinstance(message.id, tuple) else message.id


# --- the catalog ---


def test_the_catalog_translates_every_string_of_the_ui() -> None:
    marked = extracted()
    assert len(marked) > 200  # the extraction did run over the templates and the page code
    translated = {key(m): m for m in catalog() if m.id}
    missing = sorted(str(k) for k in marked if k not in translated)
    assert not missing, f"not in the zh_CN catalog (see docs/WEB_UI.md, Languages): {missing}"
    untranslated = sorted(
        str(k)
        for k, m in translated.items()
        if k in marked and not all(m.string if isinstance(m.string, tuple) else [m.string])
    )
    assert not untranslated, f"empty translations: {untranslated}"
    fuzzy = sorted(str(k) for k, m in translated.items() if m.fuzzy)
    assert not fuzzy, f"fuzzy entries (check them, then drop the flag): {fuzzy}"


def test_translations_keep_the_placeholders_and_the_markup() -> None:
    zh = catalog()
    problems = [(m.id, [str(e) for e in errors]) for m, errors in zh.check()]
    assert not problems, problems
    for m in zh:
        if not m.id or isinstance(m.id, tuple):
            continue
        assert re.findall(r"</?\w+", m.id) == re.findall(r"</?\w+", m.string), m.id  # the same tags
        assert re.findall(r"\{\w+\}", m.id) == sorted(re.findall(r"\{\w+\}", m.string), key=m.id.index), m.id


def test_the_catalog_and_its_template_are_current() -> None:
    marked = set(extracted())
    stale = sorted(str(key(m)) for m in catalog() if m.id and key(m) not in marked)
    if stale:
        warnings.warn(f"zh_CN entries no string of the UI uses any more: {stale}", stacklevel=1)
    template = {key(m) for m in catalog(POT, None) if m.id}
    assert template == marked, (
        "messages.pot is not the extraction of today's UI: run pybabel extract (docs/WEB_UI.md); "
        f"missing {sorted(map(str, marked - template))}, gone {sorted(map(str, template - marked))}"
    )


class _Text(HTMLParser):
    """The text a template shows and the attributes a reader sees, outside Jinja's tags."""

    SHOWN = ("title", "placeholder", "aria-label", "alt", "data-confirm", "data-job-label")

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self.code = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.code += tag == "code"
        self.found += [v for k, v in attrs if k in self.SHOWN and v]

    def handle_endtag(self, tag: str) -> None:
        self.code -= tag == "code"

    def handle_data(self, data: str) -> None:
        if not self.code:
            self.found.append(data)


# Text that is the same in every language: the product's name, acronyms, formats and examples.
UNTRANSLATED = {"MOT Miner", "API", "late_refunds"}


def test_no_template_shows_text_outside_gettext() -> None:
    for path in sorted((i18n.HERE / "templates").glob("*.html")):
        source = re.sub(r"\{#.*?#\}|\{%.*?%\}|\{\{.*?\}\}", " ", path.read_text(encoding="utf-8"), flags=re.S)
        parser = _Text()
        parser.feed(source)
        bare = [
            t.strip(" ·\n")
            for t in parser.found
            if re.search(r"[A-Za-z]{2,}", t) and t.strip(" ·\n") not in UNTRANSLATED
        ]
        assert not bare, f"{path.name}: text to mark with _(): {bare}"


# --- the reader's language, numbers and dates ---


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("zh-CN,zh;q=0.9,en;q=0.8", "zh_CN"),
        ("zh", "zh_CN"),
        ("zh-Hans-CN", "zh_CN"),
        ("zh_CN", "zh_CN"),
        ("en-US,en;q=0.9,zh-CN;q=0.8", "en"),
        ("fr-FR, zh;q=0.5", "zh_CN"),  # the first language the UI has
        ("en;q=0.3, zh;q=0.7", "zh_CN"),  # by quality, not by order
        ("zh-TW", "en"),  # traditional script: not this catalog
        ("de", "en"),
        ("zh;q=0", "en"),
        ("", "en"),
        (None, "en"),
        ("*", "en"),
        ("zh;q=x, en", "en"),
    ],
)
def test_accept_language(header: str | None, expected: str) -> None:
    assert negotiate(header).code == expected


def test_lang_values() -> None:
    assert [match(v) for v in ("en", "zh-CN", "zh_cn", "zh", "ZH-Hans", "fr", "", None, "zh-Hant")] == [
        ENGLISH, CHINESE, CHINESE, CHINESE, CHINESE, None, None, None, None,
    ]  # fmt: skip


def test_numbers_and_dates_in_each_language() -> None:
    moment = datetime(2015, 2, 21, 9, 5, tzinfo=UTC)
    assert CHINESE.day(moment) == "2015年2月21日" and ENGLISH.day(date(2015, 2, 21)) == "Feb 21, 2015"
    assert (
        CHINESE.when(moment) == "2015年2月21日 09:05"
        and ENGLISH.when(moment.isoformat()) == "Feb 21, 2015, 09:05"
    )
    assert CHINESE.period("2015-02-21T00:00:00+00:00") == "2月21日"
    assert ENGLISH.period("2015-02-21T13:00:00+00:00") == "Feb 21, 13:00"
    assert ENGLISH.number(12345) == CHINESE.number(12345) == "12,345" and ENGLISH.number(0.5) == "0.50"
    assert (
        ENGLISH.percent(0.123) == "12%"
        and CHINESE.percent(0.1234, 1) == "12.3%"
        and CHINESE.percent(None) == "–"
    )
    assert ENGLISH.signed_percent(0.25) == "+25%" and ENGLISH.signed(-3.2) == "-3"
    assert CHINESE.label("negative") == "负面" and CHINESE.label("resolved") == "已解决"
    assert (
        CHINESE.label("a value it does not know") == "a value it does not know"
        and ENGLISH.label("new") == "new"
    )
    assert (
        CHINESE.ngettext("%(num)d day", "%(num)d days", 7) == "7 天"
        and ENGLISH.ngettext("%(num)d day", "%(num)d days", 1) == "1 day"
    )


def test_emerging_reasons_in_words() -> None:
    rise = (
        "2015-02-21T00:00:00+00:00: 131 comments (5.0% of the period) against 45.2 expected from its share "
        "of the previous 6 periods: 2.9x, p=6.4e-05; total volume 1.1x its average"
    )
    assert i18n.reason(ENGLISH, rise) == "131 comments on Feb 21, about 45 expected (2.9× its usual share)"
    assert i18n.reason(CHINESE, rise) == "2月21日 有 131 条评论，预期约 45 条（为平常占比的 2.9 倍）"
    new = "2015-02-21T00:00:00+00:00: new: 12 comments in this period, none in the 6 periods before"
    assert i18n.reason(ENGLISH, new) == "new on Feb 21: 12 comments, none in the 6 periods before"
    assert "新出现" in i18n.reason(CHINESE, new)
    assert i18n.reason(CHINESE, "worded otherwise") == "worded otherwise"


# --- pages of a real server ---


@dataclass(frozen=True)
class Site:
    url: str
    taxonomy: str  # a taxonomy in Chinese that names its stage and touchpoints in English too
    paths: tuple[str, ...]  # every page, with real ids


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    settings = server_settings(
        database_url=f"sqlite:///{tmp_path_factory.mktemp('i18n') / 'mot.db'}",
        default_taxonomy="ecommerce",
        cluster_min_size=5,
        auth=False,
    )
    with local_server(settings) as url, api_client(url) as client:
        post(client, inline_sample())
        refresh(client)
        name = f"wm{uuid.uuid4().hex[:6]}"
        taxonomy = {
            "name": name,
            "language": "zh",
            "stages": [{"id": "usage", "name": "使用", "names": {"en": "Usage"}}],
            "touchpoints": [
                {"id": "delivery_speed", "name": "配送速度", "names": {"en": "Delivery speed"}, "stage": "usage",
                 "description": "送餐快慢、超时、等了很久", "examples": ["送餐太慢了", "等了一个多小时"]},
                {"id": "taste", "name": "口味", "stage": "usage", "description": "饭菜好不好吃、咸淡",
                 "examples": ["太咸了", "味道不错"]},
            ],
        }  # fmt: skip
        assert client.post("/v1/taxonomies", json=taxonomy).status_code == 201
        stored = client.post(
            "/v1/comments",
            json={"taxonomy": name, "comments": [{"text": "送餐太慢了，等了一个多小时", "source": "waimai"}]},
        )
        assert stored.status_code == 200, stored.text
        cluster = client.get("/v1/clusters").json()[0]["id"]
        comment = client.get("/v1/comments", params={"limit": 1}).json()["comments"][0]["comment_id"]
        touchpoint = client.get("/v1/journey").json()["stages"][0]["touchpoints"][0]["touchpoint"]
        action = client.post(
            "/v1/actions",
            json={"kind": "cluster", "subject": str(cluster), "what": "骑手加派", "done_by": "配送团队",
                  "started_at": "2026-01-01"},
        )  # fmt: skip
        assert action.status_code == 201, action.text
        paths = (
            *PAGES,
            f"/ui/actions/{action.json()['id']}",
            f"/ui/clusters/{cluster}",
            f"/ui/comments?like={comment}",
            f"/ui/touchpoints/{touchpoint}",
        )
        yield Site(url, name, (*paths, "/ui/login", "/ui/clusters/999999"))


def get(site: Site, path: str, **headers: str) -> httpx.Response:
    with httpx.Client(base_url=site.url, timeout=120) as client:
        return client.get(path, headers=headers)


def visible(html: str) -> str:
    parser = _Text()
    parser.feed(re.sub(r"<script.*?</script>", " ", html, flags=re.S))
    return " ".join(" ".join(parser.found).split())


def english_phrases() -> list[str]:
    """The UI's English sentences, cut at their placeholders and tags: long enough that no
    comment or name is likely to hold one."""
    pieces = set()
    for m in catalog():
        for singular in [m.id[0]] if isinstance(m.id, tuple) else [m.id] if m.id else []:
            words = re.sub(r"<code>.*?</code>", " ", singular)  # commands: the same in every language
            pieces.update(p.strip() for p in re.split(r"%\(\w+\)\w|<[^>]+>|\{\w+\}", words))
    return sorted(p for p in pieces if len(p) >= 10 and " " in p and re.search("[a-z]{3}", p))


def test_every_page_in_chinese_and_in_english(site: Site) -> None:
    phrases = english_phrases()
    for path in site.paths:
        zh = get(site, path, **{"accept-language": "zh-CN,zh;q=0.9,en;q=0.8"})
        en = get(site, path, **{"accept-language": "en-US,en;q=0.9"})
        assert zh.status_code == en.status_code and zh.status_code in (200, 404), (path, zh.status_code)
        assert '<html lang="zh-CN">' in zh.text and '<html lang="en">' in en.text, path
        assert "Accept-Language" in zh.headers["vary"], path
        shown = visible(zh.text)
        left = [p for p in phrases if p in shown]
        assert not left, f"{path}: English left in the Chinese page: {left}"
        if path != "/ui/login":
            for label in NAV["zh"]:
                assert f">{label}</a>" in zh.text, (path, label)
            for label in NAV["en"]:
                assert f">{label}</a>" in en.text and f">{label}</a>" not in zh.text, (path, label)
    journey = get(site, "/ui/", **{"accept-language": "zh-CN"}).text
    assert "客户旅程地图" in journey and "负面" in journey and "导出 CSV" in journey
    assert "Customer journey map" in get(site, "/ui/").text  # no header: English


def test_names_in_the_readers_language(site: Site) -> None:
    zh = get(site, f"/ui/?taxonomy={site.taxonomy}&days=0", **{"accept-language": "zh-CN"}).text
    en = get(site, f"/ui/?taxonomy={site.taxonomy}&days=0", **{"accept-language": "en"}).text
    assert "使用" in zh and "配送速度" in zh and "口味" in zh
    assert "Usage" in en and "Delivery speed" in en and "口味" in en  # no English name: its own
    assert "配送速度" not in en
    page = get(
        site, f"/ui/touchpoints/delivery_speed?taxonomy={site.taxonomy}&days=0", **{"accept-language": "en"}
    )
    assert "<h1>Delivery speed</h1>" in page.text and "<title>Delivery speed · MOT Miner</title>" in page.text
    comments = get(site, f"/ui/comments?taxonomy={site.taxonomy}", **{"accept-language": "en"}).text
    assert '<option value="delivery_speed">Delivery speed</option>' in comments  # the filter and the form
    comments = get(site, f"/ui/comments?taxonomy={site.taxonomy}", **{"accept-language": "zh-CN"}).text
    assert '<option value="delivery_speed">配送速度</option>' in comments
    assert '<option value="negative">负面</option>' in comments  # shown translated, sent in English


def test_the_switch_and_its_cookie(site: Site) -> None:
    with httpx.Client(base_url=site.url, timeout=120, headers={"accept-language": "en"}) as browser:
        first = browser.get("/ui/comments", params={"q": "refund"})
        assert '<html lang="en">' in first.text
        assert (
            'href="/ui/comments?q=refund&amp;lang=zh-CN" lang="zh-CN"' in first.text
        )  # the switch keeps the filters
        chosen = browser.get("/ui/comments", params={"q": "refund", "lang": "zh-CN"})
        assert '<html lang="zh-CN">' in chosen.text
        cookie = chosen.headers["set-cookie"].lower()
        assert "mot_lang=zh-cn" in cookie and "samesite=lax" in cookie and "path=/" in cookie
        later = browser.get("/ui/clusters")  # the cookie: Chinese without the parameter, over Accept-Language
        assert '<html lang="zh-CN">' in later.text and "set-cookie" not in later.headers
        assert (
            '<a href="/ui/clusters?lang=zh-CN" lang="zh-CN" hreflang="zh-CN" aria-current="true">中文</a>'
            in later.text
        )
        back = browser.get("/ui/", params={"lang": "en"})
        assert '<html lang="en">' in back.text and "mot_lang=en" in back.headers["set-cookie"]
        assert '<html lang="en">' in browser.get("/ui/model").text
        odd = browser.get("/ui/model", params={"lang": "xx"})  # not a language of the UI: ignored
        assert odd.status_code == 200 and '<html lang="en">' in odd.text and "set-cookie" not in odd.headers
    with httpx.Client(base_url=site.url, timeout=120) as browser:
        browser.cookies.set("mot_lang", "zh-CN")
        assert '<html lang="zh-CN">' in browser.get("/ui/upload", headers={"accept-language": "en"}).text


def test_errors_in_the_readers_language(site: Site) -> None:
    refused = get(site, "/ui/comments?since=2026-03-09&until=2026-03-01", **{"accept-language": "zh-CN"})
    assert refused.status_code == 422 and "“起始日期”必须早于“结束日期”。" in refused.text
    refused = get(site, "/ui/comments?since=2026-03-09&until=2026-03-01")
    assert refused.status_code == 422 and "“From” must be before “To”." in refused.text
    missing = get(site, "/ui/touchpoints/teleport", **{"accept-language": "zh-CN"})
    assert (
        missing.status_code == 404 and "<h1>未找到</h1>" in missing.text and "触点“teleport”" in missing.text
    )
    with httpx.Client(base_url=site.url, timeout=120, headers={"accept-language": "zh-CN"}) as client:
        login = client.get("/ui/login")
        assert "<h1>登录</h1>" in login.text and "API 密钥" in login.text
