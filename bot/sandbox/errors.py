"""The one exception of the sandbox's Web API: a Slack failure answer waiting to be sent.

ApiError  ->  HTTP `status` (200 for most, 429 when rate limited, 404 for an unknown method or used URL)
              with `{"ok": false, "error": error, **extra}` and `headers` (e.g. Retry-After)
"""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """A Web API failure: `{"ok": false, "error": error, **extra}` with this HTTP status and headers."""

    def __init__(self, error: str, *, status: int = 200, headers: dict[str, str] | None = None, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.status = status
        self.headers = headers or {}
        self.extra = extra

    def body(self) -> dict[str, Any]:
        return {"ok": False, "error": self.error, **self.extra}
