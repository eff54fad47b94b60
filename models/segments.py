"""Split a comment into the parts that may each name a touchpoint ("check-in was quick | but
they lost my bag"), as character spans, so each part can carry its own touchpoint, sentiment
and evidence."""

from __future__ import annotations

import re

# Sentence ends, and the contrast words that in feedback usually switch to another touchpoint.
_BOUNDARY = re.compile(
    r"(?<=[.!?;])\s+|\n+|\s*[,;]?\s+(?=(?:but|however|although|though|whereas|while|yet|"
    r"except|also|plus|and then)\b)",
    re.IGNORECASE,
)
_LEADING = re.compile(
    r"(?:but|however|although|though|whereas|while|yet|except|also|plus|and then)\b[\s,]*", re.IGNORECASE
)
MIN_WORDS = 3


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
        if merged and len(re.findall(r"\w+", piece)) < MIN_WORDS:
            merged[-1] = (merged[-1][0], end)
            continue
        merged.append((core_begin, end))
    if merged and len(merged) > 1 and len(re.findall(r"\w+", text[merged[0][0] : merged[0][1]])) < MIN_WORDS:
        merged[1] = (merged[0][0], merged[1][1])
        merged.pop(0)
    return merged or [(0, len(text))]
