"""Ids in paths: each is bounded like the column it names, so that a huge number is a 422 that
says so, not an overflow in the database driver (a 500)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path

from service.store.tables import ROW_ID_MAX

CommentId = Annotated[int, Path(ge=1, le=ROW_ID_MAX, description="a stored comment's comment_id")]
ClusterId = Annotated[int, Path(ge=1, le=ROW_ID_MAX, description="a pain cluster's id")]
JobId = Annotated[int, Path(ge=1, le=ROW_ID_MAX, description="a background job's id")]
ActionId = Annotated[int, Path(ge=1, le=ROW_ID_MAX, description="a recorded action's id")]
