"""What free-form input may hold. Comment text is normalised (models/normalize.py), but ids,
sources, names, notes and metadata are stored as sent, so some characters are refused up front:
NUL, which PostgreSQL cannot store in text or JSON, lone surrogates, which are not Unicode and
cannot be written as UTF-8, and (in ids and sources, which end up in CSV cells, logs and links)
every control character. Metadata is also bounded in depth, as deep nesting costs every reader."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import AfterValidator

UNSTORABLE = re.compile(r"[\x00\ud800-\udfff]")
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def _refuse(match: re.Match[str], what: str) -> None:
    raise ValueError(
        f"{what} holds U+{ord(match.group()):04X} at character {match.start()}: "
        "remove control characters and invalid code points"
    )


def storable(value: str) -> str:
    """Text the databases can store: no NUL, no lone surrogate."""
    if match := UNSTORABLE.search(value):
        _refuse(match, "the text")
    return value


def printable(value: str) -> str:
    """An id or name: no control character at all."""
    if match := CONTROL.search(value):
        _refuse(match, "the value")
    return value


StorableStr = Annotated[str, AfterValidator(storable)]
PrintableStr = Annotated[str, AfterValidator(printable)]


def check_metadata(metadata: dict[str, Any], max_depth: int) -> None:
    """Refuse metadata nested deeper than `max_depth`, or holding a key or string that cannot be
    stored; the message names the path to fix. Iterative: depth is what is being checked."""
    stack: list[tuple[Any, str, int]] = [(metadata, "metadata", 1)]
    while stack:
        value, path, depth = stack.pop()
        if isinstance(value, str):
            if match := UNSTORABLE.search(value):
                _refuse(match, path)
            continue
        if not isinstance(value, dict | list):
            continue
        if depth > max_depth:
            raise ValueError(
                f"{path} is nested more than {max_depth} levels deep (MOT_MAX_METADATA_DEPTH): flatten it"
            )
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for key, child in items:
            if isinstance(key, str) and (match := UNSTORABLE.search(key)):
                _refuse(match, f"a key of {path}")
            stack.append((child, f"{path}.{key}", depth + 1))
