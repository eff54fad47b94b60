"""What the domain refuses, in its own words; the API answers each with its status code
(service/api/errors.py) and the pages with theirs, so no layer below the routes knows HTTP."""

from __future__ import annotations


class NotFound(LookupError):
    """Nothing has that id (404)."""


class Conflict(Exception):
    """The request clashes with what is there, or with work under way (409)."""


class Invalid(ValueError):
    """The request cannot be carried out as asked; the message says what to change (422)."""
