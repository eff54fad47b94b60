"""The dependency every route names: `require("read")` and the like.

A request proves itself with `Authorization: Bearer <key>` (platforms, scripts) or with the web
UI's session cookie (analysts in a browser; then any request that changes something must also
carry the page's CSRF token). With `MOT_AUTH=false` every request is let in as an admin: meant for
a laptop, and the start-up log says so.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, HTTPException, Request, Security, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from service.auth.keys import Principal, verify
from service.auth.sessions import COOKIE, CSRF_HEADER, find_session
from service.deps import StateDep

bearer = HTTPBearer(auto_error=False, description="an API key made by `mot keys create`")
OPEN = Principal(key_id="", name="anyone (MOT_AUTH=false)", scopes=frozenset({"admin"}))
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


class SignInRequired(Exception):
    """A browser asked for a page without a session: it is sent to the sign-in page."""


def authenticate(
    request: Request, state: StateDep, credentials: HTTPAuthorizationCredentials | None
) -> Principal | None:
    """The request's principal (None: no credentials at all); a bad key or CSRF token raises."""
    if not state.settings.auth:
        return OPEN
    if credentials is not None:
        with state.sessions() as session:
            principal = verify(session, credentials.credentials)
        if principal is None:
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED,
                "the API key is unknown or revoked: ask an admin for a key (`mot keys create`)",
                headers={"WWW-Authenticate": "Bearer"},
            )
        return principal
    token = request.cookies.get(COOKIE)
    if not token:
        return None
    with state.sessions() as session:
        found = find_session(session, token)
    if found is None:
        return None
    principal, csrf = found
    request.state.csrf = csrf
    if request.method not in SAFE_METHODS and not hmac.compare_digest(
        request.headers.get(CSRF_HEADER, "").encode(), csrf.encode()
    ):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, "missing or wrong CSRF token: reload the page and try again"
        )
    return principal


def admit(principal: Principal, scope: str, state: StateDep) -> None:
    if not principal.allows(scope):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            f"the key {principal.name!r} lacks the scope {scope!r}: use a key that has it "
            f"(it has {', '.join(sorted(principal.scopes))})",
        )
    if principal is not OPEN and (wait := state.limiter.take(principal.key_id)):
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            f"rate limit of this key reached (MOT_RATE_LIMIT_PER_SECOND): retry in {wait} s",
            headers={"Retry-After": str(wait)},
        )


def require(scope: str) -> Callable[..., Principal]:
    """A dependency that lets in only principals with `scope` (admin has every scope)."""

    def guard(
        request: Request,
        state: StateDep,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)],
    ) -> Principal:
        principal = authenticate(request, state, credentials)
        if principal is None:
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED,
                "an API key is needed: send `Authorization: Bearer <key>` (an admin makes one with `mot keys create`)",
                headers={"WWW-Authenticate": "Bearer"},
            )
        admit(principal, scope, state)
        request.state.principal = principal
        return principal

    return guard


def require_page(scope: str = "read") -> Callable[..., Principal]:
    """Like `require`, for the web UI's pages: without a session the browser goes to sign in."""

    def guard(request: Request, state: StateDep) -> Principal:
        principal = authenticate(request, state, None)
        if principal is None:
            raise SignInRequired()
        admit(principal, scope, state)
        request.state.principal = principal
        return principal

    return guard


INGEST = Depends(require("ingest"))
READ = Depends(require("read"))
TRIAGE = Depends(require("triage"))
ADMIN = Depends(require("admin"))
PAGE = Depends(require_page())
