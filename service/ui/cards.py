"""A stored comment as the pages show it: its predictions, what analysts corrected, and the
labels its correction form offers (those of the comment's own taxonomy), named in the reader's
language where the taxonomy gives names in it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from service.domain.taxonomies import UnknownTaxonomy
from service.state import AppState
from service.store.corrections import latest_corrections
from service.store.tables import Comment
from service.ui.i18n import ENGLISH, UiLocale, stage_options, touchpoint_options


@dataclass(frozen=True)
class Card:
    comment: Comment
    corrected: dict[str, str] = field(default_factory=dict)  # latest corrected value of each field
    touchpoints: list[tuple[str, str]] = field(default_factory=list)  # (id, name) to correct to
    stages: list[tuple[str, str]] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)  # touchpoint and stage ids -> names
    similarity: float | None = None
    unread: str | None = None  # why its predictions are unreliable: the encoder does not read its language


def comment_cards(
    session: Session,
    state: AppState,
    rows: Sequence[Comment],
    similarity: Sequence[float] | None = None,
    loc: UiLocale = ENGLISH,
) -> list[Card]:
    corrected = latest_corrections(session, [c.id for c in rows])
    encoder = state.analyzer.encoder
    cards = []
    for i, comment in enumerate(rows):
        try:
            tax = state.taxonomies.get(comment.taxonomy)
            touchpoints = touchpoint_options(tax, loc)
            stages = stage_options(tax, loc)
        except UnknownTaxonomy:  # its taxonomy is gone: show it, but offer nothing to correct to
            touchpoints, stages = [], []
        cards.append(
            Card(
                comment=comment,
                corrected=corrected.get(comment.id, {}),
                touchpoints=touchpoints,
                stages=stages,
                names=dict(touchpoints + stages),
                similarity=similarity[i] if similarity is not None else None,
                unread=_unread(comment, encoder.version, encoder.languages, loc),
            )
        )
    return cards


def _unread(
    comment: Comment, encoder_version: str, reads: tuple[str, ...] | None, loc: UiLocale
) -> str | None:
    """Only a comment embedded by the encoder now serving can be judged by what it reads."""
    if comment.language is None or reads is None or comment.embedding_model != encoder_version:
        return None
    if comment.language in reads:
        return None
    return loc.gettext(
        "the encoder reads %(languages)s only: touchpoints and sentiment are unreliable",
        languages=", ".join(reads),
    )
