"""The `mcp:` section: secrets only by reference, one transport per server, references resolved when started."""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from agents.mcp import McpConfig, McpServerConfig, MissingEnvironmentVariable

SECTION = """
servers:
  - name: github
    command: [github-mcp-server, stdio]
    env: {GITHUB_PERSONAL_ACCESS_TOKEN: "${GITHUB_TOKEN}", LOG_LEVEL: info}
    trusted: true
    tools: [get_issue, list_pull_requests]
  - name: tickets
    url: https://mcp.tickets.example.com/mcp
    headers: {Authorization: "Bearer ${TICKETS_TOKEN}", X-Team: ops}
    required: false
    timeout_seconds: 10
"""


def server(**fields: Any) -> McpServerConfig:
    return McpServerConfig.model_validate({"name": "srv", "command": ["srv"], **fields})


def test_a_section_parses_from_yaml() -> None:
    config = McpConfig.model_validate(yaml.safe_load(SECTION))
    github, tickets = config.servers
    assert github.command == ("github-mcp-server", "stdio")
    assert github.trusted and github.required
    assert github.tools == ("get_issue", "list_pull_requests")
    assert tickets.url == "https://mcp.tickets.example.com/mcp"
    assert not tickets.trusted and not tickets.required
    assert tickets.timeout_seconds == 10


def test_references_are_resolved_from_the_environment() -> None:
    config = McpConfig.model_validate(yaml.safe_load(SECTION))
    github, tickets = config.servers
    assert github.resolved_env({"GITHUB_TOKEN": "v"}) == {"GITHUB_PERSONAL_ACCESS_TOKEN": "v", "LOG_LEVEL": "info"}
    assert tickets.resolved_headers({"TICKETS_TOKEN": "t"}) == {"Authorization": "Bearer t", "X-Team": "ops"}
    with pytest.raises(MissingEnvironmentVariable) as caught:
        tickets.resolved_headers({})
    assert caught.value.variable == "TICKETS_TOKEN"
    assert str(caught.value).startswith(
        "MCP server 'tickets': headers.Authorization references ${TICKETS_TOKEN}, but TICKETS_TOKEN is not set"
    )


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"env": {"GITHUB_TOKEN": "ghp_" + "a1B2" * 9}}, "GITHUB_TOKEN looks like a secret (GITHUB_TOKEN)"),
        ({"env": {"API_KEY": "hunter2"}}, "API_KEY is named like a credential but holds a literal value"),
        ({"env": {"OPTIONS": "q8Zr2LmX0pVb7TnW4cYe9KdJ"}}, "OPTIONS looks like a random token"),
        ({"env": {"TOKEN": "${github-token}"}}, "TOKEN has a malformed ${...} reference"),
        ({"command": ["srv", "--token", "xoxb-1234567890-abcdefghij"]}, "command[2] looks like a secret"),
        (
            {"command": None, "url": "https://mcp.example.com/mcp", "headers": {"Authorization": "Bearer abcdef0123"}},
            "Authorization is named like a credential",
        ),
        ({"command": None, "url": "https://bot:pw@mcp.example.com/mcp"}, "must not carry credentials"),
        ({"command": None, "url": "https://mcp.example.com/mcp?api_key=Zq81LmX0pVb7TnW4"}, "looks like a secret"),
    ],
)
def test_secrets_in_clear_are_refused(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=re.escape(message)):
        server(**fields)


def test_references_and_harmless_literals_are_accepted() -> None:
    config = server(env={"TOKEN": "${TOKEN}", "GH_AUTH": "token ${GH}", "LOG_LEVEL": "debug", "REGION": "eu-west-1"})
    assert config.env["GH_AUTH"] == "token ${GH}"
    assert server(command=["node", "/opt/mcp/servers/filesystem/dist/index.js", "/srv/runbooks"]).command


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"command": None}, "exactly one of `command`"),
        ({"url": "https://mcp.example.com/mcp"}, "exactly one of `command`"),
        ({"command": None, "url": "ftp://mcp.example.com"}, "http:// or https://"),
        ({"headers": {"X-Team": "ops"}}, "`headers` apply to `url` servers"),
        ({"command": None, "url": "https://m.example.com/mcp", "env": {"A": "b"}}, "`env` applies to `command`"),
        (
            {"command": None, "url": "http://mcp.internal/mcp", "headers": {"Authorization": "Bearer ${T}"}},
            "plain http to a remote host",
        ),
        ({"name": "builtin"}, "'builtin' names opsgate's own tools"),
        ({"name": "Bad Name"}, "should match pattern"),
        ({"tools": ["a", "a"]}, "lists a tool more than once"),
        ({"timeout_seconds": 0}, "greater than 0"),
        ({"secret": "x"}, "Extra inputs are not permitted"),
    ],
)
def test_invalid_servers_are_refused(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=re.escape(message)):
        server(**fields)


def test_server_names_are_unique_and_configs_frozen() -> None:
    with pytest.raises(ValidationError, match="server name 'srv' is used twice"):
        McpConfig.model_validate({"servers": [{"name": "srv", "command": ["a"]}, {"name": "srv", "command": ["b"]}]})
    with pytest.raises(ValidationError, match="frozen"):
        server().trusted = True  # type: ignore[misc]
    assert server(command=None, url="http://127.0.0.1:8000/mcp", headers={"Authorization": "Bearer ${T}"}).url
