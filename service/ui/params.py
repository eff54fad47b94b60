"""Query parameters as HTML forms send them: a field left blank arrives as an empty string and
means "any"; dates come from <input type=date>. Links carry only the filters that are set."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends
from sqlalchemy.orm import Session

from models.taxonomy import Taxonomy
from service.deps import SessionDep, StateDep
from service.domain.taxonomies import UnknownTaxonomy
from service.state import AppState
from service.store.journey import commonest_taxonomy, latest_time
from service.store.tables import ROW_ID_MAX
from service.ui.i18n import UiLocale

WINDOWS = {1: "1 day", 7: "7 days", 30: "30 days", 90: "90 days", 0: "all time"}


def blank(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def as_int(value: str | None) -> int | None:
    """A whole number a form sent, or None: a field that is not one (or a number beyond any id,
    "²", "1e9") is ignored like a blank one, never handed to the database."""
    value = blank(value)
    if value is None or not value.lstrip("-").isascii() or not value.lstrip("-").isdigit():
        return None
    number = int(value)
    return number if abs(number) <= ROW_ID_MAX else None


# Days a form may name: far enough from datetime's own limits (years 1 and 9999) that the period
# shown and the period before it can always be computed.
FIRST_DAY, LAST_DAY = date(1000, 1, 1), date(9000, 12, 31)


def as_date(value: str | None) -> date | None:
    try:
        day = date.fromisoformat(blank(value) or "")
    except ValueError:
        return None
    return day if FIRST_DAY <= day <= LAST_DAY else None


def start_of(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def query(**params: object) -> str:
    """`?a=1&b=x` with only the parameters that are set (so links stay short and valid)."""
    kept = {k: v for k, v in params.items() if v is not None and v != "" and v is not False}
    return "?" + urlencode(kept) if kept else ""


@dataclass(frozen=True)
class Window:
    """The period the journey map shows: `days` days ending (excluded) at the start of the day
    after `end`; days 0 is all time, with nothing to compare against."""

    days: int
    end: date | None  # the last day shown

    @property
    def since(self) -> datetime | None:
        return self.until - timedelta(days=self.days) if self.days and self.until else None

    @property
    def until(self) -> datetime | None:
        return start_of(self.end + timedelta(days=1)) if self.days and self.end else None

    @property
    def previous(self) -> tuple[datetime, datetime] | None:
        if self.since is None or self.until is None:
            return None
        return self.since - (self.until - self.since), self.since

    def params(self) -> dict[str, object]:
        return {"days": self.days, "end": self.end.isoformat() if self.end else None}


def window(session: Session, days: str | None, end: str | None, default_days: int) -> Window:
    """From the form; by default the last `default_days` days up to the newest comment, so that a
    store of old comments (an archive, the airline tweets) still opens on data."""
    chosen = as_int(days)
    chosen = chosen if chosen in WINDOWS else default_days
    last = as_date(end)
    if last is None and chosen:
        newest = latest_time(session)
        last = newest.date() if newest else datetime.now(UTC).date()
    return Window(chosen, last)


def taxonomy_or_default(state: AppState, name: str | None) -> Taxonomy:
    """The named taxonomy; the default one for a blank or unknown name (a stale link still opens)."""
    try:
        return state.taxonomies.get(blank(name))
    except UnknownTaxonomy:
        return state.taxonomies.get(None)


def page_taxonomy(
    session: Session,
    state: AppState,
    name: str | None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Taxonomy:
    """The taxonomy a page shows: the one asked for; else the one most stored comments of the
    period (or of all time) were analysed with, so a store of airline comments opens on the
    airline journey whatever MOT_DEFAULT_TAXONOMY says; else the default."""
    if blank(name) is None:
        name = commonest_taxonomy(session, since, until) or commonest_taxonomy(session, None, None)
    return taxonomy_or_default(state, name)


def windows(default_days: int, loc: UiLocale) -> dict[int, str]:
    """The periods the map offers, named in the reader's language."""
    offered = WINDOWS if default_days in WINDOWS else {default_days: "", **WINDOWS}
    return {
        days: loc.ngettext("%(num)d day", "%(num)d days", days) if days else loc.gettext("all time")
        for days in offered
    }


def page_segment(value: str | None, fields: list[str]) -> tuple[str, str] | None:
    """A segment a form or link names (field:value); one the settings no longer declare is
    ignored like a blank field, so a stale link still opens."""
    from service.domain.errors import Invalid
    from service.domain.segments import parse_segment

    try:
        return parse_segment(blank(value), fields)
    except Invalid:
        return None


@dataclass(frozen=True)
class MapView:
    """What the journey map, the moments and the highlights show: a period, a taxonomy, and
    optionally one source and one segment."""

    period: Window
    taxonomy: Taxonomy
    source: str | None
    segment: tuple[str, str] | None

    @property
    def segment_text(self) -> str | None:
        return f"{self.segment[0]}:{self.segment[1]}" if self.segment else None

    def params(self) -> dict[str, object]:
        """As a link carries them."""
        return {
            "taxonomy": self.taxonomy.name,
            "source": self.source,
            **self.period.params(),
            "segment": self.segment_text,
        }


@dataclass(frozen=True)
class MapFilters:
    """The shared filter form (_macros.html map_filters): the view and what it offers."""

    view: MapView
    taxonomies: list[str]
    sources: list[str]
    segments: list[Any]  # SegmentOption
    windows: dict[int, str]


def map_view(
    session: SessionDep,
    state: StateDep,
    taxonomy: str | None = None,
    source: str | None = None,
    days: str | None = None,
    end: str | None = None,
    segment: str | None = None,
) -> MapView:
    """The view a page's query asks for (a FastAPI dependency: MapViewDep)."""
    period = window(session, days, end, state.settings.journey_window_days)
    return MapView(
        period=period,
        taxonomy=page_taxonomy(session, state, taxonomy, period.since, period.until),
        source=blank(source),
        segment=page_segment(segment, state.settings.segment_fields),
    )


def map_filters(session: Session, state: AppState, view: MapView, loc: UiLocale) -> MapFilters:
    from service.domain.segments import segment_options
    from service.store.journey import sources

    return MapFilters(
        view=view,
        taxonomies=sorted(t.name for t, _origin in state.taxonomies.items()),
        sources=sources(session),
        segments=segment_options(session, state.settings.segment_fields),
        windows=windows(state.settings.journey_window_days, loc),
    )


MapViewDep = Annotated[MapView, Depends(map_view)]
