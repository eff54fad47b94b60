"""Split a comment into the parts that may each name a touchpoint ("check-in was quick | but
they lost my bag"), as character spans, so each part can carry its own touchpoint, sentiment
and evidence. Where no contrast word marks the switch ("my card was declined, and I want to
close the account"), `split_points` gives the weaker places where it may be: the pipeline tries
each as a cut in two and keeps the best."""

from __future__ import annotations

import re

# Sentence ends, and the contrast words that in feedback usually switch to another touchpoint;
# in Chinese the full-width stops (no space after them) and 但是, 不过, 可是, 然而, 就是.
_CONTRAST = r"but|however|although|though|whereas|while|yet|except|also|plus|and then"
_CONTRAST_ZH = r"但是|不过|可是|然而|就是|(?<!不)但(?![愿])"
_BOUNDARY = re.compile(
    rf"(?<=[.!?;])\s+|(?<=[。！？；])\s*|\n+|\s*[,;]?\s+(?=(?:{_CONTRAST})\b)|[，,;；]?\s*(?=(?:{_CONTRAST_ZH}))",
    re.IGNORECASE,
)
_LEADING = re.compile(rf"(?:(?:{_CONTRAST})\b|{_CONTRAST_ZH})[\s,，]*", re.IGNORECASE)
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
MIN_WORDS = 3


def word_count(text: str) -> int:
    """Words, where Chinese (written without spaces) counts one word per 1.5 characters, about
    what a segmenter finds: "送餐太慢了" is three words, "太慢了" two."""
    cjk = len(_CJK.findall(text))
    return len(re.findall(r"\w+", _CJK.sub(" ", text))) + (2 * cjk + 2) // 3


def split_segments(text: str) -> list[tuple[int, int]]:
    """Spans (start, end) of the comment's parts; a part shorter than MIN_WORDS joins the
    previous one. A comment with one part gives one span over the whole text."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        spans.append((start, match.start()))
        start = match.end()
    spans.append((start, len(text)))
    merged: list[tuple[int, int]] = []
    for begin, end in spans:
        lead = _LEADING.match(text, begin)
        core_begin = lead.end() if lead else begin
        piece = text[core_begin:end].strip()
        if not piece:
            continue
        if merged and word_count(piece) < MIN_WORDS:
            merged[-1] = (merged[-1][0], end)
            continue
        merged.append((core_begin, end))
    if merged and len(merged) > 1 and word_count(text[merged[0][0] : merged[0][1]]) < MIN_WORDS:
        merged[1] = (merged[0][0], merged[1][1])
        merged.pop(0)
    return merged or [(0, len(text))]


# Places that may separate two topics but often do not (lists, "cash and card"): only candidates.
_WEAK = re.compile(
    r",\s+|，\s*|\s+(?=and\s+(?:i|i'm|i've|my|the|also|then|it|can|how|what|why|is|are|do|does|will|please)\b)",
    re.IGNORECASE,
)
MAX_SPLIT_POINTS = 24  # a long ticket with many commas is cut at the first ones only


def split_points(text: str) -> list[int]:
    """Where the comment may be cut in two, each side keeping at least MIN_WORDS words: the
    starts of its parts (split_segments), then commas and "and" before a new clause."""
    strong = [start for start, _ in split_segments(text)[1:]]
    weak = [match.end() for match in _WEAK.finditer(text)]
    points: list[int] = []
    for point in dict.fromkeys([*strong, *weak]):
        if word_count(text[:point]) >= MIN_WORDS and word_count(text[point:]) >= MIN_WORDS:
            points.append(point)
    return sorted(points[:MAX_SPLIT_POINTS])
