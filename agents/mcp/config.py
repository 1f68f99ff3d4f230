"""The `mcp:` section of the team configuration: which MCP servers a worker connects to, and how far to trust them.

The file is committed, so secrets never appear in it: an `env` or `headers` value refers to the worker's
environment as `${NAME}` (it may add text around it, as in `Bearer ${GITHUB_TOKEN}`), and a literal that looks
like a credential is refused when the file is loaded. References are resolved when the server is started, so a
missing variable is reported then, naming the variable.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Self
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from agents.guardrails.entities import find_entities
from agents.guardrails.secrets import SECRET_DETECTORS, shannon_entropy
from agents.mcp.errors import MissingEnvironmentVariable

__all__ = ["McpConfig", "McpServerConfig", "resolve_references", "secret_in_clear"]

_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_CREDENTIAL_NAME = re.compile(
    r"token|secret|passw|pwd|api[-_]?key|access[-_]?key|private[-_]?key|credential|auth|cookie|session", re.I
)
_AUTH_SCHEME = re.compile(r"^\s*(?:bearer|basic|token|apikey|api-key)\b", re.I)
_TOKEN_LIKE = re.compile(r"[A-Za-z0-9_+=-][A-Za-z0-9_+/=-]{19,}")
_LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1"})


def secret_in_clear(key: str, value: str) -> str | None:
    """Why `value` (set for `key`) looks like a secret written in clear, or None when it only refers to one."""
    literal = _REFERENCE.sub("", value)
    if "${" in literal:
        return "has a malformed ${...} reference (use ${NAME}, letters, digits and _)"
    found = find_entities(literal, SECRET_DETECTORS)
    if found:
        return f"looks like a secret ({found[0].type})"
    remainder = _AUTH_SCHEME.sub("", literal).strip()
    if remainder and _CREDENTIAL_NAME.search(key):
        return "is named like a credential but holds a literal value"
    if _TOKEN_LIKE.fullmatch(remainder) and re.search(r"\d", remainder) and shannon_entropy(remainder) >= 4.0:
        return "looks like a random token"
    return None


def resolve_references(server: str, field: str, value: str, environ: Mapping[str, str]) -> str:
    def lookup(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in environ:
            raise MissingEnvironmentVariable(server, field, name)
        return environ[name]

    return _REFERENCE.sub(lookup, value)


class McpServerConfig(BaseModel):
    """One MCP server: a command run over stdio, or a streamable-HTTP URL."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$", description="Tools carry it as `ToolSpec.server`.")
    command: tuple[str, ...] | None = Field(default=None, min_length=1, description="argv of a stdio server.")
    url: str | None = Field(default=None, description="Endpoint of a streamable-HTTP server.")
    env: dict[str, str] = Field(default_factory=dict, description="For `command`; values as ${NAME}.")
    headers: dict[str, str] = Field(default_factory=dict, description="For `url`; values as ${NAME}.")
    trusted: bool = Field(default=False, description="Whether the risk policy may believe its annotations.")
    required: bool = Field(default=True, description="Refuse to start the worker when this server does not start.")
    timeout_seconds: float = Field(default=30.0, gt=0, le=600, description="Per tool call.")
    start_timeout_seconds: float = Field(default=10.0, gt=0, le=120, description="Connect and list tools.")
    tools: tuple[str, ...] | None = Field(default=None, description="Import only these tools; all when absent.")

    @field_validator("name")
    @classmethod
    def _not_builtin(cls, name: str) -> str:
        if name == "builtin":
            raise ValueError("'builtin' names opsgate's own tools; choose another name")
        return name

    @field_validator("command")
    @classmethod
    def _command(cls, command: tuple[str, ...] | None) -> tuple[str, ...] | None:
        if command is not None:
            if not command[0]:
                raise ValueError("the program (first item) must not be empty")
            for index, arg in enumerate(command):
                if _REFERENCE.search(arg) or (reason := secret_in_clear("", arg)):
                    raise ValueError(
                        f"command[{index}] {reason or 'has a ${...} reference'}: pass secrets through `env` "
                        "(command lines are visible to every process on the host)"
                    )
        return command

    @field_validator("url")
    @classmethod
    def _url(cls, url: str | None) -> str | None:
        if url is None:
            return None
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be an http:// or https:// URL with a host")
        if parts.username is not None or parts.password is not None:
            raise ValueError("must not carry credentials; send them in `headers` as ${NAME}")
        if reason := secret_in_clear("url", _REFERENCE.sub("", url)):
            raise ValueError(f"{reason}; send credentials in `headers` as ${{NAME}}")
        return url

    @field_validator("env", "headers")
    @classmethod
    def _no_secrets_in_clear(cls, values: dict[str, str]) -> dict[str, str]:
        for key, value in values.items():
            if reason := secret_in_clear(key, value):
                raise ValueError(f"{key} {reason}; write it as ${{NAME}} and set NAME in the worker's environment")
        return values

    @field_validator("tools")
    @classmethod
    def _unique_tools(cls, tools: tuple[str, ...] | None) -> tuple[str, ...] | None:
        if tools is not None and len(set(tools)) != len(tools):
            raise ValueError("lists a tool more than once")
        return tools

    @model_validator(mode="after")
    def _one_transport(self) -> Self:
        if (self.command is None) == (self.url is None):
            raise ValueError("set exactly one of `command` (stdio) or `url` (streamable HTTP)")
        if self.command is not None and self.headers:
            raise ValueError("`headers` apply to `url` servers; a `command` server takes `env`")
        if self.url is not None and self.env:
            raise ValueError("`env` applies to `command` servers; a `url` server takes `headers`")
        host = urlsplit(self.url).hostname if self.url else None
        if self.url and self.url.startswith("http:") and self.headers and host not in _LOOPBACK:
            raise ValueError("sends headers over plain http to a remote host; use https")
        return self

    def resolved_env(self, environ: Mapping[str, str]) -> dict[str, str]:
        return {k: resolve_references(self.name, f"env.{k}", v, environ) for k, v in self.env.items()}

    def resolved_headers(self, environ: Mapping[str, str]) -> dict[str, str]:
        return {k: resolve_references(self.name, f"headers.{k}", v, environ) for k, v in self.headers.items()}


class McpConfig(BaseModel):
    """`mcp: {servers: [...]}`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    servers: tuple[McpServerConfig, ...] = ()

    @field_validator("servers")
    @classmethod
    def _unique_names(cls, servers: tuple[McpServerConfig, ...]) -> tuple[McpServerConfig, ...]:
        seen: set[str] = set()
        for server in servers:
            if server.name in seen:
                raise ValueError(f"server name {server.name!r} is used twice")
            seen.add(server.name)
        return servers
