"""Text normalisation before redaction and embedding: one canonical form of every comment."""

from __future__ import annotations

import re
import unicodedata

# C0/C1 control characters except tab and newline, plus lone surrogates that JSON can carry.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u3000]+")


def normalize(text: str) -> str:
    """NFC, no control characters, single spaces, trimmed; meaning and case are kept."""
    text = unicodedata.normalize("NFC", text)
    text = _CONTROL.sub(" ", text)
    text = _SPACES.sub(" ", text)
    text = re.sub(r"\s*\n\s*", "\n", text)
    return text.strip()
