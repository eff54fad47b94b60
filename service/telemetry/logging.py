"""Logging, configured once by `mot serve`: every line, ours, uvicorn's and alembic's, goes
through structlog's renderer, as one JSON object per line (MOT_LOG_FORMAT=json) or readable
text (console). Lines logged while a request is served carry its request_id, bound by
`service.web.observe.Observe` in structlog's contextvars."""

from __future__ import annotations

import logging
import sys
from typing import Literal, TextIO

import structlog

LogFormat = Literal["json", "console"]


def drop_color_message(
    _: object, __: str, event_dict: structlog.types.EventDict
) -> structlog.types.EventDict:
    """uvicorn passes a terminal-coloured copy of its message as an extra: noise in JSON."""
    event_dict.pop("color_message", None)
    return event_dict


# What both our structlog loggers and stdlib loggers (uvicorn, alembic, ours) add to each line.
SHARED: list[structlog.types.Processor] = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.stdlib.ExtraAdder(),
    drop_color_message,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]


def configure_logging(
    log_format: LogFormat = "json", level: int | str = logging.INFO, stream: TextIO | None = None
) -> logging.Handler:
    """Route all logging to `stream` (default stderr) through one renderer; returns the handler
    so that a caller (a test) can remove it again."""
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer()
        if log_format == "json"
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[
            *SHARED,
            structlog.processors.StackInfoRenderer(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=SHARED,
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.format_exc_info,
                renderer,
            ],
        )
    )
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "alembic"):
        # uvicorn and alembic may have installed handlers of their own: ours replace them.
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
    # One line per request comes from our middleware; uvicorn's access line would repeat it.
    logging.getLogger("uvicorn.access").disabled = True
    return handler
