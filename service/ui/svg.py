"""Charts as inline SVG, drawn on the server: no chart library, no script, nothing fetched.
Every text that goes into a chart is escaped; numbers are formatted here."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from markupsafe import Markup, escape

from service.ui.i18n import ENGLISH, UiLocale


def _svg(width: int, height: int, label: str, body: str, css: str = "chart") -> Markup:
    return Markup(
        f'<svg class="{css}" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{escape(label)}"><title>{escape(label)}</title>{body}</svg>'
    )


def sparkline(values: Sequence[float], label: str, width: int = 120, height: int = 28) -> Markup:
    """A small trend line; the last point marked."""
    if not values:
        return _svg(width, height, label, "", "spark")
    top = max(max(values), 1)
    step = (width - 4) / max(len(values) - 1, 1)
    points = [(2 + i * step, height - 3 - (v / top) * (height - 6)) for i, v in enumerate(values)]
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    x, y = points[-1]
    body = (
        f'<polyline points="{path}" fill="none" stroke="currentColor" stroke-width="1.5"/>'
        f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.2" fill="currentColor"/>'
    )
    return _svg(width, height, label, body, "spark")


def bar(fraction: float, label: str, width: int = 100, height: int = 8) -> Markup:
    """A horizontal bar filled to `fraction` (0 to 1) of its width."""
    filled = max(0.0, min(fraction, 1.0)) * width
    body = (
        f'<rect class="bar-track" width="{width}" height="{height}" rx="2"/>'
        f'<rect class="bar-fill" width="{filled:.1f}" height="{height}" rx="2"/>'
    )
    return _svg(width, height, label, body, "bar")


def trend_chart(
    points: Sequence[Mapping[str, Any]],
    label: str,
    width: int = 720,
    height: int = 220,
    loc: UiLocale = ENGLISH,
) -> Markup:
    """Counts per period as bars, flagged periods in the alarm colour, and the expected count
    (the cluster's baseline) as a dashed line where there is one; periods and numbers written as
    the reader's language writes them."""
    _ = loc.gettext
    if not points:
        return _svg(width, 40, label, f'<text x="0" y="24" class="axis">{escape(_("No trend yet"))}</text>')
    left, right, top, bottom = 36, 8, 12, 28
    inner_w, inner_h = width - left - right, height - top - bottom
    peak = max(max(p["count"] for p in points), max((p.get("expected") or 0) for p in points), 1)
    slot = inner_w / len(points)
    gap = min(4.0, slot * 0.2)

    def y(value: float) -> float:
        return top + inner_h - value / peak * inner_h

    parts = [
        f'<line class="axis-line" x1="{left}" y1="{top + inner_h}" x2="{width - right}" y2="{top + inner_h}"/>',
        f'<text class="axis" x="{left - 6}" y="{y(peak) + 4:.1f}" text-anchor="end">{loc.number(peak, 0 if float(peak).is_integer() else 1)}</text>',
        f'<text class="axis" x="{left - 6}" y="{top + inner_h + 4}" text-anchor="end">0</text>',
    ]
    for i, p in enumerate(points):
        x = left + i * slot + gap / 2
        css = "trend-bar flagged" if p.get("flagged") else "trend-bar"
        tip = _("%(period)s: %(count)s", period=loc.period(p["period"]), count=loc.number(p["count"]))
        if p.get("expected") is not None:
            tip += " " + _("(expected %(count)s)", count=loc.number(float(p["expected"]), 1))
        parts.append(
            f'<rect class="{css}" x="{x:.1f}" y="{y(p["count"]):.1f}" width="{max(slot - gap, 1):.1f}" '
            f'height="{top + inner_h - y(p["count"]):.1f}"><title>{escape(tip)}</title></rect>'
        )
    expected = [(i, p["expected"]) for i, p in enumerate(points) if p.get("expected") is not None]
    if len(expected) > 1:
        line = " ".join(f"{left + (i + 0.5) * slot:.1f},{y(e):.1f}" for i, e in expected)
        parts.append(f'<polyline class="expected" points="{line}" fill="none"/>')
    for i in sorted({0, len(points) // 2, len(points) - 1}):
        anchor = "start" if i == 0 else "end" if i == len(points) - 1 else "middle"
        x = left + (i + 0.5) * slot if anchor == "middle" else left if i == 0 else width - right
        parts.append(
            f'<text class="axis" x="{x:.1f}" y="{height - 8}" text-anchor="{anchor}">'
            f"{escape(loc.period(points[i]['period']))}</text>"
        )
    return _svg(width, height, label, "".join(parts))


def before_after_chart(
    periods: Sequence[str],
    shares: Sequence[float | None],
    start: int,
    label: str,
    width: int = 720,
    height: int = 200,
    loc: UiLocale = ENGLISH,
) -> Markup:
    """A share per period (0 to 1) as bars, those from `start` on in the accent colour, a dashed
    line where the action started, and each side's mean as a line across it."""
    _ = loc.gettext
    if not periods:
        return _svg(
            width, 40, label, f'<text x="0" y="24" class="axis">{escape(_("No comments yet"))}</text>'
        )
    left, right, top, bottom = 40, 8, 12, 28
    inner_w, inner_h = width - left - right, height - top - bottom
    slot = inner_w / len(periods)
    gap = min(4.0, slot * 0.2)

    def y(value: float) -> float:
        return top + inner_h - value * inner_h

    parts = [
        f'<line class="axis-line" x1="{left}" y1="{top + inner_h}" x2="{width - right}" y2="{top + inner_h}"/>',
        f'<text class="axis" x="{left - 6}" y="{y(1) + 4:.1f}" text-anchor="end">{escape(loc.percent(1))}</text>',
        f'<text class="axis" x="{left - 6}" y="{top + inner_h + 4}" text-anchor="end">{escape(loc.percent(0))}</text>',
    ]
    for i, (period, share) in enumerate(zip(periods, shares)):
        if share is None:
            continue
        x = left + i * slot + gap / 2
        tip = _("%(period)s: %(share)s negative", period=loc.period(period), share=loc.percent(share))
        parts.append(
            f'<rect class="{"after-bar" if i >= start else "before-bar"}" x="{x:.1f}" y="{y(share):.1f}" '
            f'width="{max(slot - gap, 1):.1f}" height="{top + inner_h - y(share):.1f}"><title>{escape(tip)}</title></rect>'
        )
    for lo, hi in ((0, start), (start, len(periods))):
        seen = [s for s in shares[lo:hi] if s is not None]
        if seen:
            mean = sum(seen) / len(seen)
            parts.append(
                f'<line class="mean-line" x1="{left + lo * slot:.1f}" y1="{y(mean):.1f}" '
                f'x2="{left + hi * slot:.1f}" y2="{y(mean):.1f}"/>'
            )
    x = left + start * slot
    parts.append(f'<line class="start-line" x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{top + inner_h}"/>')
    for i in sorted({0, min(start, len(periods) - 1), len(periods) - 1}):
        anchor = "start" if i == 0 else "end" if i == len(periods) - 1 else "middle"
        tx = left if i == 0 else width - right if i == len(periods) - 1 else left + i * slot
        parts.append(
            f'<text class="axis" x="{tx:.1f}" y="{height - 8}" text-anchor="{anchor}">{escape(loc.period(periods[i]))}</text>'
        )
    return _svg(width, height, label, "".join(parts))
