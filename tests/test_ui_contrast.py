"""WCAG AA contrast (4.5:1 for text), computed from the stylesheet itself: every rule that sets
both a background and a text colour, the ten impact steps of the journey map with the text they
carry, and the change colours on the page backgrounds they are shown on."""

from __future__ import annotations

import re

from tests.helpers import ROOT

CSS = (ROOT / "service" / "ui" / "static" / "ui.css").read_text()
AA = 4.5


def _variables() -> dict[str, str]:
    root = re.search(r":root\s*\{([^}]*)\}", CSS)
    assert root
    return dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{6})", root[1]))


VARIABLES = _variables()


def _colour(value: str) -> str:
    value = value.strip()
    if found := re.fullmatch(r"var\(--([\w-]+)\)", value):
        return VARIABLES[found[1]]
    if re.fullmatch(r"#[0-9a-fA-F]{3}", value):
        value = "#" + "".join(c * 2 for c in value[1:])
    assert re.fullmatch(r"#[0-9a-fA-F]{6}", value), value
    return value


def _rules() -> list[tuple[str, dict[str, str]]]:
    """(selector, declarations) of each rule, comments and the :root block left out."""
    text = re.sub(r"/\*.*?\*/", "", CSS, flags=re.S)
    rules = []
    for selector, body in re.findall(r"([^{}]+)\{([^{}]*)\}", text):
        declarations = dict(
            (name.strip(), value.strip()) for name, value in re.findall(r"([\w-]+)\s*:\s*([^;]+)", body)
        )
        rules.append((selector.strip(), declarations))
    return rules


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_the_contrast_formula() -> None:
    assert round(contrast("#000000", "#ffffff"), 1) == 21.0
    assert round(contrast("#767676", "#ffffff"), 2) == 4.54  # the AA grey on white


def test_every_rule_with_a_background_and_a_text_colour_passes_aa() -> None:
    checked = 0
    for selector, d in _rules():
        background = d.get("background") or d.get("background-color")
        if (
            not background
            or "color" not in d
            or not re.fullmatch(r"#[0-9a-fA-F]{3}|#[0-9a-fA-F]{6}|var\(--[\w-]+\)", background)
        ):
            continue
        ratio = contrast(_colour(background), _colour(d["color"]))
        assert ratio >= AA, f"{selector}: {ratio:.2f}:1"
        checked += 1
    assert checked >= 15


def test_each_impact_step_is_readable_with_the_text_it_carries() -> None:
    steps = {
        name: d
        for selector, d in _rules()
        for name in re.findall(r"\.(neg-\d|neg-none)\b", selector)
        if "background" in d and len(re.findall(r"\.neg-", selector)) == 1
    }
    assert sorted(steps) == [*(f"neg-{i}" for i in range(10)), "neg-none"]
    for name, d in steps.items():
        assert "color" in d, f".{name} sets no text colour: it would take whatever the page has"
        assert contrast(_colour(d["background"]), _colour(d["color"])) >= AA, name
    # a change shown inside a coloured card or share takes the card's own text colour
    inherit = [s for s, d in _rules() if ".cell .change" in s and d.get("color") == "inherit"]
    assert inherit


def test_the_change_colours_on_the_page_backgrounds() -> None:
    changes = {s: _colour(d["color"]) for s, d in _rules() if re.fullmatch(r"\.change\.\w+", s)}
    assert set(changes) == {".change.up", ".change.down", ".change.flat"}
    for selector, colour in changes.items():
        for background in ("#ffffff", VARIABLES["panel"]):
            assert contrast(colour, background) >= AA, (selector, background)
