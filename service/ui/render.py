"""Templates and what every page shares: the Jinja environment (autoescape on for every
template: comments are attacker-controlled), number formats, and the security headers that keep
a page from loading or sending anything outside this server."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markdown_it import MarkdownIt
from markupsafe import Markup

from service.deps import get_state
from service.ui import svg

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


def percent(value: float | None, digits: int = 0) -> str:
    return "–" if value is None else f"{value * 100:.{digits}f}%"


def number(value: float | int | None) -> str:
    if value is None:
        return "–"
    return f"{value:,}" if isinstance(value, int) else f"{value:,.2f}"


def when(value: datetime | str | None) -> str:
    if value is None:
        return ""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.strftime("%Y-%m-%d %H:%M")


def day(value: datetime | None) -> str:
    return "" if value is None else value.strftime("%-d %b %Y")


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


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=True,
        undefined=StrictUndefined,  # a typo in a template fails the tests instead of showing nothing
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(percent=percent, number=number, when=when, day=day, negative_class=negative_class)
    env.globals.update(svg=svg)
    return env


templates = Jinja2Templates(env=_environment())

PAGES = [
    ("journey", "/ui/", "Journey map"),
    ("clusters", "/ui/clusters", "Pain clusters"),
    ("comments", "/ui/comments", "Comments"),
    ("upload", "/ui/upload", "Upload"),
    ("model", "/ui/model", "Model"),
]


def page(
    request: Request, template: str, section: str, title: str, status_code: int = 200, **context: Any
) -> HTMLResponse:
    state = get_state(request)
    return templates.TemplateResponse(
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
        status_code=status_code,
        headers=SECURITY_HEADERS,
    )
