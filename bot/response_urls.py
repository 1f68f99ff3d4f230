"""Where a `response_url` may point: Slack's webhook hosts, or the Web API's own origin when that is the local
sandbox (or a proxy in front of Slack).

A response_url arrives in a request body; posting wherever it points would make opsgate a request forwarder for
anyone who gets a payload past the signature check (an empty or leaked signing secret), and the worker posts to
the one in a task's request much later. Both ends check it: the HTTP layer refuses a payload that names another
host (400), and the notifier never calls one.
"""

from __future__ import annotations

from urllib.parse import urlsplit

__all__ = ["SLACK_HOOK_HOSTS", "response_url_allowed"]

SLACK_HOOK_HOSTS = frozenset({"hooks.slack.com", "hooks.slack-gov.com"})
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


def _origin(url: str) -> tuple[str, str, int | None] | None:
    try:
        parts = urlsplit(url)
        return parts.scheme.lower(), (parts.hostname or "").lower(), parts.port
    except ValueError:
        return None


def response_url_allowed(url: str, api_base_url: str | None = None) -> bool:
    """True for `https://hooks.slack.com/…` (and Slack's GovSlack host); against a local Slack (the sandbox of
    `make demo` and the tests: a Web API on loopback) a loopback URL; behind a proxy, the Web API's own origin."""
    origin = _origin(url)
    if origin is None or "@" in url.split("?", 1)[0]:
        return False
    scheme, host, port = origin
    if scheme == "https" and host in SLACK_HOOK_HOSTS and port in (None, 443):
        return True
    api = _origin(api_base_url) if api_base_url else None
    if api is None or api[1] in ("slack.com", ""):
        return False
    if api[1] in LOOPBACK_HOSTS:
        return scheme in ("http", "https") and host in LOOPBACK_HOSTS
    return origin == api
