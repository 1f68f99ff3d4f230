"""The declarative spec of one agent: who it is, what it is for, and which tools it may call.

Specs come from `opsgate.yml` and are frozen, so an agent cannot widen its own scope at run time. The
tool-count limits exist because models choose tools less reliably as the list grows: past a handful the spec
still loads but warns, past fifteen it is refused and the agent should be split into specialists.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from agents.models.pricing import DEFAULT_PRICES, known_model

__all__ = ["AGENT_NAME_PATTERN", "MAX_TOOLS", "TOOLS_WARNING_THRESHOLD", "AgentSpec"]

AGENT_NAME_PATTERN = r"^[a-z][a-z0-9_-]{0,39}$"
MAX_TOOLS = 15
TOOLS_WARNING_THRESHOLD = 8


class AgentSpec(BaseModel):
    """One agent as configured: a slug name, its purpose, its system prompt and its tool scope."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(pattern=AGENT_NAME_PATTERN, description="Slug that names the agent in logs and traces.")
    purpose: str = Field(min_length=1, description="One line the orchestrator reads to pick this agent.")
    prompt: str = Field(min_length=1, description="The agent's system prompt.")
    tools: list[str] = Field(description="Names of the tools this agent may call; nothing else passes the gate.")
    max_turns: int = Field(default=8, ge=1, le=50, description="Model round trips before the agent gives up.")
    model: str | None = Field(default=None, description="Model id; None uses the deployment's default model.")
    token_budget: int | None = Field(
        default=None, ge=1, description="Tokens (input, output and cached) the agent may spend per task."
    )
    delegates: list[str] = Field(
        default_factory=list,
        description="Specialists this agent may hand subtasks to with the `delegate` tool (an orchestrator).",
    )

    @field_validator("model")
    @classmethod
    def _model_is_known(cls, model: str | None) -> str | None:
        if model is not None and not known_model(model):
            raise PydanticCustomError(
                "unknown_model",
                "unknown model '{model}'; known models: {known} (a dated id such as claude-sonnet-4-5-20250929 "
                "counts as its family)",
                {"model": model, "known": ", ".join(DEFAULT_PRICES)},
            )
        return model

    @field_validator("tools")
    @classmethod
    def _tools_are_unique_and_few(cls, tools: list[str], info: ValidationInfo) -> list[str]:
        # `name` is declared first, so when it was valid it is already in `info.data`.
        name = info.data.get("name")
        agent = f"agent '{name}'" if name else "the agent"
        blank = [i for i, tool in enumerate(tools) if not tool.strip()]
        if blank:
            raise PydanticCustomError("blank_tool", "tool names must not be empty (item {index})", {"index": blank[0]})
        duplicates = sorted({tool for tool in tools if tools.count(tool) > 1})
        if duplicates:
            raise PydanticCustomError(
                "duplicate_tool",
                "{agent} lists {tools} more than once",
                {"agent": agent, "tools": ", ".join(duplicates)},
            )
        if len(tools) > MAX_TOOLS:
            raise PydanticCustomError(
                "too_many_tools",
                "{agent} lists {count} tools; at most {limit} (split it into specialists)",
                {"agent": agent, "count": len(tools), "limit": MAX_TOOLS},
            )
        return tools

    def warnings(self) -> list[str]:
        """Problems that do not stop the agent from loading but are worth fixing."""
        if len(self.tools) > TOOLS_WARNING_THRESHOLD:
            return [
                f"agent '{self.name}' lists {len(self.tools)} tools; more than {TOOLS_WARNING_THRESHOLD} "
                "makes tool choice less reliable (consider splitting it into specialists)"
            ]
        return []
