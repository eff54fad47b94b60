"""The Moments of truth page: touchpoints ranked by what a negative mention costs the rating
(with its 95% interval), as a table and as an importance-performance chart drawn here as inline
SVG (svg.py's way: no script, every text escaped). Filters as on the journey map."""

from __future__ import annotations

import statistics
from collections.abc import Sequence

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup, escape

from models.moments import FIX_FIRST, KEEP_UP, LOW_PRIORITY, MIN_RATED, UNCERTAIN, WATCH
from service.auth.guard import PAGE
from service.deps import SessionDep, StateDep
from service.domain.moments import moments_in
from service.schemas import MomentOut
from service.ui.i18n import N_, UiLocale, locale_of, names_of
from service.ui.params import MapViewDep, map_filters, query
from service.ui.render import page

router = APIRouter(prefix="/ui", include_in_schema=False, dependencies=[PAGE])

QUADRANT_NAMES = {
    FIX_FIRST: N_("fix first"),
    UNCERTAIN: N_("uncertain"),
    KEEP_UP: N_("keep up"),
    WATCH: N_("watch"),
    LOW_PRIORITY: N_("low priority"),
}


@router.get("/moments", response_class=HTMLResponse)
def moments_page(
    request: Request,
    session: SessionDep,
    state: StateDep,
    view: MapViewDep,
) -> HTMLResponse:
    loc = locale_of(request)
    settings = state.settings
    period, tax = view.period, view.taxonomy
    result = moments_in(
        session,
        tax,
        period.since,
        period.until,
        view.source,
        settings.rating_field,
        settings.cluster_max_comments,
        view.segment,
    )
    names = names_of(tax, loc)
    return page(
        request,
        "moments.html",
        "moments",
        loc.gettext("Moments of truth"),
        result=result,
        by_rating=result.ranked_by == "rating",
        least=MIN_RATED,
        names=names,
        quadrants={k: loc.gettext(v) for k, v in QUADRANT_NAMES.items()},
        known={t.id for t in tax.touchpoints},
        chart=chart(result.moments, names, result.ranked_by == "rating", loc),
        f=map_filters(session, state, view, loc),
        period=period,
        link=query(**view.params()),
    )


# --- the importance-performance chart ---

WIDTH, HEIGHT = 760, 440
LEFT, RIGHT, TOP, BOTTOM = 64, 20, 18, 48
LINE = 13  # a label's height, and the steps a label moves to clear another


def _text_width(text: str) -> float:
    """Roughly, at 11px: CJK characters take a full em, others a bit over half of one."""
    return sum(11.0 if ord(c) >= 0x2E80 else 6.3 for c in text)


def chart(moments: Sequence[MomentOut], names: dict[str, str], by_rating: bool, loc: UiLocale) -> Markup:
    """x: negative share (performance, worse to the right); y: impact (with ratings, rating
    points lost per comment, each touchpoint's 95% interval a bar through its dot); the medians
    that split the quadrants dashed, each quadrant named in its corner, a dot per touchpoint in
    its quadrant's colour with its name beside it."""
    _ = loc.gettext
    label = _("Importance and performance of each touchpoint")
    if not moments:
        empty = _("No touchpoints to chart.")
        return _svg(WIDTH, 40, label, f'<text x="0" y="24" class="axis">{escape(empty)}</text>')
    inner_w, inner_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def span(m: MomentOut) -> tuple[float, float] | None:
        if not by_rating or m.ci_low is None or m.ci_high is None:
            return None
        return m.ci_low * m.frequency, m.ci_high * m.frequency

    values = [m.impact for m in moments] + [v for m in moments if (s := span(m)) for v in s]
    low, high = min(0.0, *values), max(0.0, *values)
    pad = (high - low) * 0.06 or 1.0
    low, high = (low - pad if low < 0 else low), high + pad

    def x(share: float) -> float:
        return LEFT + share * inner_w

    def y(value: float) -> float:
        return TOP + (high - value) / (high - low) * inner_h

    digits = 2 if by_rating else 0
    bottom = TOP + inner_h
    parts = [
        f'<rect class="mo-plot" x="{LEFT}" y="{TOP}" width="{inner_w}" height="{inner_h}"/>',
        f'<line class="axis-line" x1="{LEFT}" y1="{bottom}" x2="{WIDTH - RIGHT}" y2="{bottom}"/>',
        f'<line class="axis-line" x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{bottom}"/>',
    ]
    for tick in (0.0, 0.25, 0.5, 0.75, 1.0):
        anchor = "start" if tick == 0 else "end" if tick == 1 else "middle"
        parts.append(
            f'<text class="axis" x="{x(tick):.1f}" y="{bottom + 15}" text-anchor="{anchor}">{loc.percent(tick)}</text>'
        )
    for tick in dict.fromkeys(t for t in (low, 0.0, high) if t == 0 or abs(y(t) - y(0)) >= LINE):
        parts.append(
            f'<text class="axis" x="{LEFT - 6}" y="{y(tick) + 4:.1f}" text-anchor="end">{loc.number(tick, digits)}</text>'
        )
    if by_rating and low < 0:
        parts.append(
            f'<line class="mo-zero" x1="{LEFT}" y1="{y(0):.1f}" x2="{WIDTH - RIGHT}" y2="{y(0):.1f}"/>'
        )
    share_mid = statistics.median(m.negative_share for m in moments)
    impact_mid = statistics.median(m.impact for m in moments)
    parts += [
        f'<line class="mo-median" x1="{x(share_mid):.1f}" y1="{TOP}" x2="{x(share_mid):.1f}" y2="{bottom}"/>',
        f'<line class="mo-median" x1="{LEFT}" y1="{y(impact_mid):.1f}" x2="{WIDTH - RIGHT}" y2="{y(impact_mid):.1f}"/>',
    ]
    corners = (
        (FIX_FIRST, WIDTH - RIGHT - 6, TOP + 14, "end"),
        (KEEP_UP, LEFT + 6, TOP + 14, "start"),
        (WATCH, WIDTH - RIGHT - 6, bottom - 6, "end"),
        (LOW_PRIORITY, LEFT + 6, bottom - 6, "start"),
    )
    for key, cx, cy, anchor in corners:
        parts.append(
            f'<text class="mo-corner q-{key.replace(" ", "-")}" x="{cx}" y="{cy}" text-anchor="{anchor}">'
            f"{escape(_(QUADRANT_NAMES[key]))}</text>"
        )
    axis_x = _("Negative share (performance: further right is worse)")
    axis_y = (
        _("Impact: rating points lost per comment") if by_rating else _("Impact: mentions × negative share")
    )
    parts += [
        f'<text class="axis mo-title" x="{LEFT + inner_w / 2:.1f}" y="{HEIGHT - 8}" text-anchor="middle">{escape(axis_x)}</text>',
        f'<text class="axis mo-title" transform="rotate(-90)" x="{-(TOP + inner_h / 2):.1f}" y="14" '
        f'text-anchor="middle">{escape(axis_y)}</text>',
    ]
    placed: list[tuple[float, float, float, float]] = []
    dots, labels = [], []
    for m in sorted(moments, key=lambda m: m.rank):
        px, py = x(m.negative_share), y(m.impact)
        css = f"q-{m.quadrant.replace(' ', '-')}"
        tip = _tip(m, names, loc)
        if (s := span(m)) is not None:
            top_y, low_y = y(s[1]), y(s[0])
            dots.append(
                f'<g class="mo-interval {css}"><line x1="{px:.1f}" y1="{top_y:.1f}" x2="{px:.1f}" y2="{low_y:.1f}"/>'
                f'<line x1="{px - 4:.1f}" y1="{top_y:.1f}" x2="{px + 4:.1f}" y2="{top_y:.1f}"/>'
                f'<line x1="{px - 4:.1f}" y1="{low_y:.1f}" x2="{px + 4:.1f}" y2="{low_y:.1f}"/></g>'
            )
        dots.append(
            f'<circle class="mo-dot {css}" cx="{px:.1f}" cy="{py:.1f}" r="5" data-touchpoint="{escape(m.touchpoint)}">'
            f"<title>{escape(tip)}</title></circle>"
        )
        placed.append((px - 6, py - 6, px + 6, py + 6))
        labels.append(_label(m, names.get(m.touchpoint, m.touchpoint), px, py, placed))
    return _svg(WIDTH, HEIGHT, label, "".join(parts + dots + labels))


def _label(m: MomentOut, name: str, px: float, py: float, placed: list) -> str:
    """The name beside its dot, moved up or down a line at a time to clear what is already
    drawn; where nothing clears, only its rank (the table's first column)."""
    for text in (name if len(name) <= 24 else name[:23] + "…", str(m.rank)):
        width = _text_width(text)
        right = px + 9 + width <= WIDTH - RIGHT
        x0 = px + 9 if right else px - 9 - width
        for step in (0, 1, -1, 2, -2):
            base = py + 4 + step * LINE
            box = (x0, base - LINE + 2, x0 + width, base + 2)
            if box[1] < TOP or box[3] > HEIGHT - BOTTOM:
                continue
            if not any(_overlap(box, other) for other in placed):
                placed.append(box)
                anchor = "start" if right else "end"
                at = x0 if right else x0 + width
                return f'<text class="mo-label" x="{at:.1f}" y="{base:.1f}" text-anchor="{anchor}">{escape(text)}</text>'
    return ""


def _overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _tip(m: MomentOut, names: dict[str, str], loc: UiLocale) -> str:
    _ = loc.gettext
    parts = [
        f"{m.rank}. {names.get(m.touchpoint, m.touchpoint)}: {_(QUADRANT_NAMES[m.quadrant])}",
        _("%(share)s negative", share=loc.percent(m.negative_share)),
    ]
    if m.rating_drop is not None:
        parts.append(drop_text(m, loc))
    return " · ".join(parts)


def drop_text(m: MomentOut, loc: UiLocale) -> str:
    """The rating drop with its 95% interval, as the table and the tooltips write it."""
    _ = loc.gettext
    if m.ci_low is None or m.ci_high is None:
        return _("rating drop %(drop)s (too few ratings for an interval)", drop=loc.number(m.rating_drop, 2))
    return _(
        "rating drop %(drop)s (95%% interval %(low)s to %(high)s)",
        drop=loc.number(m.rating_drop, 2),
        low=loc.number(m.ci_low, 2),
        high=loc.number(m.ci_high, 2),
    )


def _svg(width: int, height: int, label: str, body: str) -> Markup:
    return Markup(
        f'<svg class="chart moments-chart" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{escape(label)}"><title>{escape(label)}</title>{body}</svg>'
    )
