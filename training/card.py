"""The model card written beside a bundle's weights: what it was trained on, how, and how well."""

from __future__ import annotations

import json

from models.bundle import Bundle


def model_card(bundle: Bundle, *, command: str = "") -> str:
    data = bundle.data
    lines = [
        f"# {bundle.name}",
        "",
        f"A MOT Miner model bundle, mode **{bundle.mode}**, on encoder `{bundle.encoder_version}`"
        + (
            " (fine-tuned, in `encoder/`)."
            if bundle.encoder_path
            else " (the stock encoder, not copied here)."
        ),
        "",
        "## Heads",
        "",
        "| head | labels |",
        "| --- | --- |",
    ]
    for name, head in bundle.heads.items():
        shown = ", ".join(head.labels[:12]) + (
            f", … ({len(head.labels)} in all)" if len(head.labels) > 12 else ""
        )
        lines.append(f"| {name} | {shown} |")
    if bundle.taxonomy is not None:
        lines += [
            "",
            f"Taxonomy: `{bundle.taxonomy.name}` ({len(bundle.taxonomy.touchpoints)} touchpoints), in `taxonomy.yaml`.",
        ]
    lines += [
        "",
        "## Data",
        "",
        f"- File: `{data.get('file')}`, {data.get('examples')} labelled examples: "
        f"{data.get('train')} to train, {data.get('validation')} held out for validation (stratified).",
    ]
    for name, counts in data.get("labels", {}).items():
        lines.append(
            f"- {name}: {len(counts)} labels, {min(counts.values())} to {max(counts.values())} examples each"
        )
    lines += ["", "## Validation", "", "| head | accuracy | macro-F1 | n |", "| --- | --- | --- | --- |"]
    for name, scores in bundle.metrics.get("validation", {}).items():
        lines.append(
            f"| {name} | {scores.get('accuracy', '')} | {scores.get('macro_f1', '')} | {scores.get('n', '')} |"
        )
    lines += ["", f"Training took {bundle.metrics.get('training_seconds')} s."]
    history = bundle.metrics.get("history")
    if history:
        lines += ["", "Epochs (validation score is the mean accuracy over heads):", ""]
        lines += [f"- epoch {h['epoch']}: loss {h['loss']}, validation {h['valid']}" for h in history]
    lines += ["", "## Settings", "", "```json", json.dumps(bundle.settings, indent=2), "```"]
    if command:
        lines += ["", "## Command", "", "```", command, "```"]
    lines += [
        "",
        "Test-set results belong in the report of `mot evaluate`, run on data the bundle never saw.",
        "",
    ]
    return "\n".join(lines)
