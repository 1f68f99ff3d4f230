"""`opsgate.yml`, the team configuration: which agents exist and how the slash command behaves.

People write this file, so every problem is reported as `file:line: field: message`, all at once, pointing at
the offending value (or at the mapping that lacks a required key). Each section is its own model, so later
sections (`policy`, and later tools and schedules) slot in beside `commands` without touching the loader.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal, Self

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from agents.guardrails import GuardrailsConfig, OutputPolicy, Rate
from agents.guardrails.config import DEFAULT_ENTITY_POLICY, EntityAction, ScopeConfig
from agents.mcp import McpConfig
from agents.spec import AgentSpec
from approvals.fields import Principal
from approvals.policy import ApprovalPolicy
from bot.digest_schedule import DigestSchedule

__all__ = ["CommandsConfig", "TeamConfig", "TeamConfigError", "load_team_config", "parse_team_config"]

_Loc = tuple[str | int, ...]
DEFAULT_TEAM_FILE = Path(__file__).with_name("default_team.yml")


class TeamConfigError(ValueError):
    """The team configuration cannot be used; `problems` holds one `file:line: field: message` per problem."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(problems))


class CommandsConfig(BaseModel):
    """How `/ops` requests are accepted before any agent sees them."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_request_chars: int = Field(default=4000, ge=1, le=40_000)
    allowed_channels: list[str] = Field(default_factory=list, description="Channel ids; empty allows all.")
    allowed_users: list[Principal] = Field(
        default_factory=list,
        description="User ids (U…) and user groups (S…) who may use /ops, T…:U… for another workspace's; empty "
        "allows all.",
    )
    requests_per_user: Rate | None = Field(default=Rate(limit=20, window_s=60.0), description="Shared by replicas.")
    requests_per_channel: Rate | None = Field(default=Rate(limit=60, window_s=60.0), description="Shared by replicas.")


Restorable = Literal["EMAIL", "PHONE", "CREDIT_CARD", "IBAN", "US_SSN"]


def _restore_emails() -> list[Restorable]:
    return ["EMAIL"]


class GuardrailsSection(BaseModel):
    """Guardrail settings: what each input data type becomes, and the rules on proposed tool calls."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    entities: dict[str, EntityAction] = Field(default_factory=lambda: dict(DEFAULT_ENTITY_POLICY))
    disabled_rules: list[str] = Field(default_factory=list, description="Input rule ids to skip, e.g. [R11].")
    restore_in_approved_calls: list[Restorable] = Field(
        default_factory=_restore_emails,
        description="Pseudonymised types put back into the arguments of a call a person approved (e.g. an email "
        "address for send_email); everywhere else they stay placeholders.",
    )
    output: OutputPolicy = Field(default_factory=OutputPolicy)
    scope: ScopeConfig = Field(
        default_factory=ScopeConfig,
        description="What counts as this team's work: other requests get a polite refusal without a model call.",
    )

    def input_config(self, max_chars: int) -> GuardrailsConfig:
        return GuardrailsConfig(
            max_chars=max_chars,
            entities=dict(self.entities),
            disabled_rules=frozenset(self.disabled_rules),
            scope=self.scope,
        )


class ToolsSection(BaseModel):
    """Where the built-in tools may reach: open-world calls go through the egress allowlist."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    email_domains: list[str] = Field(
        default_factory=list, description="Recipient domains send_email may write to; empty disables email."
    )
    egress_hosts: list[str] = Field(
        default_factory=list,
        description="Host globs (`*.example.com`) open-world tools may send to; the email domains are added.",
    )

    def egress(self) -> list[str]:
        return [*self.egress_hosts, *self.email_domains]


class AlertsConfig(BaseModel):
    """Where operators hear about invocations Restate paused after their retries ran out."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    channel: str | None = Field(default=None, pattern=r"^[CG][A-Z0-9]{2,}$", description="Admin channel id (C…).")
    check_every_s: float = Field(default=60.0, ge=1, le=3600)


class TeamConfig(BaseModel):
    """The whole of `opsgate.yml`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: Literal[1]
    agents: list[AgentSpec] = Field(min_length=1)
    default_agent: str = Field(default="", description="Agent that takes requests; defaults to the first.")
    commands: CommandsConfig = Field(default_factory=CommandsConfig)
    policy: ApprovalPolicy = Field(default_factory=ApprovalPolicy, description="Risk tiers and who approves.")
    guardrails: GuardrailsSection = Field(default_factory=GuardrailsSection)
    tools: ToolsSection = Field(default_factory=ToolsSection)
    mcp: McpConfig = Field(default_factory=McpConfig, description="MCP servers whose tools agents may use.")
    alerts: AlertsConfig = Field(default_factory=AlertsConfig)
    digests: list[DigestSchedule] = Field(
        default_factory=list, description="Scheduled digests: channel, cron, timezone, hours covered."
    )

    @model_validator(mode="before")
    @classmethod
    def _default_agent_is_first(cls, data: Any) -> Any:
        if not isinstance(data, dict) or data.get("default_agent") is not None:
            return data
        agents = data.get("agents")
        first = agents[0] if isinstance(agents, list) and agents else None
        name = first.name if isinstance(first, AgentSpec) else first.get("name") if isinstance(first, dict) else None
        return {**data, "default_agent": name} if isinstance(name, str) else data

    @model_validator(mode="after")
    def _agents_are_consistent(self) -> Self:
        # Raised as a ValidationError so each problem carries the location of the value at fault.
        errors: list[InitErrorDetails] = []
        first_index: dict[str, int] = {}
        for index, agent in enumerate(self.agents):
            if agent.name in first_index:
                problem = PydanticCustomError(
                    "duplicate_agent",
                    "duplicate agent name '{name}' (also agents[{first}])",
                    {"name": agent.name, "first": first_index[agent.name]},
                )
                errors.append({"type": problem, "loc": ("agents", index, "name"), "input": agent.name})
            first_index.setdefault(agent.name, index)
        for index, agent in enumerate(self.agents):
            for position, name in enumerate(agent.delegates):
                if name == agent.name or name not in first_index:
                    why = "an agent cannot delegate to itself" if name == agent.name else "no such agent"
                    problem = PydanticCustomError(
                        "unknown_delegate",
                        "'{name}': {why} (agents: {known})",
                        {"name": name, "why": why, "known": ", ".join(first_index)},
                    )
                    errors.append({"type": problem, "loc": ("agents", index, "delegates", position), "input": name})
        if not errors and (cycle := _delegation_cycle(self.agents)):
            problem = PydanticCustomError(
                "delegation_cycle", "agents delegate in a circle: {cycle}", {"cycle": " → ".join(cycle)}
            )
            errors.append({"type": problem, "loc": ("agents",), "input": cycle})
        if self.default_agent not in first_index:
            problem = PydanticCustomError(
                "unknown_agent",
                "'{name}' is not one of the agents ({known})",
                {"name": self.default_agent, "known": ", ".join(first_index)},
            )
            errors.append({"type": problem, "loc": ("default_agent",), "input": self.default_agent})
        if errors:
            raise ValidationError.from_exception_data(type(self).__name__, errors)
        return self

    @classmethod
    def default(cls) -> TeamConfig:
        """The built-in team used when no `opsgate.yml` exists, so a demo runs with no file."""
        return parse_team_config(DEFAULT_TEAM_FILE.read_text(encoding="utf-8"), str(DEFAULT_TEAM_FILE))

    def agent(self, name: str) -> AgentSpec:
        """The agent called `name`; a KeyError names the agents that do exist."""
        for agent in self.agents:
            if agent.name == name:
                return agent
        raise KeyError(f"no agent '{name}' in the team configuration (agents: {[a.name for a in self.agents]})")

    def warnings(self) -> list[str]:
        """Problems that do not stop the configuration from loading, for the caller to log."""
        return [warning for agent in self.agents for warning in agent.warnings()]


def _delegation_cycle(agents: list[AgentSpec]) -> list[str] | None:
    """A path of delegations that comes back to where it started, or None: handoffs must end somewhere."""
    delegates = {agent.name: agent.delegates for agent in agents}
    done: set[str] = set()

    def visit(name: str, path: list[str]) -> list[str] | None:
        if name in path:
            return [*path[path.index(name) :], name]
        if name in done:
            return None
        for child in delegates.get(name, []):
            if cycle := visit(child, [*path, name]):
                return cycle
        done.add(name)
        return None

    for agent in agents:
        if cycle := visit(agent.name, []):
            return cycle
    return None


def load_team_config(path: Path) -> TeamConfig:
    """Read and validate the team configuration at `path`."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        hint = "start from the example opsgate.yml at the repository root"
        raise TeamConfigError([f"{path}: team configuration not found ({hint})"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise TeamConfigError([f"{path}: cannot read the team configuration: {exc}"]) from exc
    return parse_team_config(text, str(path))


def parse_team_config(text: str, source: str) -> TeamConfig:
    """Validate YAML `text`; `source` names the file in error messages."""
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{source}:{mark.line + 1}" if mark is not None else source
        raise TeamConfigError([f"{where}: YAML syntax error: {exc.problem or exc.context}"]) from None
    except yaml.YAMLError as exc:
        raise TeamConfigError([f"{source}: YAML error: {exc}"]) from None
    finally:
        loader.dispose()
    if node is None:
        raise TeamConfigError([f"{source}:1: the file is empty; expected a mapping with `version` and `agents`"])
    if not isinstance(data, dict):
        found = type(data).__name__
        line = node.start_mark.line + 1
        raise TeamConfigError([f"{source}:{line}: expected a mapping with `version` and `agents`, not a {found}"])
    lines: dict[_Loc, int] = {}
    problems = _index_lines(node, (), lines)
    try:
        config = TeamConfig.model_validate(data)
    except ValidationError as exc:
        problems += [_locate(error["loc"], error["msg"], lines) for error in exc.errors()]
    if problems:
        raise TeamConfigError([f"{source}:{line}: {text}" for line, text in sorted(problems, key=lambda p: p[0])])
    return config


def _index_lines(node: yaml.Node, loc: _Loc, lines: dict[_Loc, int], depth: int = 0) -> list[tuple[int, str]]:
    """Record the 1-based line of every value under `node`; return the duplicate keys found on the way."""
    lines.setdefault(loc, node.start_mark.line + 1)
    problems: list[tuple[int, str]] = []
    if depth > 64:  # a recursive alias; pydantic reports the cycle itself
        return problems
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key, key_line = str(key_node.value), key_node.start_mark.line + 1
            if key in seen:
                problems.append((key_line, f"{_dotted((*loc, key))}: duplicate key (first at line {seen[key]})"))
            seen.setdefault(key, key_line)
            # A scalar is reported where it stands; a block collection where its key names it.
            scalar = isinstance(value_node, yaml.ScalarNode)
            lines[(*loc, key)] = value_node.start_mark.line + 1 if scalar else key_line
            problems += _index_lines(value_node, (*loc, key), lines, depth + 1)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            problems += _index_lines(item, (*loc, index), lines, depth + 1)
    return problems


def _locate(loc: _Loc, message: str, lines: dict[_Loc, int]) -> tuple[int, str]:
    # A missing key has no line of its own: walk up to the nearest enclosing value that has one.
    line = next((lines[loc[:n]] for n in range(len(loc), -1, -1) if loc[:n] in lines), 1)
    message = message.removeprefix("Value error, ")
    return line, f"{_dotted(loc)}: {message}" if loc else message


def _dotted(loc: _Loc) -> str:
    """`("agents", 0, "max_turns")` as `agents[0].max_turns`."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else part
    return text
