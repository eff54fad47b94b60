"""Turn graded predictions into an evaluation report folder: report.json, report.md, and per head a
confusion matrix and a reliability diagram as PNG.

    write_report(Path("reports/b77"), [graded_touchpoint, graded_sentiment], title="banking77")
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support

NONE_LABEL = "(none)"
BINS = 15
TEXT_CHARS = 160


@dataclass(frozen=True)
class Graded:
    """One head's predictions on a labelled test set."""

    head: str  # "touchpoint", "stage" or "sentiment"
    ids: list[str]
    texts: list[str]
    truth: list[str]  # gold labels
    predicted: list[str | None]  # None = the model gave no label: counts as wrong
    confidence: list[float]  # the model's confidence in its predicted label (0.0 when None)

    def __post_init__(self) -> None:
        sizes = {len(self.ids), len(self.texts), len(self.truth), len(self.predicted), len(self.confidence)}
        if len(sizes) != 1 or not self.ids:
            raise ValueError(
                f"{self.head}: ids, texts, truth, predicted and confidence need one equal, non-zero length"
            )

    @property
    def shown(self) -> list[str]:
        """Predictions with None as a label of its own, so sklearn scores it as wrong."""
        return [NONE_LABEL if p is None else p for p in self.predicted]


def _r(x: float) -> float:
    return round(float(x), 4)


def _reliability(confidence: np.ndarray, correct: np.ndarray) -> tuple[float, list[dict[str, Any]]]:
    # Bins are [low, high); a confidence of exactly 1.0 belongs to the last one.
    index = np.minimum((confidence * BINS).astype(int), BINS - 1)
    ece, bins = 0.0, []
    for b in range(BINS):
        mask = index == b
        if not mask.any():
            continue
        n, conf, acc = int(mask.sum()), float(confidence[mask].mean()), float(correct[mask].mean())
        ece += n / len(confidence) * abs(acc - conf)
        low, high = _r(b / BINS), _r((b + 1) / BINS)
        bins.append({"low": low, "high": high, "count": n, "confidence": _r(conf), "accuracy": _r(acc)})
    return _r(ece), bins


def head_metrics(graded: Graded, *, top_confused: int = 10) -> dict[str, Any]:
    """Scores, calibration and the worst mistakes of one head, JSON-ready, floats to 4 decimals."""
    truth, predicted = graded.truth, graded.shown
    gold = sorted(set(truth))
    precision, recall, f1, support = precision_recall_fscore_support(
        truth, predicted, labels=gold, zero_division=0
    )
    correct = np.array([t == p for t, p in zip(truth, predicted)], dtype=float)
    ece, reliability = _reliability(np.asarray(graded.confidence, dtype=float), correct)
    pairs = Counter((t, p) for t, p in zip(truth, predicted) if t != p)
    wrong = sorted((i for i in range(len(truth)) if not correct[i]), key=lambda i: -graded.confidence[i])
    return {
        "accuracy": _r(accuracy_score(truth, predicted)),
        "macro_f1": _r(f1_score(truth, predicted, labels=gold, average="macro", zero_division=0)),
        "n": len(truth),
        "empty_share": _r(graded.predicted.count(None) / len(truth)),
        "per_class": {
            label: {"precision": _r(p), "recall": _r(r), "f1": _r(f), "support": int(s)}
            for label, p, r, f, s in zip(gold, precision, recall, f1, support)
        },
        "ece": ece,
        "reliability": reliability,
        # Ties broken by label so the report does not depend on row order.
        "confused_pairs": [
            {"truth": t, "predicted": p, "count": c}
            for (t, p), c in sorted(pairs.items(), key=lambda kv: (-kv[1], kv[0]))[:top_confused]
        ],
        "most_confused": [
            {"id": graded.ids[i], "text": graded.texts[i], "truth": truth[i]}
            | {"predicted": graded.predicted[i], "confidence": _r(graded.confidence[i])}
            for i in wrong[:top_confused]
        ],
    }


def _plot_confusion(graded: Graded, path: Path) -> None:
    import matplotlib.pyplot as plt

    gold = sorted(set(graded.truth))
    labels = gold + sorted(set(graded.shown) - set(gold))
    # Columns also hold labels only ever predicted (and "(none)"); they get no row, having no truth.
    counts = confusion_matrix(graded.truth, graded.shown, labels=labels)[: len(gold)]
    share = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    k = len(labels)
    # Grow with the class count so 77 labels stay legible, but cap the size so the PNG stays small.
    side = min(4.0 + 0.25 * k, 22.0)
    font = 9 if k <= 20 else max(5, int(560 / k))
    fig, ax = plt.subplots(figsize=(side, side), dpi=100)
    ax.imshow(share, cmap="Blues", vmin=0.0, vmax=1.0)
    ax.set_xticks(range(k), labels, rotation=90, fontsize=font)
    ax.set_yticks(range(len(gold)), gold, fontsize=font)
    ax.set_xlabel("predicted")
    ax.set_ylabel("truth")
    ax.set_title(f"{graded.head}: confusion (row-normalised)")
    if k <= 20:
        for i, j in zip(*np.nonzero(counts)):
            color = "white" if share[i, j] > 0.5 else "black"
            ax.text(j, i, str(counts[i, j]), ha="center", va="center", fontsize=font, color=color)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def _plot_reliability(head: str, metrics: dict[str, Any], path: Path) -> None:
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 5), dpi=100)
    bins = metrics["reliability"]
    lows, accuracies = [b["low"] for b in bins], [b["accuracy"] for b in bins]
    ax.bar(lows, accuracies, width=1 / BINS, align="edge", edgecolor="black", label="accuracy")
    ax.plot([0, 1], [0, 1], "--", color="grey", label="perfect calibration")
    ax.set(xlim=(0, 1), ylim=(0, 1), xlabel="confidence", ylabel="accuracy")
    ax.set_title(f"{head}: reliability (ECE = {metrics['ece']:.4f})")
    ax.legend(loc="upper left")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def _cell(value: Any, limit: int | None = None) -> str:
    """One Markdown table cell: shortened, with `|` and newlines escaped so the row stays one row."""
    text = NONE_LABEL if value is None else str(value)
    if limit is not None and len(text) > limit:
        text = text[: limit - 1] + "…"
    return " ".join(text.replace("\\", "\\\\").replace("|", "\\|").splitlines())


def _head_markdown(head: str, m: dict[str, Any]) -> list[str]:
    lines = ["", f"## {head}", ""]
    lines.append(
        f"accuracy **{m['accuracy']:.4f}** · macro-F1 **{m['macro_f1']:.4f}** · ECE **{m['ece']:.4f}**"
        f" · n **{m['n']}** · empty share **{m['empty_share']:.4f}**"
    )
    lines += ["", "| class | precision | recall | F1 | support |", "| --- | ---: | ---: | ---: | ---: |"]
    for label, c in m["per_class"].items():
        lines.append(
            f"| {_cell(label)} | {c['precision']:.4f} | {c['recall']:.4f} | {c['f1']:.4f} | {c['support']} |"
        )
    lines += ["", f"![{head} confusion matrix](confusion_{head}.png)"]
    lines += ["", f"![{head} reliability diagram](reliability_{head}.png)"]
    lines += ["", "### Most confused pairs", "", "| truth | predicted | count |", "| --- | --- | ---: |"]
    for p in m["confused_pairs"]:
        lines.append(f"| {_cell(p['truth'])} | {_cell(p['predicted'])} | {p['count']} |")
    lines += ["", "### Most confused examples (the most confident mistakes)", ""]
    lines += ["| id | truth | predicted | confidence | text |", "| --- | --- | --- | ---: | --- |"]
    for e in m["most_confused"]:
        cells = [_cell(e["id"]), _cell(e["truth"]), _cell(e["predicted"]), f"{e['confidence']:.4f}"]
        lines.append(f"| {' | '.join(cells)} | {_cell(e['text'], TEXT_CHARS)} |")
    return lines


def _markdown(report: dict[str, Any], extra: dict[str, Any]) -> str:
    lines = [f"# {report['title']}", ""]
    for key, value in extra.items():
        lines.append(f"- **{key}**: {value if isinstance(value, str) else json.dumps(value)}")
    for head, metrics in report["heads"].items():
        lines += _head_markdown(head, metrics)
    if report["latency"]:
        lines += ["", "## Slowest examples", "", "| id | ms | text |", "| --- | ---: | --- |"]
        for e in report["latency"]:
            lines.append(f"| {_cell(e['id'])} | {float(e['ms']):.1f} | {_cell(e['text'], TEXT_CHARS)} |")
    return "\n".join(lines) + "\n"


def write_report(
    out: Path,
    graded: list[Graded],
    *,
    title: str,
    extra: dict[str, Any] | None = None,
    latency: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Write report.json, report.md and per head confusion_<head>.png and reliability_<head>.png into
    `out`; `latency` is a list of {id, text, ms}, slowest first. Returns the report.json dict."""
    import matplotlib

    # Headless: a report is written from CLIs and servers with no display.
    matplotlib.use("Agg")
    extra = extra or {}
    names = [g.head for g in graded]
    # One file per head name, and extra sits beside the fixed keys of report.json: neither may collide.
    if len(set(names)) != len(names) or {"title", "heads", "latency"} & extra.keys():
        raise ValueError(
            f"head names must be unique ({names}) and extra may not hold title, heads or latency"
        )
    out.mkdir(parents=True, exist_ok=True)
    heads = {g.head: head_metrics(g) for g in graded}
    report = {"title": title, **extra, "heads": heads, "latency": latency or []}
    for g in graded:
        _plot_confusion(g, out / f"confusion_{g.head}.png")
        _plot_reliability(g.head, heads[g.head], out / f"reliability_{g.head}.png")
    text = json.dumps(report, indent=2, ensure_ascii=False)
    (out / "report.json").write_text(text + "\n", encoding="utf-8")
    (out / "report.md").write_text(_markdown(report, extra), encoding="utf-8")
    return report
