"""Templates and what every page shares: the Jinja environment (autoescape on for every
template: comments are attacker-controlled), one per UI language with its translations and its
number and date formats (i18n.py), and the security headers that keep a page from loading or
sending anything outside this server."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markdown_it import MarkdownIt
from markupsafe import Markup

from service.deps import get_state
from service.ui import svg
from service.ui.i18n import LOCALES, N_, UiLocale, locale_of, reason, remember, switch_links
from service.ui.params import query

HERE = Path(__file__).resolve().parent
NEGATIVE_BUCKETS = 10

# Only this server: scripts and styles from its static folder, no inline script or style, no
# request to any other host. The SVG charts are markup, not scripts, so they pass.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def negative_class(share: float | None) -> str:
    """A CSS class per tenth of negative share: colours without inline styles (the CSP forbids them)."""
    if share is None:
        return "neg-none"
    return f"neg-{min(int(share * NEGATIVE_BUCKETS), NEGATIVE_BUCKETS - 1)}"


_markdown = MarkdownIt("commonmark", {"html": False}).enable("table").disable("image")


def markdown(text: str) -> Markup:
    """A model card as HTML: raw HTML in it is escaped and images are not rendered (they would
    load from elsewhere)."""
    return Markup(_markdown.render(text))  # safe: markdown-it escapes all text with html=False


def _environment(loc: UiLocale) -> Environment:
    """One environment per language, built once: a request never changes a shared one."""
    env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=True,
        undefined=StrictUndefined,  # a typo in a template fails the tests instead of showing nothing
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    env.policies["ext.i18n.trimmed"] = True  # as babel.cfg extracts them
    env.install_gettext_translations(loc.translations, newstyle=True)  # type: ignore[attr-defined]
    env.filters.update(
        percent=loc.percent,
        number=loc.number,
        signed=loc.signed,
        signed_percent=loc.signed_percent,
        when=loc.when,
        day=loc.day,
        label=loc.label,
        reason=partial(reason, loc),
        negative_class=negative_class,
        name_of=lambda key, names: names.get(key, key),
    )
    charts = SimpleNamespace(
        sparkline=svg.sparkline,
        bar=svg.bar,
        trend_chart=partial(svg.trend_chart, loc=loc),
        before_after=partial(svg.before_after_chart, loc=loc),
    )
    env.globals.update(svg=charts, locale=loc, query_of=query)
    return env


TEMPLATES = {code: Jinja2Templates(env=_environment(loc)) for code, loc in LOCALES.items()}

PAGES = [
    ("journey", "/ui/", N_("Journey map")),
    ("moments", "/ui/moments", N_("Moments of truth")),
    ("clusters", "/ui/clusters", N_("Pain clusters")),
    ("highlights", "/ui/highlights", N_("Highlights")),
    ("comments", "/ui/comments", N_("Comments")),
    ("upload", "/ui/upload", N_("Upload")),
    ("model", "/ui/model", N_("Model")),
]


def render(
    request: Request,
    template: str,
    context: dict[str, Any],
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """A template in the reader's language (see i18n.py), with the language switch."""
    loc = locale_of(request)
    response = TEMPLATES[loc.code].TemplateResponse(
        request,
        template,
        {"languages": switch_links(request), **context},
        status_code=status_code,
        headers={**SECURITY_HEADERS, **(headers or {})},
    )
    remember(request, response, get_state(request).settings.cookie_secure)
    return response


def page(
    request: Request, template: str, section: str, title: str, status_code: int = 200, **context: Any
) -> HTMLResponse:
    state = get_state(request)
    return render(
        request,
        template,
        {
            "title": title,
            "section": section,
            "pages": PAGES,
            "model_version": state.analyzer.model_version,
            "csrf": getattr(request.state, "csrf", ""),  # set when a session cookie signed the request in
            **context,
        },
        status_code,
    )
