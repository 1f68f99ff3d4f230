# opsgate: one image for the bot and the worker (`opsgate bot`, `opsgate worker`, `opsgate db upgrade`).
# Not built on the development machines (no Docker engine there); compose.yaml is validated by the tests.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PROJECT_ENVIRONMENT=/app/.venv

RUN pip install --no-cache-dir uv==0.13.9

WORKDIR /app
# Dependencies first, from the lock file, so code changes do not reinstall them.
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project

COPY opsgate ./opsgate
COPY bot ./bot
COPY agents ./agents
COPY approvals ./approvals
COPY handlers ./handlers
COPY opsgate.yml manifest.yml ./
RUN uv sync --frozen --no-dev

RUN useradd --system --uid 10001 --home-dir /data opsgate && mkdir -p /data && chown opsgate /data
USER opsgate

# In a container the processes listen on every interface; keep them on a private network all the same.
ENV PATH=/app/.venv/bin:$PATH \
    OPSGATE_DATA_DIR=/data \
    OPSGATE_BOT_HOST=0.0.0.0 \
    OPSGATE_WORKER_HOST=0.0.0.0 \
    OPSGATE_CONFIG_FILE=/app/opsgate.yml

EXPOSE 3000 9080
STOPSIGNAL SIGTERM
ENTRYPOINT ["opsgate"]
CMD ["bot"]
