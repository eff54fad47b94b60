"""create_app(): the lifespan loads the model and the database; routers serve the API."""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from service.api import (
    actions,
    admin,
    analyze,
    clusters,
    comments,
    corrections,
    customers,
    export,
    health,
    jobs,
    journey,
    moments,
    taxonomies,
    uploads,
)
from service.api import metrics as metrics_api
from service.api.errors import COMMON, domain_refusals, json_refusals, refusals
from service.auth.guard import SignInRequired
from service.common.ratelimit import RateLimiter
from service.domain.cluster_index import load_index
from service.domain.inference import Busy, InferenceQueue
from service.domain.privacy import customer_key
from service.domain.runtime import build_analyzer
from service.domain.taxonomies import TaxonomyRegistry
from service.domain.warmup import Warmup
from service.jobs.registry import Jobs
from service.settings import Settings
from service.state import AppState
from service.store.comments import stale_count
from service.store.engine import make_engine, migrate, session_factory
from service.telemetry.metrics import Metrics, watch_engine
from service.ui import mount_ui
from service.web.docs import mount_docs
from service.web.limits import BodyLimit, Limit
from service.web.nul import RefuseNul
from service.web.observe import Observe
from service.web.outage import database_error_handler

log = logging.getLogger("mot")


def build_state(settings: Settings, metrics: Metrics) -> AppState:
    engine = make_engine(settings.database_url, settings.sqlite_synchronous, settings.db_connect_timeout_s)
    watch_engine(engine, metrics)
    migrate(engine)
    sessions = session_factory(engine)
    analyzer = build_analyzer(settings)
    bundle_taxonomy = analyzer.bundle.taxonomy if analyzer.bundle else None
    registry = TaxonomyRegistry(
        sessions,
        settings.taxonomy_files,
        settings.default_taxonomy,
        bundle_taxonomy,
        max_bytes=settings.max_taxonomy_bytes,
    )
    analyzer.classifier(registry.get(None))  # the default taxonomy before serving; the rest warm up
    clusters = load_index(sessions, settings.cluster_scope)
    limiter = RateLimiter(settings.rate_limit_per_second, settings.rate_limit_burst)
    key = customer_key(settings, sessions)
    metrics.set_model(analyzer.model_version, analyzer.encoder.version)
    warmup = Warmup()
    return AppState(
        settings,
        engine,
        sessions,
        analyzer,
        registry,
        threading.Lock(),
        Jobs(),
        clusters,
        limiter,
        key,
        metrics,
        InferenceQueue(
            settings.queue_max_comments,
            settings.inference_batch,
            settings.request_timeout_s,
            metrics,
            warmup,
        ),
        warmup,
    )


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    metrics = Metrics.create()  # this app's own registry: two apps in one process count apart

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state = build_state(settings, metrics)
        app.state.mot = state
        state.warm_taxonomies()
        log.info(
            "MOT Miner ready: model %s, database %s",
            state.analyzer.model_version,
            state.engine.url.render_as_string(),
        )
        if not settings.auth:
            log.warning(
                "AUTHENTICATION IS OFF (MOT_AUTH=false): anyone who reaches %s:%s can read, change and "
                "delete everything. Use this only on your own machine.",
                settings.host,
                settings.port,
            )
        if stale_count(state.sessions, state.analyzer.encoder.version):
            state.start_reembedding()
        if settings.cluster_refresh_minutes > 0:
            state.jobs.every(settings.cluster_refresh_minutes * 60, state.start_cluster_refresh)
        if settings.adapt_check_minutes > 0:
            state.jobs.every(settings.adapt_check_minutes * 60, state.adapt_if_due)
        if settings.retention_days > 0:  # once now (a server down for a while catches up), then on schedule
            state.start_retention()
            state.jobs.every(settings.retention_check_minutes * 60, state.start_retention)
        yield
        # uvicorn has stopped taking connections and waited for the open requests; what is still
        # queued is answered before the model goes
        state.inference.close(settings.shutdown_grace_s)
        state.jobs.shutdown()
        state.warmup.close()
        state.engine.dispose()

    app = FastAPI(
        title="MOT Miner",
        version="0.1.0",
        description="Journey stage, touchpoints and sentiment for customer comments; pain points over time.",
        lifespan=lifespan,
        docs_url=None,  # mount_docs: the same pages, from files this server holds
        redoc_url=None,
    )
    upload_limit = Limit(settings.upload_max_bytes + 64 * 1024, "MOT_UPLOAD_MAX_BYTES", "split the file")
    app.add_middleware(
        BodyLimit, max_bytes=settings.max_body_bytes, paths={"/v1/uploads": upload_limit}
    )  # the form's other fields ride beside the file: 64 KiB over the file's own limit
    app.add_middleware(RefuseNul)
    app.add_middleware(Observe, metrics=metrics)  # outermost: it sees the 413s too
    app.state.metrics = metrics
    domain_refusals(app)
    on_database_error = database_error_handler(settings.retry_after_s)
    app.add_exception_handler(DBAPIError, on_database_error)
    app.add_exception_handler(PoolTimeout, on_database_error)

    @app.exception_handler(Busy)
    async def busy(_: Request, exc: Busy) -> JSONResponse:
        return JSONResponse(
            {"detail": str(exc)}, status_code=exc.status_code, headers={"Retry-After": str(exc.retry_after)}
        )

    @app.exception_handler(SignInRequired)
    async def sign_in(request: Request, _: SignInRequired) -> RedirectResponse:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/ui/login?{urlencode({'next': target})}", status_code=303)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        # FastAPI answers every body it cannot parse "There was an error parsing the body";
        # say what is wrong with it when the cause is known
        cause = exc.__cause__
        if exc.status_code == 400 and isinstance(cause, UnicodeDecodeError):
            exc = StarletteHTTPException(
                400, f"body is not UTF-8 (byte {cause.start} is invalid): send JSON encoded as UTF-8"
            )
        elif exc.status_code == 400 and isinstance(cause, RecursionError):
            exc = StarletteHTTPException(400, "body is nested too deeply to read: flatten it")
        return await http_exception_handler(request, exc)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        bad_json = any(e.get("type") == "json_invalid" for e in errors)
        message = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in errors)
        if bad_json:
            message = f"body is not valid JSON ({message}): send a JSON object"
        return JSONResponse(
            {
                "detail": message,
                "errors": [{"loc": e["loc"], "msg": e["msg"], "type": e["type"]} for e in errors],
            },
            status_code=400 if bad_json else 422,
        )

    for module in (
        analyze,
        comments,
        corrections,
        journey,
        clusters,
        moments,
        actions,
        taxonomies,
        admin,
        jobs,
        health,
        metrics_api,
        uploads,
        export,
        customers,
    ):
        # every refusal documented with its body; /healthz and /readyz need no key
        app.include_router(module.router, responses={} if module is health else refusals(*COMMON))
    mount_ui(app)
    mount_docs(app)

    def openapi() -> dict:
        if app.openapi_schema is None:
            app.openapi_schema = json_refusals(FastAPI.openapi(app))
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app
