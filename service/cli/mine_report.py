"""The small HTML report of `mot mine`: one self-contained file (charts inlined as PNG) that an
analyst can open or mail: the themes with their clusters (sub-themes), the clusters by pain
(generic ones last), and the trend of every emerging one."""

from __future__ import annotations

import base64
import io
from html import escape
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib import font_manager  # noqa: E402

# Chinese cluster labels need a CJK font after DejaVu Sans (matplotlib falls back glyph by glyph);
# only installed ones are named, so a machine without them warns about nothing.
CJK_FONTS = ("Noto Sans CJK SC", "Noto Serif CJK SC", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei")
for _path in font_manager.findSystemFonts():  # matplotlib's cache may predate the font's install
    if "CJK" in _path or "wqy" in _path.lower():
        font_manager.fontManager.addfont(_path)
_installed = {font.name for font in font_manager.fontManager.ttflist}
plt.rcParams["font.family"] = ["DejaVu Sans", *(f for f in CJK_FONTS if f in _installed)]

from models.pain import Comments, PainReport  # noqa: E402

SHOWN = 30  # clusters listed in the report (all of them are in clusters.csv)
THEMES_SHOWN = 20  # themes listed (all of them are in themes.csv)


def write_html(
    path: Path, report: PainReport, comments: Comments, *, scope: str, source: str, period: str
) -> None:
    clusters = sorted(
        report.clusters, key=lambda c: (c.generic, -c.emerging, -c.size * c.negative_share, c.index)
    )
    rows = []
    for c in clusters[:SHOWN]:
        quotes = "".join(f"<li>{escape(comments.texts[i])}</li>" for i in c.representatives)
        why = "<br>".join(escape(r) for r in c.reasons)
        rows.append(
            f"<tr class='{'emerging' if c.emerging else ''}'><td>{c.index}</td><td><b>{escape(c.label)}</b>"
            f"<br><small>{escape(', '.join(c.keywords))}</small><ul>{quotes}</ul></td><td>{c.size}</td>"
            f"<td>{c.negative_share:.0%}</td><td>{escape(c.touchpoint)}</td><td>{why}</td></tr>"
        )
    charts = [_sizes_chart(report)]
    if report.periods:
        charts += [_trend_chart(report, c.index, c.label, period) for c in clusters if c.emerging][:12]
    images = "".join(f"<img alt='chart' src='data:image/png;base64,{png}'>" for png in charts)
    outliers = float((report.clustering.labels < 0).mean()) if len(report.clustering.labels) else 0.0
    path.write_text(
        f"""<!doctype html><html lang="en"><meta charset="utf-8"><title>MOT Miner: pain clusters</title>
<style>body{{font-family:system-ui,sans-serif;margin:2em;max-width:1200px}}td,th{{border-bottom:1px solid #ddd;
padding:6px;vertical-align:top;text-align:left}}table{{border-collapse:collapse}}tr.emerging{{background:#fff3e0}}
img{{max-width:48%;margin:4px}}ul{{margin:4px 0;color:#444}}</style>
<h1>Pain clusters</h1>
<p>{escape(source)}: {len(comments.texts)} {escape(scope)} comments in {report.clustering.count} clusters
({outliers:.1%} in none) and {len(report.themes)} themes; {sum(c.emerging for c in report.clusters)} emerging (shaded).</p>
{_themes_table(report)}
{images}
<h2>Clusters</h2>
<table><tr><th>id</th><th>cluster, keywords, closest comments</th><th>size</th><th>negative</th>
<th>touchpoint</th><th>why emerging</th></tr>{"".join(rows)}</table></html>
""",
        encoding="utf-8",
    )


def _themes_table(report: PainReport) -> str:
    """Themes, largest first and general dissatisfaction last, each with its clusters."""
    rows = []
    for t in report.themes[:THEMES_SHOWN]:
        members = [report.clusters[c] for c in t.clusters]
        size = sum(c.size for c in members) or 1
        negative = sum(c.negative_share * c.size for c in members) / size
        subs = "".join(
            f"<li>{c.index}: {escape(c.label)} ({c.size}{', emerging' if c.emerging else ''})</li>"
            for c in members
        )
        rows.append(
            f"<tr class='{'emerging' if any(c.emerging for c in members) else ''}'><td>{t.index}</td>"
            f"<td><b>{escape(t.label)}</b><br><small>{escape(', '.join(t.keywords))}</small>"
            f"<ul>{subs}</ul></td><td>{t.size}</td><td>{negative:.0%}</td></tr>"
        )
    return (
        "<h2>Themes</h2><table><tr><th>id</th><th>theme, keywords, its clusters</th><th>size</th>"
        f"<th>negative</th></tr>{''.join(rows)}</table>"
    )


def _png(figure) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    plt.close(figure)
    return base64.b64encode(buffer.getvalue()).decode()


def _sizes_chart(report: PainReport) -> str:
    top = sorted(report.clusters, key=lambda c: -c.size)[:15][::-1]
    figure, axes = plt.subplots(figsize=(7, 0.35 * len(top) + 1))
    axes.barh(
        [f"{c.index}: {c.label[:40]}" for c in top],
        [c.size for c in top],
        color=["#e65100" if c.emerging else "#1565c0" for c in top],
    )
    axes.set_xlabel("comments")
    axes.set_title("largest clusters (orange: emerging)")
    return _png(figure)


def _trend_chart(report: PainReport, cluster: int, label: str, period: str) -> str:
    points = [t for t in report.trends if t.cluster == cluster]
    figure, axes = plt.subplots(figsize=(7, 3))
    axes.plot([t.period for t in points], [t.tested.count for t in points], marker="o", label="comments")
    axes.plot(
        [t.period for t in points], [t.tested.expected for t in points], linestyle="--", label="expected"
    )
    flagged = [t for t in points if t.tested.flagged]
    axes.scatter(
        [t.period for t in flagged], [t.tested.count for t in flagged], color="#e65100", zorder=3, s=80
    )
    axes.set_title(f"{cluster}: {label[:60]} (per {period})")
    axes.legend()
    figure.autofmt_xdate()
    return _png(figure)
