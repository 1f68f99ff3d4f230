"""Tools as MCP describes them, so built-in tools, MCP servers and the risk policy share one vocabulary.

`ToolAnnotations` defaults follow the MCP specification for a tool that says nothing about itself: not
read-only, destructive, not idempotent, open-world. An unannotated tool is therefore treated as the riskiest kind,
and so is a tool whose server is not trusted, whatever it says about itself (`ToolSpec.believed`).
"""

from __future__ import annotations

import abc
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from agents.confidence import RESERVED_PREFIX, reserved_properties, with_reserved

__all__ = [
    "ErrorKind",
    "Tool",
    "ToolAnnotations",
    "ToolCallContext",
    "ToolError",
    "ToolResult",
    "ToolSpec",
    "Toolbox",
]

ErrorKind = Literal["arguments", "unavailable", "internal", "unknown_outcome"]
"""Who must act on a failed call: the model (other arguments), nobody in this task (the tool is failing, or failed
inside), a person (the effect may or may not have happened)."""


class ToolAnnotations(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    read_only: bool = False
    destructive: bool = True
    idempotent: bool = False
    open_world: bool = True


OWN_SERVERS = frozenset({"builtin", "opsgate"})
"""Where opsgate's own tools come from: the built-in tools, and the team's `delegate`."""


class ToolSpec(BaseModel):
    """What the model and the policy see of a tool: name, description, JSON schema, annotations."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(pattern=r"^[a-zA-Z0-9_-]{1,64}$")
    description: str
    input_schema: dict[str, Any]
    annotations: ToolAnnotations = ToolAnnotations()
    server: str = "builtin"
    target_keys: tuple[str, ...] = ()
    """Arguments that name what the call acts on; the card shows it and a critical approval asks to type it."""

    def target_of(self, arguments: dict[str, Any]) -> str | None:
        parts = [str(arguments[key]) for key in self.target_keys if arguments.get(key) not in (None, "")]
        return "@".join(parts) if parts else None

    @field_validator("input_schema")
    @classmethod
    def _no_reserved_names(cls, schema: dict[str, Any]) -> dict[str, Any]:
        if taken := reserved_properties(schema):
            raise ValueError(
                f"its input schema uses {', '.join(taken)}: names starting with {RESERVED_PREFIX} are reserved for "
                "the agent's confidence and rationale, which opsgate adds and strips itself; rename the argument"
            )
        return schema

    def for_model(self) -> dict[str, Any]:
        """The definition the model gets: a write also asks for the agent's confidence and rationale
        (`agents.confidence`), which never reach the tool. Only opsgate's own tools are taken at their word when
        they say they only read: whether an MCP server's hint is believed is the risk policy's call."""
        reads = self.annotations.read_only and self.server in OWN_SERVERS
        schema = self.input_schema if reads else with_reserved(self.input_schema)
        return {"name": self.name, "description": self.description, "input_schema": schema}

    def believed(self, trusted: bool) -> ToolSpec:
        """The spec as execution may act on it: a tool of an untrusted server counts as the riskiest kind (not
        read-only, not idempotent, open-world), so its own hints never buy a retry or skip a check."""
        return self if trusted else self.model_copy(update={"annotations": ToolAnnotations()})


class ToolCallContext(BaseModel):
    """What a tool gets to know about the call; `idempotency_key` is stable across replays of the same step."""

    model_config = ConfigDict(frozen=True)

    task_id: str
    call_id: str
    requester: str
    idempotency_key: str


class ToolResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    content: str
    is_error: bool = False
    unknown: bool = False
    """An effect that may or may not have happened (an at-most-once call was interrupted); a person must check."""
    error_kind: ErrorKind | None = None
    """Who must act on an error (`ErrorKind`); None on success, and on an error that says no more (the model)."""


class ToolError(Exception):
    """The tool failed for good with these arguments; the model sees the message and may try otherwise."""


class Tool(abc.ABC):
    spec: ToolSpec

    @abc.abstractmethod
    async def call(self, arguments: dict[str, Any], context: ToolCallContext) -> ToolResult: ...

    async def preview(self, arguments: dict[str, Any]) -> str | None:
        """What the call would do, without doing it (a dry run), for the approval card; None if not offered."""
        return None


class Toolbox:
    """The tools a worker can run, by name; agents see only the subset their spec lists."""

    def __init__(self, tools: list[Tool] | None = None) -> None:
        self._tools: dict[str, Tool] = {}
        for tool in tools or []:
            self.add(tool)

    def add(self, tool: Tool) -> None:
        if tool.spec.name in self._tools:
            raise ValueError(f"tool {tool.spec.name!r} is registered twice")
        self._tools[tool.spec.name] = tool

    def get(self, name: str) -> Tool | None:
        return self._tools.get(name)

    def specs(self, names: list[str]) -> list[ToolSpec]:
        missing = [name for name in names if name not in self._tools]
        if missing:
            raise KeyError(f"unknown tools: {', '.join(missing)}; known: {', '.join(sorted(self._tools))}")
        return [self._tools[name].spec for name in names]

    def names(self) -> list[str]:
        return sorted(self._tools)
