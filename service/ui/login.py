"""Sign in to the web UI with an API key, and sign out.

The key is checked once and never kept by the browser: the browser gets a session cookie
(HttpOnly, SameSite=Strict) instead. A sign-in form posted by another site's page is refused.
"""

from __future__ import annotations

import hmac
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, HTTPException, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse

from service.auth.keys import verify
from service.auth.sessions import COOKIE, close_session, find_session, open_session
from service.deps import StateDep
from service.ui.i18n import locale_of
from service.ui.render import render

router = APIRouter(prefix="/ui", include_in_schema=False)


def safe_next(target: str | None) -> str:
    """Only a page of this UI: never another site (an open redirect would help phishing)."""
    if target and target.startswith("/ui/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/ui/"


def login_page(request: Request, target: str, error: str | None = None, code: int = 200) -> HTMLResponse:
    return render(
        request,
        "login.html",
        {"title": locale_of(request).gettext("Sign in"), "next": safe_next(target), "error": error},
        code,
        # same-origin, not no-referrer: the form's POST then carries this site's Origin (with
        # no-referrer the browser sends "Origin: null", which another site's form can send too)
        headers={"Referrer-Policy": "same-origin"},
    )


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str | None = None) -> HTMLResponse:
    return login_page(request, next or "/ui/")


@router.post("/login", response_model=None)
def login(
    request: Request,
    state: StateDep,
    key: Annotated[str, Form(max_length=200)],
    next: Annotated[str, Form(max_length=2000)] = "/ui/",
) -> HTMLResponse | RedirectResponse:
    origin = request.headers.get("origin")
    if origin and urlsplit(origin).netloc != request.headers.get("host"):
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"sign-in from another site ({origin}) is refused")
    if not state.settings.auth:
        return RedirectResponse(safe_next(next), status_code=303)
    with state.sessions() as session:
        principal = verify(session, key.strip())
        _ = locale_of(request).gettext
        if principal is None:
            return login_page(
                request, next, _("That key is unknown or revoked."), status.HTTP_401_UNAUTHORIZED
            )
        if not principal.allows("read"):
            return login_page(
                request,
                next,
                _("That key has no read scope: the UI needs a key with read."),
                status.HTTP_403_FORBIDDEN,
            )
        token, _ = open_session(session, principal.key_id, state.settings.session_hours)
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(
        COOKIE,
        token,
        max_age=int(state.settings.session_hours * 3600),
        httponly=True,
        samesite="strict",
        secure=state.settings.cookie_secure,
        path="/",
    )
    return response


@router.post("/logout", response_model=None)
def logout(
    request: Request, state: StateDep, csrf: Annotated[str, Form(max_length=200)] = ""
) -> RedirectResponse:
    token = request.cookies.get(COOKIE)
    if token:
        with state.sessions() as session:
            found = find_session(session, token)
            if found is not None and not hmac.compare_digest(found[1].encode(), csrf.encode()):
                raise HTTPException(status.HTTP_403_FORBIDDEN, "missing or wrong CSRF token: reload the page")
            close_session(session, token)
    response = RedirectResponse("/ui/login", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response
