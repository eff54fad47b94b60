"""The web UI's languages: English, the language the templates and the page code are written in,
and Simplified Chinese, from the gettext catalog locales/zh_CN/LC_MESSAGES/messages.po (read once
at startup; no compiled catalog is kept in the repository).

The reader's language: the `lang` parameter of any page (the switch in the page header sends it,
and a cookie keeps the choice), else that cookie, else the browser's Accept-Language (zh, zh-CN,
zh-Hans: Chinese; anything else: English).

Strings are marked for extraction with `_`/`gettext`/`ngettext` (translated at once, in the
request's language) or with `N_` (a constant, translated where it is shown). The extraction
config, babel.cfg beside this module, serves pybabel and tests/test_i18n.py alike. Values sent to
the API and in forms (sentiments, statuses) stay English: only what is shown is translated."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from gettext import NullTranslations
from pathlib import Path

from babel import Locale
from babel.dates import format_skeleton
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent
from babel.support import Translations
from fastapi import Request
from fastapi.responses import Response

from models.taxonomy import DEFAULT_STAGES, Taxonomy

HERE = Path(__file__).resolve().parent
LOCALES_DIR = HERE / "locales"
MAPPING = HERE / "babel.cfg"
DOMAIN = "messages"
PARAM = "lang"  # ?lang=zh-CN on any page
COOKIE = "mot_lang"
COOKIE_DAYS = 365


def N_(message: str) -> str:
    """Marks a constant for extraction; it is translated where it is shown (`_(label)`)."""
    return message


@dataclass(frozen=True)
class UiLocale:
    code: str  # babel's and the catalog's: en, zh_CN
    tag: str  # BCP 47: <html lang>, the lang parameter and the cookie
    names: str  # ISO 639-1: which of a taxonomy's names (Taxonomy.names_in) its readers read
    own_name: str  # how the language switch names it: in its own language
    translations: NullTranslations = field(repr=False, compare=False, default_factory=NullTranslations)

    def gettext(self, message: str, /, **values: object) -> str:
        text = self.translations.gettext(message)
        return text % values if values else text

    def ngettext(self, singular: str, plural: str, n: int, /, **values: object) -> str:
        return self.translations.ngettext(singular, plural, n) % {"num": n, **values}

    def label(self, value: str | None) -> str:
        """A value of the API shown to a reader (a sentiment, a status): its name in the page's
        language; a value it does not know is shown as it is."""
        if value is None:
            return ""
        return self.gettext(LABELS[value]) if value in LABELS else value

    # Numbers and dates as the reader writes them: 12,345 and 12%; Feb 21, 2015 or 2015年2月21日.
    def number(self, value: float | None, digits: int | None = None) -> str:
        if value is None:
            return "–"
        if digits is None:
            digits = 0 if isinstance(value, int) else 2
        return format_decimal(
            value, format="#,##0" + ("." + "0" * digits if digits else ""), locale=self.code
        )

    def signed(self, value: float | None, digits: int = 0) -> str:
        if value is None:
            return "–"
        pattern = "#,##0" + ("." + "0" * digits if digits else "")
        return format_decimal(value, format=f"+{pattern};-{pattern}", locale=self.code)

    def signed_percent(self, value: float | None, digits: int = 0) -> str:
        if value is None:
            return "–"
        pattern = "#,##0" + ("." + "0" * digits if digits else "") + "%"
        return format_percent(value, format=f"+{pattern};-{pattern}", locale=self.code)

    def percent(self, value: float | None, digits: int = 0) -> str:
        if value is None:
            return "–"
        return format_percent(
            value, format="#,##0" + ("." + "0" * digits if digits else "") + "%", locale=self.code
        )

    def day(self, value: date | datetime | None) -> str:
        return "" if value is None else format_skeleton("yMMMd", _utc(value), tzinfo=UTC, locale=self.code)

    def when(self, value: datetime | str | None) -> str:
        """A moment in UTC, to the minute."""
        if value is None or value == "":
            return ""
        moment = _utc(datetime.fromisoformat(value) if isinstance(value, str) else value)
        return self._joined(format_skeleton("yMMMd", moment, tzinfo=UTC, locale=self.code), moment)

    def period(self, value: str) -> str:
        """A period of a trend (ISO text) on a chart's axis: a day, or a day and an hour."""
        try:
            moment = _utc(datetime.fromisoformat(value))
        except ValueError:
            return value
        shown = format_skeleton("MMMd", moment, tzinfo=UTC, locale=self.code)
        return self._joined(shown, moment) if moment.hour or moment.minute else shown

    def _joined(self, day: str, moment: datetime) -> str:
        time = format_skeleton("Hm", moment, tzinfo=UTC, locale=self.code)
        pattern = Locale.parse(self.code).datetime_formats["medium"]
        return str(pattern).replace("{1}", day).replace("{0}", time)


def _utc(value: date | datetime) -> datetime:
    if not isinstance(value, datetime):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# Values of the API and the settings that pages show: translated for display only.
LABELS = {
    "negative": N_("negative"),
    "neutral": N_("neutral"),
    "positive": N_("positive"),
    "new": N_("new"),  # cluster statuses
    "known": N_("known"),
    "resolved": N_("resolved"),
    "ignored": N_("ignored"),
    "running": N_("running"),  # job statuses
    "done": N_("done"),
    "failed": N_("failed"),
    "stopped": N_("stopped"),
    "all": N_("all"),  # MOT_CLUSTER_SCOPE: all comments, or the negative ones
    "hour": N_("hour"),  # MOT_CLUSTER_PERIOD
    "day": N_("day"),
    "week": N_("week"),
    "improved": N_("improved"),  # an action's verdict (models/effect.py)
    "worsened": N_("worsened"),
    "no detectable change": N_("no detectable change"),
    "not enough data": N_("not enough data"),
    "builtin": N_("builtin"),  # where a taxonomy comes from
    "file": N_("file"),
    "api": N_("api"),
    "bundle": N_("bundle"),
    "touchpoint": N_("touchpoint"),  # fields a correction sets
    "stage": N_("stage"),
    "sentiment": N_("sentiment"),
    "close_pair": N_("close pair"),  # taxonomy check findings
    "never_wins": N_("never wins"),
    "dominant": N_("dominant"),
    "empty_stage": N_("empty stage"),
    "few_examples": N_("few examples"),
    "nothing_fits": N_("nothing fits"),
}


# The four stages every taxonomy has unless it names its own: in the catalog, for taxonomies that
# keep their English names and give none in the reader's language.
DEFAULT_STAGE_NAMES = {s["id"]: s["name"] for s in DEFAULT_STAGES}
_DEFAULT_STAGES = (N_("Pre-purchase"), N_("Purchase"), N_("Usage"), N_("After-sales"))


def names_of(taxonomy: Taxonomy, loc: UiLocale) -> dict[str, str]:
    """Stage and touchpoint ids -> the names a reader of `loc` reads: the taxonomy's own names in
    that language where it gives them (Taxonomy.names_in), the catalog's for the default stages."""
    names = taxonomy.names_in(loc.names)
    if taxonomy.language != loc.names:
        for stage in taxonomy.stages:
            if loc.names not in stage.names and DEFAULT_STAGE_NAMES.get(stage.id) == stage.name:
                names[stage.id] = loc.gettext(stage.name)
    return names


def stage_options(taxonomy: Taxonomy, loc: UiLocale) -> list[tuple[str, str]]:
    names = names_of(taxonomy, loc)
    return [(s.id, names[s.id]) for s in taxonomy.stages]


def touchpoint_options(taxonomy: Taxonomy, loc: UiLocale) -> list[tuple[str, str]]:
    return [(t.id, t.name_in(loc.names)) for t in taxonomy.touchpoints]


def catalog_path(code: str) -> Path:
    return LOCALES_DIR / code / "LC_MESSAGES" / f"{DOMAIN}.po"


def load_translations(code: str) -> Translations:
    """The .po catalog as gettext translations, compiled in memory (fuzzy entries left out)."""
    with catalog_path(code).open("rb") as handle:
        catalog = read_po(handle, locale=code, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


ENGLISH = UiLocale("en", "en", "en", "English")
CHINESE = UiLocale("zh_CN", "zh-CN", "zh", "中文", load_translations("zh_CN"))
LOCALES = {loc.code: loc for loc in (ENGLISH, CHINESE)}
_TRADITIONAL = {"hant", "tw", "hk", "mo"}


def match(tag: str | None) -> UiLocale | None:
    """The UI language a language tag asks for: en*, zh, zh-CN, zh-Hans (zh_CN too); else None."""
    parts = [p for p in re.split(r"[-_]", (tag or "").strip().lower()) if p]
    if not parts or len(parts) > 4:
        return None
    if parts[0] == "en":
        return ENGLISH
    if parts[0] == "zh" and not _TRADITIONAL.intersection(parts[1:]):
        return CHINESE
    return None


def negotiate(header: str | None) -> UiLocale:
    """From Accept-Language: the reader's most preferred language the UI has; else English."""
    ranked = []
    for position, part in enumerate((header or "")[:1000].split(",")):
        tag, _, params = part.partition(";")
        quality = 1.0
        for param in params.split(";"):
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality > 0:
            ranked.append((-quality, position, tag))
    for _, _, tag in sorted(ranked):
        found = match(tag)
        if found is not None:
            return found
    return ENGLISH


def locale_of(request: Request) -> UiLocale:
    """The request's UI language: ?lang=, else the cookie the switch set, else Accept-Language."""
    chosen = getattr(request.state, "ui_locale", None)
    if chosen is None:
        chosen = (
            match(request.query_params.get(PARAM))
            or match(request.cookies.get(COOKIE))
            or negotiate(request.headers.get("accept-language"))
        )
        request.state.ui_locale = chosen
    return chosen


def remember(request: Request, response: Response, secure: bool) -> None:
    """A language chosen with ?lang= is kept for the next pages (the forms do not carry it).
    Every page depends on the language headers, so caches keep one copy per language."""
    response.headers.append("Vary", "Accept-Language, Cookie")
    chosen = match(request.query_params.get(PARAM))
    if chosen is not None and request.cookies.get(COOKIE) != chosen.tag:
        response.set_cookie(
            COOKIE,
            chosen.tag,
            max_age=COOKIE_DAYS * 86400,
            samesite="lax",
            secure=secure,
            httponly=True,
            path="/",
        )


def switch_links(request: Request) -> list[tuple[UiLocale, str]]:
    """The current page in each language: the same path and parameters, `lang` replaced."""
    links = []
    for loc in LOCALES.values():
        url = request.url.include_query_params(**{PARAM: loc.tag})
        links.append((loc, f"{url.path}?{url.query}"))
    return links


# Why a cluster or a touchpoint is emerging, as models/emerging.py and models/pain.py word it
# ("<period>: <reason>"), in the reader's language; a reason worded otherwise is shown as it is.
_NEW = re.compile(
    r"^(?P<period>\S+): new: (?P<count>\d+) comments in this period, none in the (?P<active>\d+) periods before$"
)
_RISE = re.compile(
    r"^(?P<period>\S+): (?P<count>\d+) comments \((?P<share>[\d.]+)% of the period\) against "
    r"(?P<expected>[\d.]+) expected from its share of the previous (?P<active>\d+) periods: "
    r"(?P<ratio>[\d.]+|inf)x, p=(?P<p>\S+); total volume (?P<volume>[\d.]+|inf)x its average$"
)


def reason(loc: UiLocale, text: str) -> str:
    """In words: "131 comments on Feb 21, about 45 expected", not the p-value behind it."""
    if found := _NEW.match(text):
        return loc.gettext(
            "new on %(period)s: %(count)s comments, none in the %(active)s periods before",
            period=loc.period(found["period"]),
            count=loc.number(int(found["count"])),
            active=found["active"],
        )
    if found := _RISE.match(text):
        expected = float(found["expected"])
        return loc.gettext(
            "%(count)s comments on %(period)s, about %(expected)s expected (%(ratio)s× its usual share)",
            period=loc.period(found["period"]),
            count=loc.number(int(found["count"])),
            expected=loc.number(round(expected)) if expected >= 1 else loc.number(expected, 1),
            ratio=found["ratio"] if found["ratio"] == "inf" else loc.number(float(found["ratio"]), 1),
        )
    return text
