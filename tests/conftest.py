"""Shared fixtures: a real database (SQLite and PostgreSQL) and an in-memory span exporter.

Database tests take `db_url` (or `db_engine`) and run once per backend. Each PostgreSQL test gets a schema of
its own, named after this session, and drops it afterwards; so parallel runs and leftovers never collide.
PostgreSQL missing means a skip, except in CI, where `OPSGATE_REQUIRE_POSTGRES=1` turns it into a failure.

Hypothesis runs derandomized (profile `ci`, the default): the same examples every run, so a red build is a change
in the code, not a new draw. `OPSGATE_HYPOTHESIS_PROFILE=explore` draws new examples each run, to hunt for bugs.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from hypothesis import settings
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from sqlalchemy.engine import Engine, make_url

from opsgate.db import create_db_engine, init_schema
from opsgate.telemetry import install, setup_telemetry

POSTGRES_URL_VARIABLE = "OPSGATE_TEST_POSTGRES_URL"
DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
_SESSION = secrets.token_hex(4)
_schema_numbers = itertools.count(1)

HYPOTHESIS_PROFILE_VARIABLE = "OPSGATE_HYPOTHESIS_PROFILE"
# Only randomness and the example database differ: each test keeps its own max_examples and deadline. Loaded here,
# before any test module is imported, so every `@settings(...)` and profile built there inherits it.
settings.register_profile("ci", derandomize=True, database=None)  # the examples follow from each test's code
settings.register_profile("explore", derandomize=False, print_blob=True)  # a failure prints how to reproduce it
_hypothesis_profile = os.environ.get(HYPOTHESIS_PROFILE_VARIABLE, "ci")
if _hypothesis_profile not in ("ci", "explore"):
    raise pytest.UsageError(f"{HYPOTHESIS_PROFILE_VARIABLE}={_hypothesis_profile!r}: use ci (the default) or explore")
settings.load_profile(_hypothesis_profile)


def _libpq_url(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def postgres_server_url() -> str:
    """The test server's URL once it has answered; checked once per session."""
    url = os.environ.get(POSTGRES_URL_VARIABLE, DEFAULT_POSTGRES_URL)
    try:
        psycopg.connect(_libpq_url(url), connect_timeout=3).close()
    except psycopg.Error as exc:
        where = make_url(url).render_as_string(hide_password=True)
        reason = " ".join(str(exc).split())
        message = f"PostgreSQL at {where} is unreachable ({reason}); point {POSTGRES_URL_VARIABLE} at a server"
        if os.environ.get("OPSGATE_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"{message}. OPSGATE_REQUIRE_POSTGRES=1: the PostgreSQL tests must run.")
        pytest.skip(message)
    return url


@contextlib.contextmanager
def postgres_schema(server_url: str) -> Iterator[str]:
    """A URL whose connections land in a fresh, empty schema, dropped on exit (for fixtures of any scope)."""
    schema = f"opsgate_t_{_SESSION}_{next(_schema_numbers)}"
    with psycopg.connect(_libpq_url(server_url), autocommit=True) as admin:
        admin.execute(f'CREATE SCHEMA "{schema}"')
    url = make_url(server_url).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with psycopg.connect(_libpq_url(server_url), autocommit=True) as admin:
            admin.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
def postgres_db_url(postgres_server_url: str) -> Iterator[str]:
    """A URL whose connections land in a fresh, empty schema, dropped after the test."""
    with postgres_schema(postgres_server_url) as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database per test, once on SQLite and once on PostgreSQL."""
    if request.param == "postgres":
        url: str = request.getfixturevalue("postgres_db_url")
        return url
    return f"sqlite:///{tmp_path / 'opsgate.db'}"


@pytest.fixture
def db_engine(db_url: str) -> Iterator[Engine]:
    """An engine on `db_url` with every table created from the models (no migrations)."""
    engine = create_db_engine(db_url)
    init_schema(engine)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def _session_span_exporter() -> InMemorySpanExporter:
    exporter = InMemorySpanExporter()
    processor = SimpleSpanProcessor(exporter)
    if not install(setup_telemetry("opsgate-tests", extra_processors=[processor], otlp=False)):
        installed = trace.get_tracer_provider()
        if not isinstance(installed, TracerProvider):
            pytest.fail(f"cannot capture spans: the installed tracer provider is {installed!r}")
        installed.add_span_processor(processor)
    return exporter


@pytest.fixture
def span_exporter(_session_span_exporter: InMemorySpanExporter) -> Iterator[InMemorySpanExporter]:
    """Every span ended during the test, from the session's tracer provider."""
    _session_span_exporter.clear()
    yield _session_span_exporter
    _session_span_exporter.clear()


@pytest.fixture(autouse=True)
def _no_real_anthropic_api(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tripwire: the anthropic SDK (the only user of httpx2) may reach loopback only, so no test calls the real API.

    A client built without `base_url` gets a sentinel host and no credentials from the environment; any request to a
    host that is not loopback fails the test (`pytest.fail` is a BaseException, so the SDK cannot wrap it).
    """
    from typing import Any

    import httpx2

    monkeypatch.setenv("ANTHROPIC_BASE_URL", "http://anthropic-tripwire.invalid")
    monkeypatch.setenv("ANTHROPIC_CONFIG_DIR", "/nonexistent/anthropic-tripwire")
    for name in ("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_PROFILE"):
        monkeypatch.delenv(name, raising=False)

    def check(request: httpx2.Request) -> None:
        if request.url.host not in {"127.0.0.1", "localhost", "::1"}:
            pytest.fail(f"a test tried to reach {request.url} through httpx2: use the loopback fake in testkit/fakes")

    send_async, send_sync = httpx2.AsyncClient.send, httpx2.Client.send

    async def guarded_send_async(self: httpx2.AsyncClient, request: httpx2.Request, **kwargs: Any) -> httpx2.Response:
        check(request)
        return await send_async(self, request, **kwargs)

    def guarded_send_sync(self: httpx2.Client, request: httpx2.Request, **kwargs: Any) -> httpx2.Response:
        check(request)
        return send_sync(self, request, **kwargs)

    monkeypatch.setattr(httpx2.AsyncClient, "send", guarded_send_async)
    monkeypatch.setattr(httpx2.Client, "send", guarded_send_sync)
