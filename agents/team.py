"""The agent team: an orchestrator hands typed `AgentTask`s to specialists and gets typed `AgentResult`s back.

The orchestrator sees one extra tool, `delegate`, whose schema lists its specialists by name and purpose, so it
can only hand off to agents that exist and that it may use. A handoff carries an objective, the context the
specialist needs (the specialist sees nothing else of the conversation: small contexts, focused tools) and a
timeout. Independent subtasks go in one `delegate` call and run in parallel; the results come back as one tool
result the orchestrator synthesizes from. Everything here is pure: running the specialists durably is the
worker's business.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from agents.context.salience import clip_noted
from agents.messages import ToolUseBlock, Usage
from agents.spec import AgentSpec
from agents.tools import ToolAnnotations, ToolSpec

__all__ = [
    "ARTIFACT_CHARS",
    "DELEGATE",
    "ERROR_CHARS",
    "SUMMARY_CHARS",
    "AgentResult",
    "AgentTask",
    "Artifact",
    "delegate_tool",
    "error_line",
    "parse_handoffs",
    "render_results",
]

DELEGATE = "delegate"
MAX_PARALLEL = 4
DEFAULT_TIMEOUT_S = 600
MAX_TIMEOUT_S = 86_400
"""The most working time a parent may give a specialist (time waiting on people never counts)."""
SUMMARY_CHARS = 4_000
"""What the lead reads of a specialist's report; a longer one is cut with a note saying how much."""
SHOWN_ERRORS = 10
ARTIFACT_CHARS = 2_000
ERROR_CHARS = 300
"""What a specialist keeps of one tool result (artifact) and of one error message; cut with `clip_noted`."""


class AgentTask(BaseModel):
    """One handoff from a parent agent to a specialist."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    task_id: str = Field(description="Unique within the request: the parent's id, the turn and the position.")
    parent_task_id: str
    type: str = Field(description="The specialist's name: research, data, ops, comms…")
    objective: str = Field(min_length=1, max_length=2000)
    context: str = Field(default="", max_length=8000, description="What the specialist needs to know.")
    constraints: list[str] = Field(default_factory=list, max_length=10)
    timeout_seconds: int = Field(
        default=DEFAULT_TIMEOUT_S,
        ge=5,
        le=MAX_TIMEOUT_S,
        description="The specialist's working time; waits for people's decisions do not count against it.",
    )

    def prompt(self) -> str:
        """The specialist's first message: the objective, then context and constraints, nothing else."""
        parts = [f"Objective: {self.objective}"]
        if self.context:
            parts.append(f"Context:\n{self.context}")
        if self.constraints:
            parts.append("Constraints:\n" + "\n".join(f"- {c}" for c in self.constraints))
        parts.append("Report what you found or did, briefly and precisely; say plainly what you could not do.")
        return "\n\n".join(parts)


class Artifact(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["tool_result", "note"] = "tool_result"
    name: str
    content: str

    @classmethod
    def of(cls, name: str, content: str) -> Artifact:
        """A tool result kept for the lead: cut to `ARTIFACT_CHARS` with a note saying how much, if longer."""
        return cls(name=name, content=clip_noted(content, ARTIFACT_CHARS))


def error_line(tool: str, message: str) -> str:
    """One of a specialist's `errors`: the tool and its message, cut to `ERROR_CHARS` with a note if longer."""
    return f"{tool}: {clip_noted(message, ERROR_CHARS)}"


class AgentResult(BaseModel):
    """What a specialist hands back; `errors` lists every tool failure so none goes unnoticed."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    task_id: str
    agent: str
    status: Literal["done", "failed", "out_of_turns", "timed_out", "over_budget", "cancelled"]
    summary: str
    artifacts: list[Artifact] = Field(default_factory=list)
    usage: Usage = Usage()
    errors: list[str] = Field(default_factory=list)
    turns: int = 0
    tool_calls: int = 0


class _Handoff(BaseModel):
    model_config = ConfigDict(extra="forbid")

    agent: str
    objective: str = Field(min_length=1, max_length=2000)
    context: str = Field(default="", max_length=8000)
    constraints: list[str] = Field(default_factory=list, max_length=10)
    timeout_seconds: int = Field(default=DEFAULT_TIMEOUT_S, ge=5, le=MAX_TIMEOUT_S)


class _Delegation(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tasks: list[_Handoff] = Field(min_length=1, max_length=MAX_PARALLEL)


def delegate_tool(specialists: list[AgentSpec]) -> ToolSpec:
    """The orchestrator's handoff tool; its schema names exactly the specialists this agent may use."""
    roster = "\n".join(f"- {agent.name}: {agent.purpose}" for agent in specialists)
    return ToolSpec(
        name=DELEGATE,
        description=(
            "Hand subtasks to specialist agents and get their results. Subtasks in one call run in parallel, so "
            "put independent ones together; call again for steps that need earlier results. Each specialist sees "
            "only the objective and context you give it, so include every fact it needs.\nSpecialists:\n" + roster
        ),
        input_schema={
            "type": "object",
            "properties": {
                "tasks": {
                    "type": "array",
                    "minItems": 1,
                    "maxItems": MAX_PARALLEL,
                    "items": {
                        "type": "object",
                        "properties": {
                            "agent": {"type": "string", "enum": [agent.name for agent in specialists]},
                            "objective": {"type": "string", "description": "What to find out or do."},
                            "context": {"type": "string", "description": "Facts the specialist needs."},
                            "constraints": {"type": "array", "items": {"type": "string"}},
                            "timeout_seconds": {
                                "type": "integer",
                                "minimum": 5,
                                "maximum": MAX_TIMEOUT_S,
                                "description": "Working time for the specialist (waits for approvals excluded).",
                            },
                        },
                        "required": ["agent", "objective"],
                        "additionalProperties": False,
                    },
                }
            },
            "required": ["tasks"],
            "additionalProperties": False,
        },
        annotations=ToolAnnotations(read_only=True, destructive=False, idempotent=True, open_world=False),
        server="opsgate",
    )


def parse_handoffs(call: ToolUseBlock, parent: str, turn: int, allowed: list[str]) -> list[AgentTask] | str:
    """The typed handoffs in a `delegate` call, or an error the model can act on."""
    try:
        delegation = _Delegation.model_validate(call.input)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()[:5])
        return f"Invalid delegate call: {problems}."
    unknown = sorted({task.agent for task in delegation.tasks} - set(allowed))
    if unknown:
        return f"Unknown specialist(s) {', '.join(unknown)}; you may delegate to: {', '.join(allowed) or 'nobody'}."
    return [
        AgentTask(
            task_id=f"{parent}.{turn}.{index}",
            parent_task_id=parent,
            type=task.agent,
            objective=task.objective,
            context=task.context,
            constraints=task.constraints,
            timeout_seconds=task.timeout_seconds,
        )
        for index, task in enumerate(delegation.tasks, start=1)
    ]


def render_results(results: list[AgentResult]) -> str:
    """The specialists' results as the orchestrator reads them: one JSON object per subtask. Whatever is cut says
    so, with how much, so the lead never takes part of a report for the whole."""
    shown: list[dict[str, Any]] = []
    for result in results:
        entry: dict[str, Any] = {
            "task_id": result.task_id,
            "agent": result.agent,
            "status": result.status,
            "summary": clip_noted(result.summary, SUMMARY_CHARS),
        }
        if result.errors:
            more = len(result.errors) - SHOWN_ERRORS
            entry["errors"] = result.errors[:SHOWN_ERRORS] + ([f"[cut: {more} more errors]"] if more > 0 else [])
        shown.append(entry)
    return json.dumps({"results": shown}, ensure_ascii=False, indent=1)
