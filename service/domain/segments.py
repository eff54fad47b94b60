"""Segments: the metadata fields a customer declares (MOT_SEGMENT_FIELDS: airline, channel,
product, region, tier) as filters (`segment=field:value`) and as a comparison of their values,
touchpoint by touchpoint."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from sqlalchemy.orm import Session

from models.taxonomy import Taxonomy
from service.domain.errors import Invalid
from service.schemas import SegmentColumn, SegmentComparison, SegmentOption, SegmentRow
from service.store.comments import CommentFilter, segment_values
from service.store.journey import touchpoint_aggregates

Segment = tuple[str, str]  # (metadata field, value)
COMPARED = 8  # values of a field side by side: the most common ones
OPTIONS = 50  # values of a field a filter offers


def parse_segment(text: str | None, fields: list[str]) -> Segment | None:
    """`field:value` (the value may hold colons) -> (field, value); refused when the field is not
    one MOT_SEGMENT_FIELDS declares, so a typo is never an empty answer."""
    if not text:
        return None
    field, colon, value = text.partition(":")
    if not colon or not field or not value:
        raise Invalid(f"segment {text!r}: give field:value, e.g. airline:United")
    if field not in fields:
        declared = ", ".join(fields) if fields else "none"
        raise Invalid(
            f"segment field {field!r} is not declared: add it to MOT_SEGMENT_FIELDS (declared: {declared})"
        )
    return field, value


def segment_options(session: Session, fields: list[str]) -> list[SegmentOption]:
    """Every declared field's commonest values, for the filters."""
    return [
        SegmentOption(field=field, value=value, count=count)
        for field in fields
        for value, count in segment_values(session, field, OPTIONS)
    ]


def compare(
    session: Session,
    tax: Taxonomy,
    field: str,
    fields: list[str],
    since: datetime | None,
    until: datetime | None,
    source: str | None,
    language: str | None = None,
) -> SegmentComparison:
    """Per touchpoint, its mentions and negative share in each of the field's commonest values."""
    if field not in fields:
        declared = ", ".join(fields) if fields else "none"
        raise Invalid(
            f"segment field {field!r} is not declared: add it to MOT_SEGMENT_FIELDS (declared: {declared})"
        )
    values = segment_values(session, field, COMPARED)
    base = CommentFilter(since=since, until=until, source=source, taxonomy=tax.name)
    cells = {
        value: touchpoint_aggregates(session, replace(base, segment=(field, value))) for value, _ in values
    }
    rows = []
    for tp in tax.touchpoints:
        found = [cells[value].get(tp.id) for value, _ in values]
        if not any(a and a.count for a in found):
            continue
        rows.append(
            SegmentRow(
                touchpoint=tp.id,
                name=tp.name_in(language),
                counts=[a.count if a else 0 for a in found],
                negative_shares=[a.negative_share if a else None for a in found],
            )
        )
    return SegmentComparison(
        taxonomy=tax.name,
        field=field,
        columns=[SegmentColumn(value=value, comments=count) for value, count in values],
        rows=rows,
    )
