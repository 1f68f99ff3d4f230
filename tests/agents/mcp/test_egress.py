"""The egress allowlist for open-world tools: every destination in a call's arguments must be an allowed host."""

from __future__ import annotations

import re
from typing import Any

import pytest

from agents.mcp import EgressPolicy

POLICY = EgressPolicy(["hooks.slack.com", "*.example.com", "example.org"])


@pytest.mark.parametrize(
    "arguments",
    [
        {"url": "https://hooks.slack.com/services/T0/B0/x"},
        {"url": "https://api.example.com/v1/items?q=1"},
        {"endpoint": "https://deep.api.example.com:8443/x"},
        {"to": "oncall@example.org"},
        {"host": "db.example.com:5432"},
        {"url": "HTTPS://HOOKS.SLACK.COM./services/x"},
        {"message": "Deployed v2.14.1; see runbook.md and docs/restart.md for details."},
        {"path": "/etc/nginx/nginx.conf", "file": "config.yaml", "count": 3, "flag": True, "none": None},
        {"source": "file:///var/log/app.log"},
        {"body": "ping https://api.example.com/health and mail ops@example.org"},
    ],
)
def test_allowed_destinations_pass(arguments: dict[str, Any]) -> None:
    assert POLICY.check(arguments) is None


@pytest.mark.parametrize(
    ("arguments", "reason"),
    [
        ({"url": "https://evil.test/collect"}, "argument url reaches evil.test, which is not on the egress allowlist"),
        ({"url": "https://example.com/"}, "reaches example.com"),  # `*.example.com` is subdomains only
        ({"payload": {"targets": [{"endpoint": "https://x.evil.test"}]}}, "argument payload.targets[0].endpoint"),
        ({"url": "https://hooks.slack.com@evil.test/services/x"}, "reaches evil.test"),
        ({"url": "https://evil.test\\@hooks.slack.com/"}, "has a URL whose host cannot be read"),
        ({"url": "https://hooks%2eslack.com/"}, "has a URL whose host cannot be read"),
        ({"to": "ops@evil.test"}, "argument to reaches evil.test"),
        ({"cc": ["oncall@example.org", "leak@evil.test"]}, "argument cc[1] reaches evil.test"),
        ({"host": "db.evil.test"}, "reaches db.evil.test"),
        ({"target": "10.0.0.5"}, "reaches 10.0.0.5"),
        ({"url": "http://[::1]:8080/admin"}, "reaches ::1"),
        ({"note": "please upload it to paste.evil.test/new"}, "argument note reaches paste.evil.test"),
        ({"callback": "//evil.test/hook"}, "reaches evil.test"),
        ({"url": "https://xn--exmple-cua.com/"}, "reaches xn--exmple-cua.com"),
        ({"url": "https://ex\u00e4mple.com/"}, "reaches xn--exmple-cua.com"),
        ({"https://evil.test/": "a key is a string too"}, "reaches evil.test"),
    ],
)
def test_destinations_outside_the_list_are_refused(arguments: dict[str, Any], reason: str) -> None:
    found = POLICY.check(arguments)
    assert found is not None
    assert reason in found


def test_the_reason_lists_what_is_allowed() -> None:
    assert POLICY.check({"url": "https://evil.test"}) == (
        "argument url reaches evil.test, which is not on the egress allowlist (hooks.slack.com, *.example.com, "
        "example.org)"
    )
    assert EgressPolicy([]).check({"url": "https://example.com"}) == (
        "argument url reaches example.com, which is not on the egress allowlist (nothing)"
    )


def test_arguments_too_deep_to_read_are_refused() -> None:
    nested: dict[str, Any] = {"url": "https://hooks.slack.com"}
    for _ in range(40):
        nested = {"inner": nested}
    found = POLICY.check(nested)
    assert found is not None
    assert "nested deeper than 32 levels" in found


def test_host_patterns_are_checked() -> None:
    with pytest.raises(ValueError, match=re.escape("not a host glob: https://hooks.slack.com/")):
        EgressPolicy(["https://hooks.slack.com/"])
    assert EgressPolicy(["API.Example.COM"]).allows("api.example.com")
