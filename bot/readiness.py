"""`/readyz`: whether this process can do its work now (its dependencies answer), as opposed to `/healthz`
(the process is up). Load balancers and orchestrators route to ready replicas only.

Each check is a named coroutine that returns a short detail or raises; all run at once under one deadline, so a
hanging dependency makes the answer "not ready" in bounded time instead of hanging the probe. The answer says only
"ok" or "fail" per check: it is served on the bot's public port, and a driver's error names hosts, ports and the
database user. The details of a failure go to the log.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

__all__ = ["Check", "Readiness", "database_check", "readiness_app"]

Check = Callable[[], Awaitable[str]]
log = logging.getLogger(__name__)


class Readiness:
    def __init__(self, checks: Mapping[str, Check], *, timeout_s: float = 2.0) -> None:
        self._checks = dict(checks)
        self._timeout = timeout_s

    async def report(self) -> tuple[bool, dict[str, dict[str, Any]]]:
        async def one(check: Check) -> dict[str, Any]:
            try:
                async with asyncio.timeout(self._timeout):
                    return {"ok": True, "detail": await check()}
            except TimeoutError:
                return {"ok": False, "detail": f"no answer within {self._timeout:g} s"}
            except Exception as exc:  # a failing dependency is the answer, not an error of the probe
                return {"ok": False, "detail": f"{type(exc).__name__}: {exc}"[:300]}

        names = list(self._checks)
        results = await asyncio.gather(*(one(self._checks[name]) for name in names))
        report = dict(zip(names, results, strict=True))
        return all(result["ok"] for result in results), report

    async def body(self) -> tuple[int, bytes]:
        """The public answer: 200 or 503, and "ok" / "fail" per check; each failure's detail is logged."""
        ready, report = await self.report()
        for name, result in report.items():
            if not result["ok"]:
                log.warning("not ready: %s: %s", name, result["detail"])
        checks = {name: "ok" if result["ok"] else "fail" for name, result in report.items()}
        return (200 if ready else 503), json.dumps({"ready": ready, "checks": checks}).encode()


def readiness_app(app: Any, readiness: Readiness | None) -> Any:
    """`app` with `GET /healthz` (always 200 while serving) and `GET /readyz` (the checks) in front of it."""

    async def wrapped(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope.get("method") == "GET" and scope.get("path") in ("/healthz", "/readyz"):
            if scope["path"] == "/healthz" or readiness is None:
                status, body = 200, b'{"ok":true}'
            else:
                status, body = await readiness.body()
            headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return
        await app(scope, receive, send)

    return wrapped


def database_check(engine: Engine) -> Check:
    async def database() -> str:
        def ping() -> None:
            with engine.connect() as connection:
                connection.execute(sa.text("SELECT 1"))

        await asyncio.to_thread(ping)
        return engine.dialect.name

    return database
