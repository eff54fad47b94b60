"""The comment explorer: every stored filter, word search, "more like this", corrections."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from service.auth.guard import PAGE
from service.deps import SessionDep, StateDep
from service.domain.comments import comment_filter
from service.domain.segments import segment_options
from service.store.comments import count_comments, get_comment, page_comments
from service.store.journey import languages, sources
from service.store.search import similar_comments
from service.ui.cards import comment_cards
from service.ui.i18n import N_, UiLocale, locale_of, stage_options, touchpoint_options
from service.ui.params import as_date, as_int, blank, page_segment, page_taxonomy, query, start_of
from service.ui.render import page

router = APIRouter(prefix="/ui", include_in_schema=False, dependencies=[PAGE])
SENTIMENTS = ("negative", "neutral", "positive")
# What the filters refuse, as the page says it (the API's words for anything else)
REFUSED = {
    "since must be before until": N_("“From” must be before “To”."),
    "cursor is not one this API returned: pass next_cursor unchanged": N_(
        "That page link is not one this page made: start again from the first page."
    ),
}


def _segment_text(segment: tuple[str, str] | None) -> str | None:
    return f"{segment[0]}:{segment[1]}" if segment else None


def _refused(loc: UiLocale, message: str) -> str:
    return loc.gettext(REFUSED[message]) if message in REFUSED else message


@router.get("/comments", response_class=HTMLResponse)
def comments_page(
    request: Request,
    session: SessionDep,
    state: StateDep,
    q: str | None = None,
    stage: str | None = None,
    touchpoint: str | None = None,
    sentiment: str | None = None,
    source: str | None = None,
    taxonomy: str | None = None,
    cluster: str | None = None,
    language: str | None = None,
    segment: str | None = None,
    since: str | None = None,
    until: str | None = None,
    cursor: str | None = None,
    like: str | None = None,
) -> HTMLResponse:
    first, last = as_date(since), as_date(until)
    form = {
        "q": (blank(q) or "")[:500],
        "stage": blank(stage),
        "touchpoint": blank(touchpoint),
        "sentiment": blank(sentiment) if blank(sentiment) in SENTIMENTS else None,
        "source": blank(source),
        "taxonomy": blank(taxonomy),
        "cluster": as_int(cluster),
        "language": blank(language),
        "segment": _segment_text(page_segment(segment, state.settings.segment_fields)),
        "since": first.isoformat() if first else None,
        "until": last.isoformat() if last else None,
    }
    loc = locale_of(request)
    _ = loc.gettext
    tax = page_taxonomy(session, state, form["taxonomy"])
    options = {
        "stages": stage_options(tax, loc),
        "touchpoints": touchpoint_options(tax, loc),
        "sentiments": SENTIMENTS,
        "sources": sources(session),
        "languages": languages(session),
        "segments": segment_options(session, state.settings.segment_fields),
        "taxonomies": sorted(t.name for t, _origin in state.taxonomies.items()),
    }
    common = {"form": form, "options": options, "export": query(**form), "link": query(**form)}
    like_id = as_int(like)
    if like_id is not None:
        found = similar_comments(
            session, like_id, state.settings.similar_limit, state.settings.similar_scan_max
        )
        if found is None:
            return page(
                request, "missing.html", "comments", _("Not found"), 404, what=_("comment %(id)s", id=like_id)
            )
        target = comment_cards(session, state, [get_comment(session, like_id)], loc=loc)[0]
        cards = comment_cards(
            session, state, [n.comment for n in found], [n.similarity for n in found], loc=loc
        )
        return page(
            request, "comments.html", "comments", _("More like this"), target=target, cards=cards, total=None,
            next_page=None, error=None, **common,
        )  # fmt: skip
    try:
        f = comment_filter(
            session,
            since=start_of(first) if first else None,
            until=start_of(last + timedelta(days=1)) if last else None,
            stage=form["stage"],
            touchpoint=form["touchpoint"],
            sentiment=form["sentiment"],
            source=form["source"],
            taxonomy=form["taxonomy"],
            cluster=form["cluster"],
            q=form["q"] or None,
            language=form["language"],
            segment=page_segment(form["segment"], state.settings.segment_fields),
        )
        rows, next_cursor = page_comments(session, f, state.settings.ui_page_size, blank(cursor))
    except ValueError as exc:  # Invalid, or a cursor this page did not make
        message = _refused(loc, str(exc))
        return page(
            request, "comments.html", "comments", _("Comments"), 422, target=None, cards=[], total=0,
            next_page=None, error=message, **common,
        )  # fmt: skip
    return page(
        request,
        "comments.html",
        "comments",
        _("Comments"),
        target=None,
        cards=comment_cards(session, state, rows, loc=loc),
        total=count_comments(session, f),
        next_page=query(**form, cursor=next_cursor) if next_cursor else None,
        error=None,
        **common,
    )
